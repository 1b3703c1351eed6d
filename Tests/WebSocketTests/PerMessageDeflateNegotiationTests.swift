import Testing
import WebSocket

/// Request `Sec-WebSocket-Extensions` values and the response and parameters they must produce.
struct NegotiationCase: Sendable, CustomTestStringConvertible {
    var offers: [String]
    /// Most cases use a server that lets clients keep their context, so the table shows what the offer alone decides;
    /// the cases with `.default` show the shipped setting (client_no_context_takeover always asked).
    var configuration = PerMessageDeflateConfiguration(clientNoContextTakeover: false)
    /// nil: declined.
    var response: String?
    var parameters: PerMessageDeflateParameters?

    var testDescription: String { offers.map { "\"\($0)\"" }.joined(separator: " + ") }

    static func params(
        snct: Bool = true, cnct: Bool = false, server: Int = 15, client: Int = 15
    ) -> PerMessageDeflateParameters {
        PerMessageDeflateParameters(
            serverNoContextTakeover: snct, clientNoContextTakeover: cnct, serverMaxWindowBits: server,
            clientMaxWindowBits: client)
    }

    static let defaultResponse = "permessage-deflate; server_no_context_takeover"

    static let all: [NegotiationCase] = [
        // Plain offers, with the default configuration (server_no_context_takeover always).
        NegotiationCase(offers: ["permessage-deflate"], response: defaultResponse, parameters: params()),
        NegotiationCase(offers: ["PerMessage-Deflate"], response: defaultResponse, parameters: params()),
        NegotiationCase(offers: ["  permessage-deflate  "], response: defaultResponse, parameters: params()),
        // Chrome and Firefox.
        NegotiationCase(
            offers: ["permessage-deflate; client_max_window_bits"], response: defaultResponse, parameters: params()),
        // Chrome and Firefox with the shipped configuration: the server asks them not to take context over.
        NegotiationCase(
            offers: ["permessage-deflate; client_max_window_bits"], configuration: .default,
            response: "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
            parameters: params(cnct: true)),
        // Autobahn's default offer (cases 12.*, 13.1).
        NegotiationCase(
            offers: ["permessage-deflate; client_no_context_takeover; client_max_window_bits"],
            response: "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
            parameters: params(cnct: true)),
        // Autobahn 13.3: server_max_window_bits=9 asked.
        NegotiationCase(
            offers: ["permessage-deflate; client_no_context_takeover; client_max_window_bits; server_max_window_bits=9"],
            response: "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9",
            parameters: params(cnct: true, server: 9)),
        // Autobahn 13.5: server_no_context_takeover and server_max_window_bits=9 asked.
        NegotiationCase(
            offers: ["permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover; server_max_window_bits=9"],
            response: "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9",
            parameters: params(cnct: true, server: 9)),
        // Each parameter alone.
        NegotiationCase(
            offers: ["permessage-deflate; server_no_context_takeover"], response: defaultResponse, parameters: params()),
        NegotiationCase(
            offers: ["permessage-deflate; server_max_window_bits=8"],
            response: "permessage-deflate; server_no_context_takeover; server_max_window_bits=8",
            parameters: params(server: 8)),
        NegotiationCase(
            offers: ["permessage-deflate; server_max_window_bits=15"],
            response: "permessage-deflate; server_no_context_takeover; server_max_window_bits=15",
            parameters: params()),
        NegotiationCase(
            offers: ["permessage-deflate; client_max_window_bits=10"],
            response: "permessage-deflate; server_no_context_takeover; client_max_window_bits=10",
            parameters: params(client: 10)),
        // RFC 6455 §9.1: a value may be a quoted-string that unescapes to a token.
        NegotiationCase(
            offers: ["permessage-deflate; client_max_window_bits=\"10\""],
            response: "permessage-deflate; server_no_context_takeover; client_max_window_bits=10",
            parameters: params(client: 10)),
        NegotiationCase(
            offers: ["permessage-deflate; server_max_window_bits=\"1\\2\""],
            response: "permessage-deflate; server_no_context_takeover; server_max_window_bits=12",
            parameters: params(server: 12)),
        NegotiationCase(
            offers: ["permessage-deflate ; server_max_window_bits = 10 "],
            response: "permessage-deflate; server_no_context_takeover; server_max_window_bits=10",
            parameters: params(server: 10)),
        // Declined: invalid values, duplicates, unknown parameters, values where none belong.
        NegotiationCase(offers: ["permessage-deflate; server_max_window_bits=7"]),
        NegotiationCase(offers: ["permessage-deflate; server_max_window_bits=16"]),
        NegotiationCase(offers: ["permessage-deflate; server_max_window_bits=010"]),
        NegotiationCase(offers: ["permessage-deflate; server_max_window_bits=+9"]),
        NegotiationCase(offers: ["permessage-deflate; server_max_window_bits"]),
        NegotiationCase(offers: ["permessage-deflate; server_max_window_bits=\"\""]),
        NegotiationCase(offers: ["permessage-deflate; client_max_window_bits=7"]),
        NegotiationCase(offers: ["permessage-deflate; client_max_window_bits=16"]),
        NegotiationCase(offers: ["permessage-deflate; client_max_window_bits=\"1 0\""]),
        NegotiationCase(offers: ["permessage-deflate; server_no_context_takeover; server_no_context_takeover"]),
        NegotiationCase(offers: ["permessage-deflate; client_max_window_bits; client_max_window_bits=10"]),
        NegotiationCase(offers: ["permessage-deflate; server_no_context_takeover=true"]),
        NegotiationCase(offers: ["permessage-deflate; client_no_context_takeover=1"]),
        NegotiationCase(offers: ["permessage-deflate; mystery"]),
        NegotiationCase(offers: ["permessage-deflate; client_max_window_bits=\"10"]),
        NegotiationCase(offers: ["permessage-deflate;"]),
        NegotiationCase(offers: ["x-webkit-deflate-frame", "deflate-frame; no_context_takeover"]),
        NegotiationCase(offers: []),
        NegotiationCase(offers: [""]),
        // The first acceptable offer wins; declined ones are skipped (RFC 7692 §5.1).
        NegotiationCase(
            offers: ["permessage-deflate; server_max_window_bits=7, permessage-deflate; client_max_window_bits=11"],
            response: "permessage-deflate; server_no_context_takeover; client_max_window_bits=11",
            parameters: params(client: 11)),
        // Autobahn 13.7: three offers, the first acceptable.
        NegotiationCase(
            offers: ["permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover; server_max_window_bits=9, permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover, permessage-deflate; client_no_context_takeover; client_max_window_bits"],
            response: "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9",
            parameters: params(cnct: true, server: 9)),
        NegotiationCase(
            offers: ["foo, bar; baz=2", "permessage-deflate; mystery", "permessage-deflate; server_max_window_bits=12"],
            response: "permessage-deflate; server_no_context_takeover; server_max_window_bits=12",
            parameters: params(server: 12)),
        NegotiationCase(
            offers: ["foo; x=\"a,b\", permessage-deflate"], response: defaultResponse, parameters: params()),
        NegotiationCase(offers: [", ,permessage-deflate,"], response: defaultResponse, parameters: params()),
        // Configuration: our own limits.
        NegotiationCase(
            offers: ["permessage-deflate; server_max_window_bits=12"],
            configuration: PerMessageDeflateConfiguration(clientNoContextTakeover: false, serverMaxWindowBits: 10),
            response: "permessage-deflate; server_no_context_takeover; server_max_window_bits=10",
            parameters: params(server: 10)),
        NegotiationCase(
            offers: ["permessage-deflate"], configuration: PerMessageDeflateConfiguration(clientNoContextTakeover: false, serverMaxWindowBits: 10),
            response: defaultResponse, parameters: params(server: 10)),
        NegotiationCase(
            offers: ["permessage-deflate; client_max_window_bits"],
            configuration: PerMessageDeflateConfiguration(clientNoContextTakeover: false, clientMaxWindowBits: 11),
            response: "permessage-deflate; server_no_context_takeover; client_max_window_bits=11",
            parameters: params(client: 11)),
        NegotiationCase(
            offers: ["permessage-deflate; client_max_window_bits=10"],
            configuration: PerMessageDeflateConfiguration(clientNoContextTakeover: false, clientMaxWindowBits: 12),
            response: "permessage-deflate; server_no_context_takeover; client_max_window_bits=10",
            parameters: params(client: 10)),
        // RFC 7692 §7.1.2.2: no client_max_window_bits in the response unless offered.
        NegotiationCase(
            offers: ["permessage-deflate"], configuration: PerMessageDeflateConfiguration(clientNoContextTakeover: false, clientMaxWindowBits: 11),
            response: defaultResponse, parameters: params()),
        // 8 is announced as 9: zlib-based clients cannot deflate raw streams with 8.
        NegotiationCase(
            offers: ["permessage-deflate; client_max_window_bits"],
            configuration: PerMessageDeflateConfiguration(clientNoContextTakeover: false, clientMaxWindowBits: 8),
            response: "permessage-deflate; server_no_context_takeover; client_max_window_bits=9",
            parameters: params(client: 9)),
        NegotiationCase(
            offers: ["permessage-deflate"],
            configuration: PerMessageDeflateConfiguration(serverNoContextTakeover: false, clientNoContextTakeover: true),
            response: "permessage-deflate; client_no_context_takeover", parameters: params(snct: false, cnct: true)),
        NegotiationCase(
            offers: ["permessage-deflate; server_no_context_takeover"],
            configuration: PerMessageDeflateConfiguration(serverNoContextTakeover: false, clientNoContextTakeover: false),
            response: "permessage-deflate; server_no_context_takeover", parameters: params()),
        NegotiationCase(
            offers: ["permessage-deflate"], configuration: PerMessageDeflateConfiguration(serverNoContextTakeover: false, clientNoContextTakeover: false),
            response: "permessage-deflate", parameters: params(snct: false)),
        NegotiationCase(offers: ["permessage-deflate"], configuration: PerMessageDeflateConfiguration(enabled: false)),
    ]
}

@Suite struct PerMessageDeflateNegotiationTests {
    @Test(arguments: NegotiationCase.all)
    func negotiates(_ testCase: NegotiationCase) {
        let result = PerMessageDeflateNegotiation.negotiate(
            offers: testCase.offers, configuration: testCase.configuration)
        #expect(result?.response == testCase.response)
        #expect(result?.parameters == testCase.parameters)
    }

    @Test func hasTheDocumentedDefaults() {
        let configuration = PerMessageDeflateConfiguration.default
        #expect(configuration.enabled)
        #expect(configuration.minimumSize == 256)
        #expect(configuration.serverNoContextTakeover)
        #expect(configuration.clientNoContextTakeover)
        #expect(configuration.serverMaxWindowBits == 15 && configuration.clientMaxWindowBits == 15)
        #expect(configuration.compressionLevel == 6 && configuration.memoryLevel == 8)
    }
}

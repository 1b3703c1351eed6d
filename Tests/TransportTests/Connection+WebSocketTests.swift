import TestSupport
import HTTP1
import Testing
import Transport
import WebSocket

extension TransportIntegrationTests {
    /// The WebSocket upgrade (RFC 6455 §4.2), permessage-deflate (RFC 7692), subprotocols, every refusal with its
    /// status, protocol errors as close codes (§7.4.1), and the closing handshake (§7.1.2), over real sockets.
    @Suite struct ConnectionWebSocketTests {
        static func router(_ log: WebSocketLog = WebSocketLog(), subprotocols: [String] = []) -> Router {
            var router = Router.testing()
            router.webSocket("/ws", RecordingEndpoint(log: log, subprotocols: subprotocols))
            router.webSocket("/ws/echo", EchoEndpoint())
            router.webSocket("/ws/reject", RejectingEndpoint(response: .error(401, code: "auth.required", message: "Sign in first.")))
            return router
        }

        // MARK: the upgrade

        @Test func answersTheRFC6455SampleKeyWithItsAcceptValue() throws {
            try withTestServer(router: Self.router()) { server in
                let client = try server.connect()
                // RFC 6455 §1.3: the sample nonce and the value the server must answer with.
                try client.send(TestWebSocketClient.handshakeRequest(path: "/ws", key: "dGhlIHNhbXBsZSBub25jZQ=="))
                let response = try client.readResponse()
                #expect(response.status == 101)
                #expect(response.header("Sec-WebSocket-Accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
                #expect(response.header("Upgrade")?.lowercased() == "websocket")
                #expect(response.header("Connection")?.lowercased() == "upgrade")
                #expect(response.header("Sec-WebSocket-Extensions") == nil, "no extension was offered")
                #expect(response.header("Sec-WebSocket-Protocol") == nil, "no subprotocol was offered")
            }
        }

        @Test(arguments: ReadinessMode.allCases)
        func echoesTextAndBinaryMessagesAfterTheUpgrade(_ readiness: ReadinessMode) throws {
            try withTestServer(.forTesting { $0.readiness = readiness }, router: Self.router()) { server in
                let client = try server.webSocket("/ws/echo")
                defer { client.close() }
                #expect(client.handshake.header("Sec-WebSocket-Accept") == WebSocketHandshake.acceptValue(forKey: client.key))

                try client.send(text: "héllo, 世界 🌍")
                #expect(try client.nextEvent() == .text(Array("héllo, 世界 🌍".utf8)))

                let bytes = (0..<256).map { UInt8($0) }
                try client.send(binary: bytes)
                #expect(try client.nextEvent() == .binary(bytes))

                // 16-bit and 64-bit length encodings (RFC 6455 §5.2).
                for size in [126, 65_535, 65_536, 200_000] {
                    let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
                    try client.send(binary: payload)
                    #expect(try client.nextEvent().binary == payload, "a message of \(size) bytes")
                }
                try client.send(binary: [])
                #expect(try client.nextEvent() == .binary([]))
            }
        }

        @Test func reassemblesAFragmentedMessageAndAnswersAPingBetweenItsFragments() throws {
            try withTestServer(router: Self.router()) { server in
                let client = try server.webSocket("/ws/echo")
                defer { client.close() }
                try client.sendFrame(opcode: .text, payload: Array("frag".utf8), fin: false)
                try client.sendFrame(opcode: .ping, payload: Array("are you there".utf8))
                try client.sendFrame(opcode: .continuation, payload: Array("men".utf8), fin: false)
                try client.sendFrame(opcode: .continuation, payload: Array("ted".utf8), fin: true)
                // RFC 6455 §5.4: control frames may be injected in the middle of a fragmented message.
                #expect(try client.nextEvent() == .pong(Array("are you there".utf8)))
                #expect(try client.nextEvent() == .text(Array("fragmented".utf8)))
            }
        }

        @Test func readsAFrameThatArrivesInTheSameWriteAsTheHandshake() throws {
            try withTestServer(router: Self.router()) { server in
                let frame = FrameEncoder.encode(opcode: .text, payload: Array("eager".utf8), maskingKey: TestWebSocketClient.randomMaskingKey())
                let client = try TestWebSocketClient(port: server.port, path: "/ws/echo", sendingWithHandshake: frame)
                defer { client.close() }
                #expect(try client.nextEvent() == .text(Array("eager".utf8)))
            }
        }

        @Test func negotiatesPermessageDeflateAndCompressesLargeMessagesBothWays() throws {
            try withTestServer(router: Self.router()) { server in
                let client = try server.webSocket("/ws/echo", offerDeflate: true)
                defer { client.close() }
                let agreed = try #require(client.deflate, "the server accepted permessage-deflate")
                #expect(agreed.serverNoContextTakeover)
                #expect(agreed.clientNoContextTakeover)

                let large = String(repeating: "Le dernier mot revient aux citoyens. ", count: 60)
                try client.send(text: large, compressed: true)
                #expect(try client.nextEvent().text == large)
                #expect(client.lastMessageCompressed, "a message over the minimum size comes back compressed (RSV1)")

                try client.send(text: large, compressed: false)
                #expect(try client.nextEvent().text == large, "RFC 7692 §6: a client may send any message uncompressed")

                try client.send(text: "short")
                #expect(try client.nextEvent().text == "short")
                #expect(!client.lastMessageCompressed, "a message under the minimum size is sent as it is")

                let binary = [UInt8](repeating: 7, count: 100_000)
                try client.send(binary: binary, compressed: true)
                #expect(try client.nextEvent().binary == binary)
                #expect(client.lastMessageCompressed)
            }
        }

        @Test func sendsNothingCompressedWhenTheClientOffersNoCompression() throws {
            try withTestServer(router: Self.router()) { server in
                let client = try server.webSocket("/ws/echo")
                defer { client.close() }
                #expect(client.handshake.header("Sec-WebSocket-Extensions") == nil)
                let large = String(repeating: "uncompressed ", count: 200)
                try client.send(text: large)
                #expect(try client.nextEvent().text == large)
                #expect(!client.lastMessageCompressed)
            }
        }

        @Test func declinesCompressionWhenTheConfigurationTurnsItOff() throws {
            let configuration = ServerConfiguration.forTesting { $0.deflate.enabled = false }
            try withTestServer(configuration, router: Self.router()) { server in
                let client = try server.webSocket("/ws/echo", offerDeflate: true)
                defer { client.close() }
                #expect(client.handshake.header("Sec-WebSocket-Extensions") == nil)
                #expect(client.deflate == nil)
            }
        }

        @Test func choosesTheEndpointsPreferredSubprotocolAmongThoseOffered() throws {
            try withTestServer(router: Self.router(subprotocols: ["lastword.v2", "lastword.v1"])) { server in
                let both = try server.webSocket("/ws", protocols: ["lastword.v1", "lastword.v2"])
                #expect(both.handshake.header("Sec-WebSocket-Protocol") == "lastword.v2")
                both.close()
                let old = try server.webSocket("/ws", protocols: ["chat", "lastword.v1"])
                #expect(old.handshake.header("Sec-WebSocket-Protocol") == "lastword.v1")
                old.close()
                let none = try server.webSocket("/ws", protocols: ["chat"])
                #expect(none.handshake.header("Sec-WebSocket-Protocol") == nil, "RFC 6455 §4.2.2: no header when none is chosen")
                none.close()
            }
        }

        // MARK: refusals (RFC 6455 §4.2.1, §4.4, §10.2)

        struct RefusedHandshake: Sendable, CustomTestStringConvertible {
            var name: String
            var method = "GET"
            var version = "HTTP/1.1"
            var path = "/ws"
            /// Replaces the handshake's header of the same name; a nil value removes it.
            var headers: [(String, String?)] = []
            /// Added after the handshake's headers.
            var added: [(String, String)] = []
            var body = ""
            var status: Int
            var code: String
            var extraHeader: (String, String)? = nil
            var testDescription: String { name }

            func request(port: Int) -> [UInt8] {
                var fields: [(String, String)] = [
                    ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
                    ("Sec-WebSocket-Version", "13"),
                ]
                for (name, value) in headers {
                    if let index = fields.firstIndex(where: { $0.0 == name }) {
                        if let value { fields[index].1 = value } else { fields.remove(at: index) }
                    } else if let value {
                        fields.append((name, value))
                    }
                }
                fields += added
                return TestHTTPClient.request(method, path, version: version, host: "127.0.0.1:\(port)", headers: fields, body: Array(body.utf8))
            }
        }

        static let refusals: [RefusedHandshake] = [
            RefusedHandshake(name: "a POST", method: "POST", status: 405, code: "ws.method_not_get", extraHeader: ("Allow", "GET")),
            RefusedHandshake(name: "HTTP/1.0", version: "HTTP/1.0", status: 400, code: "ws.http_version"),
            RefusedHandshake(name: "no Connection header", headers: [("Connection", nil)], status: 400, code: "ws.connection_header"),
            RefusedHandshake(
                name: "Connection without Upgrade", headers: [("Connection", "keep-alive")], status: 400, code: "ws.connection_header"),
            RefusedHandshake(name: "no key", headers: [("Sec-WebSocket-Key", nil)], status: 400, code: "ws.invalid_key"),
            RefusedHandshake(
                name: "a key of 15 bytes", headers: [("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAA")], status: 400, code: "ws.invalid_key"),
            RefusedHandshake(
                name: "a key that is not base64", headers: [("Sec-WebSocket-Key", "not a base64 key!!!!!!==")], status: 400,
                code: "ws.invalid_key"),
            RefusedHandshake(
                name: "two keys", added: [("Sec-WebSocket-Key", "AQIDBAUGBwgJCgsMDQ4PEA==")],
                status: 400, code: "ws.invalid_key"),
            RefusedHandshake(
                name: "version 12", headers: [("Sec-WebSocket-Version", "12")], status: 426, code: "ws.unsupported_version",
                extraHeader: ("Sec-WebSocket-Version", "13")),
            RefusedHandshake(
                name: "no version", headers: [("Sec-WebSocket-Version", nil)], status: 426, code: "ws.unsupported_version",
                extraHeader: ("Sec-WebSocket-Version", "13")),
            RefusedHandshake(name: "a body", body: "abc", status: 400, code: "ws.handshake_body"),
            RefusedHandshake(
                name: "a foreign Origin", headers: [("Origin", "http://evil.example")], status: 403, code: "ws.origin_not_allowed"),
            RefusedHandshake(
                name: "the same host on another port", headers: [("Origin", "http://127.0.0.1:1")], status: 403,
                code: "ws.origin_not_allowed"),
            RefusedHandshake(
                name: "an Origin of null", headers: [("Origin", "null")], status: 403, code: "ws.origin_not_allowed"),
            RefusedHandshake(name: "no endpoint at the path", path: "/ws/nowhere", status: 404, code: "ws.no_endpoint"),
            RefusedHandshake(name: "an endpoint that rejects", path: "/ws/reject", status: 401, code: "auth.required"),
        ]

        @Test(arguments: refusals)
        func refusesAHandshakeWithTheStatusOfItsFault(_ refusal: RefusedHandshake) throws {
            try withTestServer(router: Self.router()) { server in
                let client = try server.connect()
                try client.send(refusal.request(port: server.port))
                let response = try client.readResponse(method: refusal.method)
                #expect(response.status == refusal.status)
                #expect(response.errorCode == refusal.code)
                #expect(response.header("Content-Type") == "application/json")
                #expect(response.header("Sec-WebSocket-Accept") == nil)
                if let (name, value) = refusal.extraHeader {
                    #expect(response.header(name) == value)
                }
                if refusal.version == "HTTP/1.1" {
                    // Still an HTTP connection: the next request is served.
                    #expect(try client.exchange("GET", "/hello").text == "hello")
                }
            }
        }

        @Test func servesARequestPipelinedBehindARefusedHandshake() throws {
            try withTestServer(router: Self.router()) { server in
                // The answers come at once or never: a short safety net keeps a failure cheap.
                let client = try server.connect(timeoutSeconds: 2)
                let refused = TestWebSocketClient.handshakeRequest(path: "/ws/nowhere", key: "dGhlIHNhbXBsZSBub25jZQ==")
                try client.send(refused + TestHTTPClient.request("GET", "/hello"))
                #expect(try client.readResponse().status == 404)
                let next = try client.readResponse()
                #expect(next.status == 200)
                #expect(next.text == "hello")
            }
        }

        @Test func acceptsTheUpgradeHeadersAsFirefoxSendsThem() throws {
            try withTestServer(router: Self.router()) { server in
                let client = try server.connect()
                let key = WebSocketHandshake.generateKey()
                try client.send(TestHTTPClient.request("GET", "/ws/echo", host: server.host, headers: [
                    ("Connection", "keep-alive, Upgrade"), ("Upgrade", "WebSocket"), ("Sec-WebSocket-Version", "13"),
                    ("Sec-WebSocket-Key", key), ("Origin", "http://\(server.host)"),
                ]))
                let response = try client.readResponse()
                #expect(response.status == 101)
                #expect(response.header("Sec-WebSocket-Accept") == WebSocketHandshake.acceptValue(forKey: key))
            }
        }

        @Test func acceptsAnOriginThatMatchesTheHostByDefault() throws {
            try withTestServer(router: Self.router()) { server in
                let client = try server.webSocket("/ws", headers: [("Origin", "http://\(server.host)")])
                defer { client.close() }
                try client.send(text: "same origin")
                #expect(try client.nextEvent().text == "same origin")
            }
        }

        @Test func acceptsOnlyTheConfiguredOriginsWhenAListIsGiven() throws {
            let configuration = ServerConfiguration.forTesting { $0.allowedOrigins = ["https://lastword.example.org"] }
            try withTestServer(configuration, router: Self.router()) { server in
                let listed = try server.webSocket("/ws", headers: [("Origin", "https://LastWord.example.org")])
                listed.close()
                let client = try server.connect()
                try client.send(TestWebSocketClient.handshakeRequest(
                    path: "/ws", key: WebSocketHandshake.generateKey(), host: server.host, headers: [("Origin", "http://\(server.host)")]))
                let response = try client.readResponse()
                #expect(response.status == 403, "with a list, the same origin is allowed only if listed")
                #expect(response.errorCode == "ws.origin_not_allowed")
            }
        }

        @Test func acceptsAHandshakeWithoutOriginUnlessConfiguredToRequireOne() throws {
            try withTestServer(router: Self.router()) { server in
                let client = try server.webSocket("/ws")
                #expect(client.handshake.status == 101)
                client.close()
            }
            let strict = ServerConfiguration.forTesting { $0.allowMissingOrigin = false }
            try withTestServer(strict, router: Self.router()) { server in
                let client = try server.connect()
                try client.send(TestWebSocketClient.handshakeRequest(path: "/ws", key: WebSocketHandshake.generateKey()))
                let response = try client.readResponse()
                #expect(response.status == 403)
                #expect(response.errorCode == "ws.origin_not_allowed")
            }
        }

        // MARK: protocol errors fail the connection with their close code (RFC 6455 §7.1.7, §7.4.1)

        struct ViolatingFrames: Sendable, CustomTestStringConvertible {
            var name: String
            var frames: @Sendable () -> [UInt8]
            var closeCode: UInt16
            var testDescription: String { name }
        }

        static func masked(_ opcode: WebSocketOpcode, _ payload: [UInt8], fin: Bool = true, rsv1: Bool = false) -> [UInt8] {
            FrameEncoder.encode(opcode: opcode, payload: payload, fin: fin, rsv1: rsv1, maskingKey: TestWebSocketClient.randomMaskingKey())
        }

        /// With maxFrameSize 1024 and maxMessageSize 4096.
        static let violations: [ViolatingFrames] = [
            ViolatingFrames(name: "an unmasked frame", frames: { FrameEncoder.encode(opcode: .text, payload: Array("hi".utf8)) }, closeCode: 1002),
            ViolatingFrames(name: "invalid UTF-8 in a text message", frames: { masked(.text, [0x68, 0xC3, 0x28]) }, closeCode: 1007),
            ViolatingFrames(
                name: "UTF-8 broken across fragments",
                frames: { masked(.text, [0x68, 0xE2, 0x82], fin: false) + masked(.continuation, [0x28]) }, closeCode: 1007),
            ViolatingFrames(name: "a reserved opcode", frames: { [0x83, 0x80, 1, 2, 3, 4] }, closeCode: 1002),
            ViolatingFrames(name: "RSV2 set", frames: { [0xA1, 0x80, 1, 2, 3, 4] }, closeCode: 1002),
            ViolatingFrames(name: "RSV1 without negotiated compression", frames: { masked(.text, Array("hi".utf8), rsv1: true) }, closeCode: 1002),
            ViolatingFrames(name: "a ping of 126 bytes", frames: { masked(.ping, [UInt8](repeating: 1, count: 126)) }, closeCode: 1002),
            ViolatingFrames(name: "a fragmented ping", frames: { masked(.ping, [1], fin: false) }, closeCode: 1002),
            ViolatingFrames(name: "a continuation with nothing to continue", frames: { masked(.continuation, [1]) }, closeCode: 1002),
            ViolatingFrames(
                name: "a new message inside a fragmented one", frames: { masked(.text, [0x61], fin: false) + masked(.text, [0x62]) },
                closeCode: 1002),
            ViolatingFrames(name: "a close code that may not be sent (1005)", frames: { masked(.close, [0x03, 0xED]) }, closeCode: 1002),
            ViolatingFrames(name: "a close with a one-byte payload", frames: { masked(.close, [0x03]) }, closeCode: 1002),
            ViolatingFrames(name: "a close reason that is not UTF-8", frames: { masked(.close, [0x03, 0xE8, 0xFF]) }, closeCode: 1007),
            ViolatingFrames(
                name: "a length not in its shortest form", frames: { [0x82, 0xFE, 0x00, 0x05, 1, 2, 3, 4] + [UInt8](repeating: 0, count: 5) },
                closeCode: 1002),
            ViolatingFrames(
                name: "a 64-bit length with its high bit set", frames: { [0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4] },
                closeCode: 1002),
            ViolatingFrames(
                name: "a frame announcing 2^62 bytes", frames: { [0x82, 0xFF, 0x40, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4] },
                closeCode: 1009),
            ViolatingFrames(name: "a frame over maxFrameSize", frames: { masked(.binary, [UInt8](repeating: 0, count: 1025)) }, closeCode: 1009),
            ViolatingFrames(
                name: "a message over maxMessageSize in fragments",
                frames: { (0..<5).flatMap { index in masked(index == 0 ? .binary : .continuation, [UInt8](repeating: 0, count: 1000), fin: index == 4) } },
                closeCode: 1009),
        ]

        @Test(arguments: violations)
        func failsTheConnectionWithTheCloseCodeOfTheViolation(_ violation: ViolatingFrames) throws {
            let log = WebSocketLog()
            let configuration = ServerConfiguration.forTesting {
                $0.webSocketMaxFrameSize = 1024
                $0.webSocketMaxMessageSize = 4096
            }
            try withTestServer(configuration, router: Self.router(log)) { server in
                let client = try server.webSocket("/ws")
                defer { client.close() }
                try client.http.send(violation.frames())
                let (messages, close) = try client.readUntilClose()
                #expect(messages.isEmpty)
                #expect(close?.code == violation.closeCode)
                // §7.1.7: having failed the connection, the server closes TCP without waiting for our Close.
                #expect(try client.http.readUntilClosed().bytes.isEmpty)
                #expect(log.waitForClosure()?.code == violation.closeCode)
            }
        }

        @Test func failsACompressedMessageThatInflatesPastTheMessageLimitWith1009() throws {
            let log = WebSocketLog()
            let configuration = ServerConfiguration.forTesting {
                $0.webSocketMaxFrameSize = 4096
                $0.webSocketMaxMessageSize = 4096
            }
            try withTestServer(configuration, router: Self.router(log)) { server in
                let client = try server.webSocket("/ws", offerDeflate: true)
                defer { client.close() }
                // A megabyte of zeros deflates to about a kilobyte: small on the wire, a bomb once inflated.
                try client.send(binary: [UInt8](repeating: 0, count: 1 << 20), compressed: true)
                let (messages, close) = try client.readUntilClose()
                #expect(messages.isEmpty)
                #expect(close?.code == 1009)
                #expect(log.waitForClosure()?.code == 1009)
            }
        }

        // MARK: the closing handshake (RFC 6455 §7.1.2, §5.5.1)

        @Test func answersTheClientsCloseWithTheSameCodeAndThenClosesTCP() throws {
            let log = WebSocketLog()
            try withTestServer(router: Self.router(log)) { server in
                let client = try server.webSocket("/ws")
                defer { client.close() }
                try client.sendClose(code: 1000, reason: "bye")
                #expect(try client.nextEvent() == .close(CloseFrame(code: 1000)))
                #expect(try client.readEvent() == nil, "the server closes the TCP connection first (§7.1.1)")
                #expect(log.waitForClosure() == .init(code: 1000, reason: "bye"))
            }
        }

        @Test func answersAnEmptyCloseWithAnEmptyClose() throws {
            let log = WebSocketLog()
            try withTestServer(router: Self.router(log)) { server in
                let client = try server.webSocket("/ws")
                defer { client.close() }
                try client.sendFrame(opcode: .close, payload: [])
                #expect(try client.nextEvent() == .close(nil))
                #expect(try client.readEvent() == nil)
                #expect(log.waitForClosure()?.code == 1005, "RFC 6455 §7.1.5: no status code received")
            }
        }

        @Test func closesFromTheServerSideAndWaitsForTheClientsAnswer() throws {
            let log = WebSocketLog()
            try withTestServer(router: Self.router(log)) { server in
                let client = try server.webSocket("/ws")
                defer { client.close() }
                try client.send(text: "close 4000")
                #expect(try client.nextEvent() == .close(CloseFrame(code: 4000, reason: "asked to")))
                // Messages after the server's Close are discarded (§5.5.1), the answer completes the handshake.
                try client.send(text: "ignored")
                try client.sendClose(code: 4000)
                #expect(try client.readEvent() == nil)
                #expect(log.waitForClosure()?.code == 4000)
                #expect(log.messages == [.text(Array("close 4000".utf8))])
            }
        }

        @Test func tellsTheApplication1006WhenTCPClosesWithoutAClose() throws {
            let log = WebSocketLog()
            try withTestServer(router: Self.router(log)) { server in
                let client = try server.webSocket("/ws")
                try client.send(text: "then vanish")
                #expect(try client.nextEvent().text == "then vanish")
                client.close()
                #expect(log.waitForClosure()?.code == 1006)
            }
        }
    }
}

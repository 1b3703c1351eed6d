import TestSupport
import HTTP1
import Testing
import Transport

extension TransportIntegrationTests {
    /// `server.trustedProxies`: behind a load balancer, a request counts as from the client it forwarded.
    @Suite struct TrustedProxyTests {
        private static func server(trusting proxies: [String]) throws -> Server {
            var configuration = ServerConfiguration.forTesting()
            configuration.host = "127.0.0.1"
            configuration.port = 0
            configuration.trustedProxies = Set(proxies.compactMap { SocketAddress(ip: $0, port: 0)?.ip })
            var router = Router()
            router.add("GET", "/who") { request in .text(request.peer.map { "\($0.ip)" } ?? "-") }
            let server = Server(configuration: configuration, service: router, logger: testLogger(label: "proxy-tests"))
            try server.start()
            return server
        }

        private static func who(_ port: Int, forwardedFor: [String]) throws -> String {
            let client = try TestHTTPClient(port: port)
            return try client.exchange("GET", "/who", headers: forwardedFor.map { ("X-Forwarded-For", $0) }).text
        }

        @Test func aTrustedProxysRequestCountsAsFromTheClientItAppended() throws {
            let server = try Self.server(trusting: ["127.0.0.1"])
            defer { server.shutdown() }
            let port = server.boundAddresses[0].port
            #expect(try Self.who(port, forwardedFor: ["203.0.113.9"]) == "203.0.113.9")
            // What the client sent itself stands to the left of what the proxy appended: the proxy's entry wins.
            #expect(try Self.who(port, forwardedFor: ["10.0.0.1, 203.0.113.9"]) == "203.0.113.9")
            #expect(try Self.who(port, forwardedFor: ["10.0.0.1", "2001:db8::7"]) == "2001:db8::7")
            // A chain of trusted proxies is walked past.
            #expect(try Self.who(port, forwardedFor: ["198.51.100.4, 127.0.0.1"]) == "198.51.100.4")
            // Nothing forwarded, or something that is not an address: the proxy's own address.
            #expect(try Self.who(port, forwardedFor: []) == "127.0.0.1")
            #expect(try Self.who(port, forwardedFor: ["203.0.113.9, not-an-address"]) == "127.0.0.1")
        }

        @Test func withoutTrustedProxiesTheHeaderIsIgnored() throws {
            for proxies in [[], ["192.0.2.1"]] {
                let server = try Self.server(trusting: proxies)
                defer { server.shutdown() }
                #expect(try Self.who(server.boundAddresses[0].port, forwardedFor: ["203.0.113.9"]) == "127.0.0.1")
            }
        }
    }
}

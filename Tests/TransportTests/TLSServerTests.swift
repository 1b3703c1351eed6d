import TestSupport
import HTTP1
import Testing
import Transport
#if canImport(Glibc)
import Glibc
#endif

extension TransportIntegrationTests {
    /// TLS on a real server over real sockets: HTTPS with HSTS, the request timeout cutting a handshake that never
    /// completes, plain HTTP on the TLS port, a certificate reload seen by the next connection while an open one
    /// goes on, and the plain listener that redirects to HTTPS.
    @Suite struct TLSServerTests {
        static let lateSlackMilliseconds = 2_000

        /// Certificate files in a directory of their own (a reload test rewrites them).
        final class Files {
            let directory = try! TemporaryDirectory()
            var configuration = TLSConfiguration()
            init(_ authority: TestCertificateAuthority) throws {
                configuration.certificateChainFile = directory.path + "/chain.pem"
                configuration.privateKeyFile = directory.path + "/key.pem"
                try write(authority)
            }
            func write(_ authority: TestCertificateAuthority) throws {
                let (certificate, key) = authority.issue()
                try directory.write("chain.pem", certificate)
                try directory.write("key.pem", key)
            }
        }

        static func configuration(_ files: Files, _ adjust: (inout ServerConfiguration) -> Void = { _ in }) -> ServerConfiguration {
            .forTesting {
                $0.tls = files.configuration
                adjust(&$0)
            }
        }

        @Test func answersOverHTTPSWithStrictTransportSecurity() throws {
            let authority = TestCertificateAuthority()
            let files = try Files(authority)
            try withTestServer(Self.configuration(files), router: .testing()) { server in
                let client = try TestTLSClient(port: server.port, context: try TestTLSClient.context(trusting: authority))
                #expect(client.session.negotiatedProtocol == "http/1.1")
                try client.send(TestHTTPClient.request("GET", "/hello"))
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.text == "hello")
                #expect(response.header("Strict-Transport-Security") == "max-age=31536000")
                // Keep-alive: a second request on the same connection.
                try client.send(TestHTTPClient.request("GET", "/hello"))
                #expect(try client.readResponse().status == 200)
            }
        }

        @Test func aLargeBodyGoesBothWaysInManyRecords() throws {
            let authority = TestCertificateAuthority()
            let files = try Files(authority)
            try withTestServer(Self.configuration(files), router: .testing()) { server in
                let client = try TestTLSClient(port: server.port, context: try TestTLSClient.context(trusting: authority))
                let body = (0..<700_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
                try client.send(TestHTTPClient.request("POST", "/echo", headers: [("Content-Length", "\(body.count)")]) + body)
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.body == body)
            }
        }

        @Test func aHandshakeThatNeverStartsIsCutAtTheRequestTimeout() throws {
            let files = try Files(TestCertificateAuthority())
            let configuration = Self.configuration(files) {
                $0.requestTimeoutMilliseconds = 300
                $0.idleTimeoutMilliseconds = 30_000
            }
            try withTestServer(configuration, router: .testing()) { server in
                let client = try server.connect()
                var end: (bytes: [UInt8], end: TestConnectionEnd)?
                let elapsed = try milliseconds { end = try client.readUntilClosed() }
                #expect(end?.bytes.isEmpty == true)
                #expect(elapsed >= 290, "not before the request timeout")
                #expect(elapsed < 300 + Self.lateSlackMilliseconds, "the request timeout, not the idle one")
            }
        }

        @Test func halfAClientHelloIsCutAtTheRequestTimeout() throws {
            let authority = TestCertificateAuthority()
            let files = try Files(authority)
            let configuration = Self.configuration(files) {
                $0.requestTimeoutMilliseconds = 300
                $0.idleTimeoutMilliseconds = 30_000
            }
            try withTestServer(configuration, router: .testing()) { server in
                let session = try #require(TLSSession(context: try TestTLSClient.context(trusting: authority)))
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 << 10, alignment: 16)
                defer { buffer.deallocate() }
                _ = [UInt8]().withUnsafeBytes { session.receive($0, into: buffer) { _ in true } }
                var hello: [UInt8] = []
                session.withPendingOutput { hello = Array($0); return $0.count }
                let client = try server.connect()
                var end: (bytes: [UInt8], end: TestConnectionEnd)?
                let elapsed = try milliseconds {
                    try client.send(Array(hello[..<(hello.count / 2)]))
                    end = try client.readUntilClosed()
                }
                #expect(end?.bytes.isEmpty == true, "no ServerHello to half a ClientHello")
                #expect(elapsed >= 290)
                #expect(elapsed < 300 + Self.lateSlackMilliseconds)
            }
        }

        @Test func plainHTTPOnTheTLSPortIsClosedAtOnce() throws {
            let files = try Files(TestCertificateAuthority())
            try withTestServer(Self.configuration(files), router: .testing()) { server in
                let client = try server.connect()
                var end: (bytes: [UInt8], end: TestConnectionEnd)?
                let elapsed = try milliseconds {
                    try client.send(TestHTTPClient.request("GET", "/hello"))
                    end = try client.readUntilClosed()
                }
                #expect(end?.bytes.isEmpty == true)
                #expect(elapsed < 1_000, "closed on the first bytes, not at a timeout")
            }
        }

        @Test func aReloadedCertificateServesTheNextConnectionWhileAnOpenOneGoesOn() throws {
            let first = TestCertificateAuthority(name: "First CA")
            let second = TestCertificateAuthority(name: "Second CA")
            let files = try Files(first)
            try withTestServer(Self.configuration(files), router: .testing()) { server in
                let old = try TestTLSClient(port: server.port, context: try TestTLSClient.context(trusting: first))
                try files.write(second)
                let summary = try server.server.reloadCertificates()
                #expect(summary?.subject == "CN=localhost")

                let fresh = try TestTLSClient(port: server.port, context: try TestTLSClient.context(trusting: second))
                try fresh.send(TestHTTPClient.request("GET", "/hello"))
                #expect(try fresh.readResponse().status == 200)
                #expect(throws: (any Error).self, "the old certificate is no longer served") {
                    _ = try TestTLSClient(port: server.port, context: try TestTLSClient.context(trusting: first))
                }
                try old.send(TestHTTPClient.request("GET", "/hello"))
                #expect(try old.readResponse().text == "hello", "the connection made before the reload goes on")
            }
        }

        @Test func aBrokenFileOnReloadKeepsTheCertificateInUse() throws {
            let authority = TestCertificateAuthority()
            let files = try Files(authority)
            try withTestServer(Self.configuration(files), router: .testing()) { server in
                try files.directory.write("key.pem", "-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n")
                #expect(throws: TLSConfigurationError.self) { try server.server.reloadCertificates() }
                let client = try TestTLSClient(port: server.port, context: try TestTLSClient.context(trusting: authority))
                try client.send(TestHTTPClient.request("GET", "/hello"))
                #expect(try client.readResponse().status == 200)
            }
        }

        @Test func thePlainListenerRedirectsEveryRequestToHTTPS() throws {
            let files = try Files(TestCertificateAuthority())
            let plainPort = try freePort()
            try withTestServer(Self.configuration(files) { $0.tls.redirectPlainPort = plainPort }, router: .testing()) { server in
                #expect(server.server.redirectAddresses.map(\.port) == [plainPort])
                let client = try TestHTTPClient(port: plainPort)
                try client.send(TestHTTPClient.request("POST", "/api/ratings?x=1&y=%20", host: "localhost:\(plainPort)", body: Array("{}".utf8)))
                let response = try client.readResponse(method: "POST")
                #expect(response.status == 308)
                #expect(response.header("Location") == "https://localhost:\(server.port)/api/ratings?x=1&y=%20")
                #expect(response.header("Strict-Transport-Security") == nil, "never over plain HTTP")
                // A WebSocket handshake is redirected too, not upgraded.
                try client.send(TestHTTPClient.request("GET", "/ws", host: "127.0.0.1:\(plainPort)", headers: [
                    ("Upgrade", "websocket"), ("Connection", "Upgrade"),
                    ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13"),
                ]))
                let upgrade = try client.readResponse()
                #expect(upgrade.status == 308)
                #expect(upgrade.header("Location") == "https://127.0.0.1:\(server.port)/ws")
                // A Host that could smuggle anything into the Location is refused.
                try client.send(TestHTTPClient.request("GET", "/", host: "evil.example/path"))
                #expect(try client.readResponse().status == 400)
            }
        }

        /// A port that was free a moment ago (the kernel's pick for port 0).
        func freePort() throws -> Int {
            let fd = try Socket.listen(on: SocketAddress(ip: "127.0.0.1", port: 0)!, backlog: 1)
            defer { Socket.close(fd) }
            return try #require(try Socket.localAddress(fd)).port
        }
    }
}

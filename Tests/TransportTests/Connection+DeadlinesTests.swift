import TestSupport
import HTTP1
import Testing
import Transport
import WebSocket
#if canImport(Glibc)
import Glibc
#endif

extension TransportIntegrationTests {
    /// Every per-connection time limit, seen from the client: the slow-loris 408, the idle keep-alive close, server
    /// pings and the pong deadline, and the write-stall drop. Each waits by reading; the clock only bounds how early
    /// and how late the server acted.
    @Suite struct ConnectionDeadlinesTests {
        /// Deadlines are checked by a periodic sweep (a quarter of the shortest timeout, at least 50 ms), so a deadline
        /// fires between its time and that time plus one period; a loaded machine adds more. Generous on the late side,
        /// strict on the early side.
        static let lateSlackMilliseconds = 2_000

        @Test func answers408WhenARequestHeadStopsArriving() throws {
            let configuration = ServerConfiguration.forTesting { $0.requestTimeoutMilliseconds = 300 }
            try withTestServer(configuration, router: .testing()) { server in
                let client = try server.connect()
                var response: TestHTTPResponse?
                let elapsed = try milliseconds {
                    try client.send("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                    response = try client.readResponse()
                }
                #expect(response?.status == 408)
                #expect(response?.errorCode == "http.request_timeout")
                #expect(response?.header("Connection") == "close")
                #expect(elapsed >= 290, "not before the request timeout")
                #expect(elapsed < 300 + Self.lateSlackMilliseconds)
                #expect(try client.readUntilClosed().bytes.isEmpty)
            }
        }

        @Test func answers408WhenARequestBodyStopsArriving() throws {
            let configuration = ServerConfiguration.forTesting { $0.requestTimeoutMilliseconds = 300 }
            try withTestServer(configuration, router: .testing()) { server in
                let client = try server.connect()
                var response: TestHTTPResponse?
                let elapsed = try milliseconds {
                    try client.send(TestHTTPClient.request("POST", "/echo", headers: [("Content-Length", "10")]) + Array("abc".utf8))
                    response = try client.readResponse(method: "POST")
                }
                #expect(response?.status == 408)
                #expect(elapsed >= 290)
                #expect(elapsed < 300 + Self.lateSlackMilliseconds)
            }
        }

        @Test func keepsTheRequestClockRunningAcrossBytesThatTrickleIn() throws {
            // A slow-loris client that sends a byte now and then must not reset the clock.
            let configuration = ServerConfiguration.forTesting {
                $0.requestTimeoutMilliseconds = 300
                $0.idleTimeoutMilliseconds = 5_000
            }
            try withTestServer(configuration, router: .testing()) { server in
                let client = try server.connect()
                try client.send("GET /hello HTTP/1.1\r\n")
                let start = ContinuousClock.now
                var headerIndex = 0
                // A header line every 50 ms (the attacker's pace, not synchronisation) until the server answers.
                repeat {
                    guard ContinuousClock.now - start < .seconds(5) else {
                        Issue.record("the server never timed the request out")
                        return
                    }
                    try client.send("X-Trickle-\(headerIndex): 1\r\n")
                    headerIndex += 1
                } while !client.waitUntilReadable(milliseconds: 50)
                let response = try client.readResponse()
                #expect(response.status == 408)
                #expect(headerIndex >= 3, "several header lines arrived before the timeout")
            }
        }

        @Test func closesAnIdleKeepAliveConnectionAfterTheIdleTimeout() throws {
            let configuration = ServerConfiguration.forTesting { $0.idleTimeoutMilliseconds = 300 }
            try withTestServer(configuration, router: .testing()) { server in
                let client = try server.connect()
                var closed: (bytes: [UInt8], end: TestConnectionEnd)?
                let elapsed = try milliseconds {
                    #expect(try client.exchange("GET", "/hello").header("Connection") == "keep-alive")
                    closed = try client.readUntilClosed()
                }
                #expect(closed?.bytes.isEmpty == true, "closed silently, without a response")
                #expect(closed?.end == .endOfStream)
                #expect(elapsed >= 290)
                #expect(elapsed < 300 + Self.lateSlackMilliseconds)
            }
        }

        @Test func closesAConnectionThatNeverSendsAByteAfterTheIdleTimeout() throws {
            let configuration = ServerConfiguration.forTesting { $0.idleTimeoutMilliseconds = 300 }
            try withTestServer(configuration, router: .testing()) { server in
                let client = try server.connect()
                var closed: (bytes: [UInt8], end: TestConnectionEnd)?
                let elapsed = try milliseconds { closed = try client.readUntilClosed() }
                #expect(closed?.bytes.isEmpty == true)
                #expect(elapsed >= 250)
                #expect(elapsed < 300 + Self.lateSlackMilliseconds)
            }
        }

        @Test func doesNotCloseAConnectionWaitingForAResponseForBeingIdle() throws {
            let gate = Gate()
            var router = Router.testing()
            router.addResponder("GET", "/gated") { _, responder in gate.pass { responder.respond(.text("worth the wait")) } }
            let configuration = ServerConfiguration.forTesting { $0.idleTimeoutMilliseconds = 200 }
            try withTestServer(configuration, router: router) { server in
                let client = try server.connect()
                let other = try server.connect()
                try client.send(TestHTTPClient.request("GET", "/gated"))
                #expect(gate.waitForArrival())
                // Another connection that sends nothing is closed after the idle timeout: by then the first one has
                // been waiting past it too.
                _ = try other.readUntilClosed()
                gate.open()
                #expect(try client.readResponse().text == "worth the wait")
            }
        }

        // MARK: WebSocket pings (RFC 6455 §5.5.2)

        @Test func pingsAQuietWebSocketAndKeepsItWhileItAnswers() throws {
            let configuration = ServerConfiguration.forTesting {
                $0.pingIntervalMilliseconds = 200
                $0.pongTimeoutMilliseconds = 2_000
            }
            try withTestServer(configuration, router: ConnectionWebSocketTests.router()) { server in
                let client = try server.webSocket("/ws")
                defer { client.close() }
                for round in 0..<3 {
                    var event: WebSocketEvent?
                    let elapsed = try milliseconds { event = try client.nextEvent() }
                    #expect(event == .ping([]), "ping \(round)")
                    #expect(elapsed >= 190, "not before the ping interval")
                    try client.sendFrame(opcode: .pong, payload: [])
                }
                try client.send(text: "still here")
                #expect(try client.nextEvent().text == "still here")
            }
        }

        @Test func dropsAWebSocketThatNeverAnswersAPing() throws {
            let log = WebSocketLog()
            let configuration = ServerConfiguration.forTesting {
                $0.pingIntervalMilliseconds = 200
                $0.pongTimeoutMilliseconds = 300
            }
            try withTestServer(configuration, router: ConnectionWebSocketTests.router(log)) { server in
                let client = try server.webSocket("/ws")
                defer { client.close() }
                #expect(try client.nextEvent() == .ping([]))
                var after: WebSocketEvent?
                let elapsed = try milliseconds { after = try client.readEvent() }
                #expect(after == nil, "the connection is dropped without a Close frame")
                #expect(elapsed >= 290, "not before the pong timeout")
                #expect(elapsed < 300 + Self.lateSlackMilliseconds)
                #expect(log.waitForClosure()?.code == 1006)
            }
        }

        @Test func resetsAConnectionWhoseReaderStallsPastTheWriteStallTimeout() throws {
            var router = Router.testing()
            let big = [UInt8](repeating: 0x61, count: 16 << 20)
            router.add("GET", "/big") { _ in HTTPResponse(status: 200, contentType: "text/plain", body: big) }
            let configuration = ServerConfiguration.forTesting { $0.writeStallTimeoutMilliseconds = 300 }
            try withTestServer(configuration, router: router) { server in
                let client = try server.connect(receiveBufferSize: 4096)
                try client.send(TestHTTPClient.request("GET", "/big"))
                // The response has started (so the connection is open); from now on the client reads nothing, and the
                // server must give up on it: a server-internal fact, so polled.
                #expect(try client.readLine() == "HTTP/1.1 200 OK")
                #expect(eventually { server.server.stats.openConnections == 0 })
                var received = 0
                var end: TestConnectionEnd = .endOfStream
                do {
                    while let bytes = try client.readSome(upTo: 1 << 20) { received += bytes.count }
                } catch let error as TestClientError where error.errno == ECONNRESET {
                    end = .reset
                }
                #expect(received < big.count, "the response was cut short")
                #expect(end == .reset, "a stalled connection is reset, not closed in order")
            }
        }
    }
}

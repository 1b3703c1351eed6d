import TestSupport
import Dispatch
import HTTP1
import Testing
import Transport
import WebSocket
#if canImport(Glibc)
import Glibc
#endif

extension TransportIntegrationTests {
    /// Graceful shutdown, as clients see it: accepting stops, WebSockets get 1001, a response being prepared is still
    /// delivered whole (with `Connection: close`), idle connections close, and what is left at the deadline is dropped.
    @Suite struct ServerTests {
        /// Shutdown begins before any loop acts on it; the observable sign is the 1001 on an open WebSocket. Returns
        /// that WebSocket, having read its Close.
        static func startShutdownAndWaitForIt(_ server: TestServer) throws -> (BackgroundWork, TestWebSocketClient) {
            let witness = try server.webSocket("/ws")
            let work = server.shutdownInBackground()
            #expect(try witness.nextEvent() == .close(CloseFrame(code: 1001, reason: "server shutting down")))
            return (work, witness)
        }

        /// A connection attempted while or after the server shuts down is not served: refused by the kernel, or
        /// accepted and answered 503, or reset.
        static func expectNotServed(port: Int, sourceLocation: SourceLocation = #_sourceLocation) {
            let client: TestHTTPClient
            do {
                client = try TestHTTPClient(port: port)
            } catch {
                #expect((error as? TestClientError)?.errno == ECONNREFUSED, sourceLocation: sourceLocation)
                return
            }
            defer { client.close() }
            do {
                try client.send(TestHTTPClient.request("GET", "/hello"))
                let response = try client.readResponse()
                #expect(response.status == 503, sourceLocation: sourceLocation)
            } catch let error as TestClientError {
                switch error {
                case .endOfStream: break
                case .system(_, let errno): #expect(errno == ECONNRESET || errno == EPIPE, sourceLocation: sourceLocation)
                default: Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
                }
            } catch {
                Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
            }
        }

        @Test func closesAnOpenWebSocketWith1001AndFinishesWhenTheClientAnswers() throws {
            let log = WebSocketLog()
            let configuration = ServerConfiguration.forTesting {
                $0.shutdownDeadlineMilliseconds = 20_000
                $0.webSocketCloseTimeoutMilliseconds = 20_000
            }
            let server = try TestServer(configuration: configuration, router: ConnectionWebSocketTests.router(log))
            let client = try server.webSocket("/ws")
            defer { client.close() }
            try client.send(text: "before")
            #expect(try client.nextEvent().text == "before")

            let work = server.shutdownInBackground()
            #expect(try client.nextEvent() == .close(CloseFrame(code: 1001, reason: "server shutting down")))
            try client.sendClose(code: 1001)
            #expect(try client.readEvent() == nil, "the server closes TCP after the closing handshake")
            client.close()
            // Well before the 20 s deadlines: shutdown ended because the handshake completed.
            #expect(work.wait(seconds: 10))
            #expect(log.closures == [.init(code: 1001, reason: "server shutting down")])
        }

        @Test func deliversAResponseInFlightWholeWithConnectionClose() throws {
            let gate = Gate()
            let body = String(repeating: "the last word ", count: 5_000)   // larger than one write
            var router = ConnectionWebSocketTests.router()
            // Answered when the gate opens, from the thread that opens it: no task, so no thread of the cooperative
            // pool is needed while the other integration suite's blocking clients may hold them all.
            router.addResponder("GET", "/slow") { _, responder in
                gate.pass { responder.respond(.text(body)) }
            }
            let server = try TestServer(configuration: .forTesting(), router: router)
            let client = try server.connect()
            defer { client.close() }
            try client.send(TestHTTPClient.request("GET", "/slow"))
            #expect(gate.waitForArrival())

            let (work, witness) = try Self.startShutdownAndWaitForIt(server)
            defer { witness.close() }
            Self.expectNotServed(port: server.port)
            gate.open()
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.text == body)
            #expect(response.header("Connection") == "close")
            #expect(try client.readUntilClosed().bytes.isEmpty)
            client.close()
            try witness.sendClose(code: 1001)
            #expect(try witness.readEvent() == nil)
            witness.close()
            #expect(work.wait())
        }

        @Test func letsAHalfReadRequestFinishAndAnswersItWithConnectionClose() throws {
            let server = try TestServer(configuration: .forTesting(), router: ConnectionWebSocketTests.router())
            let client = try server.connect()
            defer { client.close() }
            try client.send("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 9\r\n\r\nhalf")
            let (work, witness) = try Self.startShutdownAndWaitForIt(server)
            defer { witness.close() }
            try client.send(" done")
            let response = try client.readResponse(method: "POST")
            #expect(response.status == 200)
            #expect(response.text == "half done")
            #expect(response.header("Connection") == "close")
            #expect(try client.readUntilClosed().bytes.isEmpty)
            client.close()
            try witness.sendClose(code: 1001)
            #expect(try witness.readEvent() == nil)
            witness.close()
            #expect(work.wait())
        }

        @Test func closesIdleKeepAliveConnectionsAtOnce() throws {
            let server = try TestServer(configuration: .forTesting { $0.shutdownDeadlineMilliseconds = 20_000 }, router: .testing())
            let client = try server.connect()
            defer { client.close() }
            #expect(try client.exchange("GET", "/hello").header("Connection") == "keep-alive")
            let work = server.shutdownInBackground()
            #expect(try client.readUntilClosed().bytes.isEmpty)
            #expect(work.wait(seconds: 10))
        }

        @Test func refusesConnectionsOnceShutdownHasReturned() throws {
            // The listening socket must be closed by the time shutdown returns (it "blocks until done"): a client
            // that connects then is refused by the kernel, and the port can be bound again. A race, so tried often,
            // with no connection open (then shutdown returns soonest).
            var notRefused: [String] = []
            for attempt in 0..<200 {
                let server = try TestServer(configuration: .forTesting(), router: .testing())
                let port = server.port
                server.shutdown()
                do {
                    _ = try TestHTTPClient(port: port)
                    notRefused.append("\(attempt): connected")
                } catch let error as TestClientError {
                    if error.errno != ECONNREFUSED { notRefused.append("\(attempt): \(error)") }
                }
            }
            #expect(notRefused.isEmpty, "after shutdown returned, connect was not refused: \(notRefused)")
        }

        @Test func releasesEveryDescriptorOfItsOwnLoopsOnceShutDown() throws {
            let before = openDescriptorCount()
            for _ in 0..<10 {
                let server = try TestServer(configuration: .forTesting { $0.eventLoops = 2 }, router: .testing())
                let client = try server.connect()
                #expect(try client.exchange("GET", "/hello").status == 200)
                client.close()
                server.shutdown()
            }
            // Closing is asynchronous in places (a listener's descriptor closes when its source is cancelled), and
            // other suites in the same process open sockets and files meanwhile: wait for the count to come back
            // within a slack for them. A server that kept its own would leave at least 3 each (a listener, an epoll
            // set per loop): 30 here, far past the slack.
            let settled = eventually(within: 2) { openDescriptorCount() <= before + 12 }
            #expect(settled, "\(openDescriptorCount() - before) descriptors more than before 10 servers of 2 loops each")
        }

        @Test func dropsAWebSocketThatNeverAnswersItsCloseAtTheDeadline() throws {
            let configuration = ServerConfiguration.forTesting {
                $0.shutdownDeadlineMilliseconds = 300
                $0.webSocketCloseTimeoutMilliseconds = 20_000
            }
            let server = try TestServer(configuration: configuration, router: ConnectionWebSocketTests.router())
            let client = try server.webSocket("/ws")
            defer { client.close() }
            var finished = false
            let elapsed = milliseconds {
                let work = server.shutdownInBackground()
                finished = work.wait(seconds: 10)
            }
            #expect(finished)
            #expect(elapsed >= 290, "shutdown waited for the deadline")
            #expect(elapsed < 300 + ConnectionDeadlinesTests.lateSlackMilliseconds)
            #expect(try client.nextEvent().closeCode == 1001)
            #expect(try client.readEvent() == nil, "then the connection was dropped")
            #expect(server.server.stats.openConnections == 0)
        }
    }
}

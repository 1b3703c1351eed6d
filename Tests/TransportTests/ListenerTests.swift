import TestSupport
import HTTP1
import Testing
import Transport

extension TransportIntegrationTests {
    /// The connection caps at accept time: beyond them a connection gets a short 503 in the error shape and is closed,
    /// and a slot freed by a closed connection can be taken again.
    @Suite struct ListenerTests {
        static func expectRefusedWith503(_ client: TestHTTPClient) throws {
            let response = try client.readResponse()
            #expect(response.status == 503)
            #expect(response.errorCode == "server.too_many_connections")
            #expect(response.header("Content-Type") == "application/json")
            #expect(response.header("Connection") == "close")
            #expect(response.header("Retry-After") != nil)
            #expect(try client.readUntilClosed().bytes.isEmpty)
        }

        @Test func refusesAConnectionOverThePerIPCapWith503AndAdmitsOneWhenASlotFrees() throws {
            let configuration = ServerConfiguration.forTesting { $0.maxConnectionsPerIP = 2 }
            try withTestServer(configuration, router: .testing()) { server in
                let first = try server.connect()
                let second = try server.connect()
                // Both are admitted: each is answered.
                #expect(try first.exchange("GET", "/hello").status == 200)
                #expect(try second.exchange("GET", "/hello").status == 200)

                let third = try server.connect()
                try Self.expectRefusedWith503(third)
                #expect(server.server.stats.refusedTotal == 1)

                first.close()
                #expect(eventually { server.server.stats.openConnections == 1 })
                let fourth = try server.connect()
                #expect(try fourth.exchange("GET", "/hello").status == 200, "the freed slot is taken again")
                #expect(try second.exchange("GET", "/hello").status == 200, "the admitted connection is untouched")
            }
        }

        @Test func deliversThe503ToAClientThatSentItsRequestAtOnce() throws {
            let configuration = ServerConfiguration.forTesting { $0.maxConnections = 1 }
            try withTestServer(configuration, router: .testing()) { server in
                let first = try server.connect()
                #expect(try first.exchange("GET", "/hello").status == 200)
                // A browser writes its request as soon as the connection is up, before the server has accepted it.
                for attempt in 0..<5 {
                    let eager = try server.connect()
                    try eager.send(TestHTTPClient.request("GET", "/hello"))
                    let response = try? eager.readResponse()
                    #expect(response?.status == 503, "attempt \(attempt): the refusal is read, not lost to a reset")
                }
            }
        }

        @Test func refusesAConnectionOverTheTotalCapWith503() throws {
            let configuration = ServerConfiguration.forTesting { $0.maxConnections = 1 }
            try withTestServer(configuration, router: .testing()) { server in
                let first = try server.connect()
                #expect(try first.exchange("GET", "/hello").status == 200)
                let second = try server.connect()
                try Self.expectRefusedWith503(second)
                #expect(try first.exchange("GET", "/hello").status == 200)
            }
        }

        @Test func countsAWebSocketAgainstTheCap() throws {
            let configuration = ServerConfiguration.forTesting { $0.maxConnectionsPerIP = 1 }
            try withTestServer(configuration, router: ConnectionWebSocketTests.router()) { server in
                let socket = try server.webSocket("/ws")
                defer { socket.close() }
                let refused = try server.connect()
                try Self.expectRefusedWith503(refused)
                try socket.send(text: "unaffected")
                #expect(try socket.nextEvent().text == "unaffected")
            }
        }
    }
}

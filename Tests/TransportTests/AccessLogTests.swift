import TestSupport
import HTTP1
import Logging
import Testing
import Transport

extension TransportIntegrationTests {
    /// `log.access`: a line per answered request, naming the route's pattern and never the path.
    @Suite struct AccessLogTests {
        private static func router(echo: WebSocketLog) -> Router {
            var router = Router()
            router.add("GET", "/letters/:code") { _ in .text("a letter") }
            router.add("POST", "/letters") { _ in .text("written", status: 201) }
            router.webSocket("/ws", RecordingEndpoint(log: echo))
            return router
        }

        private static func server(_ log: RecordedLogs, echo: WebSocketLog) throws -> Server {
            var configuration = ServerConfiguration.forTesting()
            configuration.host = "127.0.0.1"
            configuration.port = 0
            let server = Server(configuration: configuration, service: router(echo: echo), logger: testLogger(label: "access-tests"),
                                accessLog: log.logger)
            try server.start()
            return server
        }

        @Test func logsEachAnsweredRequestWithItsRouteStatusBytesDurationAndConnection() throws {
            let log = RecordedLogs()
            let echo = WebSocketLog()
            let server = try Self.server(log, echo: echo)
            defer { server.shutdown() }
            let port = server.boundAddresses[0].port

            // Two requests on one connection, the second closing it: the bytes logged are the bytes received.
            let client = try TestHTTPClient(port: port)
            _ = try client.exchange("GET", "/letters/K7QX2MZP9D")
            let first = try #require(log.messages.last)
            try client.send("GET /nothing/here HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let received = try client.readUntilClosed().bytes
            let lines = log.messages
            #expect(lines.count == 2)
            #expect(lines.allSatisfy { $0.text == "access" && $0.level == .info })
            #expect(first.metadata["method"] == "GET")
            #expect(first.metadata["route"] == "/letters/:code")
            #expect(first.metadata["status"] == "200")
            #expect(!lines.contains { $0.metadata.values.contains { $0.contains("K7QX2MZP9D") } }, "the path's code reached the log")
            let second = lines[1]
            #expect(second.metadata["route"] == "(unrouted)")
            #expect(second.metadata["status"] == "404")
            #expect(second.metadata["bytes"] == String(received.count))
            #expect(second.metadata["conn"] == first.metadata["conn"])
            for line in lines {
                let duration = try #require(line.metadata["durationMs"].flatMap(Double.init))
                #expect(duration >= 0 && duration < 10_000)
            }

            // A request the transport refuses before any route, on a new connection.
            let bad = try TestHTTPClient(port: port)
            try bad.send("GET /letters HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n")
            let refusal = try bad.readResponse()
            #expect(refusal.status == 400)
            let transport = try #require(log.messages.last)
            #expect(transport.metadata["route"] == "(transport)")
            #expect(transport.metadata["status"] == "400")
            #expect(transport.metadata["conn"] != first.metadata["conn"])

            // A WebSocket handshake is a request too: 101 under its endpoint's path.
            let socket = try TestWebSocketClient(port: port, path: "/ws")
            defer { socket.close() }
            let upgrade = try #require(log.messages.last)
            #expect(upgrade.metadata["route"] == "/ws")
            #expect(upgrade.metadata["status"] == "101")
            #expect(upgrade.metadata["method"] == "GET")
            #expect(log.messages.count == 4)
        }

        @Test func aServerWithoutAnAccessLogWritesNoAccessLines() throws {
            // The server's own logger sees no "access" line: the access log goes only where it is asked to.
            let ownLog = RecordedLogs()
            var configuration = ServerConfiguration.forTesting()
            configuration.host = "127.0.0.1"
            configuration.port = 0
            let server = Server(configuration: configuration, service: Self.router(echo: WebSocketLog()), logger: ownLog.logger)
            try server.start()
            defer { server.shutdown() }
            let client = try TestHTTPClient(port: server.boundAddresses[0].port)
            #expect(try client.exchange("GET", "/letters/A").status == 200)
            #expect(!ownLog.messages.contains { $0.text == "access" })
        }
    }
}

import TestSupport
import Dispatch
import HTTP1
import Synchronization
import Testing
import Transport
import WebSocket
#if canImport(Glibc)
import Glibc
#endif

extension TransportIntegrationTests {
    /// HTTP/1.1 serving over real sockets: persistence (RFC 9112 §9.3), pipelining (§9.3.2), framing of request bodies
    /// (§6–7), the parser's limits as statuses on the wire, and `Expect: 100-continue` (RFC 9110 §10.1.1).
    @Suite struct ConnectionHTTPTests {
        // MARK: keep-alive (RFC 9112 §9.3)

        @Test func servesSeveralRequestsOnOneKeepAliveConnection() throws {
            try withTestServer(router: .testing()) { server in
                let client = try server.connect()
                var connectionIDs: Set<String> = []
                for _ in 0..<3 {
                    let response = try client.exchange("GET", "/connection")
                    #expect(response.status == 200)
                    #expect(response.header("Connection") == "keep-alive")
                    connectionIDs.insert(response.text)
                }
                #expect(connectionIDs.count == 1, "every request was served on the same server connection")
                let echoed = try client.exchange("POST", "/echo", body: Array("after three GETs".utf8))
                #expect(echoed.text == "after three GETs")
            }
        }

        @Test func closesTheConnectionAfterAnsweringConnectionClose() throws {
            try withTestServer(router: .testing()) { server in
                let client = try server.connect()
                let response = try client.exchange("GET", "/hello", headers: [("Connection", "close")])
                #expect(response.status == 200)
                #expect(response.text == "hello")
                #expect(response.header("Connection") == "close")
                let rest = try client.readUntilClosed()
                #expect(rest.bytes.isEmpty)
                #expect(rest.end == .endOfStream)
            }
        }

        @Test func closesAnHTTP10ConnectionThatDoesNotAskForKeepAlive() throws {
            try withTestServer(router: .testing()) { server in
                let client = try server.connect()
                try client.send(TestHTTPClient.request("GET", "/hello", version: "HTTP/1.0", host: nil))
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.text == "hello")
                #expect(response.header("Connection") == "close")
                #expect(try client.readUntilClosed().bytes.isEmpty)
            }
        }

        @Test func keepsAnHTTP10ConnectionThatAsksForKeepAlive() throws {
            try withTestServer(router: .testing()) { server in
                let client = try server.connect()
                var ids: [String] = []
                for _ in 0..<2 {
                    try client.send(TestHTTPClient.request("GET", "/connection", version: "HTTP/1.0", host: nil, headers: [("Connection", "keep-alive")]))
                    let response = try client.readResponse()
                    #expect(response.status == 200)
                    #expect(response.header("Connection") == "keep-alive")
                    ids.append(response.text)
                }
                #expect(ids[0] == ids[1])
            }
        }

        @Test func closesAfterAResponseWhoseHandlerAsksForConnectionClose() throws {
            var router = Router.testing()
            router.add("GET", "/bye") { _ in HTTPResponse(status: 200, headers: ["Connection": "close"], body: Array("bye".utf8)) }
            try withTestServer(router: router) { server in
                let client = try server.connect()
                let response = try client.exchange("GET", "/bye")
                #expect(response.text == "bye")
                #expect(response.header("Connection") == "close")
                #expect(try client.readUntilClosed().bytes.isEmpty)
            }
        }

        @Test func answersTheRequestOfAClientThatHalfClosesRightAfterIt() throws {
            let gate = Gate()
            var router = Router.testing()
            router.addResponder("GET", "/gated") { _, responder in gate.pass { responder.respond(.text("late")) } }
            try withTestServer(router: router) { server in
                let client = try server.connect()
                try client.send(TestHTTPClient.request("GET", "/gated"))
                client.shutdownWrite()
                #expect(gate.waitForArrival())
                gate.open()
                // Whether the server read the FIN before answering decides the Connection header; either way the answer
                // arrives whole, and then the connection ends.
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.text == "late")
                #expect(try client.readUntilClosed() == ([], .endOfStream))
            }
        }

        // MARK: pipelining (RFC 9112 §9.3.2)

        @Test func answersPipelinedRequestsInOrderWhenTheFirstAnswerIsLate() throws {
            let gate = Gate()
            var router = Router.testing()
            router.addResponder("GET", "/gated") { _, responder in
                gate.pass { DispatchQueue.global().async { responder.respond(.text("first")) } }
            }
            router.add("GET", "/second") { _ in .text("second") }
            router.add("GET", "/third") { _ in .text("third") }
            try withTestServer(router: router) { server in
                let client = try server.connect()
                try client.send(
                    TestHTTPClient.request("GET", "/gated") + TestHTTPClient.request("GET", "/second")
                        + TestHTTPClient.request("GET", "/third"))
                // The first request is being answered (its handler is waiting): later ones must wait behind it.
                #expect(gate.waitForArrival())
                gate.open()
                let bodies = try (0..<3).map { _ in try client.readResponse().text }
                #expect(bodies == ["first", "second", "third"])
                #expect(try client.exchange("GET", "/hello").text == "hello")
            }
        }

        @Test func answersPipelinedRequestsInOrderWhenAnAsyncRouteAnswersFirst() throws {
            let gate = Gate()
            var router = Router.testing()
            router.add("GET", "/async") { _ in
                await gate.pass()
                return .text("async")
            }
            try withTestServer(router: router) { server in
                let client = try server.connect()
                try client.send(TestHTTPClient.request("GET", "/async") + TestHTTPClient.request("GET", "/hello"))
                #expect(gate.waitForArrival())
                gate.open()
                #expect(try client.readResponse().text == "async")
                #expect(try client.readResponse().text == "hello")
            }
        }

        @Test func answersPipelinedRequestsWithBodiesInOrder() throws {
            try withTestServer(router: .testing()) { server in
                let client = try server.connect()
                let bodies = (0..<20).map { index in Array("body \(index) ".utf8) + [UInt8](repeating: UInt8(index), count: index * 97) }
                var wire: [UInt8] = []
                for (index, body) in bodies.enumerated() {
                    if index % 2 == 0 {
                        wire += TestHTTPClient.request("POST", "/echo", body: body)
                    } else {
                        // The same body, chunked in two.
                        let half = body.count / 2
                        var chunked: [UInt8] = Array("\(String(half, radix: 16))\r\n".utf8)
                        chunked += body[..<half]
                        chunked += Array("\r\n\(String(body.count - half, radix: 16))\r\n".utf8)
                        chunked += body[half...]
                        chunked += Array("\r\n0\r\n\r\n".utf8)
                        wire += TestHTTPClient.request("POST", "/echo", headers: [("Transfer-Encoding", "chunked")], body: chunked)
                    }
                }
                try client.send(wire)
                for body in bodies {
                    let response = try client.readResponse()
                    #expect(response.status == 200)
                    #expect(response.body == body)
                }
            }
        }

        // MARK: one connection, several protocols and many connections

        @Test func upgradesAConnectionAfterARequestOnIt() throws {
            var router = Router.testing()
            router.webSocket("/ws/echo", EchoEndpoint())
            try withTestServer(router: router) { server in
                let client = try server.connect()
                let key = WebSocketHandshake.generateKey()
                try client.send(TestHTTPClient.request("GET", "/hello") + TestWebSocketClient.handshakeRequest(path: "/ws/echo", key: key))
                #expect(try client.readResponse().text == "hello")
                let upgrade = try client.readResponse()
                #expect(upgrade.status == 101)
                #expect(upgrade.header("Sec-WebSocket-Accept") == WebSocketHandshake.acceptValue(forKey: key))
                try client.send(FrameEncoder.encode(opcode: .text, payload: Array("now a WebSocket".utf8), maskingKey: (1, 2, 3, 4)))
                let frame = try client.read(count: 2 + 15)
                #expect(frame == [0x81, 15] + Array("now a WebSocket".utf8))
            }
        }

        // MARK: splits, closes and stale answers

        @Test func answersARequestSentOneByteAtATime() throws {
            try withTestServer(router: .testing()) { server in
                let client = try server.connect()
                for byte in TestHTTPClient.request("POST", "/echo", body: Array("split everywhere".utf8)) {
                    try client.send([byte])
                }
                #expect(try client.readResponse().text == "split everywhere")
            }
        }

        @Test func stopsAtThePipelinedRequestThatAsksToClose() throws {
            try withTestServer(router: .testing()) { server in
                let client = try server.connect()
                try client.send(
                    TestHTTPClient.request("GET", "/hello") + TestHTTPClient.request("GET", "/connection", headers: [("Connection", "close")])
                        + TestHTTPClient.request("POST", "/echo", body: Array("never answered".utf8)))
                #expect(try client.readResponse().text == "hello")
                let last = try client.readResponse()
                #expect(last.header("Connection") == "close")
                #expect(try client.readUntilClosed().bytes.isEmpty, "RFC 9112 §9.6: nothing after the response to close")
            }
        }

        @Test func ignoresALateAnswerToAnEarlierRequest() throws {
            let gate = Gate()
            let stale = Mutex<HTTPResponder?>(nil)
            var router = Router.testing()
            router.addResponder("GET", "/first") { _, responder in
                stale.withLock { $0 = responder }
                responder.respond(.text("first"))
            }
            router.addResponder("GET", "/second") { _, responder in gate.pass { responder.respond(.text("second")) } }
            try withTestServer(router: router) { server in
                let client = try server.connect()
                #expect(try client.exchange("GET", "/first").text == "first")
                try client.send(TestHTTPClient.request("GET", "/second"))
                #expect(gate.waitForArrival())
                // The first request's responder, called again while the second request is owed an answer.
                stale.withLock { $0 }?.respond(.text("stale"))
                gate.open()
                #expect(try client.readResponse().text == "second")
                #expect(try client.exchange("GET", "/hello").text == "hello")
            }
        }

        @Test func servesAnAbsoluteFormTarget() throws {
            try withTestServer(router: .testing()) { server in
                let response = try server.connect().exchange("GET", "http://\(server.host)/hello")
                #expect(response.status == 200)
                #expect(response.text == "hello")
            }
        }

        @Test func servesManyConnectionsAtOnceOnTwoLoops() throws {
            try withTestServer(.forTesting { $0.eventLoops = 2 }, router: .testing()) { server in
                let clients = try (0..<200).map { _ in try server.connect() }
                for (index, client) in clients.enumerated() {
                    try client.send(TestHTTPClient.request("POST", "/echo", body: Array("client \(index)".utf8)))
                }
                for (index, client) in clients.enumerated() {
                    #expect(try client.readResponse(method: "POST").text == "client \(index)")
                }
                #expect(server.server.stats.openConnections == 200)
            }
        }

        @Test(arguments: ReadinessMode.allCases)
        func doesNotSpinWhileFlushingTheLastResponseToAClientThatKeepsSending(_ readiness: ReadinessMode) throws {
            var router = Router.testing()
            let big = [UInt8](repeating: 0x62, count: 8 << 20)
            router.add("GET", "/big") { _ in HTTPResponse(status: 200, contentType: "application/octet-stream", body: big) }
            let configuration = ServerConfiguration.forTesting {
                $0.readiness = readiness
                $0.writeStallTimeoutMilliseconds = 60_000
            }
            try withTestServer(configuration, router: router) { server in
                let client = try server.connect(receiveBufferSize: 4096)
                try client.send(TestHTTPClient.request("GET", "/big", headers: [("Connection", "close")]))
                // The last response has started and cannot be flushed until the client reads; bytes that arrive
                // meanwhile make the socket readable, and must not make the loop poll it in a circle.
                #expect(try client.readLine() == "HTTP/1.1 200 OK")
                try client.send("bytes the server will never read as a request")
                // Readiness events over a window (not synchronisation: the count is measured over time). A loop
                // that kept polling the readable socket would handle thousands; other suites running in parallel
                // in this process cannot disturb the count, as they would a CPU measurement.
                let loop = server.server.loops.loops[0]
                let before = loop.queue.sync { loop.readinessEvents }
                usleep(500_000)
                let events = loop.queue.sync { loop.readinessEvents } - before
                #expect(events < 50, "the loop handled \(events) readiness events in 500 ms while every socket was waiting")
                var received = 0
                while let bytes = try client.readSome(upTo: 1 << 20) { received += bytes.count }
                #expect(received > big.count, "the response still arrives whole")
            }
        }

        // MARK: request bodies (RFC 9112 §6–7)

        @Test func readsAChunkedRequestBodyWithExtensionsAndTrailers() throws {
            try withTestServer(router: .testing()) { server in
                let client = try server.connect()
                try client.send(TestHTTPClient.request("POST", "/echo", headers: [("Transfer-Encoding", "chunked")]))
                try client.send("4;note=first\r\nWiki\r\n")
                try client.send("5\r\npedia\r\n")
                try client.send("0\r\nX-Checksum: none\r\n\r\n")
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.text == "Wikipedia")
            }
        }

        @Test func sends100ContinueBeforeTheBodyIsSent() throws {
            try withTestServer(router: .testing()) { server in
                let client = try server.connect()
                try client.send(TestHTTPClient.request(
                    "POST", "/echo", headers: [("Expect", "100-continue"), ("Content-Length", "5")]))
                let interim = try client.readResponse(method: "POST")
                #expect(interim.status == 100)
                try client.send("hello")
                let final = try client.readResponse(method: "POST")
                #expect(final.status == 200)
                #expect(final.text == "hello")
            }
        }

        @Test func answersHEADWithTheLengthOfTheBodyButNoBody() throws {
            try withTestServer(router: .testing()) { server in
                let client = try server.connect()
                try client.send(TestHTTPClient.request("HEAD", "/hello") + TestHTTPClient.request("GET", "/hello"))
                let head = try client.readResponse(method: "HEAD")
                #expect(head.status == 200)
                #expect(head.header("Content-Length") == "5")
                // Had the server sent a body after the HEAD response, it would be read as the next status line.
                let get = try client.readResponse()
                #expect(get.status == 200)
                #expect(get.text == "hello")
            }
        }

        // MARK: limits as statuses

        @Test func refusesMoreHeaderFieldsThanTheLimitWith431() throws {
            let configuration = ServerConfiguration.forTesting { $0.http.maxHeaderCount = 10 }
            try withTestServer(configuration, router: .testing()) { server in
                let client = try server.connect()
                let fields = (0..<11).map { ("X-Field-\($0)", "value") }
                let response = try client.exchange("GET", "/hello", headers: fields)
                #expect(response.status == 431)
                #expect(response.errorCode == "http.too_many_headers")
                #expect(response.header("Connection") == "close")
                #expect(try client.readUntilClosed().bytes.isEmpty)
            }
        }

        @Test func acceptsExactlyTheLimitOfHeaderFields() throws {
            let configuration = ServerConfiguration.forTesting { $0.http.maxHeaderCount = 10 }
            try withTestServer(configuration, router: .testing()) { server in
                let client = try server.connect()
                let fields = (0..<9).map { ("X-Field-\($0)", "value") }   // + Host = 10
                #expect(try client.exchange("GET", "/hello", headers: fields).status == 200)
            }
        }

        @Test func refusesAHeaderSectionOverTheByteLimitWith431() throws {
            let configuration = ServerConfiguration.forTesting { $0.http.maxHeaderBytes = 1024 }
            try withTestServer(configuration, router: .testing()) { server in
                let client = try server.connect()
                let response = try client.exchange("GET", "/hello", headers: [("X-Big", String(repeating: "b", count: 2000))])
                #expect(response.status == 431)
                #expect(response.errorCode == "http.header_block_too_large")
                #expect(try client.readUntilClosed().bytes.isEmpty)
            }
        }

        @Test func refusesAContentLengthOverTheLimitWith413BeforeTheBodyIsSent() throws {
            let configuration = ServerConfiguration.forTesting { $0.http.maxBodySize = 1000 }
            try withTestServer(configuration, router: .testing()) { server in
                let client = try server.connect()
                // Only the head: the answer must not wait for 1001 bytes that will never come.
                try client.send(TestHTTPClient.request("POST", "/echo", headers: [("Content-Length", "1001")]))
                let response = try client.readResponse(method: "POST")
                #expect(response.status == 413)
                #expect(response.errorCode == "http.body_too_large")
                #expect(response.header("Connection") == "close")
                #expect(try client.readUntilClosed().bytes.isEmpty)
            }
        }

        @Test func refusesAnExpectedBodyOverTheLimitWith413InsteadOf100() throws {
            let configuration = ServerConfiguration.forTesting { $0.http.maxBodySize = 1000 }
            try withTestServer(configuration, router: .testing()) { server in
                let client = try server.connect()
                try client.send(TestHTTPClient.request(
                    "POST", "/echo", headers: [("Expect", "100-continue"), ("Content-Length", "5000")]))
                let response = try client.readResponse(method: "POST")
                #expect(response.status == 413)
            }
        }

        @Test func refusesAChunkOverTheLimitWith413BeforeItsDataIsSent() throws {
            let configuration = ServerConfiguration.forTesting { $0.http.maxBodySize = 1000 }
            try withTestServer(configuration, router: .testing()) { server in
                let client = try server.connect()
                try client.send(TestHTTPClient.request("POST", "/echo", headers: [("Transfer-Encoding", "chunked")]))
                try client.send("200\r\n" + String(repeating: "a", count: 0x200) + "\r\n")
                try client.send("201\r\n")   // 512 + 513 > 1000: refused at the size line
                let response = try client.readResponse(method: "POST")
                #expect(response.status == 413)
                #expect(response.errorCode == "http.body_too_large")
            }
        }

        @Test func refusesARequestLineOverTheLimitWith414() throws {
            let configuration = ServerConfiguration.forTesting { $0.http.maxRequestLineLength = 256 }
            try withTestServer(configuration, router: .testing()) { server in
                let client = try server.connect()
                let response = try client.exchange("GET", "/" + String(repeating: "a", count: 300))
                #expect(response.status == 414)
                #expect(response.errorCode == "http.request_line_too_long")
                #expect(try client.readUntilClosed().bytes.isEmpty)
            }
        }

        // MARK: request smuggling (RFC 9112 §6.3, §11.2)

        struct SmugglingShape: Sendable, CustomTestStringConvertible {
            var name: String
            var head: String
            var status: Int
            var code: String
            var testDescription: String { name }
        }

        static let smugglingShapes: [SmugglingShape] = [
            SmugglingShape(
                name: "Content-Length and Transfer-Encoding", head: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
                status: 400, code: "http.te_and_cl"),
            SmugglingShape(
                name: "Transfer-Encoding and Content-Length", head: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
                status: 400, code: "http.te_and_cl"),
            SmugglingShape(
                name: "two different Content-Lengths", head: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
                status: 400, code: "http.conflicting_content_length"),
            SmugglingShape(
                name: "a Content-Length list that disagrees", head: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n",
                status: 400, code: "http.conflicting_content_length"),
            SmugglingShape(
                name: "Transfer-Encoding in HTTP/1.0", head: "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
                status: 400, code: "http.te_in_http10"),
            SmugglingShape(
                name: "chunked not last", head: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n",
                status: 400, code: "http.chunked_not_final"),
            SmugglingShape(
                name: "a space before the colon", head: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n",
                status: 400, code: "http.space_before_colon"),
            SmugglingShape(
                name: "obs-fold", head: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n",
                status: 400, code: "http.obs_fold"),
            SmugglingShape(
                name: "a bare LF", head: "POST /echo HTTP/1.1\nHost: a\r\nContent-Length: 5\r\n\r\n",
                status: 400, code: "http.bare_lf"),
            SmugglingShape(
                name: "two Hosts", head: "GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                status: 400, code: "http.duplicate_host"),
        ]

        @Test(arguments: smugglingShapes)
        func refusesASmugglingShapeAndAnswersNothingAfterIt(_ shape: SmugglingShape) throws {
            try withTestServer(router: .testing()) { server in
                let client = try server.connect()
                // A request hidden in what a lenient parser would take as the body.
                let smuggled = "0\r\n\r\nGET /hello HTTP/1.1\r\nHost: a\r\n\r\n"
                try client.send(shape.head + smuggled)
                let response = try client.readResponse(method: "POST")
                #expect(response.status == shape.status)
                #expect(response.errorCode == shape.code)
                #expect(response.header("Connection") == "close")
                let rest = try client.readUntilClosed()
                #expect(rest.bytes.isEmpty, "nothing after the error: the smuggled request is never answered")
            }
        }
    }
}

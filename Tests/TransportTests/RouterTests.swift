import TestSupport
import HTTP1
import Testing
import Transport

extension TransportIntegrationTests {
    /// Routing over the wire: 404, 405 with Allow, 501, path parameters, thrown errors, JSON bodies, and the one error
    /// shape `{"error": code, "message": text}` on every error the server can produce.
    @Suite struct RouterTests {
        struct Rating: Codable, Sendable {
            var score: Int
        }

        static func router() -> Router {
            var router = Router.testing()
            router.add("POST", "/things") { _ in .text("created", status: 201) }
            router.add("GET", "/items") { _ in .text("items") }
            router.add("PUT", "/items") { _ in .text("replaced") }
            router.add("GET", "/projects/:slug/ratings/:id") { request in
                .text("\(request.parameters["slug"] ?? "-")|\(request.parameters["id"] ?? "-")")
            }
            router.add("GET", "/files/*") { request in .text(request.parameters["*"] ?? "-") }
            router.add("GET", "/teapot") { _ throws(HTTPError) in
                throw HTTPError(418, code: "demo.teapot", message: "I am a \"teapot\".", headers: ["X-Brew": "no"])
            }
            router.add("GET", "/broken", async: { _ in
                struct Unexpected: Error {}
                throw Unexpected()
            })
            router.add("GET", "/blocking/:word", blocking: { request in
                guard let word = request.parameters["word"], word != "refused" else {
                    throw HTTPError(409, code: "demo.refused", message: "Refused off the loop.")
                }
                return .text("read " + word)
            })
            router.add("POST", "/ratings") { request throws(HTTPError) in
                let rating = try request.decodeJSON(Rating.self, limit: 64)
                return .json(201, encoding: rating)
            }
            return router
        }

        @Test func answersAWrongMethodWith405AndTheAllowedMethods() throws {
            try withTestServer(router: Self.router()) { server in
                let client = try server.connect()
                let onlyPost = try client.exchange("GET", "/things")
                #expect(onlyPost.status == 405)
                #expect(onlyPost.header("Allow") == "POST")
                #expect(onlyPost.errorCode == "http.method_not_allowed")

                let getAndPut = try client.exchange("DELETE", "/items")
                #expect(getAndPut.status == 405)
                let allowed = Set((getAndPut.header("Allow") ?? "").split(separator: ",").map { String($0.filter { $0 != " " }) })
                #expect(allowed == ["GET", "HEAD", "PUT"])
            }
        }

        @Test func aBlockingRouteAnswersFromItsQueueAndMapsItsErrors() throws {
            try withTestServer(router: Self.router()) { server in
                let client = try server.connect()
                let read = try client.exchange("GET", "/blocking/tally")
                #expect(read.status == 200)
                #expect(read.text == "read tally")
                let refused = try client.exchange("GET", "/blocking/refused")
                #expect(refused.status == 409)
                #expect(refused.jsonObject == ["error": "demo.refused", "message": "Refused off the loop."])
                let again = try client.exchange("GET", "/blocking/again")
                #expect(again.text == "read again", "the connection goes on after an answer from another thread")
            }
        }

        @Test func refusesAStateChangingRequestFromAForeignOrigin() throws {
            var router = Self.router()
            router.stateChangingOrigins = []
            try withTestServer(router: router) { server in
                let client = try server.connect()
                let foreign = try client.exchange("POST", "/things", headers: [("Origin", "http://evil.example")])
                #expect(foreign.status == 403)
                #expect(foreign.errorCode == "http.forbidden_origin")
                let own = try client.exchange("POST", "/things", headers: [("Origin", "http://127.0.0.1")])  // the Host the client sends
                #expect(own.status == 201)
                let script = try client.exchange("POST", "/things")
                #expect(script.status == 201, "no Origin: not a browser page")
                let read = try client.exchange("GET", "/items", headers: [("Origin", "http://evil.example")])
                #expect(read.status == 200, "reads are not checked")
            }
        }

        @Test func answersAnUnroutedPathWith404InTheErrorShape() throws {
            try withTestServer(router: Self.router()) { server in
                let response = try server.connect().exchange("GET", "/nowhere")
                #expect(response.status == 404)
                #expect(response.header("Content-Type") == "application/json")
                #expect(response.jsonObject == ["error": "http.not_found", "message": "Nothing here."])
            }
        }

        @Test func answersAnUnknownMethodWith501() throws {
            try withTestServer(router: Self.router()) { server in
                let response = try server.connect().exchange("BREW", "/nowhere")
                #expect(response.status == 501)
                #expect(response.errorCode == "http.not_implemented")
            }
        }

        @Test func passesPathParametersPercentDecoded() throws {
            try withTestServer(router: Self.router()) { server in
                let client = try server.connect()
                #expect(try client.exchange("GET", "/projects/%E6%B0%91%E7%94%9F/ratings/7").text == "民生|7")
                #expect(try client.exchange("GET", "/files/a/b/c.txt").text == "a/b/c.txt")
                #expect(try client.exchange("GET", "/projects/x/ratings").status == 404, "a missing segment does not match")
            }
        }

        @Test func answersAThrownHTTPErrorWithItsStatusHeadersAndEscapedMessage() throws {
            try withTestServer(router: Self.router()) { server in
                let response = try server.connect().exchange("GET", "/teapot")
                #expect(response.status == 418)
                #expect(response.header("X-Brew") == "no")
                #expect(response.jsonObject == ["error": "demo.teapot", "message": "I am a \"teapot\"."])
            }
        }

        @Test func answersAnAsyncRouteThatFailsUnexpectedlyWith500() throws {
            try withTestServer(router: Self.router()) { server in
                let response = try server.connect().exchange("GET", "/broken")
                #expect(response.status == 500)
                #expect(response.errorCode == "server.internal")
            }
        }

        @Test func decodesAJSONBodyAndRefusesWhatItCannotDecode() throws {
            try withTestServer(router: Self.router()) { server in
                let client = try server.connect()
                let json = [("Content-Type", "application/json")]
                let created = try client.exchange("POST", "/ratings", headers: json, body: Array(#"{"score":5}"#.utf8))
                #expect(created.status == 201)
                #expect(created.text == #"{"score":5}"#)

                let missing = try client.exchange("POST", "/ratings", headers: json, body: Array(#"{"stars":5}"#.utf8))
                #expect(missing.status == 400)
                #expect(missing.errorCode == "http.invalid_json")

                let wrongType = try client.exchange("POST", "/ratings", headers: [("Content-Type", "text/plain")], body: Array(#"{"score":5}"#.utf8))
                #expect(wrongType.status == 415)

                let tooLarge = try client.exchange("POST", "/ratings", headers: json, body: Array(#"{"score":5,"pad":""#.utf8) + [UInt8](repeating: 0x61, count: 100) + Array(#""}"#.utf8))
                #expect(tooLarge.status == 413)
                #expect(tooLarge.errorCode == "http.body_too_large")
            }
        }

        // MARK: the one error shape

        struct FaultyRequest: Sendable, CustomTestStringConvertible {
            var name: String
            var bytes: String
            var status: Int
            var code: String
            var testDescription: String { name }
        }

        static let faults: [FaultyRequest] = [
            FaultyRequest(name: "a malformed request line", bytes: "GET  /hello HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, code: "http.malformed_request_line"),
            FaultyRequest(name: "no Host", bytes: "GET /hello HTTP/1.1\r\n\r\n", status: 400, code: "http.missing_host"),
            FaultyRequest(name: "HTTP/2.0", bytes: "GET /hello HTTP/2.0\r\nHost: a\r\n\r\n", status: 505, code: "http.unsupported_version"),
            FaultyRequest(name: "an Expect other than 100-continue", bytes: "GET /hello HTTP/1.1\r\nHost: a\r\nExpect: coffee\r\n\r\n", status: 417, code: "http.unsupported_expectation"),
            FaultyRequest(name: "a gzip transfer coding", bytes: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", status: 501, code: "http.unsupported_transfer_encoding"),
            FaultyRequest(name: "CONNECT", bytes: "CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n", status: 501, code: "http.connect"),
            FaultyRequest(name: "an unknown method", bytes: "BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n", status: 501, code: "http.not_implemented"),
            FaultyRequest(name: "an unrouted path", bytes: "GET /nowhere HTTP/1.1\r\nHost: a\r\n\r\n", status: 404, code: "http.not_found"),
            FaultyRequest(name: "a wrong method", bytes: "PATCH /hello HTTP/1.1\r\nHost: a\r\n\r\n", status: 405, code: "http.method_not_allowed"),
            FaultyRequest(name: "a NUL in a header", bytes: "GET /hello HTTP/1.1\r\nHost: a\r\nX-A: \u{0}\r\n\r\n", status: 400, code: "http.invalid_field_value"),
            FaultyRequest(name: "a target with a space", bytes: "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", status: 400, code: "http.malformed_request_line"),
            FaultyRequest(name: "an invalid Content-Length", bytes: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 1e3\r\n\r\n", status: 400, code: "http.invalid_content_length"),
            FaultyRequest(name: "a malformed chunk size", bytes: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", status: 400, code: "http.malformed_chunk_size"),
            FaultyRequest(name: "a WebSocket handshake to no endpoint", bytes: "GET /ws/none HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", status: 404, code: "ws.no_endpoint"),
        ]

        @Test(arguments: faults)
        func answersEveryErrorAsJSONInTheOneShape(_ fault: FaultyRequest) throws {
            try withTestServer(router: Self.router()) { server in
                let client = try server.connect()
                try client.send(fault.bytes)
                let response = try client.readResponse()
                #expect(response.status == fault.status)
                #expect(response.header("Content-Type") == "application/json")
                #expect(response.header("Content-Length") == String(response.body.count))
                #expect(response.errorCode == fault.code, "body: \(response.text)")
            }
        }
    }
}

import HTTP1
import Testing

/// A request that must parse, and the events it must give.
struct ValidRequest: Sendable, CustomTestStringConvertible {
    var name: String
    var text: String
    var events: [HTTPRequestEvent]
    var testDescription: String { name }
}

@Suite struct HTTPRequestParserTests {
    static let validRequests: [ValidRequest] = [
        ValidRequest(
            name: "GET with a query",
            text: "GET /index.html?lang=en&x HTTP/1.1\r\nHost: example.com\r\nUser-Agent: test/1.0\r\nAccept: */*\r\n\r\n",
            events: [
                .head(HTTPRequestHead(
                    method: "GET", target: "/index.html?lang=en&x", path: "/index.html", query: "lang=en&x",
                    headers: ["Host": "example.com", "User-Agent": "test/1.0", "Accept": "*/*"])),
                .end,
            ]),
        ValidRequest(
            name: "POST with Content-Length",
            text: "POST /api/messages HTTP/1.1\r\nHost: example.com\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"text\":\"hi\"}",
            events: [
                .head(HTTPRequestHead(
                    method: "POST", target: "/api/messages", path: "/api/messages",
                    headers: ["Host": "example.com", "Content-Type": "application/json", "Content-Length": "13"],
                    framing: .contentLength(13))),
                .body("{\"text\":\"hi\"}"),
                .end,
            ]),
        ValidRequest(
            name: "chunked with extensions and trailers",
            text: "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;name=value\r\nhello\r\n6 ; a ; b = \"q \\\" x\"\r\n world\r\n00\r\nChecksum: abc\r\nX-Other: 1\r\n\r\n",
            events: [
                .head(HTTPRequestHead(
                    method: "POST", target: "/upload", path: "/upload",
                    headers: ["Host": "a", "Transfer-Encoding": "chunked"], framing: .chunked)),
                .body("hello world"),
                .end,
            ]),
        ValidRequest(
            name: "chunked with upper-case hex and no trailers",
            text: "PUT /f HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n",
            events: [
                .head(HTTPRequestHead(
                    method: "PUT", target: "/f", path: "/f",
                    headers: ["Host": "a", "Transfer-Encoding": "Chunked"], framing: .chunked)),
                .body("0123456789"),
                .end,
            ]),
        ValidRequest(
            name: "HTTP/1.0 with Connection: keep-alive",
            text: "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
            events: [
                .head(HTTPRequestHead(
                    method: "GET", target: "/", path: "/", version: .http1_0,
                    headers: ["Connection": "Keep-Alive"], keepAlive: true)),
                .end,
            ]),
        ValidRequest(
            name: "HTTP/1.0 without Connection is not persistent and needs no Host",
            text: "GET / HTTP/1.0\r\n\r\n",
            events: [.head(HTTPRequestHead(method: "GET", target: "/", path: "/", version: .http1_0, keepAlive: false)), .end]),
        ValidRequest(
            name: "HTTP/1.1 with Connection: close",
            text: "GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade, Close\r\n\r\n",
            events: [
                .head(HTTPRequestHead(
                    method: "GET", target: "/", path: "/",
                    headers: ["Host": "a", "Connection": "upgrade, Close"], keepAlive: false)),
                .end,
            ]),
        ValidRequest(
            name: "absolute-form",
            text: "GET http://example.com:8080/a/b?c=d HTTP/1.1\r\nHost: example.com:8080\r\n\r\n",
            events: [
                .head(HTTPRequestHead(
                    method: "GET", target: "http://example.com:8080/a/b?c=d", path: "/a/b", query: "c=d",
                    headers: ["Host": "example.com:8080"])),
                .end,
            ]),
        ValidRequest(
            name: "absolute-form without a path",
            text: "GET HTTPS://example.com?q HTTP/1.1\r\nHost: example.com\r\n\r\n",
            events: [
                .head(HTTPRequestHead(
                    method: "GET", target: "HTTPS://example.com?q", path: "/", query: "q", headers: ["Host": "example.com"])),
                .end,
            ]),
        ValidRequest(
            name: "OPTIONS *",
            text: "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
            events: [.head(HTTPRequestHead(method: "OPTIONS", target: "*", path: "*", headers: ["Host": "a"])), .end]),
        ValidRequest(
            name: "empty lines before the request-line",
            text: "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
            events: [.head(HTTPRequestHead(method: "GET", target: "/", path: "/", headers: ["Host": "a"])), .end]),
        ValidRequest(
            name: "HTTP/1.9 is handled as HTTP/1.1",
            text: "GET / HTTP/1.9\r\nHost: a\r\n\r\n",
            events: [.head(HTTPRequestHead(method: "GET", target: "/", path: "/", headers: ["Host": "a"])), .end]),
        ValidRequest(
            name: "Expect: 100-continue",
            text: "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\nok",
            events: [
                .head(HTTPRequestHead(
                    method: "POST", target: "/", path: "/",
                    headers: ["Host": "a", "Expect": "100-Continue", "Content-Length": "2"],
                    framing: .contentLength(2), expectsContinue: true)),
                .body("ok"),
                .end,
            ]),
        ValidRequest(
            name: "identical Content-Length repeats",
            text: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3, 03\r\n\r\nabc",
            events: [
                .head(HTTPRequestHead(
                    method: "POST", target: "/", path: "/",
                    headers: ["Host": "a", "Content-Length": "3", "Content-Length": "3, 03"],
                    framing: .contentLength(3))),
                .body("abc"),
                .end,
            ]),
        ValidRequest(
            name: "Content-Length: 0",
            text: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
            events: [
                .head(HTTPRequestHead(
                    method: "POST", target: "/", path: "/",
                    headers: ["Host": "a", "Content-Length": "0"], framing: .contentLength(0))),
                .end,
            ]),
        ValidRequest(
            name: "field values trimmed, inner tab, empty value, obs-text, any method token",
            text: "get /%E4%BD%A0 HTTP/1.1\r\nhost:a\r\nX-Tab: \t a\tb \t\r\nX-Empty:\r\nX-Latin: caf\u{E9}\r\n\r\n",
            events: [
                .head(HTTPRequestHead(
                    method: "get", target: "/%E4%BD%A0", path: "/%E4%BD%A0",
                    headers: ["host": "a", "X-Tab": "a\tb", "X-Empty": "", "X-Latin": "caf\u{E9}"])),
                .end,
            ]),
    ]

    @Test(arguments: validRequests)
    func parsesValidRequest(_ vector: ValidRequest) {
        let run = ParserHarness.run(vector.text)
        #expect(run.error == nil)
        #expect(run.events == vector.events)
    }

    @Test(arguments: validRequests)
    func givesTheSameEventsAtEverySplitPoint(_ vector: ValidRequest) {
        let whole = ParserHarness.expectSameAtEverySplit(vector.text)
        #expect(whole.events == vector.events)
    }

    /// The shapes used to smuggle a request past a proxy that frames it differently: each is refused
    /// with its status and code, whole and at every split point, and the connection cannot go on.
    @Test(arguments: [
        ("CL + TE", "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "http.te_and_cl"),
        ("duplicate differing CL", "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello", 400, "http.conflicting_content_length"),
        ("CL list 5, 6", "Content-Length: 5, 6\r\n\r\nhello", 400, "http.conflicting_content_length"),
        ("CL with a sign", "Content-Length: +5\r\n\r\nhello", 400, "http.invalid_content_length"),
        ("obs-fold", "X-A: b\r\n Transfer-Encoding: chunked\r\n\r\n", 400, "http.obs_fold"),
        ("bare CR", "X-A: b\rTransfer-Encoding: chunked\r\n\r\n", 400, "http.bare_cr"),
        ("bare LF", "X-A: b\nTransfer-Encoding: chunked\r\n\r\n", 400, "http.bare_lf"),
        ("space before colon", "Transfer-Encoding : chunked\r\n\r\n", 400, "http.space_before_colon"),
        ("TE: chunked, gzip", "Transfer-Encoding: chunked, gzip\r\n\r\n", 400, "http.chunked_not_final"),
        ("TE: gzip, chunked", "Transfer-Encoding: gzip, chunked\r\n\r\n", 501, "http.unsupported_transfer_encoding"),
        ("TE: chunked twice", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "http.chunked_twice"),
        ("invalid chunk size", "Transfer-Encoding: chunked\r\n\r\n5x\r\nhello\r\n0\r\n\r\n", 400, "http.malformed_chunk_size"),
        ("chunk size overflow", "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", 400, "http.chunk_size_overflow"),
        ("no CRLF after chunk data", "Transfer-Encoding: chunked\r\n\r\n5\r\nhello0\r\n\r\n", 400, "http.chunk_data_crlf"),
        ("NUL in a value", "X-A: a\u{0}b\r\n\r\n", 400, "http.invalid_field_value"),
    ])
    func refusesRequestSmugglingShapes(_ name: String, _ fields: String, _ status: Int, _ code: String) {
        let run = ParserHarness.expectSameAtEverySplit("POST / HTTP/1.1\r\nHost: a\r\n" + fields)
        #expect(run.error?.status == status)
        #expect(run.error?.code == code)
    }

    @Test func refusesTransferEncodingInHTTP10() {
        let run = ParserHarness.expectSameAtEverySplit("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        #expect(run.error?.status == 400)
        #expect(run.error?.code == "http.te_in_http10")
    }

    @Test func parsesPipelinedRequestsInOrderAndStopsAtTheEndOfEach() throws {
        let first = "GET /a HTTP/1.1\r\nHost: a\r\n\r\n"
        let second = "POST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nxyz"
        let third = "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nq\r\n0\r\n\r\n"
        let fourthStart = "GET /d HT"
        let bytes = Array((first + second + third + fourthStart).utf8)
        var parser = HTTPRequestParser(limits: .default)
        var paths: [String] = []
        var bodies: [[UInt8]] = []
        var endOffsets: [Int] = []
        try bytes.withUnsafeBytes { buffer in
            var input = buffer
            while let event = try parser.next(&input) {
                switch event {
                case .head(let head): paths.append(head.path)
                case .body(let bytes): bodies.append(bytes)
                case .end: endOffsets.append(buffer.count - input.count)
                }
            }
            #expect(input.isEmpty)
        }
        #expect(paths == ["/a", "/b", "/c"])
        #expect(bodies == [Array("xyz".utf8), Array("q".utf8)])
        let ends = [first, first + second, first + second + third].map { $0.utf8.count }
        #expect(endOffsets == ends)
        #expect(!parser.isIdle)
    }

    @Test func leavesTheBytesAfterAnUpgradeRequestUnconsumed() throws {
        let request = "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
        let frame: [UInt8] = [0x81, 0x85, 1, 2, 3, 4, 5, 6, 7, 8, 9]
        let bytes = Array(request.utf8) + frame
        var parser = HTTPRequestParser(limits: .default)
        try bytes.withUnsafeBytes { buffer in
            var input = buffer
            guard case .head(let head)? = try parser.next(&input) else {
                Issue.record("expected a head")
                return
            }
            #expect(head.headers.containsToken("websocket", in: "upgrade"))
            #expect(try parser.next(&input) == .end)
            #expect(Array(input) == frame)
        }
    }

    @Test func returnsEndWithoutWaitingForMoreInputWhenThereIsNoContent() throws {
        var parser = HTTPRequestParser(limits: .default)
        let bytes = Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
        try bytes.withUnsafeBytes { buffer in
            var input = buffer
            guard case .head? = try parser.next(&input) else {
                Issue.record("expected a head")
                return
            }
            #expect(input.isEmpty)
            #expect(try parser.next(&input) == .end)
            #expect(try parser.next(&input) == nil)
        }
    }

    @Test func isIdleOnlyUntilTheFirstByteOfARequest() throws {
        var parser = HTTPRequestParser(limits: .default)
        #expect(parser.isIdle)
        func feed(_ text: String) throws {
            try Array(text.utf8).withUnsafeBytes { buffer in
                var input = buffer
                while try parser.next(&input) != nil {}
            }
        }
        try feed("\r\n")
        #expect(parser.isIdle, "an ignored empty line is not part of a request")
        try feed("G")
        #expect(!parser.isIdle)
        try feed("ET / HTTP/1.1\r\nHost: a\r\n")
        #expect(!parser.isIdle)
        try feed("\r\n")
        #expect(parser.isIdle, "after .end the next request has not started")
    }

    @Test func staysDeadAfterAnError() {
        var parser = HTTPRequestParser(limits: .default)
        let bad = Array("GET / HTTP/1.1\r\nHost : a\r\n\r\n".utf8)
        let good = Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
        for bytes in [bad, good] {
            bytes.withUnsafeBytes { buffer in
                var input = buffer
                #expect(throws: HTTPRequestError.whitespaceBeforeColon) { try parser.next(&input) }
            }
        }
    }

    @Test func resetForgetsAPartialRequest() throws {
        var parser = HTTPRequestParser(limits: .default)
        try Array("POST / HTTP/1.1\r\nHost: a\r\nConte".utf8).withUnsafeBytes { buffer throws in
            var input = buffer
            #expect(try parser.next(&input) == nil)
        }
        parser.reset()
        #expect(parser.isIdle)
        try Array("GET /x HTTP/1.1\r\nHost: a\r\n\r\n".utf8).withUnsafeBytes { buffer in
            var input = buffer
            guard case .head(let head)? = try parser.next(&input) else {
                Issue.record("expected a head")
                return
            }
            #expect(head.path == "/x")
        }
    }

    @Test func splitsContentAcrossReadsWithoutLosingOrAddingBytes() {
        let text = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789GET / HTTP/1.1\r\nHost: b\r\n\r\n"
        let whole = ParserHarness.expectSameAtEverySplit(text)
        #expect(whole.events.count == 5)
        #expect(whole.events[1] == .body("0123456789"))
    }
}

import HTTP1
import Testing

@Suite struct HTTPRequestParserFramingTests {
    static let post = "POST / HTTP/1.1\r\nHost: a\r\n"

    static let rejected: [RejectedRequest] = [
        // Request smuggling shapes.
        RejectedRequest(
            "Content-Length with Transfer-Encoding", post + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
            .contentLengthWithTransferEncoding),
        RejectedRequest(
            "Transfer-Encoding with Content-Length", post + "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n",
            .contentLengthWithTransferEncoding),
        RejectedRequest(
            "two differing Content-Length fields", post + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
            .conflictingContentLength),
        RejectedRequest("Content-Length: 5, 6", post + "Content-Length: 5, 6\r\n\r\nhello", .conflictingContentLength),
        RejectedRequest(
            "an identical repeat then a different value", post + "Content-Length: 5, 5\r\nContent-Length: 7\r\n\r\n",
            .conflictingContentLength),
        RejectedRequest("Content-Length with a sign", post + "Content-Length: +5\r\n\r\nhello", .invalidContentLength),
        RejectedRequest("negative Content-Length", post + "Content-Length: -1\r\n\r\n", .invalidContentLength),
        RejectedRequest("hex Content-Length", post + "Content-Length: 0x5\r\n\r\nhello", .invalidContentLength),
        RejectedRequest("Content-Length with a suffix", post + "Content-Length: 5a\r\n\r\nhello", .invalidContentLength),
        RejectedRequest("Content-Length with an inner space", post + "Content-Length: 1 0\r\n\r\n", .invalidContentLength),
        RejectedRequest("empty Content-Length", post + "Content-Length:\r\n\r\n", .invalidContentLength),
        RejectedRequest("Content-Length list with an empty element", post + "Content-Length: 5,,5\r\n\r\n", .invalidContentLength),
        RejectedRequest("Content-Length list ending in a comma", post + "Content-Length: 5,\r\n\r\n", .invalidContentLength),
        RejectedRequest(
            "two different values both above the limit", post + "Content-Length: 2000000, 3000000\r\n\r\n", .bodyTooLarge),
        RejectedRequest(
            "Content-Length that overflows 64 bits", post + "Content-Length: 99999999999999999999999\r\n\r\n", .bodyTooLarge),
        RejectedRequest("TE: chunked, gzip", post + "Transfer-Encoding: chunked, gzip\r\n\r\n", .chunkedNotFinal),
        RejectedRequest("TE: gzip", post + "Transfer-Encoding: gzip\r\n\r\n", .chunkedNotFinal),
        RejectedRequest(
            "chunked in the first of two TE fields", post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n",
            .chunkedNotFinal),
        RejectedRequest("TE: gzip, chunked", post + "Transfer-Encoding: gzip, chunked\r\n\r\n", .unsupportedTransferEncoding),
        RejectedRequest("TE: identity, chunked", post + "Transfer-Encoding: identity, chunked\r\n\r\n", .unsupportedTransferEncoding),
        RejectedRequest("TE: chunked, chunked", post + "Transfer-Encoding: chunked, chunked\r\n\r\n", .chunkedAppliedTwice),
        RejectedRequest(
            "chunked in two TE fields", post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
            .chunkedAppliedTwice),
        RejectedRequest("empty TE", post + "Transfer-Encoding:\r\n\r\n", .invalidTransferEncoding),
        RejectedRequest("TE list of commas", post + "Transfer-Encoding: , ,\r\n\r\n", .invalidTransferEncoding),
        RejectedRequest("chunked with a parameter", post + "Transfer-Encoding: chunked;q=1\r\n\r\n", .invalidTransferEncoding),
        RejectedRequest("TE coding not a token", post + "Transfer-Encoding: \"chunked\"\r\n\r\n", .invalidTransferEncoding),
        RejectedRequest(
            "TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", .transferEncodingInHTTP10),
        // Host (RFC 9112 §3.2).
        RejectedRequest("HTTP/1.1 without Host", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", .missingHost),
        RejectedRequest("two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", .duplicateHost),
        RejectedRequest("two identical Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", .duplicateHost),
        RejectedRequest("two Host fields in HTTP/1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", .duplicateHost),
        RejectedRequest("Host with a path", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", .invalidHost),
        RejectedRequest("Host with userinfo", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", .invalidHost),
        RejectedRequest("Host list", "GET / HTTP/1.1\r\nHost: a, b\r\n\r\n", .invalidHost),
        // Expect (RFC 9110 §10.1.1).
        RejectedRequest("Expect: something else", post + "Expect: 200-ok\r\nContent-Length: 1\r\n\r\nx", .unsupportedExpectation),
        RejectedRequest(
            "100-continue with another expectation", post + "Expect: 100-continue, x\r\nContent-Length: 1\r\n\r\nx",
            .unsupportedExpectation),
    ]

    @Test(arguments: rejected)
    func refusesAmbiguousFraming(_ vector: RejectedRequest) {
        vector.expectRefused()
    }

    @Test func refusesAContentLengthAboveTheLimitRightAfterTheHeadBeforeAnyContent() {
        let limits = HTTPLimits(maxBodySize: 100)
        let head = Self.post + "Content-Length: 101\r\n\r\n"
        let run = ParserHarness.run(head, limits: limits)
        #expect(run.events.isEmpty)
        #expect(run.error == .bodyTooLarge)
        #expect(run.error?.status == 413)
        let atLimit = ParserHarness.run(Self.post + "Content-Length: 100\r\n\r\n", limits: limits)
        #expect(atLimit.error == nil)
    }

    @Test func refusesTheDefaultLimitPlusOne() {
        #expect(ParserHarness.error(Self.post + "Content-Length: 1048577\r\n\r\n") == .bodyTooLarge)
        #expect(ParserHarness.error(Self.post + "Content-Length: 1048576\r\n\r\n") == nil)
    }

    @Test(arguments: [
        ("HTTP/1.1", "", true),
        ("HTTP/1.1", "Connection: close\r\n", false),
        ("HTTP/1.1", "Connection: keep-alive, CLOSE\r\n", false),
        ("HTTP/1.1", "Connection: closed\r\n", true),
        ("HTTP/1.1", "Connection: Upgrade\r\nConnection: close\r\n", false),
        ("HTTP/1.0", "", false),
        ("HTTP/1.0", "Connection: keep-alive\r\n", true),
        ("HTTP/1.0", "Connection: keep-alive, close\r\n", false),
        ("HTTP/1.0", "Connection: keep-alives\r\n", false),
    ])
    func decidesPersistenceFromVersionAndConnection(_ version: String, _ fields: String, _ keepAlive: Bool) throws {
        let head = try ParserHarness.head("GET / \(version)\r\nHost: a\r\n\(fields)\r\n")
        #expect(head.keepAlive == keepAlive)
    }

    @Test func ignoresExpect100ContinueInHTTP10() throws {
        let head = try ParserHarness.head("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx")
        #expect(!head.expectsContinue)
        #expect(head.framing == .contentLength(1))
    }

    @Test func acceptsAnEmptyHostAndAHostWithAPort() throws {
        #expect(try ParserHarness.head("GET / HTTP/1.1\r\nHost:\r\n\r\n").headers["host"] == "")
        #expect(try ParserHarness.head("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n").headers["host"] == "[::1]:8080")
    }

    @Test func readsAContentLengthBodyOnlyAsFarAsItsLength() {
        let run = ParserHarness.run("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET")
        #expect(run.error == nil)
        #expect(run.events.count == 3)
        #expect(run.events.last == .end)
        #expect(run.events[1] == .body("abc"))
    }
}

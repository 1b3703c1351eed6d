import HTTP1
import Testing

@Suite struct HTTPRequestParserChunkedTests {
    static let head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"

    static let rejected: [RejectedRequest] = [
        RejectedRequest("non-hex chunk size", head + "zz\r\n", .malformedChunkSize),
        RejectedRequest("empty chunk-size line", head + "\r\n", .malformedChunkSize),
        RejectedRequest("negative chunk size", head + "-5\r\nhello\r\n0\r\n\r\n", .malformedChunkSize),
        RejectedRequest("0x prefix", head + "0x5\r\nhello\r\n0\r\n\r\n", .malformedChunkSize),
        RejectedRequest("space before the size", head + " 5\r\nhello\r\n0\r\n\r\n", .malformedChunkSize),
        RejectedRequest("chunk size overflow", head + "ffffffffffffffffff\r\n", .chunkSizeOverflow),
        RejectedRequest("chunk size of 2^63", head + "8000000000000000\r\n", .chunkSizeOverflow),
        RejectedRequest("chunk size above the body limit", head + "100001\r\n", .bodyTooLarge),
        RejectedRequest("trailing space without an extension", head + "5 \r\nhello\r\n0\r\n\r\n", .malformedChunkExtension),
        RejectedRequest("extension without a name", head + "5;\r\nhello\r\n0\r\n\r\n", .malformedChunkExtension),
        RejectedRequest("extension without a value", head + "5;a=\r\nhello\r\n0\r\n\r\n", .malformedChunkExtension),
        RejectedRequest("extension with two words", head + "5;a b\r\nhello\r\n0\r\n\r\n", .malformedChunkExtension),
        RejectedRequest("unterminated quoted extension", head + "5;a=\"b\r\nhello\r\n0\r\n\r\n", .malformedChunkExtension),
        RejectedRequest("NUL in a quoted extension", head + "5;a=\"\u{0}\"\r\nhello\r\n0\r\n\r\n", .malformedChunkExtension),
        RejectedRequest(
            "chunk-size line over the limit", head + "5;" + String(repeating: "a", count: 255) + "\r\nhello\r\n0\r\n\r\n",
            .chunkLineTooLong),
        RejectedRequest("data longer than the size", head + "5\r\nhelloX\r\n0\r\n\r\n", .missingChunkDataCRLF),
        RejectedRequest("data shorter than the size", head + "5\r\nhel\r\n0\r\n\r\n", .missingChunkDataCRLF),
        RejectedRequest("LF alone after the data", head + "5\r\nhello\n0\r\n\r\n", .bareLineFeed),
        RejectedRequest("CR alone after the data", head + "5\r\nhello\r0\r\n\r\n", .bareCarriageReturn),
        RejectedRequest("bare LF after the size", head + "5\nhello\r\n0\r\n\r\n", .bareLineFeed),
        RejectedRequest("obs-fold in the trailers", head + "0\r\nX-A: b\r\n c\r\n\r\n", .obsoleteLineFolding),
        RejectedRequest("NUL in a trailer", head + "0\r\nX-A: \u{0}\r\n\r\n", .invalidFieldValue),
        RejectedRequest("space before a trailer's colon", head + "0\r\nX-A : b\r\n\r\n", .whitespaceBeforeColon),
        RejectedRequest("bare LF ending the trailers", head + "0\r\n\n", .bareLineFeed),
        RejectedRequest(
            "more content than the limit over several chunks", head + "6\r\n123456\r\n5\r\n12345\r\n0\r\n\r\n",
            .bodyTooLarge, limits: HTTPLimits(maxBodySize: 10)),
        RejectedRequest(
            "more trailer fields than the limit", head + "0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
            .tooManyHeaders, limits: HTTPLimits(maxHeaderCount: 2)),
        RejectedRequest(
            "more trailer bytes than the limit", head + "0\r\nA: " + String(repeating: "a", count: 50) + "\r\nB: 12345\r\n\r\n",
            .headerBlockTooLarge, limits: HTTPLimits(maxHeaderBytes: 60)),
    ]

    @Test(arguments: rejected)
    func refusesMalformedChunkedContent(_ vector: RejectedRequest) {
        vector.expectRefused(afterHead: true)
    }

    @Test func reportsTheChunksBeforeTheOneThatExceedsTheLimit() {
        let run = ParserHarness.run(Self.head + "6\r\n123456\r\n5\r\n", limits: HTTPLimits(maxBodySize: 10))
        #expect(run.events.count == 2)
        #expect(run.events.last == .body("123456"))
        #expect(run.error == .bodyTooLarge)
    }

    @Test func acceptsContentExactlyAtTheLimit() {
        let run = ParserHarness.run(Self.head + "6\r\n123456\r\n4\r\n1234\r\n0\r\n\r\n", limits: HTTPLimits(maxBodySize: 10))
        #expect(run.error == nil)
        #expect(run.events.dropFirst() == [.body("1234561234"), .end])
    }

    @Test func acceptsAChunkLineExactlyAtTheLimit() {
        let line = "5;" + String(repeating: "a", count: 254)
        #expect(line.utf8.count == 256)
        let run = ParserHarness.run(Self.head + line + "\r\nhello\r\n0\r\n\r\n")
        #expect(run.error == nil)
        #expect(run.events.dropFirst() == [.body("hello"), .end])
    }

    @Test func acceptsLeadingZerosAndAManyZeroLastChunk() {
        let run = ParserHarness.expectSameAtEverySplit(Self.head + "0005\r\nhello\r\n000;x=y\r\n\r\n")
        #expect(run.error == nil)
        #expect(run.events.dropFirst() == [.body("hello"), .end])
    }

    @Test func refusesAChunkLineOverTheLimitBeforeItEnds() {
        let run = ParserHarness.run(Self.head + "5;" + String(repeating: "a", count: 1000))
        #expect(run.error == .chunkLineTooLong)
    }
}

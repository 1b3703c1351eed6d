import HTTP1
import Testing

/// Every limit is enforced as bytes arrive, at its exact boundary.
@Suite struct HTTPLimitsTests {
    /// Feeds `pieces` to one parser and returns the index of the piece during which it threw.
    static func failingPiece(_ pieces: [String], limits: HTTPLimits = .default) -> (index: Int, error: HTTPRequestError)? {
        var parser = HTTPRequestParser(limits: limits)
        for (index, piece) in pieces.enumerated() {
            var thrown: HTTPRequestError?
            Array(piece.utf8).withUnsafeBytes { buffer in
                var input = buffer
                do throws(HTTPRequestError) {
                    while try parser.next(&input) != nil {}
                } catch {
                    thrown = error
                }
            }
            if let thrown { return (index, thrown) }
        }
        return nil
    }

    @Test func hasTheDocumentedDefaults() {
        let limits = HTTPLimits.default
        #expect(limits.maxRequestLineLength == 8192)
        #expect(limits.maxHeaderCount == 100)
        #expect(limits.maxHeaderBytes == 16384)
        #expect(limits.maxBodySize == 1_048_576)
        #expect(limits.maxChunkLineLength == 256)
        #expect(limits.maxEmptyLinesBeforeRequest == 4)
    }

    @Test func refusesA9KiBRequestLineBeforeItsCRLFArrives() {
        let long = "GET /" + String(repeating: "a", count: 9 * 1024)
        let failure = Self.failingPiece([long])
        #expect(failure?.error == .requestLineTooLong)
        #expect(failure?.error.status == 414)
    }

    @Test func refusesTheRequestLineTheMomentItPassesTheLimit() {
        let limit = HTTPLimits.default.maxRequestLineLength
        let atLimit = "GET /" + String(repeating: "a", count: limit - 5)
        #expect(atLimit.utf8.count == limit)
        // The limit itself is not an error, nor is the CR that may end the line there.
        #expect(Self.failingPiece([atLimit, "\r"]) == nil)
        let failure = Self.failingPiece([atLimit, "a", "never sent"])
        #expect(failure?.index == 1)
        #expect(failure?.error == .requestLineTooLong)
    }

    @Test func refusesAnEndlessHeaderLineBeforeItsEnd() {
        let start = "GET / HTTP/1.1\r\nHost: a\r\nX-Endless: "
        let kibibyte = String(repeating: "a", count: 1024)
        let pieces = [start] + Array(repeating: kibibyte, count: 64)
        let failure = Self.failingPiece(pieces)
        #expect(failure?.error == .headerBlockTooLarge)
        #expect(failure?.error.status == 431)
        // 16 KiB of field lines are passed during the 16th kibibyte of the endless value.
        #expect(failure?.index == 16)
    }

    @Test func refusesAHeaderBlockOneByteOverTheLimit() {
        let limits = HTTPLimits(maxHeaderBytes: 20)
        // "Host: a\r\n" is 9 bytes; "X: 123456\r\n" is 11: 20 in all.
        #expect(ParserHarness.run("GET / HTTP/1.1\r\nHost: a\r\nX: 123456\r\n\r\n", limits: limits).error == nil)
        let over = RejectedRequest(
            "one byte over", "GET / HTTP/1.1\r\nHost: a\r\nX: 1234567\r\n\r\n", .headerBlockTooLarge, limits: limits)
        over.expectRefused()
    }

    @Test func accepts100HeadersAndRefuses101() {
        let fields = (1..<100).map { "X-\($0): v\r\n" }.joined()
        let hundred = "GET / HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n"
        let run = ParserHarness.run(hundred)
        #expect(run.error == nil)
        guard case .head(let head)? = run.events.first else {
            Issue.record("expected a head")
            return
        }
        #expect(head.headers.count == 100)

        let hundredAndOne = "GET / HTTP/1.1\r\nHost: a\r\n" + fields + "X-100: v\r\n\r\n"
        #expect(ParserHarness.error(hundredAndOne) == .tooManyHeaders)
        #expect(HTTPRequestError.tooManyHeaders.status == 431)
    }

    @Test func refusesTooManyHeadersAtEverySplitPoint() {
        RejectedRequest(
            "three fields with a limit of two", "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n", .tooManyHeaders,
            limits: HTTPLimits(maxHeaderCount: 2)
        ).expectRefused()
    }

    @Test func refusesAContentLengthAboveTheLimitBeforeAnyContentArrives() {
        let failure = Self.failingPiece(["POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2000000\r\n\r\n", "never sent"])
        #expect(failure?.index == 0)
        #expect(failure?.error == .bodyTooLarge)
        #expect(failure?.error.status == 413)
    }

    @Test func refusesAChunkedBodyOverTheLimitWhenTheChunkSizeIsRead() {
        let head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        let chunk = "1000\r\n" + String(repeating: "a", count: 4096) + "\r\n"
        let pieces = [head] + Array(repeating: chunk, count: 256) + ["1\r\n", "never sent"]
        let failure = Self.failingPiece(pieces)
        #expect(failure?.index == 257)
        #expect(failure?.error == .bodyTooLarge)
    }
}

import HTTP1
import Testing

@Suite struct HTTPResponseEncoderTests {
    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func writesTheStatusLineTheFieldsAsGivenAndTheEmptyLine() {
        var buffer: [UInt8] = []
        let head = HTTPResponseHead(status: 200, headers: ["Content-Length": "2", "x-id": "a b", "X-Id": "c"])
        HTTPResponseEncoder.encodeHead(head, version: .http1_1, into: &buffer)
        #expect(Self.text(buffer) == "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nx-id: a b\r\nX-Id: c\r\n\r\n")
    }

    @Test func appendsToWhatTheBufferHolds() {
        var buffer = Array("x".utf8)
        HTTPResponseEncoder.encodeHead(HTTPResponseHead(status: 404), version: .http1_0, into: &buffer)
        #expect(Self.text(buffer) == "xHTTP/1.0 404 Not Found\r\n\r\n")
    }

    @Test(arguments: [
        (101, "HTTP/1.1 101 Switching Protocols\r\n\r\n"),
        (304, "HTTP/1.1 304 Not Modified\r\n\r\n"),
        (413, "HTTP/1.1 413 Content Too Large\r\n\r\n"),
        (431, "HTTP/1.1 431 Request Header Fields Too Large\r\n\r\n"),
        (599, "HTTP/1.1 599 \r\n\r\n"),
    ])
    func writesTheReasonPhraseOrAnEmptyOne(_ status: Int, _ expected: String) {
        var buffer: [UInt8] = []
        HTTPResponseEncoder.encodeHead(HTTPResponseHead(status: status), version: .http1_1, into: &buffer)
        #expect(Self.text(buffer) == expected)
    }

    @Test(arguments: [
        (1, "1\r\na\r\n"),
        (10, "a\r\naaaaaaaaaa\r\n"),
        (16, "10\r\naaaaaaaaaaaaaaaa\r\n"),
        (255, "ff\r\n" + String(repeating: "a", count: 255) + "\r\n"),
        (4096, "1000\r\n" + String(repeating: "a", count: 4096) + "\r\n"),
    ])
    func writesAChunkWithItsSizeInHex(_ size: Int, _ expected: String) {
        var buffer: [UInt8] = []
        let data = [UInt8](repeating: UInt8(ascii: "a"), count: size)
        data.withUnsafeBytes { HTTPResponseEncoder.encodeChunk($0, into: &buffer) }
        #expect(Self.text(buffer) == expected)
    }

    @Test func writesNothingForAnEmptyChunk() {
        var buffer = Array("x".utf8)
        [UInt8]().withUnsafeBytes { HTTPResponseEncoder.encodeChunk($0, into: &buffer) }
        #expect(buffer == Array("x".utf8))
    }

    @Test func endsChunkedContentWithTheLastChunkAndAnEmptyTrailerSection() {
        #expect(Self.text(HTTPResponseEncoder.lastChunk) == "0\r\n\r\n")
    }

    @Test func writesChunksOurOwnParserReadsBack() {
        var bytes = Array("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
        let parts = ["hello", " ", String(repeating: "w", count: 300)]
        for part in parts {
            Array(part.utf8).withUnsafeBytes { HTTPResponseEncoder.encodeChunk($0, into: &bytes) }
        }
        bytes += HTTPResponseEncoder.lastChunk
        let run = ParserHarness.run([bytes])
        #expect(run.error == nil)
        #expect(run.events.dropFirst() == [.body(parts.joined()), .end])
    }
}

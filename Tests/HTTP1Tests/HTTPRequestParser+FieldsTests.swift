import HTTP1
import Testing

@Suite struct HTTPRequestParserFieldsTests {
    static let line = "GET / HTTP/1.1\r\n"

    static let rejected: [RejectedRequest] = [
        RejectedRequest("obs-fold", line + "Host: a\r\nX-A: b\r\n c\r\n\r\n", .obsoleteLineFolding),
        RejectedRequest("obs-fold with a tab", line + "Host: a\r\nX-A: b\r\n\tc\r\n\r\n", .obsoleteLineFolding),
        RejectedRequest("whitespace before the first field", line + " Host: a\r\n\r\n", .whitespaceBeforeFirstField),
        RejectedRequest("space before the colon", line + "Host : a\r\n\r\n", .whitespaceBeforeColon),
        RejectedRequest("tab before the colon", line + "Host: a\r\nX-A\t: b\r\n\r\n", .whitespaceBeforeColon),
        RejectedRequest(
            "space before the colon of Content-Length", line + "Host: a\r\nContent-Length : 5\r\n\r\nhello",
            .whitespaceBeforeColon),
        RejectedRequest("space inside the name", line + "Host: a\r\nX A: b\r\n\r\n", .invalidFieldName),
        RejectedRequest("empty name", line + "Host: a\r\n: b\r\n\r\n", .invalidFieldName),
        RejectedRequest("name not a token", line + "Host: a\r\nX(A): b\r\n\r\n", .invalidFieldName),
        RejectedRequest("non-ASCII name", line + "Host: a\r\nX\u{E9}: b\r\n\r\n", .invalidFieldName),
        RejectedRequest("no colon", line + "Host: a\r\nX-A\r\n\r\n", .malformedFieldLine),
        RejectedRequest("NUL in a value", line + "Host: a\r\nX-A: b\u{0}c\r\n\r\n", .invalidFieldValue),
        RejectedRequest("control character in a value", line + "Host: a\r\nX-A: b\u{1}c\r\n\r\n", .invalidFieldValue),
        RejectedRequest("DEL in a value", line + "Host: a\r\nX-A: b\u{7F}\r\n\r\n", .invalidFieldValue),
        RejectedRequest(
            "control character inside a long value", line + "Host: a\r\nX-A: 0123456789\u{1B}abcdefghij\r\n\r\n",
            .invalidFieldValue),
        RejectedRequest(
            "DEL inside a long value", line + "Host: a\r\nX-A: 01234567\u{7F}abcdefghij\r\n\r\n", .invalidFieldValue),
        RejectedRequest("bare CR in a value", line + "Host: a\r\nX-A: b\rc\r\n\r\n", .bareCarriageReturn),
        RejectedRequest("bare CR before the empty line", line + "Host: a\r\n\rX-A: b\r\n\r\n", .bareCarriageReturn),
        RejectedRequest("bare LF between fields", line + "Host: a\nX-A: b\r\n\r\n", .bareLineFeed),
        RejectedRequest("bare LF as the empty line", line + "Host: a\r\n\n", .bareLineFeed),
    ]

    @Test(arguments: rejected)
    func refusesMalformedFieldLine(_ vector: RejectedRequest) {
        vector.expectRefused()
    }

    @Test func keepsDuplicateFieldsInOrderWithTheirNamesAsReceived() throws {
        let head = try ParserHarness.head(Self.line + "Host: a\r\nAccept: text/html\r\nx-custom: 1\r\naccept: */*\r\n\r\n")
        #expect(head.headers.count == 4)
        #expect(head.headers.values("ACCEPT") == ["text/html", "*/*"])
        #expect(head.headers["X-Custom"] == "1")
        #expect(Array(head.headers.map(\.name)) == ["Host", "Accept", "x-custom", "accept"])
    }
}

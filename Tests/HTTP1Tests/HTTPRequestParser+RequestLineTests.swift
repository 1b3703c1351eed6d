import HTTP1
import Testing

@Suite struct HTTPRequestParserRequestLineTests {
    static let host = "\r\nHost: a\r\n\r\n"

    static let rejected: [RejectedRequest] = [
        RejectedRequest("two spaces after the target", "GET /  HTTP/1.1" + host, .malformedRequestLine),
        RejectedRequest("two spaces after the method", "GET  / HTTP/1.1" + host, .malformedRequestLine),
        RejectedRequest("space before the method", " GET / HTTP/1.1" + host, .malformedRequestLine),
        RejectedRequest("space after the version", "GET / HTTP/1.1 " + host, .malformedRequestLine),
        RejectedRequest("no version (HTTP/0.9)", "GET /" + host, .malformedRequestLine),
        RejectedRequest("method only", "GET" + host, .malformedRequestLine),
        RejectedRequest("space inside the target", "GET /a b HTTP/1.1" + host, .malformedRequestLine),
        RejectedRequest("tab after the method", "GET\t/ HTTP/1.1" + host, .invalidMethod),
        RejectedRequest("method not a token", "GE(T / HTTP/1.1" + host, .invalidMethod),
        RejectedRequest("NUL in the target", "GET /a\u{0}b HTTP/1.1" + host, .invalidTarget),
        RejectedRequest("tab in the target", "GET /a\tb HTTP/1.1" + host, .invalidTarget),
        RejectedRequest("DEL in the target", "GET /a\u{7F} HTTP/1.1" + host, .invalidTarget),
        RejectedRequest("non-ASCII in the target", "GET /caf\u{E9} HTTP/1.1" + host, .invalidTarget),
        RejectedRequest("fragment in the target", "GET /a#b HTTP/1.1" + host, .invalidTarget),
        RejectedRequest("relative target", "GET a/b HTTP/1.1" + host, .invalidTarget),
        RejectedRequest("authority-form without CONNECT", "GET example.com:80 HTTP/1.1" + host, .invalidTarget),
        RejectedRequest("absolute-form with another scheme", "GET ftp://a/b HTTP/1.1" + host, .invalidTarget),
        RejectedRequest("absolute-form with userinfo", "GET http://u:p@a/ HTTP/1.1" + host, .invalidTarget),
        RejectedRequest("absolute-form with an empty host", "GET http:///etc HTTP/1.1" + host, .invalidTarget),
        RejectedRequest("absolute-form without //", "GET http:/a HTTP/1.1" + host, .invalidTarget),
        RejectedRequest("asterisk-form with GET", "GET * HTTP/1.1" + host, .asteriskFormWithoutOptions),
        RejectedRequest("CONNECT", "CONNECT example.com:443 HTTP/1.1" + host, .connectNotSupported),
        RejectedRequest("HTTP/2.0", "GET / HTTP/2.0" + host, .unsupportedVersion),
        RejectedRequest("HTTP/0.9 with a version", "GET / HTTP/0.9" + host, .unsupportedVersion),
        RejectedRequest("lower-case HTTP-name", "GET / http/1.1" + host, .malformedVersion),
        RejectedRequest("version without a minor", "GET / HTTP/1" + host, .malformedVersion),
        RejectedRequest("two-digit minor", "GET / HTTP/1.10" + host, .malformedVersion),
        RejectedRequest("letter as minor", "GET / HTTP/1.x" + host, .malformedVersion),
        RejectedRequest("bare LF after the request-line", "GET / HTTP/1.1\nHost: a\r\n\r\n", .bareLineFeed),
        RejectedRequest("bare CR in the request-line", "GET /\r HTTP/1.1" + host, .bareCarriageReturn),
        RejectedRequest("bare LF as an empty line", "\nGET / HTTP/1.1" + host, .bareLineFeed),
        RejectedRequest("CR CR LF", "GET / HTTP/1.1\r\r\nHost: a\r\n\r\n", .bareCarriageReturn),
        RejectedRequest(
            "more empty lines than allowed", String(repeating: "\r\n", count: 5) + "GET / HTTP/1.1" + host,
            .tooManyEmptyLines),
        RejectedRequest(
            "a request-line one byte over the limit",
            "GET /" + String(repeating: "a", count: 12) + " HTTP/1.1" + host, .requestLineTooLong,
            limits: HTTPLimits(maxRequestLineLength: 25)),
    ]

    @Test(arguments: rejected)
    func refusesMalformedRequestLine(_ vector: RejectedRequest) {
        vector.expectRefused()
    }

    @Test func acceptsTheMaximumNumberOfEmptyLinesBeforeTheRequestLine() throws {
        let head = try ParserHarness.head(String(repeating: "\r\n", count: 4) + "GET / HTTP/1.1" + Self.host)
        #expect(head.path == "/")
    }

    @Test func acceptsARequestLineExactlyAtTheLimit() throws {
        let line = "GET /" + String(repeating: "a", count: 11) + " HTTP/1.1"
        #expect(line.utf8.count == 25)
        let head = try ParserHarness.head(line + Self.host, limits: HTTPLimits(maxRequestLineLength: 25))
        #expect(head.target.utf8.count == 12)
    }

    @Test(arguments: [
        ("/", "/", nil),
        ("/a/b", "/a/b", nil),
        ("/a?", "/a", ""),
        ("/a?b?c=%20", "/a", "b?c=%20"),
        ("/%7Euser/x%2Fy", "/%7Euser/x%2Fy", nil),
        ("http://h", "/", nil),
        ("http://h:80/p?q", "/p", "q"),
        ("http://[::1]:8080/", "/", nil),
    ] as [(String, String, String?)])
    func splitsTheTargetIntoPathAndQuery(_ target: String, _ path: String, _ query: String?) throws {
        let head = try ParserHarness.head("GET \(target) HTTP/1.1" + Self.host)
        #expect(head.target == target)
        #expect(head.path == path)
        #expect(head.query == query)
    }

    @Test func acceptsAnyMethodTokenAndKeepsItsCase() throws {
        // Methods are case-sensitive (RFC 9110 §9.1): "connect" is not CONNECT; the router answers it.
        #expect(try ParserHarness.head("connect / HTTP/1.1" + Self.host).method == "connect")
        #expect(try ParserHarness.head("PROPFIND /x HTTP/1.1" + Self.host).method == "PROPFIND")
    }
}

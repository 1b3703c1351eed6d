import HTTP1
import Testing

@Suite struct HTTPStatusTests {
    @Test(arguments: [
        (100, "Continue"), (101, "Switching Protocols"), (200, "OK"), (204, "No Content"),
        (206, "Partial Content"), (301, "Moved Permanently"), (304, "Not Modified"), (308, "Permanent Redirect"),
        (400, "Bad Request"), (404, "Not Found"), (405, "Method Not Allowed"), (408, "Request Timeout"),
        (413, "Content Too Large"), (414, "URI Too Long"), (417, "Expectation Failed"),
        (422, "Unprocessable Content"), (426, "Upgrade Required"), (429, "Too Many Requests"),
        (431, "Request Header Fields Too Large"), (500, "Internal Server Error"), (501, "Not Implemented"),
        (503, "Service Unavailable"), (505, "HTTP Version Not Supported"), (299, ""), (999, ""),
    ])
    func givesTheRFC9110ReasonPhrase(_ status: Int, _ phrase: String) {
        #expect(HTTPStatus.reasonPhrase(status) == phrase)
    }

    @Test(arguments: HTTPRequestError.allCases)
    func hasAPhraseForEveryStatusTheParserAnswers(_ error: HTTPRequestError) {
        #expect(!HTTPStatus.reasonPhrase(error.status).isEmpty)
    }
}

import HTTP1
import Testing

@Suite struct HTTPHeadersTests {
    @Test func looksUpNamesCaseInsensitivelyAndReturnsTheFirstValue() {
        let headers: HTTPHeaders = ["Accept": "text/html", "X-A": "1", "accept": "*/*"]
        #expect(headers["ACCEPT"] == "text/html")
        #expect(headers["accept"] == "text/html")
        #expect(headers["missing"] == nil)
        #expect(headers.values("Accept") == ["text/html", "*/*"])
        #expect(headers.values("missing").isEmpty)
        #expect(headers.count == 3)
    }

    @Test func keepsNamesAsReceivedAndFieldsInOrder() {
        let headers = HTTPHeaders([(name: "content-TYPE", value: "a"), (name: "X", value: "b")])
        #expect(headers.map(\.name) == ["content-TYPE", "X"])
        #expect(headers.map(\.value) == ["a", "b"])
    }

    @Test(arguments: [
        ("keep-alive", "keep-alive", true),
        ("Keep-Alive", "keep-alive", true),
        ("Upgrade, close", "close", true),
        ("upgrade,close", "CLOSE", true),
        (" , , close ,", "close", true),
        ("\tclose\t", "close", true),
        ("closed", "close", false),
        ("close-ish, x", "close", false),
        ("", "close", false),
        ("keep-alive", "alive", false),
    ])
    func findsATokenInACommaSeparatedList(_ value: String, _ token: String, _ found: Bool) {
        let headers: HTTPHeaders = ["Connection": value]
        #expect(headers.containsToken(token, in: "connection") == found)
    }

    @Test func findsATokenInAnyOfSeveralFields() {
        let headers: HTTPHeaders = ["Connection": "keep-alive", "Upgrade": "close", "connection": "Upgrade"]
        #expect(headers.containsToken("upgrade", in: "Connection"))
        #expect(!headers.containsToken("close", in: "Connection"))
    }

    @Test func addsReplacesAndRemoves() {
        var headers = HTTPHeaders()
        headers.add("Set-Cookie", "a=1")
        headers.add("X", "1")
        headers.add("set-cookie", "b=2")
        #expect(headers.values("set-cookie") == ["a=1", "b=2"])

        headers.replaceOrAdd("SET-COOKIE", "c=3")
        #expect(headers.values("set-cookie") == ["c=3"])
        #expect(headers.map(\.name) == ["Set-Cookie", "X"])

        headers.replaceOrAdd("Date", "now")
        #expect(headers.map(\.name) == ["Set-Cookie", "X", "Date"])

        headers.remove("x")
        #expect(headers.map(\.name) == ["Set-Cookie", "Date"])
        headers.remove("absent")
        #expect(headers.count == 2)
    }

    @Test func comparesNamesValuesAndOrder() {
        let a: HTTPHeaders = ["A": "1", "B": "2"]
        #expect(a == ["A": "1", "B": "2"])
        #expect(a != ["B": "2", "A": "1"])
        #expect(a != ["a": "1", "B": "2"])
        #expect(a != ["A": "1"])
        #expect(HTTPHeaders() == [:])
    }
}

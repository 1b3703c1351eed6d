import HTTP1
import Testing
import Transport

/// Where the plain listener sends a request: the same path and query on https://, at the host the client asked for.
@Suite struct HTTPSRedirectTests {
    func location(host: String?, target: String = "/p/new-schools", query: String? = nil, port: Int = 8443) -> String? {
        var headers: HTTPHeaders = [:]
        if let host { headers.add("Host", host) }
        let path = target
        let head = HTTPRequestHead(method: "GET", target: target + (query.map { "?" + $0 } ?? ""), path: path, query: query, headers: headers)
        return HTTPSRedirectService(httpsPort: port).location(for: HTTPRequest(head: head))
    }

    @Test(arguments: [
        ("lastword.example.org", "https://lastword.example.org:8443/p/new-schools"),
        ("lastword.example.org:80", "https://lastword.example.org:8443/p/new-schools"),
        ("127.0.0.1:8080", "https://127.0.0.1:8443/p/new-schools"),
        ("[::1]:8080", "https://[::1]:8443/p/new-schools"),
        ("[::1]", "https://[::1]:8443/p/new-schools"),
    ])
    func keepsTheHostAndTakesTheTLSPort(host: String, expected: String) {
        #expect(location(host: host) == expected)
    }

    @Test func leavesOutPort443AndKeepsTheQueryAsSent() {
        #expect(location(host: "example.org", query: "campaign=demo-2026&x=%20", port: 443) == "https://example.org/p/new-schools?campaign=demo-2026&x=%20")
    }

    @Test(arguments: [nil, "", "evil.example/path", "a b", "example.org:80x", "[::1", "[zz]:80", "example.org\u{7f}", "名字.example"])
    func refusesAHostThatIsNotAHostName(host: String?) {
        #expect(location(host: host) == nil)
    }

    @Test func refusesTwoHostHeaders() {
        var headers: HTTPHeaders = [:]
        headers.add("Host", "a.example")
        headers.add("Host", "b.example")
        let head = HTTPRequestHead(method: "GET", target: "/", path: "/", headers: headers)
        #expect(HTTPSRedirectService(httpsPort: 443).location(for: HTTPRequest(head: head)) == nil)
    }
}

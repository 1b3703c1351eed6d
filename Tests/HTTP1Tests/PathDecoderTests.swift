import HTTP1
import Testing

@Suite struct PathDecoderTests {
    @Test(arguments: [
        ("/", [""]),
        ("/index.html", ["index.html"]),
        ("/a/b/c.css", ["a", "b", "c.css"]),
        ("/docs/", ["docs", ""]),
        ("/a%20b", ["a b"]),
        ("/%E4%BD%A0", ["你"]),
        ("/%e4%bd%a0/x", ["你", "x"]),
        ("/a+b", ["a+b"]),
        ("/%2e%2e.txt", ["...txt"]),
        ("/..a", ["..a"]),
        ("/.well-known/x", [".well-known", "x"]),
        ("/%25", ["%"]),
    ] as [(String, [String])])
    func decodesSegments(_ raw: String, _ segments: [String]) {
        #expect(PathDecoder.segments(raw) == segments)
    }

    @Test(arguments: [
        "",                     // not starting with "/"
        "index.html",
        "*",
        "/%2e%2e/etc/passwd",   // ".." once decoded
        "/%2E%2E",
        "/.%2e/x",
        "/a/../b",              // ".." as received
        "/..",
        "/a/..",
        "/./a",                 // "." as received
        "/a/%2e",
        "/a/%2F/b",             // encoded "/"
        "/..%2f",
        "/a%2fb",
        "/a%5Cb",               // encoded "\"
        "/a\\b",                // raw "\"
        "/%00",                 // NUL
        "/a%0Ab",               // other control characters
        "/a%7f",
        "//",                   // empty segments
        "//etc/passwd",
        "/a//b",
        "/%",                   // invalid percent-encoding
        "/%4",
        "/%zz",
        "/%4g",
        "/%C3%28",              // invalid UTF-8
        "/%FF",
    ])
    func refusesDangerousOrMalformedPaths(_ raw: String) {
        #expect(PathDecoder.segments(raw) == nil)
    }
}

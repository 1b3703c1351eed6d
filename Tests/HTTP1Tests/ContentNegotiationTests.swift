import HTTP1
import Testing

@Suite struct ContentNegotiationTests {
    @Test(arguments: [
        (nil, false),
        ("", false),
        ("gzip", true),
        ("GZIP", true),
        ("x-gzip", true),
        ("gzip, deflate, br, zstd", true),
        ("br;q=1.0, gzip;q=0.8, *;q=0.1", true),
        ("deflate, br", false),
        ("identity", false),
        ("*", true),
        ("*;q=0", false),
        ("gzip;q=0", false),
        ("gzip;q=0.000", false),
        ("gzip;q=0.001", true),
        ("gzip ; Q=1", true),
        ("gzip;q=0, *", false),
        ("*, gzip;q=0", false),
        ("*;q=0, gzip", true),
        ("identity;q=1, *;q=0", false),
        ("gzip;q=2", false),          // malformed weight: the element is ignored
        ("gzip;q=0.5000", false),
        ("gzip;q=1.001", false),
        ("gzip;q=", false),
        ("gzip;level=9", true),
        ("gzipped", false),
    ] as [(String?, Bool)])
    func decidesWhetherGzipIsAcceptable(_ acceptEncoding: String?, _ accepted: Bool) {
        #expect(ContentNegotiation.acceptsGzip(acceptEncoding) == accepted)
    }

    @Test(arguments: [
        (nil, false),
        ("", false),
        ("*", true),
        (" * ", true),
        ("\"abc\"", true),
        ("W/\"abc\"", true),
        ("\"x\", \"abc\"", true),
        ("\"x\",W/\"abc\" , \"y\"", true),
        ("\"a,b\", \"abc\"", true),
        ("\"abcd\"", false),
        ("\"ABC\"", false),
        ("abc", false),
        ("\"x\", *", false),
        ("w/\"abc\"", false),
        ("\"abc", false),
    ] as [(String?, Bool)])
    func matchesIfNoneMatchByWeakComparison(_ header: String?, _ matches: Bool) {
        #expect(ContentNegotiation.ifNoneMatchMatches(header, etag: "\"abc\"") == matches)
    }

    @Test func comparesOurETagWeaklyToo() {
        #expect(ContentNegotiation.ifNoneMatchMatches("\"abc\"", etag: "W/\"abc\""))
        #expect(ContentNegotiation.ifNoneMatchMatches("W/\"abc\"", etag: "abc"))
        #expect(!ContentNegotiation.ifNoneMatchMatches("\"abcd\"", etag: "abc"))
    }
}

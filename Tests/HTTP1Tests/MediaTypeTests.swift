import HTTP1
import Testing

@Suite struct MediaTypeTests {
    @Test(arguments: [
        ("html", "text/html; charset=utf-8"),
        ("HTM", "text/html; charset=utf-8"),
        (".css", "text/css; charset=utf-8"),
        ("js", "text/javascript; charset=utf-8"),
        ("mjs", "text/javascript; charset=utf-8"),
        ("json", "application/json"),
        ("svg", "image/svg+xml"),
        ("png", "image/png"),
        ("ico", "image/x-icon"),
        ("woff2", "font/woff2"),
        ("webmanifest", "application/manifest+json"),
        ("txt", "text/plain; charset=utf-8"),
        ("wasm", "application/wasm"),
        ("exe", "application/octet-stream"),
        ("", "application/octet-stream"),
        ("tar.gz", "application/octet-stream"),
    ])
    func mapsFileExtensionsToMediaTypes(_ ext: String, _ type: String) {
        #expect(MediaType.forFileExtension(ext) == type)
    }
}

import TestSupport
import CZlib
import HTTP1
import Testing
import Transport

extension TransportIntegrationTests {
    /// Static files over HTTP: types with charsets, validators and 304, gzip, directory indexes and their redirect,
    /// and every way out of the root that a path can try.
    @Suite struct StaticFilesTests {
        /// A public directory and, next to it, a secret that must never be served.
        final class Site {
            let directory: TemporaryDirectory
            let root: String
            let css = Array(String(repeating: "body { color: #222; margin: 0 auto; }\n", count: 80).utf8)
            let html = Array("<!doctype html><title>LastWord</title><script type=module src=app.js></script>".utf8)

            init() throws {
                directory = try TemporaryDirectory()
                root = directory.path + "/public"
                try directory.makeDirectory("public")
                try directory.write("public/index.html", html)
                try directory.write("public/style.css", css)
                try directory.write("public/app.js", "export const answer = 42;\n")
                try directory.write("public/data.json", #"{"ok":true}"#)
                try directory.write("public/notes.txt", "plain")
                try directory.write("public/logo.png", (0..<64).map { UInt8($0) })
                try directory.write("public/blob.unknownext", "?")
                try directory.makeDirectory("public/sub")
                try directory.write("public/sub/index.html", "<p>sub</p>")
                try directory.makeDirectory("public/empty")
                try directory.write("public/.secret", "SECRET in a dotfile")
                try directory.makeDirectory("public/.git")
                try directory.write("public/.git/config", "SECRET in a hidden directory")
                try directory.write("outside.txt", "SECRET outside the root")
                try directory.makeDirectory("private")
                try directory.write("private/key.txt", "SECRET in a directory outside the root")
                try directory.symlink("public/escape", to: "../outside.txt")
                try directory.symlink("public/escape-absolute", to: directory.path + "/outside.txt")
                try directory.symlink("public/escape-dir", to: "../private")
                try directory.symlink("public/inside-link.css", to: "style.css")
            }

            func router() -> Router {
                Router(staticFiles: StaticFiles(root: root))
            }
        }

        static func gunzip(_ bytes: [UInt8]) -> [UInt8]? {
            var stream = z_stream()
            guard lw_inflateInit2(&stream, 15 + 16) == Z_OK else { return nil }
            defer { inflateEnd(&stream) }
            var output: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 64 << 10)
            var input = bytes
            let status: Int32 = input.withUnsafeMutableBytes { source in
                stream.next_in = source.bindMemory(to: Bytef.self).baseAddress
                stream.avail_in = uInt(source.count)
                while true {
                    let result: Int32 = chunk.withUnsafeMutableBytes { destination in
                        stream.next_out = destination.bindMemory(to: Bytef.self).baseAddress
                        stream.avail_out = uInt(destination.count)
                        return inflate(&stream, Z_NO_FLUSH)
                    }
                    output += chunk[0..<(chunk.count - Int(stream.avail_out))]
                    if result != Z_OK { return result }
                }
            }
            return status == Z_STREAM_END && stream.avail_in == 0 ? output : nil
        }

        @Test func servesAFileWithItsBytesTypeAndCacheHeaders() throws {
            let site = try Site()
            try withTestServer(router: site.router()) { server in
                let response = try server.connect().exchange("GET", "/style.css")
                #expect(response.status == 200)
                #expect(response.body == site.css)
                #expect(response.header("Content-Type") == "text/css; charset=utf-8")
                #expect(response.header("Content-Length") == String(site.css.count))
                #expect(response.header("Cache-Control") == "no-cache")
                #expect(response.header("X-Content-Type-Options") == "nosniff")
                #expect(response.header("Content-Encoding") == nil, "no gzip unless asked for")
                #expect(response.header("ETag")?.hasPrefix("\"") == true, "a strong validator")
            }
        }

        @Test(arguments: [
            ("/index.html", "text/html; charset=utf-8"), ("/app.js", "text/javascript; charset=utf-8"),
            ("/data.json", "application/json"), ("/notes.txt", "text/plain; charset=utf-8"), ("/logo.png", "image/png"),
            ("/blob.unknownext", "application/octet-stream"),
        ])
        func labelsEachFileWithTheTypeOfItsExtension(_ path: String, _ contentType: String) throws {
            let site = try Site()
            try withTestServer(router: site.router()) { server in
                let response = try server.connect().exchange("GET", path)
                #expect(response.status == 200)
                #expect(response.header("Content-Type") == contentType)
            }
        }

        @Test func answersHEADWithTheHeadersOfGETAndNoBody() throws {
            let site = try Site()
            try withTestServer(router: site.router()) { server in
                let client = try server.connect()
                let get = try client.exchange("GET", "/style.css")
                try client.send(TestHTTPClient.request("HEAD", "/style.css") + TestHTTPClient.request("GET", "/notes.txt"))
                let head = try client.readResponse(method: "HEAD")
                #expect(head.status == 200)
                #expect(head.header("Content-Length") == get.header("Content-Length"))
                #expect(head.header("ETag") == get.header("ETag"))
                #expect(try client.readResponse().text == "plain", "no body came between the two responses")
            }
        }

        // MARK: validators (RFC 9110 §8.8.3, §13.1.2)

        @Test func answers304WhenIfNoneMatchHoldsTheETag() throws {
            let site = try Site()
            try withTestServer(router: site.router()) { server in
                let client = try server.connect()
                let etag = try #require(try client.exchange("GET", "/style.css").header("ETag"))
                for condition in [etag, "W/" + etag, "\"other\", " + etag, "*"] {
                    let response = try client.exchange("GET", "/style.css", headers: [("If-None-Match", condition)])
                    #expect(response.status == 304, "If-None-Match: \(condition)")
                    #expect(response.body.isEmpty)
                    #expect(response.header("ETag") == etag)
                }
                let changed = try client.exchange("GET", "/style.css", headers: [("If-None-Match", "\"something-else\"")])
                #expect(changed.status == 200)
                #expect(changed.body == site.css)
            }
        }

        @Test func givesAChangedFileANewETag() throws {
            let site = try Site()
            try withTestServer(router: site.router()) { server in
                let client = try server.connect()
                let before = try client.exchange("GET", "/notes.txt")
                try site.directory.write("public/notes.txt", "plain, then edited")
                let after = try client.exchange("GET", "/notes.txt", headers: [("If-None-Match", before.header("ETag") ?? "")])
                #expect(after.status == 200)
                #expect(after.text == "plain, then edited")
                #expect(after.header("ETag") != before.header("ETag"))
            }
        }

        // MARK: gzip

        @Test func sendsGzipToAClientThatAcceptsIt() throws {
            let site = try Site()
            try withTestServer(router: site.router()) { server in
                let client = try server.connect()
                let response = try client.exchange("GET", "/style.css", headers: [("Accept-Encoding", "br, gzip;q=0.8")])
                #expect(response.status == 200)
                #expect(response.header("Content-Encoding") == "gzip")
                #expect(response.header("Vary") == "Accept-Encoding")
                #expect(response.body.count < site.css.count)
                #expect(Self.gunzip(response.body) == site.css)

                let refused = try client.exchange("GET", "/style.css", headers: [("Accept-Encoding", "gzip;q=0")])
                #expect(refused.header("Content-Encoding") == nil, "q=0 means not acceptable")
                #expect(refused.body == site.css)
            }
        }

        // MARK: directories

        @Test func servesIndexHTMLForADirectoryAndRedirectsTheNameWithoutASlash() throws {
            let site = try Site()
            try withTestServer(router: site.router()) { server in
                let client = try server.connect()
                let root = try client.exchange("GET", "/")
                #expect(root.status == 200)
                #expect(root.body == site.html)
                #expect(root.header("Content-Type") == "text/html; charset=utf-8")

                #expect(try client.exchange("GET", "/sub/").text == "<p>sub</p>")

                let redirect = try client.exchange("GET", "/sub?tab=2")
                #expect(redirect.status == 308)
                #expect(redirect.header("Location") == "/sub/?tab=2")

                #expect(try client.exchange("GET", "/empty/").status == 404, "a directory without index.html")
            }
        }

        @Test func servesASymlinkThatStaysInsideTheRoot() throws {
            let site = try Site()
            try withTestServer(router: site.router()) { server in
                let response = try server.connect().exchange("GET", "/inside-link.css")
                #expect(response.status == 200)
                #expect(response.body == site.css)
            }
        }

        // MARK: escapes

        static let escapes = [
            "/../outside.txt", "/sub/../../outside.txt", "/%2e%2e/outside.txt", "/%2E%2E/outside.txt", "/.%2e/outside.txt",
            "/sub/%2e%2e/%2e%2e/outside.txt", "/..%2Foutside.txt", "/sub%2F..%2F..%2Foutside.txt", "/%2F..%2Foutside.txt",
            "/..%5Coutside.txt", "//outside.txt", "/sub//../../outside.txt", "/escape", "/escape-absolute",
            "/escape-dir/key.txt", "/escape-dir/", "/.secret", "/%2esecret", "/.git/config", "/%2Egit/config",
            "/index.html%00.png", "/sub/%00", "/%C0%AE%C0%AE/outside.txt",
        ]

        @Test(arguments: escapes)
        func servesNothingOutsideTheRootNorAHiddenFile(_ path: String) throws {
            let site = try Site()
            try withTestServer(router: site.router()) { server in
                let client = try server.connect()
                let response = try client.exchange("GET", path)
                #expect([400, 404].contains(response.status), "answered \(response.status)")
                #expect(response.errorCode != nil, "an error in the one shape")
                #expect(!response.text.contains("SECRET"))
            }
        }
    }
}

import HTTP1
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Files under one directory, served for GET and HEAD: the right Content-Type, a strong ETag from the content
/// and If-None-Match → 304, Cache-Control, gzip when the client accepts it (compressed once, when the file is
/// cached), `index.html` for a directory. Nothing outside the directory is reachable: the path is decoded
/// segment by segment (`..`, encoded separators and NUL are refused) and the resolved real path must stay
/// under the root, so a symlink pointing out is not followed.
package final class StaticFiles: Sendable {
    private struct CachedFile: Sendable {
        var modified: timespec
        var size: Int
        var etag: String
        var contentType: String
        var bytes: [UInt8]
        var gzipped: [UInt8]?
    }

    private let root: String
    private let cacheControl: String
    private let maxCachedFileSize: Int
    private let htmlHeaders: HTTPHeaders
    private let cache = Mutex<[String: CachedFile]>([:])

    /// - Parameters:
    ///   - htmlHeaders: added to HTML responses (the Content-Security-Policy of pages, for one).
    package init?(root: String, cacheControl: String = "no-cache", maxCachedFileSize: Int = 4 << 20, htmlHeaders: HTTPHeaders = [:]) {
        guard let real = Self.realPath(root) else { return nil }
        self.root = real
        self.cacheControl = cacheControl
        self.maxCachedFileSize = maxCachedFileSize
        self.htmlHeaders = htmlHeaders
    }

    package func response(for request: HTTPRequest) -> HTTPResponse {
        guard let segments = PathDecoder.segments(request.path) else {
            return .error(400, code: "static.invalid_path", message: "The path is not acceptable.")
        }
        if segments.contains(where: { $0.hasPrefix(".") }) {
            return notFound()
        }
        var path = root + (segments.isEmpty ? "" : "/" + segments.joined(separator: "/"))
        guard var info = Self.fileInfo(path) else { return notFound() }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            if !request.path.hasSuffix("/") {
                // Relative links in the page resolve against the directory only with the trailing slash.
                let location = request.path + "/" + (request.head.query.map { "?" + $0 } ?? "")
                return HTTPResponse(status: 308, headers: ["Location": location])
            }
            path += "/index.html"
            guard let indexInfo = Self.fileInfo(path) else { return notFound() }
            info = indexInfo
        }
        guard (info.st_mode & S_IFMT) == S_IFREG, let real = Self.realPath(path), real.hasPrefix(root + "/") else {
            return notFound()
        }
        guard let file = load(real, info: info) else { return notFound() }

        var headers: HTTPHeaders = ["Content-Type": file.contentType, "ETag": file.etag, "Cache-Control": cacheControl,
                                    "X-Content-Type-Options": "nosniff"]
        if file.contentType.hasPrefix("text/html") {
            for (name, value) in htmlHeaders { headers.replaceOrAdd(name, value) }
        }
        if file.gzipped != nil { headers.add("Vary", "Accept-Encoding") }
        if ContentNegotiation.ifNoneMatchMatches(request.headers["If-None-Match"], etag: file.etag) {
            return HTTPResponse(status: 304, headers: headers)
        }
        if let gzipped = file.gzipped, ContentNegotiation.acceptsGzip(request.headers["Accept-Encoding"]) {
            headers.add("Content-Encoding", "gzip")
            return HTTPResponse(status: 200, headers: headers, body: gzipped)
        }
        return HTTPResponse(status: 200, headers: headers, body: file.bytes)
    }

    private func notFound() -> HTTPResponse {
        .error(404, code: "http.not_found", message: "Nothing here.")
    }

    /// The answer for a page address that names nothing: to a browser navigating (Accept includes text/html), the
    /// page at `page` (a path under the root, e.g. "/404.html") with status 404, so a person sees a localized page
    /// with a way back instead of raw JSON; to anything else (scripts, API clients), the JSON error.
    package func notFoundPage(_ page: String, for request: HTTPRequest) -> HTTPResponse {
        guard Self.wantsHTML(request) else { return notFound() }
        var rewritten = request
        rewritten.head.path = page
        rewritten.head.headers.remove("If-None-Match")
        var response = response(for: rewritten)
        guard response.status == 200 else { return notFound() }
        response.status = 404
        response.headers.replaceOrAdd("Cache-Control", "no-store")
        response.headers.remove("ETag")
        return response
    }

    /// Whether the request prefers an HTML page: a browser's navigation sends `Accept: text/html,…`.
    package static func wantsHTML(_ request: HTTPRequest) -> Bool {
        guard let accept = request.headers["Accept"]?.lowercased() else { return false }
        return accept.contains("text/html")
    }

    /// The cached file if it is unchanged on disk, else read (and, if small and compressible, gzip) it again.
    private func load(_ path: String, info: stat) -> CachedFile? {
        if let cached = cache.withLock({ $0[path] }),
           cached.size == Int(info.st_size),
           cached.modified.tv_sec == info.st_mtim.tv_sec, cached.modified.tv_nsec == info.st_mtim.tv_nsec {
            return cached
        }
        guard let bytes = Self.readFile(path, limit: max(maxCachedFileSize, 64 << 20)) else { return nil }
        let ext = path.split(separator: "/").last.flatMap { name in name.contains(".") ? name.split(separator: ".").last.map(String.init) : nil } ?? ""
        let contentType = MediaType.forFileExtension(ext.lowercased())
        var file = CachedFile(modified: info.st_mtim, size: bytes.count, etag: Self.etag(bytes), contentType: contentType, bytes: bytes, gzipped: nil)
        if bytes.count <= maxCachedFileSize {
            if bytes.count >= 256, Self.isCompressible(contentType), let gzipped = Gzip.compress(bytes), gzipped.count < bytes.count * 9 / 10 {
                file.gzipped = gzipped
            }
            cache.withLock { $0[path] = file }
        }
        return file
    }

    private static func isCompressible(_ contentType: String) -> Bool {
        contentType.hasPrefix("text/") || contentType.hasPrefix("application/json") || contentType.hasPrefix("image/svg")
            || contentType.hasPrefix("application/manifest") || contentType.hasPrefix("application/javascript")
    }

    /// A strong validator from the content (FNV-1a 64), stable across restarts and deploys of the same bytes.
    private static func etag(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "\"" + String(repeating: "0", count: 16 - hex.count) + hex + "-" + String(bytes.count, radix: 16) + "\""
    }

    private static func fileInfo(_ path: String) -> stat? {
        var info = stat()
        return stat(path, &info) == 0 ? info : nil
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = Glibc.realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func readFile(_ path: String, limit: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { _ = Glibc.close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > limit { return nil }
        }
    }
}

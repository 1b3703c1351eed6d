/// Content-Type values for the files we serve (RFC 9110 §8.3), text types with their charset.
package enum MediaType {
    /// The media type for a file extension, with or without its dot, in any case;
    /// "application/octet-stream" for one we do not know (RFC 9110 §8.3: the generic type).
    package static func forFileExtension(_ ext: String) -> String {
        var ext = Substring(ext)
        if ext.first == "." { ext = ext.dropFirst() }
        switch ext.lowercased() {
        case "html", "htm": return "text/html; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "json", "map": return "application/json"
        case "webmanifest": return "application/manifest+json"
        case "txt": return "text/plain; charset=utf-8"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "gif": return "image/gif"
        case "webp": return "image/webp"
        case "avif": return "image/avif"
        case "ico": return "image/x-icon"
        case "woff2": return "font/woff2"
        case "woff": return "font/woff"
        case "wasm": return "application/wasm"
        case "xml": return "application/xml"
        case "pdf": return "application/pdf"
        default: return "application/octet-stream"
        }
    }
}

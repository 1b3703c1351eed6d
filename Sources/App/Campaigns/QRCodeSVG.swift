import CQRencode

/// QR codes as SVG, through libqrencode (Debian's libqrencode-dev): the symbol is libqrencode's, the drawing ours.
package enum QRCodeSVG {
    /// An SVG of `text` (a URL) with error correction level M, a 4-module quiet zone (ISO/IEC 18004 §7.3.8), one path.
    /// nil if libqrencode cannot encode it (too long).
    package static func make(_ text: String, title: String) -> String? {
        guard let code = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M) else { return nil }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        let quiet = 4
        let size = width + 2 * quiet
        var path = ""
        path.reserveCapacity(width * width * 4)
        for y in 0..<width {
            var x = 0
            while x < width {
                // Bit 0 of each module byte is "dark" (qrencode.h).
                if code.pointee.data[y * width + x] & 1 == 1 {
                    var run = 1
                    while x + run < width, code.pointee.data[y * width + x + run] & 1 == 1 { run += 1 }
                    path += "M\(x + quiet) \(y + quiet)h\(run)v1h-\(run)z"
                    x += run
                } else {
                    x += 1
                }
            }
        }
        return """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(size) \(size)" width="\(size * 8)" height="\(size * 8)" \
        shape-rendering="crispEdges" role="img" aria-label="\(escape(title))"><title>\(escape(title))</title>\
        <rect width="\(size)" height="\(size)" fill="#fff"/><path fill="#000" d="\(path)"/></svg>
        """
    }

    /// XML text escaping for attribute and element content.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }
}

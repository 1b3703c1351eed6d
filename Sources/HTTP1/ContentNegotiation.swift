/// The request fields that choose between representations we already have: gzip or not
/// (Accept-Encoding), 304 or 200 (If-None-Match).
package enum ContentNegotiation {
    /// Whether a gzip-coded response is acceptable (RFC 9110 §12.5.3).
    ///
    /// gzip (or its alias x-gzip, RFC 9110 §8.4.1.3) listed with a non-zero weight, or, when it is
    /// not listed, "*" with a non-zero weight. `q=0` means "not acceptable" (RFC 9110 §12.4.2) and an
    /// explicit gzip entry overrides "*". An element with a malformed weight is ignored. An absent
    /// field is false: RFC 9110 §12.5.3 then allows any coding, but a client that sends no
    /// Accept-Encoding (curl, scripts) is better served uncompressed. An empty field is false.
    package static func acceptsGzip(_ acceptEncoding: String?) -> Bool {
        guard let acceptEncoding else { return false }
        var gzipWeight: Int?
        var wildcardWeight: Int?
        HTTPHeaders.forEachListElement(acceptEncoding) { element in
            var parts = element.split(separator: ASCII.semicolon, omittingEmptySubsequences: false).makeIterator()
            guard let coding = parts.next().map(trimmed) else { return }
            var weight = 1000
            while let parameter = parts.next().map(trimmed) {
                guard parameter.count >= 2, ASCII.lowercased(parameter[parameter.startIndex]) == UInt8(ascii: "q"),
                      parameter[parameter.index(after: parameter.startIndex)] == ASCII.equals
                else { continue }
                guard let q = qvalue(parameter.dropFirst(2)) else { return }
                weight = q
            }
            if ASCII.equalsCaseInsensitive(coding, token: "gzip")
                || ASCII.equalsCaseInsensitive(coding, token: "x-gzip") {
                gzipWeight = max(gzipWeight ?? 0, weight)
            } else if ASCII.equalsCaseInsensitive(coding, token: "*") {
                wildcardWeight = max(wildcardWeight ?? 0, weight)
            }
        }
        if let gzipWeight { return gzipWeight > 0 }
        if let wildcardWeight { return wildcardWeight > 0 }
        return false
    }

    /// Whether If-None-Match matches our representation (RFC 9110 §13.1.2), so that the answer to a
    /// GET or HEAD is 304: "*" matches; otherwise any listed entity-tag that is equal to `etag` by the
    /// weak comparison (RFC 9110 §8.8.3.2: the opaque-tags are equal, "W/" ignored on both sides).
    /// "*" is only "*" on its own (`If-None-Match = "*" / #entity-tag`); an absent field matches nothing.
    ///
    /// `etag` is our ETag field value, quotes included (`"abc"`); one given without quotes is
    /// quoted. A malformed list matches nothing from the point where it stops being an entity-tag
    /// list (RFC 9110 §13.1.2 lets a server ignore the field then).
    package static func ifNoneMatchMatches(_ headerValue: String?, etag: String) -> Bool {
        guard let headerValue else { return false }
        let bytes = Array(headerValue.utf8)
        if trimmed(Substring(headerValue).utf8).elementsEqual([ASCII.asterisk]) { return true }
        let ours = opaqueTag(etag)
        var i = 0
        let n = bytes.count
        while i < n {
            // Skip OWS and the commas between list elements (RFC 9110 §5.6.1).
            while i < n, ASCII.isWhitespace(bytes[i]) || bytes[i] == ASCII.comma { i += 1 }
            guard i < n else { break }
            // entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE
            if bytes[i] == UInt8(ascii: "W"), i + 1 < n, bytes[i + 1] == ASCII.slash { i += 2 }
            guard i < n, bytes[i] == ASCII.quote else { return false }
            guard let close = bytes[(i + 1)...].firstIndex(of: ASCII.quote) else { return false }
            if bytes[i...close].elementsEqual(ours) { return true }
            i = close + 1
            while i < n, ASCII.isWhitespace(bytes[i]) { i += 1 }
            guard i == n || bytes[i] == ASCII.comma else { return false }
        }
        return false
    }

    /// The opaque-tag of an entity-tag, quotes included: "W/" removed, quotes added if missing.
    private static func opaqueTag(_ etag: String) -> [UInt8] {
        var tag = Array(etag.utf8)
        if tag.starts(with: [UInt8(ascii: "W"), ASCII.slash]) { tag.removeFirst(2) }
        if tag.count < 2 || tag.first != ASCII.quote || tag.last != ASCII.quote {
            tag = [ASCII.quote] + tag + [ASCII.quote]
        }
        return tag
    }

    private static func trimmed(_ bytes: Substring.UTF8View) -> Substring.UTF8View {
        var bytes = bytes
        while let first = bytes.first, ASCII.isWhitespace(first) { bytes = bytes.dropFirst() }
        while let last = bytes.last, ASCII.isWhitespace(last) { bytes = bytes.dropLast() }
        return bytes
    }

    /// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )` (RFC 9110 §12.4.2) in
    /// thousandths, or nil if malformed.
    private static func qvalue(_ bytes: Substring.UTF8View) -> Int? {
        var iterator = bytes.makeIterator()
        guard let first = iterator.next(), first == UInt8(ascii: "0") || first == UInt8(ascii: "1") else { return nil }
        var value = Int(first &- 0x30) * 1000
        guard let dot = iterator.next() else { return value }
        guard dot == UInt8(ascii: ".") else { return nil }
        var scale = 100
        while let digit = iterator.next() {
            guard ASCII.isDigit(digit), scale > 0 else { return nil }
            value += Int(digit &- 0x30) * scale
            scale /= 10
        }
        return value <= 1000 ? value : nil
    }
}

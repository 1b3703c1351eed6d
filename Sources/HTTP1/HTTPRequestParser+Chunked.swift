extension HTTPRequestParser {
    /// Parses a chunk-size line, CRLF removed (RFC 9112 §7.1, §7.1.1):
    ///
    ///     chunk-size [ chunk-ext ]
    ///     chunk-size     = 1*HEXDIG
    ///     chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
    ///     chunk-ext-name = token
    ///     chunk-ext-val  = token / quoted-string
    ///
    /// Extensions are checked and ignored (RFC 9112 §7.1.1: a recipient MUST ignore unrecognized
    /// ones); their length is bounded by `maxChunkLineLength`. A size that does not fit in an `Int`
    /// is refused (RFC 9112 §7.1: a recipient MUST anticipate and handle overflow); a size above the
    /// body limit is refused by the caller before any data is read.
    static func parseChunkSizeLine(_ line: UnsafeRawBufferPointer) throws(HTTPRequestError) -> Int {
        let n = line.count
        var i = 0
        var size = 0
        while i < n, let digit = ASCII.hexValue(line[i]) {
            guard size <= Int.max >> 4 else { throw .chunkSizeOverflow }
            size = size << 4 | digit
            i += 1
        }
        guard i > 0 else { throw .malformedChunkSize }
        guard i == n || ASCII.isWhitespace(line[i]) || line[i] == ASCII.semicolon else { throw .malformedChunkSize }

        while i < n {
            skipWhitespace(line, &i)
            guard i < n, line[i] == ASCII.semicolon else { throw .malformedChunkExtension }
            i += 1
            skipWhitespace(line, &i)
            guard skipToken(line, &i) else { throw .malformedChunkExtension }
            skipWhitespace(line, &i)
            guard i < n, line[i] == ASCII.equals else { continue }
            i += 1
            skipWhitespace(line, &i)
            guard i < n else { throw .malformedChunkExtension }
            if line[i] == ASCII.quote {
                guard skipQuotedString(line, &i) else { throw .malformedChunkExtension }
            } else {
                guard skipToken(line, &i) else { throw .malformedChunkExtension }
            }
        }
        return size
    }

    private static func skipWhitespace(_ line: UnsafeRawBufferPointer, _ i: inout Int) {
        while i < line.count, ASCII.isWhitespace(line[i]) { i += 1 }
    }

    /// Skips a token; false if there is none at `i`.
    private static func skipToken(_ line: UnsafeRawBufferPointer, _ i: inout Int) -> Bool {
        let start = i
        while i < line.count, ASCII.isTokenChar(line[i]) { i += 1 }
        return i > start
    }

    /// Skips `DQUOTE *( qdtext / quoted-pair ) DQUOTE` (RFC 9110 §5.6.4); false if it is not one.
    private static func skipQuotedString(_ line: UnsafeRawBufferPointer, _ i: inout Int) -> Bool {
        i += 1  // the opening DQUOTE
        while i < line.count {
            let byte = line[i]
            switch byte {
            case ASCII.quote:
                i += 1
                return true
            case ASCII.backslash:
                // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
                guard i + 1 < line.count, ASCII.isFieldValueChar(line[i + 1]) else { return false }
                i += 2
            default:
                // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
                guard ASCII.isFieldValueChar(byte) else { return false }
                i += 1
            }
        }
        return false
    }
}

extension HTTPRequestParser {
    /// Checks `field-name ":" OWS field-value OWS` (RFC 9112 §5), CRLF already removed, and returns
    /// where the name ends and where the value, trimmed of OWS, lies.
    ///
    /// - A line starting with SP or HTAB is obs-fold (RFC 9112 §5.2) and is refused.
    /// - The name must be a non-empty token (RFC 9110 §5.1) ending at the colon: whitespace before the
    ///   colon is refused (RFC 9112 §5.1).
    /// - The value is trimmed of OWS and must hold only field-vchar, SP and HTAB (RFC 9110 §5.5).
    ///   The parser makes it a String as UTF-8: obs-text that is not UTF-8 becomes U+FFFD (RFC 9110
    ///   §5.5 gives obs-text no meaning; we give it no Latin-1 meaning either).
    static func checkFieldLine(_ line: UnsafeRawBufferPointer) throws(HTTPRequestError) -> (nameEnd: Int, value: Range<Int>) {
        let n = line.count
        guard !ASCII.isWhitespace(line[0]) else { throw .obsoleteLineFolding }

        var nameEnd = 0
        while nameEnd < n, ASCII.isTokenChar(line[nameEnd]) { nameEnd += 1 }
        guard nameEnd < n else { throw .malformedFieldLine }
        if line[nameEnd] != ASCII.colon {
            guard ASCII.isWhitespace(line[nameEnd]) else { throw .invalidFieldName }
            var afterSpace = nameEnd
            while afterSpace < n, ASCII.isWhitespace(line[afterSpace]) { afterSpace += 1 }
            guard afterSpace < n, line[afterSpace] == ASCII.colon else { throw .invalidFieldName }
            throw .whitespaceBeforeColon
        }
        guard nameEnd > 0 else { throw .invalidFieldName }

        var valueStart = nameEnd + 1
        var valueEnd = n
        while valueStart < valueEnd, ASCII.isWhitespace(line[valueStart]) { valueStart += 1 }
        while valueEnd > valueStart, ASCII.isWhitespace(line[valueEnd - 1]) { valueEnd -= 1 }
        guard ASCII.allFieldValueChars(line, valueStart..<valueEnd) else { throw .invalidFieldValue }
        return (nameEnd, valueStart..<valueEnd)
    }
}

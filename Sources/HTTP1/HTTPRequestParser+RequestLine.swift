extension HTTPRequestParser {
    /// Parses `method SP request-target SP HTTP-version` (RFC 9112 §3), with exactly one space
    /// between the parts: RFC 9112 §3 lets a recipient split on any whitespace, but a lenient split
    /// is one more way for two parsers to disagree.
    static func parseRequestLine(_ line: UnsafeRawBufferPointer) throws(HTTPRequestError) -> PartialHead {
        let n = line.count

        // method = token (RFC 9110 §9.1)
        var methodEnd = 0
        while methodEnd < n, ASCII.isTokenChar(line[methodEnd]) { methodEnd += 1 }
        guard methodEnd < n else { throw .malformedRequestLine }
        guard line[methodEnd] == ASCII.sp else { throw .invalidMethod }
        guard methodEnd > 0 else { throw .malformedRequestLine }

        // request-target: visible ASCII up to the next SP (RFC 9112 §3.2)
        let targetStart = methodEnd + 1
        var targetEnd = targetStart
        while targetEnd < n {
            let byte = line[targetEnd]
            if byte == ASCII.sp { break }
            guard ASCII.isTargetChar(byte) else { throw .invalidTarget }
            targetEnd += 1
        }
        guard targetEnd > targetStart, targetEnd < n else { throw .malformedRequestLine }

        let version = try parseVersion(UnsafeRawBufferPointer(rebasing: line[(targetEnd + 1)...]))

        let method = UnsafeRawBufferPointer(rebasing: line[..<methodEnd])
        let target = UnsafeRawBufferPointer(rebasing: line[targetStart..<targetEnd])
        // Methods are case-sensitive (RFC 9110 §9.1): only "CONNECT" is CONNECT.
        guard !method.elementsEqual("CONNECT".utf8) else { throw .connectNotSupported }
        let (path, query) = try parseTarget(target, method: method)
        return PartialHead(
            method: ASCII.string(method),
            target: ASCII.string(target),
            path: path,
            query: query,
            version: version,
            headers: HTTPHeaders(reservingCapacity: 16)
        )
    }

    /// `HTTP-version = HTTP-name "/" DIGIT "." DIGIT` (RFC 9112 §2.3). HTTP/1.0 and HTTP/1.1 are
    /// themselves; another HTTP/1 minor version is handled as 1.1, the highest we implement
    /// (RFC 9110 §6.2); another major version is 505.
    static func parseVersion(_ bytes: UnsafeRawBufferPointer) throws(HTTPRequestError) -> HTTPVersion {
        guard !bytes.contains(ASCII.sp) else { throw .malformedRequestLine }
        guard bytes.count == 8,
              bytes[0] == UInt8(ascii: "H"), bytes[1] == UInt8(ascii: "T"), bytes[2] == UInt8(ascii: "T"),
              bytes[3] == UInt8(ascii: "P"), bytes[4] == ASCII.slash, ASCII.isDigit(bytes[5]),
              bytes[6] == UInt8(ascii: "."), ASCII.isDigit(bytes[7])
        else { throw .malformedVersion }
        guard bytes[5] == UInt8(ascii: "1") else { throw .unsupportedVersion }
        return bytes[7] == UInt8(ascii: "0") ? .http1_0 : .http1_1
    }

    /// Splits a request-target into path and query (RFC 9112 §3.2).
    ///
    /// - origin-form (`/path?query`): the path before the first "?", the query after it.
    /// - absolute-form (`http://host/path?query`, RFC 9112 §3.2.2): accepted for the http and
    ///   https schemes, with a non-empty host (RFC 9110 §4.2.1) and no userinfo (RFC 9110 §4.2.4);
    ///   the path is "/" when the URI has none.
    /// - asterisk-form (`*`, RFC 9112 §3.2.4): OPTIONS only.
    /// - authority-form (RFC 9112 §3.2.3) is CONNECT's, refused before we get here; anything else
    ///   is not a target.
    static func parseTarget(
        _ target: UnsafeRawBufferPointer, method: UnsafeRawBufferPointer
    ) throws(HTTPRequestError) -> (path: String, query: String?) {
        switch target[0] {
        case ASCII.slash:
            return splitPathAndQuery(target)
        case ASCII.asterisk where target.count == 1:
            guard method.elementsEqual("OPTIONS".utf8) else { throw .asteriskFormWithoutOptions }
            return ("*", nil)
        default:
            return try parseAbsoluteForm(target)
        }
    }

    private static func parseAbsoluteForm(
        _ target: UnsafeRawBufferPointer
    ) throws(HTTPRequestError) -> (path: String, query: String?) {
        // scheme "://" authority path-abempty [ "?" query ]   (RFC 3986 §3)
        guard let colon = target.firstIndex(of: ASCII.colon) else { throw .invalidTarget }
        let scheme = UnsafeRawBufferPointer(rebasing: target[..<colon])
        guard ASCII.equalsCaseInsensitive(scheme, lowercase: "http")
            || ASCII.equalsCaseInsensitive(scheme, lowercase: "https")
        else { throw .invalidTarget }
        let afterScheme = colon + 1
        guard target.count >= afterScheme + 2,
              target[afterScheme] == ASCII.slash, target[afterScheme + 1] == ASCII.slash
        else { throw .invalidTarget }
        let authorityStart = afterScheme + 2
        var authorityEnd = authorityStart
        while authorityEnd < target.count, target[authorityEnd] != ASCII.slash, target[authorityEnd] != ASCII.question {
            guard target[authorityEnd] != ASCII.at else { throw .invalidTarget }
            authorityEnd += 1
        }
        guard authorityEnd > authorityStart, target[authorityStart] != ASCII.colon else { throw .invalidTarget }
        guard authorityEnd < target.count else { return ("/", nil) }
        let rest = UnsafeRawBufferPointer(rebasing: target[authorityEnd...])
        if rest[0] == ASCII.question {
            return ("/", ASCII.string(UnsafeRawBufferPointer(rebasing: rest[1...])))
        }
        return splitPathAndQuery(rest)
    }

    private static func splitPathAndQuery(_ target: UnsafeRawBufferPointer) -> (path: String, query: String?) {
        guard let question = target.firstIndex(of: ASCII.question) else {
            return (ASCII.string(target), nil)
        }
        return (
            ASCII.string(UnsafeRawBufferPointer(rebasing: target[..<question])),
            ASCII.string(UnsafeRawBufferPointer(rebasing: target[(question + 1)...]))
        )
    }
}

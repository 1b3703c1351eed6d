/// Percent-decoding of a request path for the static file handler (RFC 3986 §2.1, §3.3), refusing
/// every path that could name something outside the directory it is resolved in, or name the same
/// file two ways.
package enum PathDecoder {
    /// The decoded segments of `rawPath`, or nil if it must be refused (answer 400 or 404).
    ///
    /// `"/"` is `[""]`, `"/a/b"` is `["a", "b"]`, and a trailing slash gives a last empty segment:
    /// `"/a/"` is `["a", ""]` (a directory). Refused:
    /// - a path not starting with "/", or holding a raw "\\";
    /// - an empty segment other than the last (`"//"`, `"/a//b"`): joined to a directory, "//x"
    ///   can become an absolute path;
    /// - "%" not followed by two hex digits (RFC 3986 §2.1);
    /// - an encoded "/" (%2F) or "\\" (%5C): a segment holding a separator once decoded;
    /// - NUL or any other control character once decoded (%00, %0A, ...): no file name we serve
    ///   has one, and NUL truncates a C path;
    /// - a "." or ".." segment, raw or decoded (RFC 3986 §3.3 dot-segments: "%2e%2e" is "..");
    /// - a segment that is not valid UTF-8 once decoded.
    package static func segments(_ rawPath: String) -> [String]? {
        guard rawPath.utf8.first == ASCII.slash else { return nil }
        let utf8 = rawPath.utf8.dropFirst()
        var segments: [String] = []
        var decoded: [UInt8] = []
        var index = utf8.startIndex
        var segmentStart = index
        while true {
            let atEnd = index == utf8.endIndex
            if atEnd || utf8[index] == ASCII.slash {
                guard let segment = decode(utf8[segmentStart..<index], into: &decoded) else { return nil }
                if segment.isEmpty, !atEnd { return nil }
                segments.append(segment)
                if atEnd { return segments }
                index = utf8.index(after: index)
                segmentStart = index
            } else {
                index = utf8.index(after: index)
            }
        }
    }

    /// One decoded segment, or nil if it must be refused.
    private static func decode(_ raw: Substring.UTF8View, into decoded: inout [UInt8]) -> String? {
        decoded.removeAll(keepingCapacity: true)
        var index = raw.startIndex
        while index < raw.endIndex {
            var byte = raw[index]
            index = raw.index(after: index)
            if byte == ASCII.backslash { return nil }
            if byte == ASCII.percent {
                guard index < raw.endIndex, let high = ASCII.hexValue(raw[index]) else { return nil }
                index = raw.index(after: index)
                guard index < raw.endIndex, let low = ASCII.hexValue(raw[index]) else { return nil }
                index = raw.index(after: index)
                byte = UInt8(high << 4 | low)
                if byte == ASCII.slash || byte == ASCII.backslash { return nil }
            }
            if byte < ASCII.sp || byte == 0x7F { return nil }
            decoded.append(byte)
        }
        if decoded == [0x2E] || decoded == [0x2E, 0x2E] { return nil }
        return String(validating: decoded, as: UTF8.self)
    }
}

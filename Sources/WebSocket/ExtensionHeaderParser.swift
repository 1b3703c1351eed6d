/// Splits a `Sec-WebSocket-Extensions` value into extensions and their parameters (RFC 6455 §9.1):
///
///     extension-list = 1#extension
///     extension      = extension-token *( ";" extension-param )
///     extension-param = token [ "=" (token | quoted-string) ]
///
/// A quoted value is unescaped and "MUST conform to the token ABNF" afterwards (RFC 6455 §9.1). Empty list elements are
/// skipped (RFC 9110 §5.6.1); an element that does not parse is reported as nil so the caller can decline just that
/// offer.
enum ExtensionHeaderParser {
    struct Element {
        var name: String
        var parameters: [(name: String, value: String?)]
    }

    static func elements(of header: String) -> [Element?] {
        var result: [Element?] = []
        for rawElement in split(Array(header.utf8), at: UInt8(ascii: ",")) {
            let parts = split(rawElement, at: UInt8(ascii: ";"))
            let name = trimmed(parts[0])
            if name.isEmpty && parts.count == 1 { continue }  // empty list element
            guard isToken(name) else {
                result.append(nil)
                continue
            }
            var parameters: [(name: String, value: String?)] = []
            var valid = true
            for part in parts.dropFirst() {
                guard let parameter = parameter(part) else {
                    valid = false
                    break
                }
                parameters.append(parameter)
            }
            result.append(valid ? Element(name: String(decoding: name, as: UTF8.self), parameters: parameters) : nil)
        }
        return result
    }

    private static func parameter(_ bytes: ArraySlice<UInt8>) -> (name: String, value: String?)? {
        guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else {
            let name = trimmed(bytes)
            return isToken(name) ? (String(decoding: name, as: UTF8.self), nil) : nil
        }
        let name = trimmed(bytes[..<equals])
        var value = trimmed(bytes[(equals + 1)...])
        guard isToken(name) else { return nil }
        if value.first == UInt8(ascii: "\"") {
            guard let unquoted = unquote(value) else { return nil }
            value = unquoted[...]
        }
        guard isToken(value) else { return nil }
        return (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }

    /// RFC 9110 §5.6.4: `quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE`.
    private static func unquote(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        guard bytes.count >= 2, bytes.last == UInt8(ascii: "\"") else { return nil }
        var result: [UInt8] = []
        var index = bytes.startIndex + 1
        let end = bytes.endIndex - 1
        while index < end {
            var byte = bytes[index]
            if byte == UInt8(ascii: "\\") {
                index += 1
                guard index < end else { return nil }
                byte = bytes[index]
            } else if byte == UInt8(ascii: "\"") {
                return nil
            }
            result.append(byte)
            index += 1
        }
        return result
    }

    /// Splits at `separator` outside quoted strings.
    private static func split(_ bytes: some Collection<UInt8>, at separator: UInt8) -> [ArraySlice<UInt8>] {
        let bytes = Array(bytes)
        var parts: [ArraySlice<UInt8>] = []
        var start = 0
        var quoted = false
        var escaped = false
        for (index, byte) in bytes.enumerated() {
            if escaped {
                escaped = false
            } else if quoted && byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                quoted.toggle()
            } else if !quoted && byte == separator {
                parts.append(bytes[start..<index])
                start = index + 1
            }
        }
        parts.append(bytes[start...])
        return parts
    }

    /// Without optional whitespace (spaces and tabs, RFC 9110 §5.6.3) around it.
    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var slice = bytes
        while let first = slice.first, first == 0x20 || first == 0x09 { slice.removeFirst() }
        while let last = slice.last, last == 0x20 || last == 0x09 { slice.removeLast() }
        return slice
    }

    /// RFC 9110 §5.6.2: `token = 1*tchar`.
    private static func isToken(_ bytes: some Collection<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy(isTokenCharacter)
    }

    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }
}

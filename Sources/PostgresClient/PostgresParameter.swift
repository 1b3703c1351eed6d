/// A value bound to a `$n` placeholder. Values travel apart from the SQL (the extended query protocol's Bind
/// message), so nothing a value holds is ever parsed as SQL.
///
/// Every value is sent in text format with its type (`.text` as text, `.int` as int8 in decimal digits, `.bool` as
/// `t`/`f`, `.bytes` as bytea's hex form `\x0aff…`, `.double` as float8), so `$1 IS NULL OR x = $1` is understood
/// whatever `$1` holds. `.null` has no type (the server infers it from the context); `.typedNull` says which.
package enum PostgresParameter: Sendable, Hashable {
    case null
    case typedNull(PostgresType)
    case text(String)
    case int(Int64)
    case bool(Bool)
    case bytes([UInt8])
    case double(Double)

    /// The type sent with the value (its OID); 0 lets the server infer it.
    var typeOID: UInt32 {
        switch self {
        case .null: 0
        case .typedNull(let type): type.rawValue
        case .text: PostgresType.text.rawValue
        case .int: PostgresType.int8.rawValue
        case .bool: PostgresType.bool.rawValue
        case .bytes: PostgresType.bytea.rawValue
        case .double: PostgresType.float8.rawValue
        }
    }
}

/// The built-in types LastWord sends and reads, by their OIDs (pg_type.oid, fixed for built-in types).
package struct PostgresType: RawRepresentable, Sendable, Hashable {
    package let rawValue: UInt32
    package init(rawValue: UInt32) { self.rawValue = rawValue }

    package static let bool = PostgresType(rawValue: 16)
    package static let bytea = PostgresType(rawValue: 17)
    package static let int8 = PostgresType(rawValue: 20)
    package static let int2 = PostgresType(rawValue: 21)
    package static let int4 = PostgresType(rawValue: 23)
    package static let text = PostgresType(rawValue: 25)
    package static let oid = PostgresType(rawValue: 26)
    package static let float4 = PostgresType(rawValue: 700)
    package static let float8 = PostgresType(rawValue: 701)
    package static let varchar = PostgresType(rawValue: 1043)
    package static let numeric = PostgresType(rawValue: 1700)
}

extension PostgresParameter {
    /// Appends the text form (without a terminator) to `buffer`; false for NULL, which has none.
    func appendText(to buffer: inout [UInt8]) -> Bool {
        switch self {
        case .null, .typedNull:
            return false
        case .double(let value):
            buffer.append(contentsOf: "\(value)".utf8)
        case .text(let string):
            buffer.append(contentsOf: string.utf8)
        case .int(let value):
            buffer.append(contentsOf: String(value).utf8)
        case .bool(let value):
            buffer.append(value ? UInt8(ascii: "t") : UInt8(ascii: "f"))
        case .bytes(let bytes):
            Self.appendByteaHex(bytes, to: &buffer)
        }
        return true
    }

    /// bytea's hex input form: `\x` then two lower-case hex digits per byte (PostgreSQL manual §8.4.1).
    static func appendByteaHex(_ bytes: [UInt8], to text: inout [UInt8]) {
        let digits: StaticString = "0123456789abcdef"
        text.append(UInt8(ascii: "\\"))
        text.append(UInt8(ascii: "x"))
        digits.withUTF8Buffer { digits in
            for byte in bytes {
                text.append(digits[Int(byte >> 4)])
                text.append(digits[Int(byte & 0x0F)])
            }
        }
    }

    /// Decodes bytea's hex output form (`\x…`, the server's default `bytea_output`); nil for anything else.
    static func decodeByteaHex<Bytes: RandomAccessCollection>(_ text: Bytes) -> [UInt8]? where Bytes.Element == UInt8 {
        guard text.count >= 2, text.count % 2 == 0 else { return nil }
        var index = text.startIndex
        guard text[index] == UInt8(ascii: "\\") else { return nil }
        text.formIndex(after: &index)
        guard text[index] == UInt8(ascii: "x") else { return nil }
        text.formIndex(after: &index)
        var bytes = [UInt8]()
        bytes.reserveCapacity((text.count - 2) / 2)
        while index != text.endIndex {
            guard let high = hexValue(text[index]) else { return nil }
            text.formIndex(after: &index)
            guard let low = hexValue(text[index]) else { return nil }
            text.formIndex(after: &index)
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

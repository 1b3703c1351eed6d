/// An incremental UTF-8 validator (RFC 3629 §4, as RFC 6455 §8.1 requires for text messages and close reasons).
///
/// It is told about bytes as they arrive — a sequence may be split across reads and across fragments — and reports an
/// invalid sequence at the first byte that makes it invalid, so a connection can be failed before the rest of the
/// message arrives (Autobahn 6.4.x). It rejects overlong forms, surrogates (U+D800–U+DFFF) and code points above
/// U+10FFFF by narrowing the allowed range of the second byte, as in the table of RFC 3629 §4:
///
///     UTF8-2 = %xC2-DF UTF8-tail
///     UTF8-3 = %xE0 %xA0-BF UTF8-tail / %xE1-EC 2( UTF8-tail ) / %xED %x80-9F UTF8-tail / %xEE-EF 2( UTF8-tail )
///     UTF8-4 = %xF0 %x90-BF 2( UTF8-tail ) / %xF1-F3 3( UTF8-tail ) / %xF4 %x80-8F 2( UTF8-tail )
///
/// ASCII, the common case, is checked eight bytes at a time.
package struct UTF8Validator: Sendable {
    /// Continuation bytes still expected; `failed` once a sequence was invalid.
    private var pending: UInt8 = 0
    /// The allowed range of the next continuation byte (narrower than 80–BF only right after E0, ED, F0 and F4).
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF

    private static let failed: UInt8 = 0xFF
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    package init() {}

    /// True when no multi-byte sequence is half read: a text message may end here.
    package var isAtBoundary: Bool { pending == 0 }

    package mutating func reset() {
        pending = 0
        lower = 0x80
        upper = 0xBF
    }

    /// Validates the next bytes of the stream. Returns false as soon as a byte makes the stream invalid; after that it
    /// keeps returning false until ``reset()``.
    package mutating func validate(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if pending == Self.failed { return false }
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        var index = 0
        while index < count {
            if pending == 0 {
                // Fast path: whole words of ASCII.
                while index + 16 <= count {
                    let a = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                    let b = base.loadUnaligned(fromByteOffset: index + 8, as: UInt64.self)
                    if (a | b) & Self.highBits != 0 { break }
                    index += 16
                }
                while index + 8 <= count {
                    if base.loadUnaligned(fromByteOffset: index, as: UInt64.self) & Self.highBits != 0 { break }
                    index += 8
                }
                guard index < count else { break }
                let byte = base.load(fromByteOffset: index, as: UInt8.self)
                index += 1
                switch byte {
                case 0x00...0x7F: continue
                case 0xC2...0xDF: pending = 1
                case 0xE0: pending = 2; lower = 0xA0  // no overlong 3-byte forms
                case 0xE1...0xEC, 0xEE...0xEF: pending = 2
                case 0xED: pending = 2; upper = 0x9F  // no surrogates
                case 0xF0: pending = 3; lower = 0x90  // no overlong 4-byte forms
                case 0xF1...0xF3: pending = 3
                case 0xF4: pending = 3; upper = 0x8F  // nothing above U+10FFFF
                default:  // 80–BF without a lead byte, C0–C1 (overlong), F5–FF
                    pending = Self.failed
                    return false
                }
            } else {
                let byte = base.load(fromByteOffset: index, as: UInt8.self)
                index += 1
                guard byte >= lower && byte <= upper else {
                    pending = Self.failed
                    return false
                }
                pending -= 1
                lower = 0x80
                upper = 0xBF
            }
        }
        return true
    }

    /// Whether `bytes` is complete, valid UTF-8.
    package static func isValid(_ bytes: [UInt8]) -> Bool {
        var validator = UTF8Validator()
        return bytes.withUnsafeBytes { validator.validate($0) } && validator.isAtBoundary
    }
}

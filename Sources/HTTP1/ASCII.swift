/// Byte classes from RFC 5234 Appendix B.1 and RFC 9110 §5.6, as bit sets so that a class test is a
/// shift and a mask (no table to initialise, no branch per character).
enum ASCII {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let sp: UInt8 = 0x20
    static let htab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let semicolon: UInt8 = 0x3B
    static let comma: UInt8 = 0x2C
    static let equals: UInt8 = 0x3D
    static let quote: UInt8 = 0x22
    static let backslash: UInt8 = 0x5C
    static let slash: UInt8 = 0x2F
    static let question: UInt8 = 0x3F
    static let percent: UInt8 = 0x25
    static let asterisk: UInt8 = 0x2A
    static let at: UInt8 = 0x40

    @inline(__always)
    private static func member(_ byte: UInt8, _ low: UInt64, _ high: UInt64) -> Bool {
        if byte < 64 { return (low >> UInt64(byte)) & 1 == 1 }
        if byte < 128 { return (high >> UInt64(byte &- 64)) & 1 == 1 }
        return false
    }

    /// `tchar` (RFC 9110 §5.6.2): "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
    /// "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA.
    @inline(__always)
    static func isTokenChar(_ byte: UInt8) -> Bool {
        member(byte, 0x03FF_6CFA_0000_0000, 0x57FF_FFFF_C7FF_FFFE)
    }

    /// The bytes we accept in a request-target: visible US-ASCII except "#" (a fragment is never
    /// sent, RFC 9112 §3.2). No CTL, no space, no byte ≥ 0x80 (RFC 3986 §2 has no raw non-ASCII).
    /// We do not narrow further to `pchar`: clients send raw `|`, `{` or `"` and they are harmless
    /// once the path is percent-decoded by a strict decoder.
    @inline(__always)
    static func isTargetChar(_ byte: UInt8) -> Bool {
        member(byte, 0xFFFF_FFF6_0000_0000, 0x7FFF_FFFF_FFFF_FFFF)
    }

    /// The bytes of `uri-host [ ":" port ]` (RFC 3986 §3.2.2): unreserved, sub-delims, "%", ":", "[", "]".
    @inline(__always)
    static func isHostChar(_ byte: UInt8) -> Bool {
        member(byte, 0x2FFF_7FF2_0000_0000, 0x47FF_FFFE_AFFF_FFFE)
    }

    /// `field-vchar / SP / HTAB` (RFC 9110 §5.5): VCHAR and obs-text, space and tab.
    /// Every other control character, NUL and DEL included, is refused: RFC 9110 §5.5 lets a
    /// recipient keep them "for robustness", but nothing we serve needs them and they are a
    /// classic way to make two parsers disagree.
    @inline(__always)
    static func isFieldValueChar(_ byte: UInt8) -> Bool {
        byte == htab || (byte >= sp && byte != 0x7F)
    }

    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool { byte == sp || byte == htab }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

    /// The value of a HEXDIG, or nil.
    @inline(__always)
    static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: return Int(byte &- 0x30)
        case 0x41...0x46: return Int(byte &- 0x41 &+ 10)
        case 0x61...0x66: return Int(byte &- 0x61 &+ 10)
        default: return nil
        }
    }

    @inline(__always)
    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte &- 0x41 < 26 ? byte | 0x20 : byte
    }

    /// Case-insensitive comparison of two ASCII strings (field names, tokens; RFC 9110 §5.1).
    static func equalsCaseInsensitive(_ a: String, _ b: String) -> Bool {
        let a = a.utf8, b = b.utf8
        guard a.count == b.count else { return false }
        // Native strings, small ones included, expose their bytes: compare them in place.
        let direct = a.withContiguousStorageIfAvailable { a in
            b.withContiguousStorageIfAvailable { b in
                for i in 0..<a.count where lowercased(a[i]) != lowercased(b[i]) { return false }
                return true
            }
        }
        if let direct, let equal = direct { return equal }
        return a.elementsEqual(b) { lowercased($0) == lowercased($1) }
    }

    /// Case-insensitive comparison of raw bytes with a lower-case ASCII literal.
    static func equalsCaseInsensitive<C: Collection<UInt8>>(_ bytes: C, lowercase literal: StaticString) -> Bool {
        guard bytes.count == literal.utf8CodeUnitCount else { return false }
        let literalBytes = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        return bytes.elementsEqual(literalBytes) { lowercased($0) == $1 }
    }

    /// The bytes of a buffer as a String. Every caller has validated the bytes first, so the
    /// UTF-8 repair of `String(decoding:)` only ever touches obs-text in field values.
    @inline(__always)
    static func string(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    // MARK: Scanning eight bytes at a time

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// The high bit of each byte of `word` that is below `bound` (≤ 0x80). Bytes above the lowest
    /// flagged one may be flagged wrongly (a borrow), so only the lowest flag is exact.
    @inline(__always)
    private static func bytesBelow(_ bound: UInt8, in word: UInt64) -> UInt64 {
        (word &- ones &* UInt64(bound)) & ~word & highBits
    }

    /// The index of the first CR or LF in `bytes[start..<end]`, or `end`: a memchr for two bytes,
    /// reading a word at a time (the classic "has a zero byte" test on the word XORed with each).
    @inline(__always)
    static func firstLineBreak(in bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Int {
        var i = start
        while i + 8 <= end {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            let found = bytesBelow(1, in: word ^ (ones &* UInt64(cr))) | bytesBelow(1, in: word ^ (ones &* UInt64(lf)))
            if found != 0 { return i + found.trailingZeroBitCount / 8 }
            i += 8
        }
        while i < end {
            let byte = bytes[i]
            if byte == cr || byte == lf { return i }
            i += 1
        }
        return end
    }

    /// Whether every byte of `bytes[range]` is a field value byte (`isFieldValueChar`), a word at a
    /// time: a word with no control character and no DEL needs no further look.
    @inline(__always)
    static func allFieldValueChars(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        var i = range.lowerBound
        let end = range.upperBound
        while i + 8 <= end {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            if bytesBelow(sp, in: word) | bytesBelow(1, in: word ^ (ones &* 0x7F)) != 0 {
                for j in i..<(i + 8) where !isFieldValueChar(bytes[j]) { return false }
            }
            i += 8
        }
        while i < end {
            if !isFieldValueChar(bytes[i]) { return false }
            i += 1
        }
        return true
    }
}

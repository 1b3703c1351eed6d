/// The code that lets a citizen read and write a thread without an account: 10 symbols of a 31-symbol alphabet
/// without the look-alikes 0/O and 1/I/L, so it survives being read aloud, copied by hand or written on paper.
///
/// 31¹⁰ ≈ 8.2 × 10¹⁴ ≈ 2^49.5 codes: guessing 100 codes a second (far above the per-address rate limit) against
/// 10,000 live threads hits one about once in 26 years.
package struct QueryCode: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The symbols, in the order their index is drawn.
    package static let alphabet: [Character] = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
    /// Symbols in a code: 10 × log2(31) ≈ 49.5 bits.
    package static let length = 10

    /// The canonical spelling: `length` upper-case symbols of `alphabet`, no separators.
    package let value: String

    private init(unchecked value: String) {
        self.value = value
    }

    /// A new code whose symbols are each uniform over `alphabet`. Each 64-bit word of the generator is cut into
    /// twelve 5-bit chunks, and a chunk of 31 (one in 32) is thrown away: no modulo bias.
    package static func generate<G: RandomNumberGenerator>(using generator: inout G) -> QueryCode {
        var symbols = ""
        symbols.reserveCapacity(length)
        var count = 0
        while count < length {
            var word = generator.next()
            for _ in 0..<12 where count < length {
                let chunk = Int(word & 0x1F)
                word >>= 5
                if chunk < alphabet.count {
                    symbols.append(alphabet[chunk])
                    count += 1
                }
            }
        }
        return QueryCode(unchecked: symbols)
    }

    /// A new code from `SystemRandomNumberGenerator`, which reads the kernel's CSPRNG (getrandom) on Linux.
    package static func generate() -> QueryCode {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    /// What a citizen typed (or a URL carried): letters in either case, full-width forms (from a Chinese input
    /// method) as their ASCII letters, and whitespace and dashes (`-`, `‐`…`―`, `−`, `－`) ignored anywhere; nil unless
    /// exactly `length` symbols of `alphabet` remain. A look-alike (0, O, 1, I, L) is refused, not guessed: the code
    /// was printed without them, so one of them means a wrong code.
    package init?(typed: String) {
        var symbols = ""
        symbols.reserveCapacity(Self.length)
        var count = 0
        for original in typed.unicodeScalars {
            var scalar = original
            if (0xFF01...0xFF5E).contains(scalar.value) {
                scalar = Unicode.Scalar(scalar.value - 0xFEE0)!
            }
            if scalar.properties.isWhitespace || Self.isDash(scalar) { continue }
            guard count < Self.length, let symbol = Self.symbol(scalar) else { return nil }
            symbols.unicodeScalars.append(symbol)
            count += 1
        }
        guard count == Self.length else { return nil }
        self.init(unchecked: symbols)
    }

    package var description: String { value }

    private static func isDash(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "-" || (0x2010...0x2015).contains(scalar.value) || scalar.value == 0x2212
    }

    /// The upper-case symbol for an ASCII digit or letter of the alphabet, else nil.
    private static func symbol(_ scalar: Unicode.Scalar) -> Unicode.Scalar? {
        guard scalar.isASCII else { return nil }
        var upper = scalar
        if ("a"..."z").contains(scalar) { upper = Unicode.Scalar(scalar.value - 0x20)! }
        return alphabetScalars.contains(upper) ? upper : nil
    }

    private static let alphabetScalars: Set<Unicode.Scalar> = Set(alphabet.flatMap(\.unicodeScalars))
}

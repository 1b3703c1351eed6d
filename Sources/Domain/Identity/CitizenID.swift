/// The anonymous identity of a citizen: 16 random bytes as 22 characters of unpadded base64url (RFC 4648 §5),
/// issued by the application in a signed cookie. No account, no personal data.
///
/// Only the canonical encoding is accepted: 16 bytes are 128 bits and 22 characters carry 132, so the last
/// character's four low bits are zero (it is one of `A`, `Q`, `g`, `w`). Each id thus has exactly one spelling,
/// and two spellings can never count as two citizens.
package struct CitizenID: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Characters of the encoding.
    package static let length = 22
    /// Random bytes behind it.
    package static let byteCount = 16

    package let rawValue: String

    /// Validates a received id; nil if it is not 22 canonical base64url characters.
    package init?(_ raw: String) {
        var count = 0
        var last: UInt8 = 0
        for byte in raw.utf8 {
            count += 1
            guard count <= Self.length, let value = Self.sextet(byte) else { return nil }
            last = value
        }
        guard count == Self.length, last & 0x0F == 0 else { return nil }
        rawValue = raw
    }

    /// Encodes 16 bytes (from a CSPRNG) as an id.
    package init(bytes: [UInt8]) {
        precondition(bytes.count == Self.byteCount, "a citizen id is made of \(Self.byteCount) bytes")
        var characters: [UInt8] = []
        characters.reserveCapacity(Self.length)
        var index = 0
        while index < bytes.count {
            let b0 = bytes[index]
            let b1 = index + 1 < bytes.count ? bytes[index + 1] : 0
            let b2 = index + 2 < bytes.count ? bytes[index + 2] : 0
            characters.append(Self.alphabet[Int(b0 >> 2)])
            characters.append(Self.alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            if index + 1 < bytes.count { characters.append(Self.alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)]) }
            if index + 2 < bytes.count { characters.append(Self.alphabet[Int(b2 & 0x3F)]) }
            index += 3
        }
        rawValue = String(decoding: characters, as: UTF8.self)
    }

    /// A new random id. `SystemRandomNumberGenerator` reads the kernel's CSPRNG (getrandom) on Linux.
    package static func random() -> CitizenID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    package static func random<Generator: RandomNumberGenerator>(using generator: inout Generator) -> CitizenID {
        CitizenID(bytes: (0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    package var description: String { rawValue }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        guard let id = CitizenID(raw) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a citizen id")
        }
        self = id
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    private static func sextet(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "-"): 62
        case UInt8(ascii: "_"): 63
        default: nil
        }
    }
}

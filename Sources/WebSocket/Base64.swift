/// Base64 with the standard alphabet and padding (RFC 4648 §4), as RFC 6455 §4.1 and §4.2.2 use it for
/// `Sec-WebSocket-Key` and `Sec-WebSocket-Accept`. Small and strict on purpose: no Foundation, no whitespace, no
/// missing padding, no non-zero pad bits (RFC 4648 §3.5 lets a decoder reject those, and a 16-byte nonce encoded by any
/// real client never has them).
package enum Base64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let invalid: UInt8 = 0xFF
    private static let pad = UInt8(ascii: "=")

    /// The value of each ASCII character in the alphabet, `invalid` for the rest.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: invalid, count: 256)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = UInt8(value) }
        return table
    }()

    package static func encode(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= input.count {
            let group = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            output.append(alphabet[Int(group >> 18 & 0x3F)])
            output.append(alphabet[Int(group >> 12 & 0x3F)])
            output.append(alphabet[Int(group >> 6 & 0x3F)])
            output.append(alphabet[Int(group & 0x3F)])
            index += 3
        }
        switch input.count - index {
        case 1:
            let group = UInt32(input[index]) << 16
            output += [alphabet[Int(group >> 18 & 0x3F)], alphabet[Int(group >> 12 & 0x3F)], pad, pad]
        case 2:
            let group = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8
            output += [alphabet[Int(group >> 18 & 0x3F)], alphabet[Int(group >> 12 & 0x3F)],
                       alphabet[Int(group >> 6 & 0x3F)], pad]
        default:
            break
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The decoded bytes, or nil when `string` is not canonical padded base64.
    package static func decode(_ string: String) -> [UInt8]? {
        let input = Array(string.utf8)
        guard input.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(input.count / 4 * 3)
        var index = 0
        while index < input.count {
            let isLast = index + 4 == input.count
            let padding = isLast ? (input[index + 3] == pad ? (input[index + 2] == pad ? 2 : 1) : 0) : 0
            var group: UInt32 = 0
            for offset in 0..<(4 - padding) {
                let value = values[Int(input[index + offset])]
                guard value != invalid else { return nil }
                group = group << 6 | UInt32(value)
            }
            switch padding {
            case 0:
                output += [UInt8(group >> 16), UInt8(group >> 8 & 0xFF), UInt8(group & 0xFF)]
            case 1:
                guard group & 0x3 == 0 else { return nil }  // non-zero pad bits
                output += [UInt8(group >> 10), UInt8(group >> 2 & 0xFF)]
            default:
                guard group & 0xF == 0 else { return nil }
                output.append(UInt8(group >> 4))
            }
            index += 4
        }
        return output
    }
}

import COpenSSL
import Domain
import HTTP1

/// The citizen's anonymous identity: a random id in a cookie signed with HMAC-SHA256 (OpenSSL) under the server's
/// secret. A cookie whose signature does not verify — tampered with, or made by another server — is refused.
package struct CitizenCookies: Sendable {
    package static let name = "lw_citizen"
    private let secret: [UInt8]
    /// Adds `Secure` (set when the site is served over HTTPS).
    private let secure: Bool
    /// Cookie lifetime: a campaign's evaluation runs for months; a citizen keeps one identity across them.
    /// 400 days: the longest lifetime browsers honour (RFC 6265bis §5.5 caps Max-Age there). /policy says so.
    static let maxAgeSeconds = 400 * 24 * 3600

    package init(secret: [UInt8], secure: Bool) {
        precondition(secret.count >= 32, "the cookie secret must be at least 32 bytes")
        self.secret = secret
        self.secure = secure
    }

    package enum Lookup: Equatable {
        case none
        case valid(CitizenID)
        case invalid
    }

    /// The citizen named by the request's cookie.
    package func citizen(in headers: HTTPHeaders) -> Lookup {
        guard let value = Self.cookieValue(named: Self.name, in: headers) else { return .none }
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let id = CitizenID(String(parts[0])),
              let mac = Base64URL.decode(String(parts[1])), mac.count == 32,
              Self.constantTimeEqual(mac, signature(id.rawValue)) else {
            return .invalid
        }
        return .valid(id)
    }

    /// A new random citizen and the Set-Cookie value that carries it.
    package func issue() -> (CitizenID, String) {
        var bytes = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = generator.next() }
        let id = CitizenID(Base64URL.encode(bytes))!
        return (id, setCookie(for: id))
    }

    package func setCookie(for id: CitizenID) -> String {
        let value = id.rawValue + "." + Base64URL.encode(signature(id.rawValue))
        return "\(Self.name)=\(value); Path=/; Max-Age=\(Self.maxAgeSeconds); HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "")
    }

    /// Clears a refused cookie so the next request starts afresh.
    package var clearingCookie: String {
        "\(Self.name)=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "")
    }

    private func signature(_ id: String) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 32
        let message = Array(("citizen:" + id).utf8)
        _ = secret.withUnsafeBufferPointer { key in
            message.withUnsafeBufferPointer { data in
                HMAC(EVP_sha256(), key.baseAddress, Int32(key.count), data.baseAddress, data.count, &output, &length)
            }
        }
        return output
    }

    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    /// The value of cookie `name` from the Cookie header(s) (RFC 6265 §5.4: `name=value; name2=value2`).
    static func cookieValue(named name: String, in headers: HTTPHeaders) -> String? {
        for header in headers.values("Cookie") {
            for pair in header.split(separator: ";") {
                let trimmed = pair.drop { $0 == " " }
                if trimmed.hasPrefix(name + "=") {
                    return String(trimmed.dropFirst(name.count + 1))
                }
            }
        }
        return nil
    }
}

/// base64url without padding (RFC 4648 §5).
enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index + 3 <= bytes.count {
            let n = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            index += 3
        }
        let rest = bytes.count - index
        if rest == 1 {
            let n = UInt32(bytes[index]) << 16
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)]]
        } else if rest == 2 {
            let n = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)]]
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        values.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): values.append(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): values.append(byte - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): values.append(byte - UInt8(ascii: "0") + 52)
            case UInt8(ascii: "-"): values.append(62)
            case UInt8(ascii: "_"): values.append(63)
            default: return nil
            }
        }
        guard values.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        var index = 0
        while index + 4 <= values.count {
            let n = UInt32(values[index]) << 18 | UInt32(values[index + 1]) << 12 | UInt32(values[index + 2]) << 6 | UInt32(values[index + 3])
            out += [UInt8(n >> 16 & 255), UInt8(n >> 8 & 255), UInt8(n & 255)]
            index += 4
        }
        let rest = values.count - index
        if rest == 2 {
            let n = UInt32(values[index]) << 18 | UInt32(values[index + 1]) << 12
            out.append(UInt8(n >> 16 & 255))
        } else if rest == 3 {
            let n = UInt32(values[index]) << 18 | UInt32(values[index + 1]) << 12 | UInt32(values[index + 2]) << 6
            out += [UInt8(n >> 16 & 255), UInt8(n >> 8 & 255)]
        }
        return out
    }
}

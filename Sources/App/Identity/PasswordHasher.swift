import COpenSSL
import Domain
import WebSocket

/// Hashes and checks staff passwords with scrypt (OpenSSL's `EVP_PBE_scrypt`), a memory-hard function: each guess
/// costs `128 · r · N` bytes of memory (32 MiB at the defaults) as well as time, which makes guessing on GPUs dear.
///
/// The stored form carries the parameters and a per-user random salt — `scrypt$ln=15,r=8,p=1$<salt>$<hash>` (salt
/// and hash in base64) — so raising the cost later needs no migration: old hashes still verify, and `needsRehash`
/// tells the login to store a new one.
package struct PasswordHasher: Sendable {
    /// log2 of scrypt's N.
    package var logN: UInt8 = 15
    package var r: UInt64 = 8
    package var p: UInt64 = 1
    /// The longest password accepted (bytes of UTF-8): hashing is costly, a megabyte password must not be.
    package static let maxPasswordBytes = PasswordPolicy.maxBytes

    package init(logN: UInt8 = 15, r: UInt64 = 8, p: UInt64 = 1) {
        self.logN = logN
        self.r = r
        self.p = p
    }

    /// Cheap parameters for tests (a login in a millisecond).
    package static let forTesting = PasswordHasher(logN: 4, r: 8, p: 1)

    package func hash(_ password: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let derived = Self.derive(password, salt: salt, logN: logN, r: r, p: p) ?? []
        return "scrypt$ln=\(logN),r=\(r),p=\(p)$\(Base64.encode(salt))$\(Base64.encode(derived))"
    }

    /// Whether `password` is the one `stored` was made from. Compares in constant time.
    package func verify(_ password: String, against stored: String) -> Bool {
        guard let parsed = Self.parse(stored), password.utf8.count <= Self.maxPasswordBytes,
              let derived = Self.derive(password, salt: parsed.salt, logN: parsed.logN, r: parsed.r, p: parsed.p, length: parsed.hash.count)
        else { return false }
        return derived.withUnsafeBytes { a in parsed.hash.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, a.count) == 0 } }
    }

    /// The stored hash was made with weaker parameters than these: store a new one at the next login.
    package func needsRehash(_ stored: String) -> Bool {
        guard let parsed = Self.parse(stored) else { return true }
        return parsed.logN < logN || parsed.r < r || parsed.p < p
    }

    /// A hash of a random password nobody knows: verified against when a login names no user, so that a wrong name
    /// takes as long as a wrong password.
    package func decoy() -> String {
        var generator = SystemRandomNumberGenerator()
        return hash(String(generator.next() as UInt64, radix: 36) + String(generator.next() as UInt64, radix: 36))
    }

    private struct Parsed {
        var logN: UInt8
        var r: UInt64
        var p: UInt64
        var salt: [UInt8]
        var hash: [UInt8]
    }

    private static func parse(_ stored: String) -> Parsed? {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "scrypt" else { return nil }
        var values: [Substring: UInt64] = [:]
        for field in parts[1].split(separator: ",") {
            let pair = field.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, let value = UInt64(pair[1]) else { return nil }
            values[pair[0]] = value
        }
        guard let logN = values["ln"], (1...24).contains(logN), let r = values["r"], (1...64).contains(r),
              let p = values["p"], (1...16).contains(p),
              let salt = Base64.decode(String(parts[2])), let hash = Base64.decode(String(parts[3])), hash.count >= 16
        else { return nil }
        return Parsed(logN: UInt8(logN), r: r, p: p, salt: salt, hash: hash)
    }

    private static func derive(_ password: String, salt: [UInt8], logN: UInt8, r: UInt64, p: UInt64, length: Int = 32) -> [UInt8]? {
        let bytes = Array(password.utf8)
        // A terminating zero keeps the buffer non-empty (an empty array has no base address); it is not hashed.
        let buffer = bytes + [0]
        var output = [UInt8](repeating: 0, count: length)
        // OpenSSL's default memory cap (32 MiB) is just below N = 2^15, r = 8; allow what the parameters need.
        let memory = 128 * r * (UInt64(1) << logN) * 2 + 1 << 20
        let result = buffer.withUnsafeBufferPointer { passwordBytes in
            salt.withUnsafeBufferPointer { saltBytes in
                output.withUnsafeMutableBufferPointer { out in
                    passwordBytes.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { pass in
                        EVP_PBE_scrypt(pass, bytes.count, saltBytes.baseAddress, salt.count, UInt64(1) << logN, r, p, memory,
                                       out.baseAddress, length)
                    }
                }
            }
        }
        return result == 1 ? output : nil
    }
}

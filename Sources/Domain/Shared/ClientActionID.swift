/// The id a client gives each write so that a retry after a dropped connection is applied exactly once:
/// the same (citizen, client id) again returns the original outcome; the same id for a different action is refused.
///
/// A value of this type has been checked: commands carry it, so an id is validated once, where the request is read,
/// and never again below.
package struct ClientActionID: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Characters of an id. 64 holds a UUID, a ULID or a counter with a prefix.
    package static let maxLength = 64

    package let value: String

    /// The id if it is 1 to 64 characters of `[A-Za-z0-9_-]`, else throws `invalidClientID`.
    package init(validating id: String) throws(DomainError) {
        let bytes = id.utf8
        guard (1...Self.maxLength).contains(bytes.count) else { throw .invalidClientID }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                continue
            default:
                throw .invalidClientID
            }
        }
        value = id
    }

    package var description: String { value }
}

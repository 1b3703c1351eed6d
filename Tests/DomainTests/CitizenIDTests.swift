import Domain
import Foundation
import Testing

@Suite struct CitizenIDTests {
    /// The last character holds the final 2 bits of byte 16 and 4 zero bits: it is one of A, Q, g, w.
    @Test(arguments: [
        "AAAAAAAAAAAAAAAAAAAAAA",
        "abcdefghijklmnopqrstuQ",
        "0123456789-_012345678g",
        "zzzzzzzzzzzzzzzzzzzzzw",
        "-_-_-_-_-_-_-_-_-_-_-g",
    ])
    func acceptsCanonicalBase64URLOf16Bytes(_ raw: String) {
        #expect(CitizenID(raw)?.rawValue == raw)
    }

    @Test(arguments: [
        ("", "empty"),
        ("AAAAAAAAAAAAAAAAAAAAA", "21 characters"),
        ("AAAAAAAAAAAAAAAAAAAAAAA", "23 characters"),
        ("AAAAAAAAAAAAAAAAAAAAAB", "last character carries bits beyond 128"),
        ("AAAAAAAAAAAAAAAAAAAAA_", "last character carries bits beyond 128"),
        ("AAAAAAAAAAAAAAAAAAAA+A", "standard base64 '+'"),
        ("AAAAAAAAAAAAAAAAAAAA/A", "standard base64 '/'"),
        ("AAAAAAAAAAAAAAAAAAAA=A", "padding"),
        ("AAAAAAAAAAAAAAAAAAAA A", "space"),
        ("AAAAAAAAAAAAAAAAAAAAéA", "non-ASCII"),
        ("AAAAAAAAAAAAAAAAAAAA\u{0}A", "NUL"),
    ])
    func refusesAnythingElse(_ raw: String, _ why: String) {
        #expect(CitizenID(raw) == nil, "\(why)")
    }

    @Test func encodesSixteenBytesAsBase64URLWithoutPadding() {
        let bytes: [UInt8] = [0xFB, 0xFF, 0xBF, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0xFF]
        let id = CitizenID(bytes: bytes)
        let expected = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        #expect(id.rawValue == expected)
        #expect(id.rawValue.count == CitizenID.length)
        #expect(CitizenID(id.rawValue) == id)
    }

    @Test func randomIDsAreValidAndDistinct() {
        let ids = (0..<1_000).map { _ in CitizenID.random() }
        #expect(ids.allSatisfy { CitizenID($0.rawValue) == $0 })
        #expect(Set(ids).count == ids.count)
    }

    @Test func decodesOnlyValidIDsFromJSON() throws {
        let id = try JSONDecoder().decode(CitizenID.self, from: Data(#""AAAAAAAAAAAAAAAAAAAAAA""#.utf8))
        #expect(id == Fixtures.citizenA)
        #expect(String(decoding: try JSONEncoder().encode(id), as: UTF8.self) == #""AAAAAAAAAAAAAAAAAAAAAA""#)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(CitizenID.self, from: Data(#""not-a-citizen""#.utf8))
        }
    }
}

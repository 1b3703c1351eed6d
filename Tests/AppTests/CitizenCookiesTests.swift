@testable import App
import TestSupport
import Domain
import HTTP1
import Testing

/// The signed citizen cookie (docs/PROTOCOL.md, Identity): issued, verified, refused when edited or foreign.
@Suite struct CitizenCookiesTests {
    static let secret = [UInt8](0..<32)
    static let otherSecret = [UInt8](repeating: 7, count: 32)
    let cookies = CitizenCookies(secret: Self.secret, secure: false)

    /// The cookie's value (`id.signature`) from a Set-Cookie value.
    static func value(of setCookie: String) -> String {
        let pair = setCookie.split(separator: ";", maxSplits: 1)[0]
        #expect(pair.hasPrefix(CitizenCookies.name + "="))
        return String(pair.dropFirst(CitizenCookies.name.count + 1))
    }

    func lookup(_ cookieHeader: String?) -> CitizenCookies.Lookup {
        var headers = HTTPHeaders()
        if let cookieHeader { headers.add("Cookie", cookieHeader) }
        return cookies.citizen(in: headers)
    }

    /// `value` with the character at `offset` replaced by another base64url character.
    static func tampered(_ value: String, at offset: Int) -> String {
        var characters = Array(value)
        characters[offset] = characters[offset] == "A" ? "B" : "A"
        return String(characters)
    }

    @Test func anIssuedCookieVerifiesAsItsCitizen() throws {
        let (id, setCookie) = cookies.issue()
        #expect(lookup("lw_citizen=" + Self.value(of: setCookie)) == .valid(id))
        #expect(CitizenID(id.rawValue) == id, "the id is a canonical 22-character citizen id")
    }

    @Test func everyIssueIsANewCitizen() {
        let ids = Set((0..<100).map { _ in cookies.issue().0 })
        #expect(ids.count == 100)
    }

    @Test func theCookieIsFoundAmongOthers() {
        let (id, setCookie) = cookies.issue()
        let value = Self.value(of: setCookie)
        #expect(lookup("theme=dark; lw_citizen=\(value); lang=zh") == .valid(id))
        #expect(lookup("theme=dark;lw_citizen=\(value)") == .valid(id))
    }

    @Test func aCookieWithoutTheCitizenIsNone() {
        #expect(lookup(nil) == CitizenCookies.Lookup.none)
        #expect(lookup("theme=dark; lang=zh") == CitizenCookies.Lookup.none)
        #expect(lookup("xlw_citizen=abc") == CitizenCookies.Lookup.none)
    }

    @Test func anEditedIdIsInvalid() throws {
        let (id, setCookie) = cookies.issue()
        let value = Self.value(of: setCookie)
        let edited = Self.tampered(value, at: 0)
        #expect(CitizenID(String(edited.prefix(22))) != nil && CitizenID(String(edited.prefix(22))) != id,
                "still a well-formed id, only not the signed one")
        #expect(lookup("lw_citizen=" + edited) == .invalid)
    }

    @Test func anEditedSignatureIsInvalid() {
        let value = Self.value(of: cookies.issue().1)
        for offset in [23, 30, 40, 64] {
            #expect(lookup("lw_citizen=" + Self.tampered(value, at: offset)) == .invalid, "character \(offset) changed")
        }
    }

    @Test func anotherCitizensSignatureIsInvalid() {
        let first = Self.value(of: cookies.issue().1).split(separator: ".")
        let second = Self.value(of: cookies.issue().1).split(separator: ".")
        #expect(lookup("lw_citizen=\(first[0]).\(second[1])") == .invalid)
    }

    @Test func aCookieMadeWithAnotherSecretIsInvalid() {
        let foreign = CitizenCookies(secret: Self.otherSecret, secure: false)
        let (_, setCookie) = foreign.issue()
        #expect(lookup("lw_citizen=" + Self.value(of: setCookie)) == .invalid)
        #expect(foreign.citizen(in: ["Cookie": "lw_citizen=" + Self.value(of: setCookie)]) != .invalid, "valid where it was made")
    }

    @Test(arguments: [
        "", "abc", ".", "..", "AAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAA.", ".AAAA",
        "AAAAAAAAAAAAAAAAAAAAAA.!!!!", "AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAB.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.AAAA",
        "AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "\"AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"",
    ])
    func aMalformedValueIsInvalid(_ value: String) {
        #expect(lookup("lw_citizen=" + value) == .invalid)
    }

    @Test func aSignatureCannotBeReusedWithAnotherSpellingOfTheId() throws {
        // Only canonical ids are accepted, so one signature never names two citizens.
        let (id, setCookie) = cookies.issue()
        let signature = Self.value(of: setCookie).split(separator: ".")[1]
        var characters = Array(id.rawValue)
        characters[21] = characters[21] == "A" ? "B" : Character(Unicode.Scalar(characters[21].asciiValue! + 1))
        #expect(lookup("lw_citizen=\(String(characters)).\(signature)") == .invalid)
    }

    // MARK: Set-Cookie

    /// The attributes of a Set-Cookie value after the name=value pair, by lower-cased name.
    static func attributes(_ setCookie: String) -> [String: String] {
        var attributes: [String: String] = [:]
        for part in setCookie.split(separator: ";").dropFirst() {
            let trimmed = part.drop { $0 == " " }
            let pair = trimmed.split(separator: "=", maxSplits: 1)
            attributes[pair[0].lowercased()] = pair.count > 1 ? String(pair[1]) : ""
        }
        return attributes
    }

    @Test func theCookieIsHttpOnlyLaxForTheWholeSiteAndLastsAboutAYear() throws {
        let (_, setCookie) = cookies.issue()
        let attributes = Self.attributes(setCookie)
        #expect(attributes["httponly"] == "")
        #expect(attributes["samesite"] == "Lax")
        #expect(attributes["path"] == "/")
        let maxAge = try #require(attributes["max-age"].flatMap { Int($0) })
        // PROTOCOL.md says one year; browsers cap a cookie's life at 400 days (RFC 6265bis §5.5).
        #expect((365 * 86_400...400 * 86_400).contains(maxAge))
        #expect(attributes["secure"] == nil, "Secure only when configured")
        #expect(attributes["domain"] == nil, "host-only")
    }

    @Test func theCookieIsSecureWhenConfigured() {
        let secure = CitizenCookies(secret: Self.secret, secure: true)
        #expect(Self.attributes(secure.issue().1)["secure"] == "")
        #expect(Self.attributes(secure.clearingCookie)["secure"] == "")
        #expect(Self.attributes(cookies.clearingCookie)["secure"] == nil)
    }

    @Test func theClearingCookieEmptiesTheSameCookieAtOnce() {
        let clearing = cookies.clearingCookie
        #expect(Self.value(of: clearing) == "")
        let attributes = Self.attributes(clearing)
        #expect(attributes["max-age"] == "0")
        #expect(attributes["path"] == "/", "the same path as the issued cookie, or the browser keeps that one")
        #expect(attributes["httponly"] == "")
        #expect(attributes["samesite"] == "Lax")
    }

    @Test func setCookieForAnIdVerifiesAsThatId() {
        let id = CitizenID.random()
        #expect(lookup("lw_citizen=" + Self.value(of: cookies.setCookie(for: id))) == .valid(id))
    }

    // MARK: Base64URL

    @Test(arguments: [
        ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy"),
    ])
    func base64URLMatchesRFC4648Vectors(_ plain: String, _ encoded: String) {
        #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
        #expect(Base64URL.decode(encoded) == Array(plain.utf8))
    }

    @Test func base64URLUsesTheURLAlphabet() {
        #expect(Base64URL.encode([0xFB, 0xFF, 0xBF]) == "-_-_")
        #expect(Base64URL.decode("-_-_") == [0xFB, 0xFF, 0xBF])
    }

    @Test func base64URLRoundTripsEveryLength() {
        var generator = SystemRandomNumberGenerator()
        for length in 0...70 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let encoded = Base64URL.encode(bytes)
            #expect(encoded.utf8.count == (length * 4 + 2) / 3, "no padding")
            #expect(Base64URL.decode(encoded) == bytes, "length \(length)")
        }
    }

    @Test(arguments: ["A", "AAAAA", "Zg==", "Zm9v+A", "Zm9v/A", "Zm 9v", "Zm9v\n", "中文"])
    func base64URLRefusesWhatIsNotUnpaddedBase64URL(_ text: String) {
        #expect(Base64URL.decode(text) == nil)
    }
}

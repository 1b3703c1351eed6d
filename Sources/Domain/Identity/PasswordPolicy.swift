/// What a new staff password must be: long enough, not made of a few characters, not the user's name, and not one
/// of the passwords every guessing list tries first. Length is what protects a password (NIST SP 800-63B §5.1.1.2):
/// no rules about digits or symbols, which make passwords harder to remember and not harder to guess.
package enum PasswordPolicy {
    /// Characters (Unicode scalars) at least.
    package static let minCharacters = 10
    /// Bytes of UTF-8 at most: hashing is costly, and a megabyte password must not be.
    package static let maxBytes = 1_024
    /// Different characters at least: `aaaaaaaaaa` and `1212121212` are ten characters, not a password.
    package static let minDistinctCharacters = 4

    /// Why `password` is refused for the user `name`, in the user's terms; nil if it is accepted.
    package static func problem(with password: String, userName name: String? = nil) -> String? {
        let scalars = password.unicodeScalars
        if scalars.count < minCharacters { return "a password must have at least \(minCharacters) characters" }
        if password.utf8.count > maxBytes { return "a password can have at most \(maxBytes) bytes" }
        if Set(scalars).count < minDistinctCharacters {
            return "a password must use at least \(minDistinctCharacters) different characters"
        }
        let folded = password.lowercased()
        if let name, name.count >= 3, folded.contains(name.lowercased()) { return "a password must not contain the user name" }
        if isRun(folded) { return "a password must not be a run of consecutive keys or characters, like 1234567890" }
        let bare = String(folded.unicodeScalars.filter { !$0.properties.isWhitespace })
        if commonPasswords.contains(bare) || commonStems.contains(where: { bare.hasPrefix($0) && isDigits(bare.dropFirst($0.count)) }) {
            return "this password is one of the first that guessing tries; choose another"
        }
        return nil
    }

    /// Every character follows the one before by +1 or −1 (`abcdefghij`, `0987654321`), or the text runs along a
    /// row of the keyboard (`qwertyuiop`, `1qaz2wsx3edc`).
    private static func isRun(_ text: String) -> Bool {
        let values = text.unicodeScalars.map { Int($0.value) }
        let steps = Set(zip(values, values.dropFirst()).map { $1 - $0 })
        if steps == [1] || steps == [-1] { return true }
        return keyboardRuns.contains { $0.contains(text) || String($0.reversed()).contains(text) }
    }

    private static func isDigits(_ text: Substring) -> Bool { text.allSatisfy(\.isASCII) && text.allSatisfy(\.isNumber) }

    private static let keyboardRuns = [
        "1234567890-=", "qwertyuiop[]", "asdfghjkl;'", "zxcvbnm,./",
        "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/", "qazwsxedcrfvtgbyhnujmikolp", "zaq12wsxcde34rfvbgt56yhnmju78ik,.lo90p;/",
    ]

    /// Ten characters or more that guessing tries first (lower case, spaces removed).
    private static let commonPasswords: Set<String> = [
        "1111111111", "1234567890", "0123456789", "123456789a", "a123456789", "1234567890a", "123456789abc",
        "1234qwerasdf", "1q2w3e4r5t", "1q2w3e4r5t6y", "1qaz2wsx3edc", "zaq12wsxcde3", "qwerty12345", "qwertyuiop123",
        "iloveyou123", "iloveyou1314", "woaini1314", "woaini5201314", "5201314520", "1314520520", "aini1314520",
        "abc1234567", "abcd123456", "abcd1234abcd", "asdf123456", "asdfghjkl123", "zxcvbnm123", "princess123",
        "sunshine123", "football123", "baseball123", "dragon1234", "monkey1234", "shadow1234", "superman123",
        "trustno1234", "starwars123", "computer123", "whatever123", "internet123", "changeme123", "changeme",
        "letmein123", "welcome123", "welcome1234", "secret1234", "lastword123", "lastword2026",
    ]

    /// Words that with only digits after them are among the first guesses (`password2026`, `admin123456`).
    private static let commonStems = [
        "password", "passw0rd", "p@ssw0rd", "p@ssword", "admin", "administrator", "qwerty", "letmein", "welcome",
        "iloveyou", "woaini", "changeme", "lastword", "mayor", "shizhang",
    ]
}

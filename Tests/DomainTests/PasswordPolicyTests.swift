import Domain
import Testing

@Suite struct PasswordPolicyTests {
    @Test(arguments: [
        "correct horse battery", "长城脚下的小院子真安静", "Tr0ub4dor&3x", "mayor of a small town", "9 lives of 4 cats",
    ])
    func acceptsLongPasswordsOfManyCharacters(_ password: String) {
        #expect(PasswordPolicy.problem(with: password, userName: "li.wei") == nil)
    }

    @Test(arguments: [
        ("short", "at least 10 characters"),
        ("九个字的密码还不够", "at least 10 characters"),
        ("          ", "at least 4 different characters"),
        ("aaaaaaaaaaaa", "at least 4 different characters"),
        ("1212121212", "at least 4 different characters"),
        ("abcabcabcabc", "at least 4 different characters"),
        ("1234567890", "consecutive"),
        ("0987654321", "consecutive"),
        ("abcdefghijk", "consecutive"),
        ("qwertyuiop", "consecutive"),
        ("QWERTYUIOP", "consecutive"),
        ("1qaz2wsx3edc", "consecutive"),
        ("password12", "guessing tries"),
        ("Password2026", "guessing tries"),
        ("p@ssw0rd123", "guessing tries"),
        ("admin123456", "guessing tries"),
        ("woaini1314", "guessing tries"),
        ("I love you 123", "guessing tries"),
        ("li.wei.2026!", "user name"),
        ("my LI.WEI secret", "user name"),
    ] as [(String, String)])
    func refusesWhatGuessingTriesFirstAndSaysWhy(_ password: String, _ reason: String) throws {
        let problem = try #require(PasswordPolicy.problem(with: password, userName: "li.wei"), "\(password)")
        #expect(problem.contains(reason), "\(password): \(problem)")
    }

    @Test func refusesMoreThanAKilobyteButNotAPasswordRightAtTheLimit() {
        let limit = String(repeating: "abcdefgh", count: 128)
        #expect(limit.utf8.count == PasswordPolicy.maxBytes)
        #expect(PasswordPolicy.problem(with: limit) == nil)
        #expect(PasswordPolicy.problem(with: limit + "x")?.contains("at most 1024 bytes") == true)
    }

    @Test func aShortUserNameIsNotLookedFor() {
        // "li" is in many words; names under three characters are not checked.
        #expect(PasswordPolicy.problem(with: "lights of the city", userName: "li") == nil)
    }
}

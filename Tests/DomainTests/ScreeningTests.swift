import Domain
import Testing

@Suite struct ScreeningTests {
    static let rules = ScreeningRules(blocked: ["坏蛋", "BAD", "go away", "傻x"], held: ["投诉", "refund", "bad"])

    @Test func noRulesPassEverything() {
        #expect(ScreeningRules.none.screen("坏蛋 bad 投诉") == .pass)
        #expect(ScreeningRules.none == ScreeningRules(blocked: [], held: []))
    }

    @Test(arguments: [
        ("你这个坏蛋", "坏蛋"),
        ("坏 蛋", "坏蛋"),                        // spaced out
        ("坏\u{3000}蛋", "坏蛋"),                 // ideographic space
        ("坏\n\t蛋", "坏蛋"),
        ("坏\u{200B}蛋", "坏蛋"),                 // zero-width space
        ("a bad idea", "BAD"),
        ("Bad!", "BAD"),
        ("ＢＡＤ", "BAD"),                        // full-width
        ("很bad", "BAD"),                         // glued to Chinese is still a word
        ("b\u{AD}ad", "BAD"),                    // soft hyphen
        ("GO   AWAY now", "go away"),            // whitespace runs count as one space
        ("go\naway", "go away"),
        ("你个傻X", "傻x"),
        ("你个傻Ｘ", "傻x"),
    ])
    func blocks(_ text: String, _ word: String) {
        #expect(Self.rules.screen(text) == .block(word: word))
    }

    @Test(arguments: [
        "badge", "sinbad", "tab address", "b a d", "goaway", "纯属好人", "坏了的蛋糕", "傻xx", "",
    ])
    func passes(_ text: String) {
        #expect(ScreeningRules(blocked: ["坏蛋", "bad", "go away", "傻x"]).screen(text) == .pass)
    }

    @Test(arguments: [
        ("我要投诉", "投诉"),
        ("投 诉", "投诉"),
        ("Refund please", "refund"),
        ("ＲＥＦＵＮＤ", "refund"),
    ])
    func holds(_ text: String, _ word: String) {
        #expect(Self.rules.screen(text) == .hold(word: word))
    }

    @Test func blockWinsOverHoldWhateverTheOrderInTheText() {
        #expect(Self.rules.screen("投诉 投诉 这个坏蛋") == .block(word: "坏蛋"))
        // "bad" is both held and blocked (as "BAD"): blocked.
        #expect(Self.rules.screen("refund, bad") == .block(word: "BAD"))
    }

    @Test func reportsTheFirstMatchingWordOfTheList() {
        let rules = ScreeningRules(blocked: ["蛋", "坏蛋"])
        #expect(rules.screen("坏蛋") == .block(word: "蛋"))
    }

    @Test func ignoresEmptyAndInvisibleWords() {
        let rules = ScreeningRules(blocked: ["", "  ", "\u{200B}"], held: ["\u{3000}"])
        #expect(rules.screen("any text at all") == .pass)
        #expect(rules.screen("") == .pass)
    }

    @Test func aWordWithWidthAndCaseOfItsOwnMatchesFolded() {
        let rules = ScreeningRules(blocked: ["Ｓｐａｍ"])
        #expect(rules.screen("SPAM here") == .block(word: "Ｓｐａｍ"))
        #expect(rules.screen("spammer") == .pass)
    }

    @Test func matchesAtTheVeryStartAndEnd() {
        let rules = ScreeningRules(blocked: ["bad"])
        #expect(rules.screen("bad") == .block(word: "bad"))
        #expect(rules.screen("bad.") == .block(word: "bad"))
        #expect(rules.screen(".bad") == .block(word: "bad"))
        #expect(rules.screen("ba") == .pass)
    }
}

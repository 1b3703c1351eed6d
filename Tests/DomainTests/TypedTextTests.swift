import Domain
import Testing

@Suite struct TypedTextTests {
    @Test(arguments: [
        ("", ""),
        (" \n\t\u{3000} ", ""),
        ("  a\tb\nc  ", "a\tb\nc"),
        ("x\r\ny\u{0}z\u{1B}", "x\nyz"),
    ])
    func keepsLinesAndTabsByDefault(_ input: String, _ expected: String) {
        #expect(TypedText.clean(input) == expected)
    }

    @Test(arguments: [
        ("a\nb", "a b"),
        ("a\tb", "a b"),
        ("a\r\nb", "a b"),                     // CR removed, LF a space
        ("\n title \n", "title"),
        ("two\n\nlines", "two  lines"),        // one space per newline, not collapsed
    ])
    func singleLineTurnsNewlinesAndTabsIntoSpaces(_ input: String, _ expected: String) {
        #expect(TypedText.clean(input, singleLine: true) == expected)
    }
}

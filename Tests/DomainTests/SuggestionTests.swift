import Domain
import Testing

@Suite struct SuggestionTests {
    @Test(arguments: [
        (nil, nil),
        ("", nil),
        ("   ", nil),
        ("\n\t \u{3000}", nil),                                  // ideographic space is whitespace too
        ("\u{0}\u{7}\u{1B}", nil),                               // only control characters
        ("加装电梯", "加装电梯"),
        ("  多开几班车  ", "多开几班车"),
        ("\u{3000}请延长开放时间\u{3000}", "请延长开放时间"),
        ("line one\r\nline two", "line one\nline two"),          // CR is a control character
        ("a\tb\nc", "a\tb\nc"),                                  // tab and newline are kept
        ("bell\u{7} and escape\u{1B}[31m", "bell and escape[31m"),
        ("nul\u{0}inside", "nulinside"),
        ("DEL\u{7F} and C1\u{85}", "DEL and C1"),
        ("\u{0} padded \u{0}", "padded"),                        // removed first, then trimmed
        ("emoji 👍🏽 stays", "emoji 👍🏽 stays"),
    ] as [(String?, String?)])
    func normalizes(_ input: String?, _ expected: String?) throws {
        #expect(try Suggestion.normalize(input)?.text == expected)
    }

    @Test func acceptsExactly500ScalarsAfterTrimming() throws {
        let text = String(repeating: "好", count: Suggestion.maxLength)
        #expect(try Suggestion.normalize("  \(text)\n")?.text == text)
    }

    @Test func refuses501Scalars() {
        let text = String(repeating: "a", count: Suggestion.maxLength + 1)
        #expect(throws: DomainError.suggestionTooLong(limit: 500)) { try Suggestion.normalize(text) }
    }

    @Test func countsUnicodeScalarsNotCharacters() throws {
        // "👍🏽" is one Character but two scalars; SQLite's length() counts scalars too.
        let text = String(repeating: "👍🏽", count: 250)
        #expect(try Suggestion.normalize(text)?.text == text)
        #expect(throws: DomainError.suggestionTooLong(limit: 500)) { try Suggestion.normalize(text + "a") }
    }

    @Test func controlCharactersDoNotCountTowardsTheLimit() throws {
        let text = String(repeating: "a", count: 500)
        #expect(try Suggestion.normalize(text + "\u{0}\u{0}")?.text == text)
    }
}

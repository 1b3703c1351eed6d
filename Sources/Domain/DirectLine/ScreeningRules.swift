/// The words the office does not accept (`blocked`) or wants to look at first (`held`), from config/screening.yaml.
///
/// How a word matches, so that trivial disguises do not get through and ordinary words are not caught:
/// - Text and word are folded first: full-width ASCII forms become ASCII (`ＢＡＤ` is `BAD`), the ideographic space a
///   space, letters lower case; zero-width characters, soft hyphens and control characters are dropped, and every run
///   of whitespace counts as one space.
/// - A word with no ASCII letter or digit (Chinese, say) matches anywhere in the text with all whitespace removed on
///   both sides: Chinese has no spaces between words, so `坏 蛋` and `坏　蛋` are `坏蛋` spaced out to dodge the rule.
/// - A word with ASCII letters or digits matches as a substring whose ASCII ends are not glued to another ASCII letter
///   or digit: `bad` matches `Bad!` and `很bad`, not `badge` or `sinbad`. Spaces are not removed here: `b a d` is not
///   `bad`, because removing them would find `bad` in `tab address`.
///
/// `blocked` wins over `held`; within a list the first matching word is reported. An empty word is ignored.
package struct ScreeningRules: Sendable, Equatable {
    package var blocked: [String]
    package var held: [String]

    package init(blocked: [String] = [], held: [String] = []) {
        self.blocked = blocked
        self.held = held
    }

    /// No rules: every text passes.
    package static let none = ScreeningRules()

    package func screen(_ text: String) -> ScreeningVerdict {
        // No rules (screening off): nothing to fold the text for.
        if blocked.isEmpty && held.isEmpty { return .pass }
        let spaced = Self.fold(text)
        let unspaced = spaced.filter { $0 != " " }
        if let word = Self.firstMatch(of: blocked, spaced: spaced, unspaced: unspaced) { return .block(word: word) }
        if let word = Self.firstMatch(of: held, spaced: spaced, unspaced: unspaced) { return .hold(word: word) }
        return .pass
    }

    private static func firstMatch(of words: [String], spaced: [Character], unspaced: [Character]) -> String? {
        for word in words {
            let folded = fold(word)
            if folded.contains(where: isASCIIAlphanumeric) {
                if containsBounded(spaced, folded) { return word }
            } else {
                let unspacedWord = folded.filter { $0 != " " }
                if !unspacedWord.isEmpty && contains(unspaced, unspacedWord) { return word }
            }
        }
        return nil
    }

    private static func contains(_ text: [Character], _ word: [Character]) -> Bool {
        guard word.count <= text.count else { return false }
        for start in 0...(text.count - word.count) where text[start..<(start + word.count)].elementsEqual(word) {
            return true
        }
        return false
    }

    /// `word` in `text` where an ASCII letter or digit at either end of the word is not next to another one.
    private static func containsBounded(_ text: [Character], _ word: [Character]) -> Bool {
        guard word.count <= text.count else { return false }
        let checkBefore = isASCIIAlphanumeric(word[0])
        let checkAfter = isASCIIAlphanumeric(word[word.count - 1])
        for start in 0...(text.count - word.count) where text[start..<(start + word.count)].elementsEqual(word) {
            let end = start + word.count
            if checkBefore && start > 0 && isASCIIAlphanumeric(text[start - 1]) { continue }
            if checkAfter && end < text.count && isASCIIAlphanumeric(text[end]) { continue }
            return true
        }
        return false
    }

    private static func isASCIIAlphanumeric(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber)
    }

    /// Width-folded, lower-cased, invisible characters dropped, whitespace runs as one space, trimmed.
    private static func fold(_ text: String) -> [Character] {
        var scalars = String.UnicodeScalarView()
        var pendingSpace = false
        for original in text.unicodeScalars {
            var scalar = original
            if (0xFF01...0xFF5E).contains(scalar.value) {
                scalar = Unicode.Scalar(scalar.value - 0xFEE0)!
            }
            if scalar.properties.isWhitespace {
                pendingSpace = !scalars.isEmpty
                continue
            }
            if isInvisible(scalar) { continue }
            if pendingSpace {
                scalars.append(" ")
                pendingSpace = false
            }
            scalars.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
        }
        return Array(String(scalars))
    }

    /// Characters that show nothing and so can hide inside a word: controls, format characters (zero-width space,
    /// joiners, the byte-order mark, the soft hyphen).
    private static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format: true
        default: false
        }
    }
}

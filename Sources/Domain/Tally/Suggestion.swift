/// A citizen's optional free-text suggestion attached to a rating. Never shown publicly: it is kept for the
/// mayor's office, and the suggestions of ratings 1 and 2 are listed per project and department for follow-up.
package enum Suggestion {
    /// Unicode scalars (code points) after normalization. SQLite's `length()` counts the same unit, so the schema's
    /// CHECK and this limit agree. 500 is the product rule: a paragraph, not a petition.
    package static let maxLength = 500

    /// Removes control characters except newline and tab (a stray NUL, escape sequences or `\r` must not reach a
    /// report), trims whitespace (including the ideographic space U+3000) at both ends, turns an empty result into nil,
    /// and refuses more than `maxLength` scalars with `suggestionTooLong`.
    package static func normalize(_ text: String?) throws(DomainError) -> String? {
        guard let text else { return nil }
        var kept = String.UnicodeScalarView()
        var sawRemoved = false
        for scalar in text.unicodeScalars {
            if scalar.properties.generalCategory == .control && scalar != "\n" && scalar != "\t" {
                sawRemoved = true
            } else {
                kept.append(scalar)
            }
        }
        let scalars = sawRemoved ? kept : text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return nil }
        let trimmed = scalars[first...last]
        guard trimmed.count <= maxLength else { throw .suggestionTooLong(limit: maxLength) }
        return String(String.UnicodeScalarView(trimmed))
    }
}

/// A citizen's optional free-text suggestion attached to a rating. Never shown publicly: it is kept for the
/// mayor's office, and the suggestions of ratings 1 and 2 are listed per project and department for follow-up.
///
/// A value of this type has been cleaned and checked (`normalize`): commands carry it, so a suggestion is validated
/// once, where the request is read.
package struct Suggestion: Hashable, Sendable, Codable {
    /// Unicode scalars (code points) after normalization. SQLite's `length()` counts the same unit, so the schema's
    /// CHECK and this limit agree. 500 is the product rule: a paragraph, not a petition.
    package static let maxLength = 500

    package let text: String

    /// Cleans the text as `TypedText.clean` does (control characters except newline and tab removed, whitespace
    /// trimmed), turns an empty result into nil, and refuses more than `maxLength` scalars with `suggestionTooLong`.
    package static func normalize(_ text: String?) throws(DomainError) -> Suggestion? {
        guard let text else { return nil }
        let cleaned = TypedText.clean(text)
        guard !cleaned.isEmpty else { return nil }
        guard cleaned.unicodeScalars.count <= maxLength else { throw .suggestionTooLong(limit: maxLength) }
        return Suggestion(text: cleaned)
    }

    private init(text: String) {
        self.text = text
    }
}

/// The text of a letter, a message, a reply or a note.
package enum MessageText {
    /// Unicode scalars after cleaning: a long letter, not a dossier.
    package static let maxLength = 2000

    /// Cleans the text as `TypedText.clean` does (newlines and tabs kept) and refuses an empty or too long result
    /// with `invalidThread("body must be 1 to 2000 characters")`.
    package static func normalize(_ text: String) throws(DomainError) -> String {
        let cleaned = TypedText.clean(text)
        guard (1...maxLength).contains(cleaned.unicodeScalars.count) else {
            throw .invalidThread("body must be 1 to \(maxLength) characters")
        }
        return cleaned
    }
}

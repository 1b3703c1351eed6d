/// The one cleaning of text a person typed (a suggestion, a letter, a message), so that every stored text obeys the
/// same rules and the same count.
package enum TypedText {
    /// Removes control characters except newline and tab (a stray NUL, escape sequences or `\r` must not reach a
    /// report), and trims whitespace (including the ideographic space U+3000) at both ends. With `singleLine`, newline
    /// and tab become a space first (a subject or a contact is one line). The result may be empty.
    ///
    /// Lengths are counted in Unicode scalars (`result.unicodeScalars.count`): SQLite's `length()` counts the same unit,
    /// so a schema's CHECK and a limit here agree.
    package static func clean(_ text: String, singleLine: Bool = false) -> String {
        var kept = String.UnicodeScalarView()
        var changed = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" || scalar == "\t" {
                if singleLine {
                    kept.append(" ")
                    changed = true
                } else {
                    kept.append(scalar)
                }
            } else if scalar.value >= 0x20 && scalar.value < 0x7F {
                // Printable ASCII (most of any text here): neither a control character nor worth a property lookup.
                kept.append(scalar)
            } else if scalar.properties.generalCategory == .control {
                changed = true
            } else {
                kept.append(scalar)
            }
        }
        let scalars = changed ? kept : text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}

/// What screening decided about a text.
package enum ScreeningVerdict: Sendable, Equatable {
    case pass
    /// Accepted, but kept back for a person to look at first; `word` is the rule that matched, as configured.
    case hold(word: String)
    /// Refused (`thread.blocked`); `word` is the rule that matched, as configured (for the log, never the citizen).
    case block(word: String)
}

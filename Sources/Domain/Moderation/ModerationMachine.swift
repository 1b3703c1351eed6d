/// Decides every change of a public version (PROTOCOL.md "Moderation"):
///
/// | action | (none) | pending | approved | rejected | withdrawn | superseded |
/// | --- | --- | --- | --- | --- | --- | --- |
/// | submit | pending | pending (the old one superseded) | — | pending | pending | — |
/// | approve, approve edited | — | approved | — | — | — | — |
/// | reject (category, note) | — | rejected | — | — | — | — |
/// | withdraw (category, note) | — | — | withdrawn | — | — | — |
///
/// A submission is always a new revision; nothing is overwritten, so the original texts of every revision and what
/// the moderator made of them stay on record. An approved version is never edited again: a correction is withdrawn
/// and submitted anew. No I/O: the writer carries the effect out in its transaction.
package enum ModerationMachine {
    /// Unicode scalars in a moderator's note.
    package static let maxNoteLength = 500

    package struct Effect: Sendable, Equatable {
        /// The version's new status.
        package var status: PublicVersionStatus
        /// The status the version it replaces takes (a pending one is superseded); nil when none changes.
        package var previous: PublicVersionStatus?
        /// The note, cleaned.
        package var note: String?

        package init(status: PublicVersionStatus, previous: PublicVersionStatus?, note: String? = nil) {
            self.status = status
            self.previous = previous
            self.note = note
        }
    }

    /// The effect of `action` on a version in `status` (nil: the thread has none yet). Refused with
    /// `invalidModeration(from:action:)`; a note that is not 1…500 scalars after cleaning is `invalidRequest`.
    package static func apply(_ action: ModerationAction, to status: PublicVersionStatus?) throws(DomainError) -> Effect {
        switch action {
        case .submit:
            switch status {
            case nil, .rejected, .withdrawn, .superseded: return Effect(status: .pending, previous: nil)
            case .pending: return Effect(status: .pending, previous: .superseded)
            case .approved: throw refusal(status, action)
            }
        case .approve:
            switch status {
            case .pending: return Effect(status: .approved, previous: nil)
            case nil, .approved, .rejected, .withdrawn, .superseded: throw refusal(status, action)
            }
        case .reject(_, let note):
            switch status {
            case .pending: return Effect(status: .rejected, previous: nil, note: try clean(note))
            case nil, .approved, .rejected, .withdrawn, .superseded: throw refusal(status, action)
            }
        case .withdraw(_, let note):
            switch status {
            case .approved: return Effect(status: .withdrawn, previous: nil, note: try clean(note))
            case nil, .pending, .rejected, .withdrawn, .superseded: throw refusal(status, action)
            }
        }
    }

    private static func clean(_ note: String) throws(DomainError) -> String {
        let cleaned = TypedText.clean(note)
        guard (1...maxNoteLength).contains(cleaned.unicodeScalars.count) else {
            throw .invalidRequest("note must be 1 to \(maxNoteLength) characters: say what to change")
        }
        return cleaned
    }

    private static func refusal(_ status: PublicVersionStatus?, _ action: ModerationAction) -> DomainError {
        .invalidModeration(from: status?.rawValue ?? "none", action: action.verb)
    }
}

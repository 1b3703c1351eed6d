/// What can happen to a public version. Who may do it is `AccessPolicy`'s to say; whether the version's status
/// allows it, `ModerationMachine`'s.
package enum ModerationAction: Sendable, Equatable {
    /// Staff submit a public version: the first, one after a rejection or a withdrawal, or a revision of one still
    /// waiting (which then is superseded).
    case submit
    /// A moderator approves it, as written or edited (`edited`: the texts differ from what was submitted).
    case approve(edited: Bool)
    /// A moderator sends it back to its author.
    case reject(ModerationCategory, note: String)
    /// A moderator takes an approved version off the board.
    case withdraw(ModerationCategory, note: String)

    /// Completes "A public version that is pending cannot be …".
    var verb: String {
        switch self {
        case .submit: "submitted again"
        case .approve: "approved"
        case .reject: "rejected"
        case .withdraw: "withdrawn"
        }
    }
}

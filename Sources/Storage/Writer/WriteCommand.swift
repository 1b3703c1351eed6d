import Domain

/// A citizen's write, as the application hands it to the `StoreWriter`.
package enum WriteCommand: Sendable, Equatable {
    /// Rate a project, or revise the rating: the new level and suggestion replace the old ones (a revision without
    /// a suggestion drops the previous one). `suggestion` is normalized by the writer (`Suggestion.normalize`).
    /// `at` is the time the server received it, milliseconds since 1970 UTC: the campaign's window is checked at
    /// that instant.
    case rate(citizen: CitizenID, project: String, level: SatisfactionLevel, suggestion: String?, clientID: String, at: Int64)
    /// Like (`liked: true`) or take the like back (`false`). Idempotent: liking twice counts once.
    case like(citizen: CitizenID, project: String, liked: Bool, clientID: String, at: Int64)
    /// Take the rating back while the window is open: the rating and its suggestion are deleted and the tally moves
    /// back. Refused with `ratingNotFound` when the citizen has no rating of the project.
    case withdraw(citizen: CitizenID, project: String, clientID: String, at: Int64)

    package var citizen: CitizenID {
        switch self {
        case .rate(let citizen, _, _, _, _, _), .like(let citizen, _, _, _, _), .withdraw(let citizen, _, _, _): citizen
        }
    }

    package var project: String {
        switch self {
        case .rate(_, let project, _, _, _, _), .like(_, let project, _, _, _), .withdraw(_, let project, _, _): project
        }
    }

    package var clientID: String {
        switch self {
        case .rate(_, _, _, _, let clientID, _), .like(_, _, _, let clientID, _), .withdraw(_, _, let clientID, _): clientID
        }
    }

    /// When the server received it: the campaign's window is checked at this instant.
    package var at: Int64 {
        switch self {
        case .rate(_, _, _, _, _, let at), .like(_, _, _, _, let at), .withdraw(_, _, _, let at): at
        }
    }

    package var action: WriteAction {
        switch self {
        case .rate: .rate
        case .like: .like
        case .withdraw: .withdraw
        }
    }

    /// The command with its client id checked and its suggestion normalized; what the writer stores and compares.
    func normalized() throws(DomainError) -> WriteCommand {
        switch self {
        case .rate(let citizen, let project, let level, let suggestion, let clientID, let at):
            .rate(
                citizen: citizen, project: project, level: level,
                suggestion: try Suggestion.normalize(suggestion),
                clientID: try ClientActionID.validate(clientID), at: at)
        case .like(let citizen, let project, let liked, let clientID, let at):
            .like(citizen: citizen, project: project, liked: liked, clientID: try ClientActionID.validate(clientID), at: at)
        case .withdraw(let citizen, let project, let clientID, let at):
            .withdraw(citizen: citizen, project: project, clientID: try ClientActionID.validate(clientID), at: at)
        }
    }
}

/// What kind of write a command or receipt is (the `action` of an acknowledgement).
package enum WriteAction: String, Codable, Sendable {
    case rate, like, withdraw
}

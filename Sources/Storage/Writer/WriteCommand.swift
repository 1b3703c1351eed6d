import Domain

/// A citizen's write, as the application hands it to the `StoreWriter`.
package enum WriteCommand: Sendable, Equatable, Codable {
    /// Rate a project, or revise the rating: the new level and suggestion replace the old ones (a revision without
    /// a suggestion drops the previous one). The id and the suggestion were checked where the request was read
    /// (their types say so); the writer does not check them again. `at` is the time the server received it, milliseconds since 1970 UTC: the campaign's window is checked at
    /// that instant.
    case rate(citizen: CitizenID, project: String, level: SatisfactionLevel, suggestion: Suggestion?, clientID: ClientActionID, at: Int64)
    /// Like (`liked: true`) or take the like back (`false`). Idempotent: liking twice counts once.
    case like(citizen: CitizenID, project: String, liked: Bool, clientID: ClientActionID, at: Int64)
    /// Take the rating back while the window is open: the rating and its suggestion are deleted and the tally moves
    /// back. Refused with `ratingNotFound` when the citizen has no rating of the project.
    case withdraw(citizen: CitizenID, project: String, clientID: ClientActionID, at: Int64)

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
        case .rate(_, _, _, _, let clientID, _), .like(_, _, _, let clientID, _), .withdraw(_, _, let clientID, _): clientID.value
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
}

/// What kind of write a command or receipt is (the `action` of an acknowledgement).
package enum WriteAction: String, Codable, Sendable {
    case rate, like, withdraw
}

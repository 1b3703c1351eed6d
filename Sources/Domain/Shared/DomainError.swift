/// Why the domain refused something. It knows nothing of HTTP: the application maps each `code` to a status once.
package enum DomainError: Error, Sendable, Equatable {
    /// The campaign's evaluation window has not opened yet.
    case campaignNotOpen
    /// The campaign's evaluation window has closed.
    case campaignClosed
    case unknownCampaign(String)
    case unknownProject(String)
    /// A level outside 1…5.
    case invalidLevel(Int)
    /// A suggestion longer than `limit` Unicode scalars after normalization.
    case suggestionTooLong(limit: Int)
    /// A citizen id that is not 22 canonical base64url characters (or a cookie that does not verify).
    case invalidCitizen
    /// A rating or like without a citizen identity (no cookie).
    case missingCitizen
    /// A request that is missing a field or has one of the wrong kind; the text says which.
    case invalidRequest(String)
    /// A client action id that is not 1…64 characters of `[A-Za-z0-9_-]`.
    case invalidClientID
    /// The client id was already used by this citizen for a different action.
    case clientIDReused
    /// Too many requests from this IP address or citizen.
    case rateLimited(retryAfterSeconds: Int)
    /// Too many new citizen ids issued to this IP address this hour.
    case tooManyNewCitizens(retryAfterSeconds: Int)
    /// A campaign file that breaks a rule; the text names the field.
    case invalidDefinition(String)
    /// A project slug in the file already belongs to another campaign (slugs are QR codes: unique everywhere).
    case slugBelongsToAnotherCampaign(slug: String, campaignID: String)
    /// The write queue is full.
    case overloaded
    /// The writer is stopping or stopped; nothing was stored.
    case shuttingDown
    /// The database refused or failed the write (disk full, I/O error, a constraint that validation should have
    /// caught); nothing of this command was stored. Logged by the caller; the client may retry.
    case storageFailure
    /// A withdrawal of a rating the citizen never gave (or already withdrew).
    case ratingNotFound(String)

    /// Stable code for clients, logs and tests.
    package var code: String {
        switch self {
        case .campaignNotOpen: "campaign.not_open"
        case .campaignClosed: "campaign.closed"
        case .unknownCampaign: "campaign.not_found"
        case .unknownProject: "project.not_found"
        case .invalidLevel: "rating.invalid_level"
        case .suggestionTooLong: "rating.suggestion_too_long"
        case .invalidCitizen: "citizen.invalid"
        case .missingCitizen: "citizen.missing"
        case .invalidRequest: "request.invalid"
        case .invalidClientID: "request.invalid_id"
        case .clientIDReused: "request.id_reused"
        case .rateLimited: "limit.rate"
        case .tooManyNewCitizens: "limit.new_citizens"
        case .invalidDefinition: "campaign.invalid_definition"
        case .slugBelongsToAnotherCampaign: "campaign.slug_taken"
        case .overloaded: "server.busy"
        case .shuttingDown: "server.shutting_down"
        case .storageFailure: "server.storage_failure"
        case .ratingNotFound: "rating.not_found"
        }
    }

    /// A short English sentence for the client.
    package var message: String {
        switch self {
        case .campaignNotOpen: "Evaluation has not started yet."
        case .campaignClosed: "Evaluation has closed."
        case .unknownCampaign(let id): "There is no campaign \"\(id)\"."
        case .unknownProject(let slug): "There is no project \"\(slug)\"."
        case .invalidLevel(let level): "Level \(level) is not on the scale from 1 to 5."
        case .suggestionTooLong(let limit): "A suggestion can be at most \(limit) characters."
        case .invalidCitizen: "The citizen id is not valid."
        case .missingCitizen: "Open the page (or GET /api/session) first to get a visitor identity."
        case .invalidRequest(let problem): "Invalid request: \(problem)."
        case .invalidClientID: "The request id must be 1 to 64 letters, digits, - or _."
        case .clientIDReused: "This request id was already used for a different action."
        case .rateLimited(let seconds): "Too many requests; try again in \(seconds) s."
        case .tooManyNewCitizens(let seconds): "Too many new visitors from this network; try again in \(seconds) s."
        case .invalidDefinition(let problem): "Invalid campaign: \(problem)."
        case .slugBelongsToAnotherCampaign(let slug, let campaignID):
            "Project \"\(slug)\" already belongs to campaign \"\(campaignID)\"."
        case .overloaded: "The server is busy; try again."
        case .shuttingDown: "The server is restarting; try again."
        case .storageFailure: "The server could not store this; try again."
        case .ratingNotFound(let slug): "You have no rating of project \"\(slug)\" to withdraw."
        }
    }
}

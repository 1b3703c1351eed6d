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

    // The live WebSocket's own requests.
    /// A WebSocket message whose `type` the server does not know.
    case unknownMessageType(String)
    /// Subscribing to more topics than one connection may watch.
    case tooManyTopics(limit: Int)
    /// Subscribing to a topic that does not exist (or that this connection may not watch: the answer is the same,
    /// so a topic name cannot be probed).
    case unknownTopic(String)

    // Staff identity and access.
    /// A staff request without a live session (none, expired or revoked).
    case authRequired
    /// Login refused: wrong name, wrong password or a disabled user; the same for all three.
    case authFailed
    /// Login refused without checking: too many failures for this name or from this address.
    case authLocked(retryAfterSeconds: Int)
    /// The role or department may not do this.
    case forbidden(String)

    // The direct line.
    /// No thread with this code (the citizen's view).
    case threadNotFound
    /// No thread with this id that this staff user may see (it may have been routed to another department).
    case caseNotFound
    /// The status change is not allowed from the thread's status.
    case invalidTransition(from: String, action: String)
    /// A field of a new thread or message breaks a rule; the text names the field and what it must be.
    case invalidThread(String)
    /// The text contains a word the office does not accept.
    case blockedWord
    /// The same citizen sent the same text within the last 24 hours.
    case duplicateText
    /// Assigning to a user who does not exist or is disabled.
    case userNotFound(String)
    /// Assigning to a user who may not handle letters of the thread's department (a moderator, an admin, staff of
    /// another department).
    case assigneeNotEligible(String)
    /// Claiming a letter someone else handles: assign it instead, or ask them.
    case alreadyClaimed(by: String)

    // Moderation.
    /// The public version's status does not allow this.
    case invalidModeration(from: String, action: String)
    /// Another moderator has the item open.
    case itemLocked(by: String)
    /// A public version of a letter whose writer did not agree to publication.
    case publicationNotAgreed
    /// A public version of a letter the office has not answered yet (the official reply comes first).
    case notYetAnswered
    /// No public version with this id.
    case publicVersionNotFound
    /// No follow-up with this id in the user's departments, or a rating that has changed since it was listed.
    case followUpNotFound
    /// The follow-up's outcome was recorded already.
    case followUpRecorded
    /// Routing to a department that does not exist.
    case departmentNotFound(String)
    /// A canned reply that does not exist (or was deleted already).
    case cannedReplyNotFound(Int64)
    /// Adding an account whose name is taken.
    case userExists(String)

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
        case .unknownMessageType: "request.unknown_type"
        case .tooManyTopics: "limit.topics"
        case .unknownTopic: "topic.not_found"
        case .authRequired: "auth.required"
        case .authFailed: "auth.failed"
        case .authLocked: "auth.locked"
        case .forbidden: "auth.forbidden"
        case .threadNotFound, .caseNotFound: "thread.not_found"
        case .invalidTransition: "thread.invalid_transition"
        case .invalidThread: "thread.invalid"
        case .blockedWord: "thread.blocked"
        case .duplicateText: "thread.duplicate"
        case .userNotFound: "user.not_found"
        case .assigneeNotEligible: "assign.not_eligible"
        case .alreadyClaimed: "thread.claimed"
        case .invalidModeration: "moderation.invalid_transition"
        case .itemLocked: "moderation.locked"
        case .publicationNotAgreed: "public.no_consent"
        case .notYetAnswered: "public.not_answered"
        case .publicVersionNotFound: "public.not_found"
        case .followUpNotFound: "followup.not_found"
        case .followUpRecorded: "followup.recorded"
        case .departmentNotFound: "department.not_found"
        case .cannedReplyNotFound: "canned.not_found"
        case .userExists: "user.exists"
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
        case .unknownMessageType(let type):
            "Unknown message type \"\(type)\"; type must be one of subscribe, unsubscribe, rate, withdraw, like, post, typing, read, ping."
        case .tooManyTopics(let limit): "Too many topics on one connection; at most \(limit)."
        case .unknownTopic(let topic): "No such topic \"\(topic)\"."
        case .authRequired: "Sign in first."
        case .authFailed: "The user name or the password is wrong."
        case .authLocked(let seconds): "Too many failed sign-ins; try again in \((seconds + 59) / 60) min."
        case .forbidden(let what): "Your role may not \(what)."
        case .threadNotFound: "There is no such letter; check the query code."
        case .caseNotFound: "This letter is not in your departments (it may have been passed to another department)."
        case .invalidTransition(let from, let action): "A letter that is \(from) cannot be \(action)."
        case .invalidThread(let problem): "\(problem)."
        case .blockedWord: "The text contains words that cannot be accepted; please rephrase it."
        case .duplicateText: "You sent the same text a moment ago; it has been received."
        case .userNotFound(let name): "There is no active user \"\(name)\"."
        case .assigneeNotEligible(let name): "\(name) cannot handle letters of this department."
        case .alreadyClaimed(let name): "\(name) already handles this letter; assign it instead, or ask them."
        case .invalidModeration(let from, let action): "A public version that is \(from) cannot be \(action)."
        case .itemLocked(let name): "\(name) has this item open; it is theirs to decide until they close it."
        case .publicationNotAgreed: "The writer of this letter did not agree to publication; it cannot have a public version."
        case .notYetAnswered: "Answer the letter first; its public version carries the official reply."
        case .publicVersionNotFound: "There is no such public version."
        case .followUpNotFound: "There is no such follow-up in your departments, or the rating has changed since; reload the list."
        case .followUpRecorded: "This follow-up's outcome was recorded already."
        case .departmentNotFound(let id): "There is no department \"\(id)\"."
        case .cannedReplyNotFound(let id): "There is no canned reply \(id); it may have been deleted already."
        case .userExists(let name): "A user named \"\(name)\" already exists."
        }
    }
}

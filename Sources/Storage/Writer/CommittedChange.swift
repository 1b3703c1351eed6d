/// A change the single writer committed, as data: the command and what committing it did. The application's
/// `LiveChanges.apply` turns it into what the live state and the watchers must hear of, whichever node committed it;
/// on PostgreSQL the writer also records it in the change feed (`ChangeFeed`) for the other nodes.
package enum CommittedChange: Sendable, Codable {
    /// A citizen's rating, withdrawal or like.
    case write(WriteCommand, WriteReceipt)
    /// A command of the direct line, of moderation, of the openness pages, of staff identity or of the admin console.
    case office(OfficeCommand, OfficeReceipt)

    /// Whether other nodes need to hear of it: what changes live state (tallies, threads, inboxes, the queue, the
    /// board, screening words). Sessions, passwords and accounts are read from the database at every use, and carry
    /// token and password hashes that have no business in the feed; canned replies are read when asked for.
    package var isLive: Bool {
        switch self {
        case .write: true
        case .office(let command, _):
            switch command {
            case .openThread, .citizenMessage, .staffMessage, .act, .markRead, .rateAnswer, .recordFollowUp,
                 .submitPublicVersion, .holdPublicVersion, .moderate:
                true
            case .admin(_, let change, _):
                switch change {
                case .addWordRule, .removeWordRule: true
                case .addUser, .setDisabled, .setPassword, .putDepartment: false
                }
            case .createSession, .touchSession, .revokeSession, .changePassword, .addCannedReply, .deleteCannedReply:
                false
            }
        }
    }
}

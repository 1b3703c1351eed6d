/// Every action a person can take on the direct line (PROTOCOL.md's "Roles and actions" table).
package enum DirectLineAction: String, Sendable, CaseIterable {
    case seeInbox, readThread, reply, addNote, claim, assign, route, changeStatus, readCanned, manageCanned, listUsers
    /// Issue 10: public versions and their moderation, follow-ups, administration.
    case writePublicVersion, seeModerationQueue, moderate, seeFollowUps, recordFollowUp
    case manageUsers, manageDepartments, manageWordRules

    /// Whether the action is about one thread, so that its department decides.
    package var isAboutOneThread: Bool {
        switch self {
        case .readThread, .reply, .addNote, .claim, .assign, .route, .changeStatus, .writePublicVersion, .recordFollowUp: true
        case .seeInbox, .readCanned, .manageCanned, .listUsers, .seeModerationQueue, .moderate, .seeFollowUps, .manageUsers,
             .manageDepartments, .manageWordRules: false
        }
    }

    /// Completes "Your role may not …".
    package var verbPhrase: String {
        switch self {
        case .seeInbox: "see the inbox"
        case .readThread: "read this letter"
        case .reply: "reply to this letter"
        case .addNote: "add notes to this letter"
        case .claim: "claim this letter"
        case .assign: "assign this letter"
        case .route: "route this letter"
        case .changeStatus: "change this letter's status"
        case .readCanned: "read canned replies"
        case .manageCanned: "manage canned replies"
        case .listUsers: "list users"
        case .writePublicVersion: "write a public version of this letter"
        case .seeModerationQueue: "see the moderation queue"
        case .moderate: "moderate public versions"
        case .seeFollowUps: "see follow-ups"
        case .recordFollowUp: "record this follow-up"
        case .manageUsers: "manage users"
        case .manageDepartments: "manage departments"
        case .manageWordRules: "manage word rules"
        }
    }
}

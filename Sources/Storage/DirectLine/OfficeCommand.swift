import Domain

/// Who read a thread up to a sequence number.
package enum ThreadReader: String, Sendable, Equatable, Codable {
    case citizen, staff
}

/// A write of the direct line or of staff identity, as the application hands it to the single writer
/// (`StoreWriter.submit(_:completion:)`). Access is checked inside the transaction, against the thread as it is then
/// (a thread routed away a moment ago is no longer this staff member's to answer).
package enum OfficeCommand: Sendable, Codable {
    /// A citizen opens a thread. `department`: nil routes it to the triage department (the mayor's office reads every
    /// letter first and routes it on). `held`: the screening word that holds it for review.
    case openThread(citizen: CitizenID, clientID: String, draft: ThreadDraft, code: QueryCode, department: String?,
                    held: String?, at: Int64)
    /// A citizen writes in a thread they have the code of.
    case citizenMessage(citizen: CitizenID, code: String, clientID: String, body: String, at: Int64)
    /// Staff reply (`note == false`) or add an internal note.
    case staffMessage(staff: StaffPrincipal, thread: Int64, clientID: String, body: String, note: Bool, at: Int64)
    /// Staff claim, assign, route or change the status of a thread.
    case act(staff: StaffPrincipal, thread: Int64, clientID: String, action: ThreadAction, at: Int64)
    /// The citizen (by code) or staff (by id) have read the thread up to `seq`.
    case markRead(code: String?, thread: Int64?, by: ThreadReader, seq: Int64, staff: StaffPrincipal?)

    /// A login: a new session for `user`, stored by the SHA-256 of its token.
    case createSession(user: Int64, tokenHash: [UInt8], address: String?, at: Int64)
    /// A request on a live session (written at most once a minute per session by the application).
    case touchSession(tokenHash: [UInt8], at: Int64)
    case revokeSession(tokenHash: [UInt8], at: Int64)
    /// A password change from the console: every session of the user ends, and `newSession` begins.
    case changePassword(user: Int64, passwordHash: String, newSession: [UInt8], at: Int64)

    case addCannedReply(staff: StaffPrincipal, department: String, title: String, body: String, at: Int64)
    case deleteCannedReply(staff: StaffPrincipal, id: Int64, at: Int64)

    // Issue 10: public versions, moderation, satisfaction, follow-ups.
    /// Staff submit a public version of a letter the citizen agreed to publish: a new revision for the moderators.
    case submitPublicVersion(staff: StaffPrincipal, thread: Int64, clientID: String, question: String, answer: String, at: Int64)
    /// A moderator opens (takes or renews the hold on) or closes a waiting public version.
    case holdPublicVersion(moderator: StaffPrincipal, version: Int64, release: Bool, at: Int64)
    /// A moderator approves (perhaps edited), rejects or withdraws a public version.
    case moderate(moderator: StaffPrincipal, version: Int64, clientID: String, decision: ModerationDecision, at: Int64)
    /// The citizen (by code) rates the answer; a rating of 1 or 2 opens a follow-up.
    case rateAnswer(code: String, level: SatisfactionLevel, at: Int64)
    /// Staff record what following up a low rating came to.
    case recordFollowUp(staff: StaffPrincipal, target: FollowUpTarget, contacted: Bool, outcome: String, at: Int64)
    /// An admin manages accounts, departments and word rules from the console.
    case admin(admin: StaffPrincipal, change: AdminChange, at: Int64)
}

/// What an admin changes (the password arrives hashed: hashing is slow and never runs on the writer).
package enum AdminChange: Sendable, Equatable, Codable {
    case addUser(name: String, displayName: String?, role: StaffRole, departments: [String], passwordHash: String)
    case setDisabled(name: String, disabled: Bool)
    case setPassword(name: String, passwordHash: String)
    /// Adds a department, or renames one added in the console (the file's are the file's to name).
    case putDepartment(id: String, name: LocalizedText)
    case addWordRule(word: String, action: WordRule.Action)
    case removeWordRule(word: String)
}

/// A screening word an admin added in the console.
package struct WordRule: Sendable, Equatable, Codable {
    package enum Action: String, Sendable, Codable { case block, hold }
    package var word: String
    package var action: Action
    package var addedBy: String
    package var addedAt: Int64

    package init(word: String, action: Action, addedBy: String, addedAt: Int64) {
        self.word = word
        self.action = action
        self.addedBy = addedBy
        self.addedAt = addedAt
    }
}

/// Which follow-up: a letter's (its row) or a project rating's (the rating, as it was when listed).
package enum FollowUpTarget: Sendable, Equatable, Codable {
    case letter(id: Int64)
    case rating(citizen: Int64, project: String, ratedAt: Int64)
}

/// The answer to one `OfficeCommand`.
package enum OfficeOutcome: Sendable, Equatable {
    /// Committed: tell the thread's watchers and the inboxes.
    case applied(OfficeReceipt)
    /// The same client id from the same person was applied before: the original result; nothing changed.
    case duplicate(OfficeReceipt)
    /// Nothing was stored.
    case rejected(DomainError)
}

/// What a committed office command did.
package struct OfficeReceipt: Sendable, Equatable, Codable {
    /// The thread as the command left it.
    package var thread: ThreadRecord?
    /// The entries the command added (in `seq` order).
    package var entries: [EntryRecord]
    /// The thread's status, department and assignee before the command (to tell inboxes what moved).
    package var previous: ThreadState?
    package var cannedReply: CannedReply?
    /// `markRead`: the new read mark (nil when it did not move).
    package var readSeq: Int64?
    /// `markRead`: who read.
    package var readBy: ThreadReader?
    /// A public version a command made or changed, as it is now.
    package var publicVersion: PublicVersionRecord?
    /// A pending revision the submission superseded (it leaves the queue), as it is now.
    package var superseded: PublicVersionRecord?
    /// The moderation queue after a command that changed it.
    package var queue: QueueState?
    /// A follow-up a command opened or recorded.
    package var followUp: FollowUpRecord?
    /// An account an admin added or changed.
    package var user: StaffUserRecord?

    package init(thread: ThreadRecord? = nil, entries: [EntryRecord] = [], previous: ThreadState? = nil,
                 cannedReply: CannedReply? = nil, readSeq: Int64? = nil, readBy: ThreadReader? = nil,
                 publicVersion: PublicVersionRecord? = nil, superseded: PublicVersionRecord? = nil, queue: QueueState? = nil,
                 followUp: FollowUpRecord? = nil, user: StaffUserRecord? = nil) {
        self.readBy = readBy
        self.user = user
        self.publicVersion = publicVersion
        self.superseded = superseded
        self.queue = queue
        self.followUp = followUp
        self.thread = thread
        self.entries = entries
        self.previous = previous
        self.cannedReply = cannedReply
        self.readSeq = readSeq
    }
}

package struct CannedReply: Sendable, Equatable, Codable {
    package var id: Int64
    package var department: String
    package var title: String
    package var body: String
}

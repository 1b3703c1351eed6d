import Domain

/// One revision of a thread's public version, with what the queue, the console and the board need of its thread.
package struct PublicVersionRecord: Sendable, Equatable, Codable {
    package var id: Int64
    package var thread: Int64
    package var revision: Int64
    /// The staff member who wrote it: user name and display name.
    package var author: String
    package var authorName: String
    /// The texts as submitted (never changed).
    package var question: String
    package var answer: String
    package var submittedAt: Int64
    package var status: PublicVersionStatus
    /// The texts as approved (a moderator's edit, or the same); set once approved, kept after a withdrawal.
    package var publishedQuestion: String?
    package var publishedAnswer: String?
    package var publishedAt: Int64?
    /// Who has it open, and until when (a lapsed hold is as none), and the holder's display name.
    package var hold: ModerationLock?
    package var holdName: String?
    // The thread's facts.
    package var threadKind: ThreadKind
    package var department: String
    /// The linked project's slug.
    package var project: String?
    /// When the office first answered the letter (the official reply's date).
    package var answeredAt: Int64?
    /// The latest decision on this revision, if any.
    package var decision: ModerationDecisionRecord?

    /// The columns `init(row:)` reads, in order, from `public_version v` joined with its thread, author, holder,
    /// project and latest decision.
    static let selection = """
        v.id, v.thread, v.revision, a.name, a.display_name, v.question, v.answer, v.submitted_at, v.status,
        v.published_question, v.published_answer, v.published_at, h.name, v.hold_until, t.kind, t.department, p.slug,
        t.first_answer_at, d.id, d.action, m.name, m.display_name, d.category, d.note, d.at, h.display_name
        FROM public_version v
        JOIN thread t ON t.id = v.thread
        JOIN staff_user a ON a.id = v.author
        LEFT JOIN staff_user h ON h.id = v.hold_by
        LEFT JOIN project p ON p.id = t.project
        LEFT JOIN moderation_decision d ON d.id = (SELECT max(id) FROM moderation_decision WHERE version = v.id)
        LEFT JOIN staff_user m ON m.id = d.moderator
        """

    init(row: SQLRow) {
        id = row[0]
        thread = row[1]
        revision = row[2]
        author = row[3]
        authorName = row[4]
        question = row[5]
        answer = row[6]
        submittedAt = row[7]
        status = PublicVersionStatus(rawValue: row[8]) ?? .pending
        publishedQuestion = row[9]
        publishedAnswer = row[10]
        publishedAt = row[11]
        let holder: String? = row[12]
        let until: Int64? = row[13]
        hold = holder.flatMap { holder in until.map { ModerationLock(holder: holder, expiresAt: $0) } }
        holdName = row[25]
        threadKind = ThreadKind(rawValue: row[14]) ?? .enquiry
        department = row[15]
        project = row[16]
        answeredAt = row[17]
        if let decisionID: Int64 = row[18] {
            decision = ModerationDecisionRecord(
                id: decisionID, version: id, action: ModerationDecisionRecord.Action(rawValue: row[19]) ?? .approved,
                moderator: row[20], moderatorName: row[21], category: (row[22] as String?).flatMap(ModerationCategory.init(rawValue:)),
                note: row[23], at: row[24])
        }
    }

}

/// A moderator's decision on a public version.
package struct ModerationDecisionRecord: Sendable, Equatable, Codable {
    package enum Action: String, Sendable, Codable {
        case approved, edited, rejected, withdrawn
    }

    package var id: Int64
    package var version: Int64
    package var action: Action
    package var moderator: String
    package var moderatorName: String
    package var category: ModerationCategory?
    package var note: String?
    package var at: Int64
}

/// What a moderator decides, as the application hands it over.
package enum ModerationDecision: Sendable, Equatable, Codable {
    /// Approve; `question` and `answer` are the moderator's edits (nil: as submitted).
    case approve(question: String?, answer: String?)
    case reject(ModerationCategory, note: String)
    case withdraw(ModerationCategory, note: String)
}

/// The moderation queue after a command: how many wait, and since when the oldest has.
package struct QueueState: Sendable, Equatable, Codable {
    package var depth: Int
    package var oldestSubmittedAt: Int64?

    package init(depth: Int, oldestSubmittedAt: Int64?) {
        self.depth = depth
        self.oldestSubmittedAt = oldestSubmittedAt
    }
}

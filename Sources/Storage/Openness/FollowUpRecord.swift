import Domain

/// A rating of 1 or 2 its department must act on: of an answer (a letter's follow-up row) or of a project (the rating
/// itself, until the outcome is recorded).
package struct FollowUpRecord: Sendable, Equatable, Codable {
    package enum Kind: String, Sendable, Codable {
        case letter, rating
    }

    package var kind: Kind
    /// The follow-up's row: a letter's always; a rating's once recorded.
    package var id: Int64?
    /// A letter's: its thread, code and subject.
    package var thread: Int64?
    package var code: String?
    package var subject: String?
    /// A rating's: the citizen's row id (never their token), the project and the suggestion left with the rating.
    package var citizen: Int64?
    package var project: String?
    package var suggestion: String?
    package var department: String
    package var level: Int
    /// When the low rating was given: the deadline is counted from here.
    package var openedAt: Int64
    package var contacted: Bool?
    package var outcome: String?
    package var recordedBy: String?
    package var recordedAt: Int64?

    package var isOpen: Bool { recordedAt == nil }

    /// A letter's follow-up, from `follow_up f` joined with its thread and recorder (`letterSelection`).
    init(letter row: SQLRow) {
        kind = .letter
        id = row[0]
        thread = row[1]
        code = row[2]
        subject = row[3]
        department = row[4]
        level = row[5]
        openedAt = row[6]
        contacted = (row[7] as Int64?).map { $0 == 1 }
        outcome = row[8]
        recordedBy = row[9]
        recordedAt = row[10]
    }


    static let letterSelection = """
        f.id, f.thread, t.code, t.subject, f.department, f.level, f.opened_at, f.contacted, f.outcome, u.name, f.recorded_at
        FROM follow_up f JOIN thread t ON t.id = f.thread LEFT JOIN staff_user u ON u.id = f.recorded_by
        """

    package init(kind: Kind, id: Int64?, thread: Int64? = nil, code: String? = nil, subject: String? = nil,
                 citizen: Int64? = nil, project: String? = nil, suggestion: String? = nil, department: String, level: Int,
                 openedAt: Int64, contacted: Bool? = nil, outcome: String? = nil, recordedBy: String? = nil, recordedAt: Int64? = nil) {
        self.kind = kind
        self.id = id
        self.thread = thread
        self.code = code
        self.subject = subject
        self.citizen = citizen
        self.project = project
        self.suggestion = suggestion
        self.department = department
        self.level = level
        self.openedAt = openedAt
        self.contacted = contacted
        self.outcome = outcome
        self.recordedBy = recordedBy
        self.recordedAt = recordedAt
    }
}

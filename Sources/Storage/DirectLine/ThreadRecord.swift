import Domain
import Foundation

/// A thread as stored, with what staff may see (`contact`, `assignee`, …); the application decides what a citizen sees.
package struct ThreadRecord: Sendable, Equatable, Codable {
    package var id: Int64
    package var code: String
    package var kind: ThreadKind
    package var subject: String
    package var status: ThreadStatus
    package var invalidReason: String?
    package var department: String
    /// The assignee's user name.
    package var assignee: String?
    /// The linked project's slug.
    package var project: String?
    package var contact: String?
    package var publish: Bool
    /// The screening word that held it for review, if one did.
    package var held: String?
    package var createdAt: Int64
    package var updatedAt: Int64
    package var firstAnswerAt: Int64?
    package var lastSeq: Int64
    package var citizenReadSeq: Int64
    package var staffReadSeq: Int64
    /// The citizen's row id (never shown; tells which citizen's pages to notify).
    package var citizen: Int64
    /// The start of the newest message (citizen's or staff's), for the inbox: at most `previewLength` characters.
    package var preview: String?
    /// When staff first took the letter up (claim, assignment, route or reply).
    package var firstResponseAt: Int64?
    /// The citizen's rating of the answer, if given.
    package var satisfaction: SatisfactionLevel?

    /// Characters of a preview.
    package static let previewLength = 120

    package var state: ThreadState {
        ThreadState(status: status, department: department, assignee: assignee, invalidReason: invalidReason)
    }

    /// The thread after a command that moved it to `state` and added `entry` (what a re-read would return; the
    /// writer saves the read).
    func after(_ state: ThreadState, entry: EntryRecord) -> ThreadRecord {
        var thread = self
        thread.status = state.status
        thread.department = state.department
        thread.assignee = state.assignee
        thread.invalidReason = state.invalidReason
        thread.lastSeq = entry.seq
        thread.updatedAt = max(thread.updatedAt, entry.at)
        if entry.kind == .citizen || entry.kind == .staff, let body = entry.body {
            thread.preview = String(String.UnicodeScalarView(body.unicodeScalars.prefix(Self.previewLength)))
        }
        return thread
    }

    /// The columns `init(row:)` reads, in order, from `thread t` joined with its assignee and project.
    static let selection = """
        t.id, t.code, t.kind, t.subject, t.status, t.invalid_reason, t.department, u.name, p.slug, t.contact,
        t.publish, t.held, t.created_at, t.updated_at, t.first_answer_at, t.last_seq, t.citizen_read_seq,
        t.staff_read_seq, t.citizen,
        (SELECT substr(e.body, 1, 120) FROM thread_entry e WHERE e.thread = t.id AND e.kind IN ('citizen', 'staff')
         ORDER BY e.seq DESC LIMIT 1),
        t.first_response_at, t.satisfaction
        FROM thread t LEFT JOIN staff_user u ON u.id = t.assignee LEFT JOIN project p ON p.id = t.project
        """

    init(row: SQLRow) {
        id = row[0]
        code = row[1]
        kind = ThreadKind(rawValue: row[2]) ?? .enquiry
        subject = row[3]
        status = ThreadStatus(rawValue: row[4]) ?? .new
        invalidReason = row[5]
        department = row[6]
        assignee = row[7]
        project = row[8]
        contact = row[9]
        publish = row[10]
        held = row[11]
        createdAt = row[12]
        updatedAt = row[13]
        firstAnswerAt = row[14]
        lastSeq = row[15]
        citizenReadSeq = row[16]
        staffReadSeq = row[17]
        citizen = row[18]
        preview = row[19]
        firstResponseAt = row[20]
        satisfaction = (row[21] as Int?).flatMap(SatisfactionLevel.init(rawValue:))
    }

}

/// One entry of a thread: something said (by the citizen, by staff, or an internal note) or done (an event).
package struct EntryRecord: Sendable, Equatable, Codable {
    package enum Kind: String, Sendable, Codable {
        case citizen, staff, note, event
    }

    package var thread: Int64
    package var seq: Int64
    package var kind: Kind
    package var body: String?
    /// The staff member's user name (staff replies, notes, events done by staff).
    package var author: String?
    /// The author's display name.
    package var authorDisplayName: String?
    package var clientID: String?
    package var event: ThreadEventRecord?
    package var at: Int64

    /// Whether a citizen sees it: what was said to them, and status changes (without their note).
    package var visibleToCitizen: Bool {
        switch kind {
        case .citizen, .staff: true
        case .note: false
        case .event: event?.kind == .status
        }
    }

    static let selection = """
        e.thread, e.seq, e.kind, e.body, u.name, u.display_name, e.client_id, e.event, e.created_at
        FROM thread_entry e LEFT JOIN staff_user u ON u.id = e.author
        """

    init(row: SQLRow) {
        thread = row[0]
        seq = row[1]
        kind = Kind(rawValue: row[2]) ?? .note
        body = row[3]
        author = row[4]
        authorDisplayName = row[5]
        clientID = row[6]
        let eventJSON: String? = row[7]
        event = eventJSON.flatMap { ThreadEventRecord.decode($0) }
        at = row[8]
    }


    package init(thread: Int64, seq: Int64, kind: Kind, body: String?, author: String?, authorDisplayName: String?,
                 clientID: String?, event: ThreadEventRecord?, at: Int64) {
        self.thread = thread
        self.seq = seq
        self.kind = kind
        self.body = body
        self.author = author
        self.authorDisplayName = authorDisplayName
        self.clientID = clientID
        self.event = event
        self.at = at
    }
}

extension ThreadEventRecord {
    /// The stored form: the record as a small JSON object.
    func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func decode(_ text: String) -> ThreadEventRecord? {
        try? JSONDecoder().decode(ThreadEventRecord.self, from: Data(text.utf8))
    }
}

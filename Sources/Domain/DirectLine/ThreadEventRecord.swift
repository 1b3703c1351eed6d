/// An `event` entry of a thread: a change that is not a message (PROTOCOL.md "Threads", entries).
package struct ThreadEventRecord: Sendable, Equatable, Codable {
    package enum Kind: String, Sendable, Codable {
        /// Claimed by or assigned to `assignee`.
        case assigned
        /// Routed to `department`, with an optional `note`.
        case routed
        /// The status became `status`; `note` is the reason for `invalid`.
        case status
        /// The citizen rated the answer `level` (1…5).
        case rated
    }

    package var kind: Kind
    /// For `.status`.
    package var status: ThreadStatus?
    /// For `.assigned`.
    package var assignee: String?
    /// For `.routed`.
    package var department: String?
    /// The route note or the invalid reason; shown to staff only.
    package var note: String?
    /// For `.rated`.
    package var level: Int?

    package init(
        kind: Kind,
        status: ThreadStatus? = nil,
        assignee: String? = nil,
        department: String? = nil,
        note: String? = nil,
        level: Int? = nil
    ) {
        self.kind = kind
        self.status = status
        self.assignee = assignee
        self.department = department
        self.note = note
        self.level = level
    }

    package static func assigned(_ assignee: String) -> ThreadEventRecord {
        ThreadEventRecord(kind: .assigned, assignee: assignee)
    }

    package static func routed(to department: String, note: String?) -> ThreadEventRecord {
        ThreadEventRecord(kind: .routed, department: department, note: note)
    }

    package static func rated(_ level: SatisfactionLevel) -> ThreadEventRecord {
        ThreadEventRecord(kind: .rated, level: level.rawValue)
    }

    package static func status(_ status: ThreadStatus, note: String? = nil) -> ThreadEventRecord {
        ThreadEventRecord(kind: .status, status: status, note: note)
    }
}

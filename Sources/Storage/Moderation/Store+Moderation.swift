import Domain

/// A place in a list ordered newest first by a time and then an id: the last row of the previous page. Opaque to
/// clients (`"<at>.<id>"`).
package struct PageCursor: Sendable, Equatable {
    package var at: Int64
    package var id: Int64

    package init(at: Int64, id: Int64) {
        self.at = at
        self.id = id
    }

    package init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let at = Int64(parts[0]), let id = Int64(parts[1]) else { return nil }
        self.init(at: at, id: id)
    }

    package var text: String { "\(at).\(id)" }
}

/// One entry of the public moderation log: what was decided, why in general terms, and when — no text, no name.
package struct ModerationLogEntry: Sendable, Equatable {
    package var id: Int64
    package var action: ModerationDecisionRecord.Action
    package var category: ModerationCategory?
    package var department: String
    package var kind: ThreadKind
    package var at: Int64
}

/// One line of an item's audit history (staff and moderators only): who did what, when, and the texts before and after.
package struct AuditRecord: Sendable, Equatable {
    package var at: Int64
    package var actor: String
    package var action: String
    /// The JSON detail as stored.
    package var detail: String?
}

extension Store {
    package func publicVersion(id: Int64) throws -> PublicVersionRecord? {
        try read { db in
            try db.row("SELECT \(PublicVersionRecord.selection) WHERE v.id = ?1", id).map(PublicVersionRecord.init(row:))
        }
    }

    /// Every revision of a thread's public version, newest first.
    package func publicVersions(thread: Int64) throws -> [PublicVersionRecord] {
        try read { db in
            try db.rows("SELECT \(PublicVersionRecord.selection) WHERE v.thread = ?1 ORDER BY v.revision DESC", thread)
                .map(PublicVersionRecord.init(row:))
        }
    }

    /// The moderation queue: waiting versions, oldest first (at most `limit`), and how many wait in all.
    package func moderationQueue(limit: Int = 200) throws -> (items: [PublicVersionRecord], state: QueueState) {
        try read { db in
            let items = try db.rows("""
                SELECT \(PublicVersionRecord.selection) WHERE v.status = 'pending' ORDER BY v.submitted_at, v.id LIMIT ?1
                """, Self.limitArgument(limit)).map(PublicVersionRecord.init(row:))
            let row = try db.row("SELECT count(*), min(submitted_at) FROM public_version WHERE status = 'pending'")
            return (items, QueueState(depth: row?[0] ?? 0, oldestSubmittedAt: row?[1]))
        }
    }

    /// The public message board: approved versions, newest publication first, of a department and a project if given.
    package func board(department: String? = nil, project: String? = nil, before: PageCursor? = nil, limit: Int = 20)
        throws -> [PublicVersionRecord] {
        var conditions = ["v.status = 'approved'"]
        var arguments: [SQLValue] = []
        /// The next parameter, bound to `value`: `?1`, `?2` …
        func parameter(_ value: some SQLBindable) -> String {
            arguments.append(value.sqlValue)
            return "?\(arguments.count)"
        }
        if let department { conditions.append("t.department = \(parameter(department))") }
        if let project { conditions.append("p.slug = \(parameter(project))") }
        if let before {
            let at = parameter(before.at)
            conditions.append("(v.published_at < \(at) OR v.published_at = \(at) AND v.id < \(parameter(before.id)))")
        }
        let limit = parameter(max(1, min(limit, 200)))
        let sql = """
            SELECT \(PublicVersionRecord.selection) WHERE \(conditions.joined(separator: " AND "))
            ORDER BY v.published_at DESC, v.id DESC LIMIT \(limit)
            """
        return try read { db in
            try db.rows(sql, arguments).map(PublicVersionRecord.init(row:))
        }
    }

    /// Versions whose latest decision — an approval or a withdrawal — came after decision `after`, in decision order
    /// (the board's live feed: each version once, as it stands now).
    package func boardChanges(after decision: Int64, limit: Int = 200) throws -> [PublicVersionRecord] {
        try read { db in
            try db.rows("""
                SELECT \(PublicVersionRecord.selection)
                WHERE d.id > ?1 AND d.action IN ('approved', 'edited', 'withdrawn') ORDER BY d.id LIMIT ?2
                """, decision, Self.limitArgument(limit)).map(PublicVersionRecord.init(row:))
        }
    }

    /// The newest decision's id: where the board's live feed starts.
    package func lastDecision() throws -> Int64 {
        try read { db in try db.value(Int64.self, "SELECT max(id) FROM moderation_decision") ?? 0 }
    }

    /// The public moderation log, newest first.
    package func moderationLog(before: Int64? = nil, limit: Int = 50) throws -> [ModerationLogEntry] {
        try read { db in
            try db.rows("""
                SELECT d.id, d.action, d.category, t.department, t.kind, d.at
                FROM moderation_decision d JOIN public_version v ON v.id = d.version JOIN thread t ON t.id = v.thread
                WHERE d.id < ?1 ORDER BY d.id DESC LIMIT ?2
                """, before ?? Int64.max, max(1, min(limit, 200))).map { row in
                    ModerationLogEntry(id: row[0], action: ModerationDecisionRecord.Action(rawValue: row[1]) ?? .approved,
                                       category: (row[2] as String?).flatMap(ModerationCategory.init(rawValue:)),
                                       department: row[3], kind: ThreadKind(rawValue: row[4]) ?? .enquiry, at: row[5])
                }
        }
    }

    /// The audit history of a thread's public versions, oldest first: submissions and decisions with their texts.
    package func publicHistory(thread: Int64) throws -> [AuditRecord] {
        try read { db in
            let subjects = try db.values(Int64.self, "SELECT id FROM public_version WHERE thread = ?1", [thread.sqlValue])
                .map { "public:\($0)" }
            guard !subjects.isEmpty else { return [] }
            let parameters = subjects.indices.map { "?\($0 + 1)" }.joined(separator: ", ")
            return try db.rows("""
                SELECT at, actor, action, detail FROM audit_entry
                WHERE subject IN (\(parameters)) ORDER BY id
                """, subjects.map(\.sqlValue)).map { AuditRecord(at: $0[0], actor: $0[1], action: $0[2], detail: $0[3]) }
        }
    }
}

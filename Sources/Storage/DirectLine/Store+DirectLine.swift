import Domain

/// A department of the office (config/departments.yaml).
package struct DepartmentRecord: Sendable, Equatable {
    package var id: String
    package var name: LocalizedText
    /// The mayor's office: it triages, and its staff see every thread.
    package var triage: Bool
    /// The admin who added it on /admin; nil for the departments file's (those are renamed in the file).
    package var addedBy: String?

    /// 1 to 64 lower-case letters, digits or '-' (as the schema checks).
    package static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 64
            && id.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d }
    }

    package init(id: String, name: LocalizedText, triage: Bool, addedBy: String? = nil) {
        self.id = id
        self.name = name
        self.triage = triage
        self.addedBy = addedBy
    }
}

/// Which threads a staff inbox lists.
package struct ThreadFilter: Sendable, Equatable {
    package var status: ThreadStatus?
    package var department: String?
    package var kind: ThreadKind?
    /// Only threads assigned to this user name.
    package var assignee: String?
    /// Only threads held for review by screening.
    package var heldOnly = false
    /// Only letters that still owe an answer, the one due first first (by arrival: deadlines follow it); no paging.
    package var byDue = false
    /// Only threads after this one in the inbox's order (latest change first): the previous page's last.
    package var before: InboxCursor?
    package var limit: Int = 200

    package init(status: ThreadStatus? = nil, department: String? = nil, kind: ThreadKind? = nil, assignee: String? = nil, limit: Int = 200) {
        self.status = status
        self.department = department
        self.kind = kind
        self.assignee = assignee
        self.limit = limit
    }
}

/// A place in an inbox's order (latest change first): the thread a page ended with. Opaque to clients
/// (`"<updatedAt>.<id>"`).
package struct InboxCursor: Sendable, Equatable {
    package var updatedAt: Int64
    package var id: Int64

    package init(after thread: ThreadRecord) {
        updatedAt = thread.updatedAt
        id = thread.id
    }

    package init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let at = Int64(parts[0]), let id = Int64(parts[1]) else { return nil }
        updatedAt = at
        self.id = id
    }

    package var text: String { "\(updatedAt).\(id)" }
}

extension Store {
    package func departments() throws -> [DepartmentRecord] {
        try read { db in
            try db.rows("SELECT id, name_zh, name_en, triage, added_by FROM department ORDER BY position, id").map {
                DepartmentRecord(id: $0[0], name: LocalizedText(zh: $0[1], en: $0[2]), triage: $0[3], addedBy: $0[4])
            }
        }
    }

    /// Writes the departments (insert or update by id; departments missing from the list are kept: threads point
    /// at them). At most one may triage. A department the file now lists is the file's, even if an admin added it.
    package func importDepartments(_ departments: [DepartmentRecord]) throws {
        try write { db in
            for (position, department) in departments.enumerated() {
                try db.execute("""
                    INSERT INTO department (id, name_zh, name_en, triage, position) VALUES (?1, ?2, ?3, ?4, ?5)
                    ON CONFLICT (id) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en,
                        triage = excluded.triage, position = excluded.position, added_by = NULL
                    """, department.id, department.name.zh, department.name.en, department.triage, position)
            }
        }
    }

    package func thread(code: String) throws -> ThreadRecord? {
        try read { db in
            try db.row("SELECT \(ThreadRecord.selection) WHERE t.code = ?1", code).map(ThreadRecord.init(row:))
        }
    }

    package func thread(id: Int64) throws -> ThreadRecord? {
        try read { db in
            try db.row("SELECT \(ThreadRecord.selection) WHERE t.id = ?1", id).map(ThreadRecord.init(row:))
        }
    }

    /// A thread's entries with `seq` above `after`, in order (at most `limit`).
    package func entries(thread: Int64, after: Int64 = 0, limit: Int = 1_000) throws -> [EntryRecord] {
        try read { db in
            try db.rows("SELECT \(EntryRecord.selection) WHERE e.thread = ?1 AND e.seq > ?2 ORDER BY e.seq LIMIT ?3",
                        thread, after, Self.limitArgument(limit)).map(EntryRecord.init(row:))
        }
    }

    /// The threads a citizen opened, newest first.
    package func threads(citizen: CitizenID, limit: Int = 50) throws -> [ThreadRecord] {
        try read { db in
            try db.rows("""
                SELECT \(ThreadRecord.selection) WHERE t.citizen = (SELECT id FROM citizen WHERE token = ?1)
                ORDER BY t.id DESC LIMIT ?2
                """, citizen.rawValue, Self.limitArgument(limit)).map(ThreadRecord.init(row:))
        }
    }

    /// An inbox: the threads of `departments` (nil: every department) that match the filter, latest change first.
    package func threads(_ filter: ThreadFilter, departments: Set<String>?) throws -> [ThreadRecord] {
        var conditions: [String] = []
        var arguments: [SQLValue] = []
        /// The next parameter, bound to `value`: `?1`, `?2` …
        func parameter(_ value: some SQLBindable) -> String {
            arguments.append(value.sqlValue)
            return "?\(arguments.count)"
        }
        if let departments {
            guard !departments.isEmpty else { return [] }
            conditions.append("t.department IN (\(departments.sorted().map { parameter($0) }.joined(separator: ", ")))")
        }
        if let status = filter.status { conditions.append("t.status = \(parameter(status.rawValue))") }
        if let department = filter.department { conditions.append("t.department = \(parameter(department))") }
        if let kind = filter.kind { conditions.append("t.kind = \(parameter(kind.rawValue))") }
        if let assignee = filter.assignee { conditions.append("u.name = \(parameter(assignee))") }
        if filter.heldOnly { conditions.append("t.held IS NOT NULL") }
        if filter.byDue { conditions.append("t.first_answer_at IS NULL AND t.status NOT IN ('closed', 'invalid')") }
        if let before = filter.before {
            let at = parameter(before.updatedAt)
            conditions.append("(t.updated_at < \(at) OR t.updated_at = \(at) AND t.id < \(parameter(before.id)))")
        }
        let condition = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let limit = parameter(max(1, min(filter.limit, 1_000)))
        let order = filter.byDue ? "t.created_at, t.id" : "t.updated_at DESC, t.id DESC"
        let sql = "SELECT \(ThreadRecord.selection) \(condition) ORDER BY \(order) LIMIT \(limit)"
        return try read { db in
            try db.rows(sql, arguments).map(ThreadRecord.init(row:))
        }
    }

    package func cannedReplies(department: String?) throws -> [CannedReply] {
        try read { db in
            let sql = "SELECT id, department, title, body FROM canned_reply"
                + (department == nil ? "" : " WHERE department = ?1") + " ORDER BY department, title, id"
            return try db.rows(sql, department.map { [$0.sqlValue] } ?? []).map {
                CannedReply(id: $0[0], department: $0[1], title: $0[2], body: $0[3])
            }
        }
    }

    /// When each letter that still owes something arrived (`created_at`, oldest first): those not yet taken up owe a
    /// first response, the others an answer. Closed and invalid letters, and answered ones, owe nothing. For the
    /// metrics' overdue count, which the application works out on the calendar.
    package func owedLetterArrivals() throws -> (response: [Int64], answer: [Int64]) {
        try read { db in
            var response: [Int64] = []
            var answer: [Int64] = []
            try db.forEachRow("""
                SELECT created_at, first_response_at IS NULL FROM thread
                WHERE first_answer_at IS NULL AND status NOT IN ('closed', 'invalid') ORDER BY created_at
                """, []) { row in
                if row[1] as Bool { response.append(row[0]) } else { answer.append(row[0]) }
            }
            return (response, answer)
        }
    }

    /// Threads by status and whether they are invalid, for the operator and (next) the openness figures.
    package func threadCounts() throws -> [ThreadStatus: Int] {
        try read { db in
            var counts: [ThreadStatus: Int] = [:]
            for row in try db.rows("SELECT status, count(*) FROM thread GROUP BY status") {
                if let status = ThreadStatus(rawValue: row[0]) { counts[status] = row[1] }
            }
            return counts
        }
    }
}

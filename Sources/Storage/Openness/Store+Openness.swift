import Domain

extension Store {
    /// The facts of every letter received in `from..<to` (milliseconds; nil: unbounded), for the openness figures.
    /// Read row by row into the facts (a cursor reuses one row), not as a list of rows first: a period holds every
    /// letter of a campaign, and the figures are counted again as letters change.
    package func threadFacts(from: Int64? = nil, to: Int64? = nil) throws -> [ThreadFacts] {
        try read { db in
            var facts: [ThreadFacts] = []
            try db.forEachRow("""
                SELECT department, status, created_at, first_response_at, first_answer_at, satisfaction FROM thread
                WHERE created_at >= ?1 AND created_at < ?2
                """, [(from ?? Int64.min).sqlValue, (to ?? Int64.max).sqlValue]) { row in
                facts.append(ThreadFacts(department: row[0], status: ThreadStatus(rawValue: row[1]) ?? .new, receivedAt: row[2],
                                         firstResponseAt: row[3], firstAnswerAt: row[4],
                                         satisfaction: (row[5] as Int?).flatMap(SatisfactionLevel.init(rawValue:))))
            }
            return facts
        }
    }

    /// Suggestions left with ratings of a campaign's projects, and how many of the letters they became were answered
    /// (the end-of-campaign report).
    package func suggestionCounts(campaign: String) throws -> (received: Int, answered: Int) {
        try read { db in
            let row = try db.row("""
                SELECT count(*), count(t.first_answer_at) FROM thread t JOIN project p ON p.id = t.project
                WHERE p.campaign = ?1 AND t.kind = 'suggestion'
                """, campaign)
            return (row?[0] ?? 0, row?[1] ?? 0)
        }
    }

    /// Follow-ups of `departments` (nil: all): open ones (`open`), or recorded ones, oldest first. A project rating of
    /// 1 or 2 is open until an outcome is recorded for it as it stands (a new low rating opens a new one).
    package func followUps(departments: Set<String>?, open: Bool, limit: Int = 200) throws -> [FollowUpRecord] {
        // Only the departments asked for, in SQL, so that the limit counts theirs. An empty set matches no department
        // (one parameter, the empty id).
        let list = departments.map { Array($0).sorted() } ?? []
        let listed: [SQLValue] = departments == nil ? [] : (list.isEmpty ? [""] : list).map(\.sqlValue)
        /// `column` within the departments, their parameters numbered from `first`.
        func within(_ column: String, first: Int) -> String {
            departments == nil ? "true"
                : "\(column) IN (\(listed.indices.map { "?\(first + $0)" }.joined(separator: ", ")))"
        }
        let limitValue = Self.limitArgument(limit).sqlValue
        return try read { db in
            let triage = try db.value(String.self, "SELECT id FROM department WHERE triage = 1 ORDER BY position, id LIMIT 1") ?? ""
            // Equal times are listed by id (letters) or by key (ratings), alike in SQLite and PostgreSQL.
            var letters = try db.rows("""
                SELECT \(FollowUpRecord.letterSelection)
                WHERE f.thread IS NOT NULL AND f.recorded_at IS \(open ? "" : "NOT ")NULL AND \(within("f.department", first: 1))
                ORDER BY f.opened_at, f.id LIMIT ?\(listed.count + 1)
                """, listed + [limitValue]).map(FollowUpRecord.init(letter:))
            let ratings: [FollowUpRecord]
            if open {
                ratings = try db.rows("""
                    SELECT r.citizen, p.slug, r.suggestion, coalesce(d.id, ?1), r.level, r.updated_at
                    FROM rating r JOIN project p ON p.id = r.project LEFT JOIN department d ON d.name_zh = p.department_zh
                    WHERE r.level <= 2 AND \(within("coalesce(d.id, ?1)", first: 2)) AND NOT EXISTS (
                        SELECT 1 FROM follow_up f WHERE f.citizen = r.citizen AND f.project = r.project AND f.opened_at = r.updated_at)
                    ORDER BY r.updated_at, r.citizen, r.project LIMIT ?\(listed.count + 2)
                    """, [triage.sqlValue] + listed + [limitValue]).map { row in
                        FollowUpRecord(kind: .rating, id: nil, citizen: row[0], project: row[1], suggestion: row[2],
                                       department: row[3], level: row[4], openedAt: row[5])
                    }
            } else {
                ratings = try db.rows("""
                    SELECT f.id, f.citizen, p.slug, r.suggestion, f.department, f.level, f.opened_at, f.contacted, f.outcome,
                        u.name, f.recorded_at
                    FROM follow_up f JOIN project p ON p.id = f.project JOIN staff_user u ON u.id = f.recorded_by
                    LEFT JOIN rating r ON r.citizen = f.citizen AND r.project = f.project AND r.updated_at = f.opened_at
                    WHERE f.project IS NOT NULL AND \(within("f.department", first: 1)) ORDER BY f.recorded_at DESC, f.id DESC
                    LIMIT ?\(listed.count + 1)
                    """, listed + [limitValue]).map { row in
                        FollowUpRecord(kind: .rating, id: row[0], citizen: row[1], project: row[2], suggestion: row[3],
                                       department: row[4], level: row[5], openedAt: row[6], contacted: (row[7] as Int64?) == 1,
                                       outcome: row[8], recordedBy: row[9], recordedAt: row[10])
                    }
            }
            letters += ratings
            return open ? letters.sorted { $0.openedAt < $1.openedAt } : letters.sorted { ($0.recordedAt ?? 0) > ($1.recordedAt ?? 0) }
        }
    }
}

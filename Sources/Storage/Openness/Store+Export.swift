import Domain

extension Store {
    /// Rows as text, for an export: a header and one array per row, in the header's order.
    package struct ExportTable: Sendable {
        package var header: [String]
        package var rows: [[String]]
    }

    /// A campaign's ratings (no citizen ids unless `personal`), oldest first.
    package func exportRatings(campaign: String, personal: Bool) throws -> ExportTable {
        try read { db in
            // Ratings of the same moment and project are listed by citizen, alike in SQLite and PostgreSQL.
            let rows = try db.rows("""
                SELECT p.slug, r.level, r.suggestion, r.created_at, r.updated_at, c.token
                FROM rating r JOIN project p ON p.id = r.project JOIN citizen c ON c.id = r.citizen
                WHERE p.campaign = ?1 ORDER BY r.created_at, p.slug, r.citizen
                """, campaign)
            return ExportTable(
                header: ["project", "level", "suggestion", "rated_at", "updated_at"] + (personal ? ["citizen"] : []),
                rows: rows.map { row in
                    [row[0], String(row[1] as Int), row[2] ?? "", Self.time(row[3]), Self.time(row[4])] + (personal ? [row[5] as String] : [])
                })
        }
    }

    /// A campaign's tallies, in the campaign's project order.
    package func exportTallies(campaign: String) throws -> ExportTable {
        try read { db in
            let rows = try db.rows("""
                SELECT p.slug, p.title_zh, p.department_zh, t.level1, t.level2, t.level3, t.level4, t.level5, t.likes, t.suggestions
                FROM project p JOIN tally t ON t.project = p.id WHERE p.campaign = ?1 ORDER BY p.position, p.id
                """, campaign)
            return ExportTable(
                header: ["project", "title_zh", "department_zh", "participants", "level_1", "level_2", "level_3", "level_4", "level_5",
                         "average", "likes", "suggestions"],
                rows: rows.map { row in
                    let counts = (3...7).map { row[$0] as Int }
                    let participants = counts.reduce(0, +)
                    let weighted = counts.enumerated().reduce(0) { $0 + ($1.offset + 1) * $1.element }
                    let average = participants == 0 ? "" : String(Double(Int((Double(weighted) / Double(participants) * 1000).rounded())) / 1000)
                    return [row[0], row[1], row[2], String(participants)] + counts.map(String.init)
                        + [average, String(row[8] as Int), String(row[9] as Int)]
                })
        }
    }

    /// Letters received in `from..<to` and their entries. Contact details and citizen ids only when `personal`;
    /// texts are as people wrote them.
    package func exportThreads(from: Int64, to: Int64, personal: Bool) throws -> (threads: ExportTable, messages: ExportTable) {
        try read { db in
            let threads = try db.rows("""
                SELECT t.code, t.kind, t.subject, t.status, t.invalid_reason, t.department, p.slug, t.publish, t.held, t.created_at,
                    t.first_response_at, t.first_answer_at, t.satisfaction, t.contact, c.token, t.id
                FROM thread t LEFT JOIN project p ON p.id = t.project JOIN citizen c ON c.id = t.citizen
                WHERE t.created_at >= ?1 AND t.created_at < ?2 ORDER BY t.created_at, t.id
                """, from, to)
            var header = ["code", "kind", "subject", "status", "invalid_reason", "department", "project", "publish", "held",
                          "received_at", "first_response_at", "first_answer_at", "satisfaction"]
            if personal { header += ["contact", "citizen"] }
            var rows: [[String]] = []
            for row in threads {
                let code: String = row[0], kind: String = row[1], subject: String = row[2], status: String = row[3]
                let reason: String = row[4] ?? "", department: String = row[5], project: String = row[6] ?? ""
                let publish: Bool = row[7], held: String = row[8] ?? ""
                let received = Self.time(row[9])
                let responded = (row[10] as Int64?).map(Self.time) ?? ""
                let answered = (row[11] as Int64?).map(Self.time) ?? ""
                let satisfaction = (row[12] as Int?).map(String.init) ?? ""
                var line = [code, kind, subject, status, reason, department, project, publish ? "yes" : "no", held, received, responded,
                            answered, satisfaction]
                if personal {
                    let contact: String = row[13] ?? ""
                    let citizen: String = row[14]
                    line += [contact, citizen]
                }
                rows.append(line)
            }
            let threadTable = ExportTable(header: header, rows: rows)
            let ids = threads.map { $0[15] as Int64 }
            var messages: [[String]] = []
            for (index, id) in ids.enumerated() {
                let entries = try db.rows("""
                    SELECT e.seq, e.kind, e.body, e.event, u.name, e.created_at FROM thread_entry e
                    LEFT JOIN staff_user u ON u.id = e.author WHERE e.thread = ?1 ORDER BY e.seq
                    """, id)
                for entry in entries {
                    messages.append([threads[index][0], String(entry[0] as Int64), entry[1], entry[2] ?? entry[3] ?? "", entry[4] ?? "",
                                     Self.time(entry[5])])
                }
            }
            return (threadTable, ExportTable(header: ["code", "seq", "kind", "text", "staff", "at"], rows: messages))
        }
    }

    /// An instant as ISO 8601 in UTC (what spreadsheets and scripts read alike).
    static func time(_ milliseconds: Int64) -> String {
        let seconds = milliseconds / 1000
        let date = CivilDate(days: Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400))
        let ofDay = seconds - Int64(date.days) * 86_400
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(date)T\(two(ofDay / 3600)):\(two(ofDay / 60 % 60)):\(two(ofDay % 60))Z"
    }
}

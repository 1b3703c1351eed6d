import Domain

extension Store {
    /// Recomputes every tally (counts per level, likes, suggestions) and each campaign's participants from the
    /// rating, like and participant rows, and lists where the stored tally rows differ. Empty when consistent.
    /// Reads one snapshot; on a file database it does not block the writer.
    package func verify() throws -> [TallyDiscrepancy] {
        try read { db in try Self.discrepancies(db) }
    }

    /// Rewrites every tally row and participant row from the ratings and likes, in one transaction, and returns what
    /// was wrong before. Run it as a maintenance step while the writer is idle, then reload the `TallyBoard`.
    @discardableResult
    package func rebuildTallies() throws -> [TallyDiscrepancy] {
        try write { db in
            let found = try Self.discrepancies(db)
            guard !found.isEmpty else { return found }
            try db.execute("""
                INSERT INTO participant (campaign, citizen)
                    SELECT DISTINCT p.campaign, r.citizen FROM rating r JOIN project p ON p.id = r.project WHERE true
                    ON CONFLICT DO NOTHING
                """)
            try db.execute("""
                DELETE FROM participant WHERE NOT EXISTS (
                    SELECT 1 FROM rating r JOIN project p ON p.id = r.project
                    WHERE r.citizen = participant.citizen AND p.campaign = participant.campaign)
                """)
            // `WHERE true`: SQLite would read `ON CONFLICT` after a join as the join's constraint.
            try db.execute("""
                INSERT INTO tally (project, level1, level2, level3, level4, level5, likes, suggestions)
                    SELECT p.id,
                        coalesce(r.level1, 0), coalesce(r.level2, 0), coalesce(r.level3, 0),
                        coalesce(r.level4, 0), coalesce(r.level5, 0), coalesce(l.likes, 0), coalesce(r.suggestions, 0)
                    FROM project p
                    LEFT JOIN (\(Self.ratingCounts)) r ON r.project = p.id
                    LEFT JOIN (SELECT project, count(*) AS likes FROM "like" GROUP BY project) l ON l.project = p.id
                    WHERE true
                    ON CONFLICT (project) DO UPDATE SET level1 = excluded.level1, level2 = excluded.level2,
                        level3 = excluded.level3, level4 = excluded.level4, level5 = excluded.level5,
                        likes = excluded.likes, suggestions = excluded.suggestions
                """)
            try db.execute("""
                INSERT INTO campaign_tally (campaign, participants)
                    SELECT c.id, (SELECT count(*) FROM participant WHERE campaign = c.id) FROM campaign c WHERE true
                    ON CONFLICT (campaign) DO UPDATE SET participants = excluded.participants
                """)
            return found
        }
    }

    /// Each rated project's ratings per level and those with a suggestion, recomputed. A count of a condition is a
    /// sum of `CASE … THEN 1 ELSE 0 END` (PostgreSQL does not add booleans; the sum of integers is a bigint there).
    static let ratingCounts = """
        SELECT project, sum(CASE WHEN level = 1 THEN 1 ELSE 0 END) AS level1, sum(CASE WHEN level = 2 THEN 1 ELSE 0 END) AS level2,
            sum(CASE WHEN level = 3 THEN 1 ELSE 0 END) AS level3, sum(CASE WHEN level = 4 THEN 1 ELSE 0 END) AS level4,
            sum(CASE WHEN level = 5 THEN 1 ELSE 0 END) AS level5,
            sum(CASE WHEN suggestion IS NOT NULL THEN 1 ELSE 0 END) AS suggestions
        FROM rating GROUP BY project
        """

    private struct Counts {
        var values: [Int] = Array(repeating: 0, count: 7)   // level1…level5, likes, suggestions
    }

    static func discrepancies(_ db: any SQLConnection) throws -> [TallyDiscrepancy] {
        // Recomputed per project.
        var recomputed: [Int64: Counts] = [:]
        try db.forEachRow(ratingCounts, []) { row in
            let project: Int64 = row[0]
            for level in 0..<5 { recomputed[project, default: Counts()].values[level] = row[level + 1] }
            recomputed[project, default: Counts()].values[6] = row[6]
        }
        try db.forEachRow(#"SELECT project, count(*) FROM "like" GROUP BY project"#, []) { row in
            recomputed[row[0], default: Counts()].values[5] = row[1]
        }

        var found: [TallyDiscrepancy] = []
        let fields: [TallyDiscrepancy.Field] = [.level1, .level2, .level3, .level4, .level5, .likes, .suggestions]
        try db.forEachRow("""
            SELECT p.id, p.campaign, p.slug, t.project IS NOT NULL AS present,
                t.level1, t.level2, t.level3, t.level4, t.level5, t.likes, t.suggestions
            FROM project p LEFT JOIN tally t ON t.project = p.id
            ORDER BY p.campaign, p.position, p.id
            """, []) { row in
            let project: Int64 = row[0]
            let present: Bool = row[3]
            let expected = recomputed[project] ?? Counts()
            for (index, field) in fields.enumerated() {
                let value: Int? = present ? row[4 + index] : nil
                if value != expected.values[index] {
                    found.append(TallyDiscrepancy(
                        campaignID: row[1], projectSlug: row[2], field: field,
                        stored: value, recomputed: expected.values[index]))
                }
            }
        }

        try db.forEachRow("""
            SELECT c.id,
                (SELECT participants FROM campaign_tally WHERE campaign = c.id),
                (SELECT count(*) FROM participant WHERE campaign = c.id),
                (SELECT count(DISTINCT r.citizen) FROM rating r JOIN project p ON p.id = r.project
                    WHERE p.campaign = c.id)
            FROM campaign c ORDER BY c.id
            """, []) { row in
            let id: String = row[0]
            let storedParticipants: Int? = row[1]
            let participantRows: Int = row[2]
            let raters: Int = row[3]
            if storedParticipants != participantRows {
                found.append(TallyDiscrepancy(
                    campaignID: id, projectSlug: nil, field: .participants,
                    stored: storedParticipants, recomputed: participantRows))
            }
            if participantRows != raters {
                found.append(TallyDiscrepancy(
                    campaignID: id, projectSlug: nil, field: .participantRows,
                    stored: participantRows, recomputed: raters))
            }
        }
        return found
    }
}

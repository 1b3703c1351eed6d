import Domain

extension Store {
    /// Every tally, from the tally rows. Load it before the writer starts (or while it is idle), then keep it current
    /// by applying the change of every `.applied` outcome. On PostgreSQL it is read in one snapshot with the change
    /// feed's head, where the feed starts (`startChangeFeed`): every change after the board is applied once.
    package func loadTallyBoard() throws -> TallyBoard {
        try snapshot { db in
            if let postgres {
                postgres.feedStart.withLock { $0 = (try? db.value(Int64.self, "SELECT seq FROM change_feed_head WHERE id = 1")) ?? 0 }
            }
            var board = TallyBoard()
            let campaigns = try db.rows("""
                SELECT c.id, coalesce(t.participants, 0) AS participants
                FROM campaign c LEFT JOIN campaign_tally t ON t.campaign = c.id
                """)
            for row in campaigns {
                board.campaigns[row["id"]] = CampaignTally(participants: row["participants"])
            }
            let projects = try db.rows("""
                SELECT p.campaign, p.slug, t.level1, t.level2, t.level3, t.level4, t.level5, t.likes, t.suggestions
                FROM project p JOIN tally t ON t.project = p.id
                """)
            for row in projects {
                let campaignID: String = row["campaign"]
                let slug: String = row["slug"]
                board.campaigns[campaignID, default: CampaignTally()].projects[slug] = ProjectTally(
                    counts: [row["level1"], row["level2"], row["level3"], row["level4"], row["level5"]],
                    likes: row["likes"],
                    suggestions: row["suggestions"])
            }
            return board
        }
    }

    /// The citizen's ratings and likes, in one campaign or in all.
    package func citizenRecord(_ citizen: CitizenID, campaignID: String?) throws -> CitizenRecord {
        try read { db in
            var record = CitizenRecord()
            try db.forEachRow("""
                SELECT p.slug, r.level, r.suggestion, r.updated_at
                FROM citizen c JOIN rating r ON r.citizen = c.id JOIN project p ON p.id = r.project
                WHERE c.token = ?1 AND (?2 IS NULL OR p.campaign = ?2)
                """, [citizen.rawValue.sqlValue, campaignID.sqlValue]) { row in
                record.ratings[row["slug"]] = CitizenRecord.Rating(
                    level: try SatisfactionLevel.validated(row["level"]),
                    suggestion: row["suggestion"],
                    updatedAt: row["updated_at"])
            }
            let likes = try db.values(String.self, """
                SELECT p.slug FROM citizen c JOIN "like" l ON l.citizen = c.id JOIN project p ON p.id = l.project
                WHERE c.token = ?1 AND (?2 IS NULL OR p.campaign = ?2)
                """, [citizen.rawValue.sqlValue, campaignID.sqlValue])
            record.likes = Set(likes)
            return record
        }
    }

    /// Ratings at level 1 or 2, optionally of one campaign and of one department (matched on its Chinese or English
    /// name), ordered by department, project (campaign and file order), then time of the rating's last change (then
    /// citizen, so that equal times list alike in every database).
    /// `limit` bounds the answer (rows) for a screen; nil returns all, for an export.
    package func lowRatings(campaignID: String?, department: String?, limit: Int? = nil) throws -> [LowRating] {
        try read { db in
            var result: [LowRating] = []
            try db.forEachRow("""
                SELECT p.campaign, p.slug, p.title_zh, p.title_en, p.department_zh, p.department_en,
                    r.level, r.suggestion, r.updated_at
                FROM rating r JOIN project p ON p.id = r.project
                WHERE r.level <= 2
                    AND (?1 IS NULL OR p.campaign = ?1)
                    AND (?2 IS NULL OR p.department_zh = ?2 OR p.department_en = ?2)
                ORDER BY p.department_zh, p.department_en, p.campaign, p.position, p.id, r.updated_at, r.citizen
                LIMIT ?3
                """, [campaignID.sqlValue, department.sqlValue, Self.limitArgument(limit).sqlValue]) { row in
                result.append(LowRating(
                    campaignID: row["campaign"],
                    projectSlug: row["slug"],
                    projectTitle: LocalizedText(zh: row["title_zh"], en: row["title_en"]),
                    department: LocalizedText(zh: row["department_zh"], en: row["department_en"]),
                    level: try SatisfactionLevel.validated(row["level"]),
                    suggestion: row["suggestion"],
                    updatedAt: row["updated_at"]))
            }
            return result
        }
    }

    /// A `LIMIT` argument: nil (and, as SQLite reads it, a negative limit) is no limit. PostgreSQL refuses a negative
    /// limit and SQLite a null one, so "all" is the largest integer.
    static func limitArgument(_ limit: Int?) -> Int64 {
        guard let limit, limit >= 0 else { return Int64.max }
        return Int64(limit)
    }
}

extension Store {
    /// PostgreSQL: starts applying the other nodes' changes, from where `loadTallyBoard` read the board. `onRemote`
    /// runs on the writer's completion queue, in feed order with this node's own completions; `onGap` when rows were
    /// pruned before this node read them (it was away longer than the feed keeps them). Nothing on SQLite.
    /// `onSignal`: another node's `publishSignal`, on the same queue.
    package func startChangeFeed(onRemote: @escaping @Sendable ([CommittedChange]) -> Void,
                                 onGap: @escaping @Sendable (Int64, Int64) -> Void,
                                 onSignal: @escaping @Sendable (String) -> Void = { _ in }) {
        guard let postgres else { return }
        postgres.feed.start(after: postgres.feedStart.withLock { $0 }, onRemote: onRemote, onGap: onGap, onSignal: onSignal)
    }

    /// Why this node's live state cannot be trusted, or nil: rows of the change feed were pruned before it read them
    /// (it was cut off from PostgreSQL longer than the feed keeps them). Restarting the node reloads its state.
    package var changeFeedProblem: String? {
        guard let missed = postgres?.feed.missedRows.withLock({ $0 }) else { return nil }
        return "the change feed's rows \(missed.lowerBound) to \(missed.upperBound) were pruned before this node read them: "
            + "its live tallies may be off until it is restarted"
    }

    /// Something shown live but never stored (someone typing), for the other nodes' `onSignal`: best effort, without
    /// waiting. Nothing on SQLite (one node).
    package func publishSignal(_ payload: String) {
        postgres?.feed.signal(payload)
    }

    /// Stops the feed (after the writer's shutdown): batches still waiting for their turn are answered.
    package func stopChangeFeed() {
        postgres?.feed.stop()
    }
}

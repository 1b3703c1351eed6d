import Domain

/// One moment of a campaign's history: its participants and each project's tally then.
package struct TallySample: Sendable, Equatable {
    package var at: Int64
    package var participants: Int
    package var projects: [String: ProjectTally]

    package init(at: Int64, participants: Int, projects: [String: ProjectTally]) {
        self.at = at
        self.participants = participants
        self.projects = projects
    }
}

extension Store {
    /// Records the campaign's tallies as they were at `sample.at` (one transaction; a second sample at the same
    /// instant is ignored). Projects are found by slug; a slug the campaign does not have is skipped.
    package func recordSample(campaignID: String, _ sample: TallySample) throws {
        try write { db in
            try db.execute("""
                INSERT INTO campaign_sample (campaign, at, participants) VALUES (?1, ?2, ?3)
                ON CONFLICT DO NOTHING
                """, campaignID, sample.at, sample.participants)
            for (slug, tally) in sample.projects {
                let counts = tally.counts
                try db.execute("""
                    INSERT INTO tally_sample (project, at, level1, level2, level3, level4, level5, likes, suggestions)
                    SELECT id, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 FROM project WHERE slug = ?9 AND campaign = ?10
                    ON CONFLICT DO NOTHING
                    """, sample.at, counts[0], counts[1], counts[2], counts[3], counts[4], tally.likes,
                    tally.suggestions, slug, campaignID)
            }
        }
    }

    /// The campaign's newest `limit` samples, oldest first.
    package func samples(campaignID: String, limit: Int) throws -> [TallySample] {
        try read { db in
            let moments = try db.rows(
                "SELECT at, participants FROM campaign_sample WHERE campaign = ?1 ORDER BY at DESC LIMIT ?2",
                campaignID, Self.limitArgument(limit))
            guard let oldest: Int64 = moments.last?["at"] else { return [] }
            var samples: [Int64: TallySample] = [:]
            for row in moments {
                let at: Int64 = row["at"]
                samples[at] = TallySample(at: at, participants: row["participants"], projects: [:])
            }
            let rows = try db.rows("""
                SELECT s.at, p.slug, s.level1, s.level2, s.level3, s.level4, s.level5, s.likes, s.suggestions
                FROM tally_sample s JOIN project p ON p.id = s.project
                WHERE p.campaign = ?1 AND s.at >= ?2
                """, campaignID, oldest)
            for row in rows {
                let at: Int64 = row["at"]
                guard samples[at] != nil else { continue }
                let counts: [Int] = [row["level1"], row["level2"], row["level3"], row["level4"], row["level5"]]
                samples[at]!.projects[row["slug"]] = ProjectTally(counts: counts, likes: row["likes"], suggestions: row["suggestions"])
            }
            return samples.values.sorted { $0.at < $1.at }
        }
    }
}

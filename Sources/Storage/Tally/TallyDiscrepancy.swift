/// One number of the stored tallies that differs from the same number recomputed from the rows that produced it.
package struct TallyDiscrepancy: Sendable, Equatable, CustomStringConvertible {
    package enum Field: String, Sendable, Equatable, CaseIterable {
        /// Ratings at each level of a project (`tally.level1` … `tally.level5`).
        case level1, level2, level3, level4, level5
        /// A project's likes (`tally.likes`) against its `like` rows.
        case likes
        /// A project's ratings with a suggestion (`tally.suggestions`).
        case suggestions
        /// A campaign's distinct participants (`campaign_tally.participants`) against its `participant` rows.
        case participants
        /// A campaign's `participant` rows against the distinct citizens who rated one of its projects.
        case participantRows
    }

    package var campaignID: String
    /// The project, or nil for a campaign's number.
    package var projectSlug: String?
    package var field: Field
    /// The stored number; nil when its tally row is missing.
    package var stored: Int?
    package var recomputed: Int

    package init(campaignID: String, projectSlug: String?, field: Field, stored: Int?, recomputed: Int) {
        self.campaignID = campaignID
        self.projectSlug = projectSlug
        self.field = field
        self.stored = stored
        self.recomputed = recomputed
    }

    package var description: String {
        let place = projectSlug.map { "campaign \(campaignID) project \($0)" } ?? "campaign \(campaignID)"
        let stored = stored.map(String.init) ?? "missing"
        return "\(place): \(field.rawValue) stored \(stored), recomputed \(recomputed)"
    }
}

/// Which campaign the pages show when the address names none.
///
/// A province runs a campaign a year, and old ones stay in the database with their final results, so "the first
/// campaign" is usually the wrong one. The rule, in order: the campaign open now (of several, the one that opened
/// last: the newest list); else the next to open; else the one that closed most recently. Ties fall to the id, so
/// every node and every page picks the same one.
package enum CampaignSelection {
    package static func current(_ campaigns: [CampaignDefinition], at now: Int64) -> CampaignDefinition? {
        let open = campaigns.filter { $0.state(at: now) == .open }
        if let newest = open.max(by: { ($0.opensAt, $1.id) < ($1.opensAt, $0.id) }) { return newest }
        let upcoming = campaigns.filter { $0.state(at: now) == .upcoming }
        if let next = upcoming.min(by: { ($0.opensAt, $0.id) < ($1.opensAt, $1.id) }) { return next }
        return campaigns.max(by: { ($0.closesAt, $1.id) < ($1.closesAt, $0.id) })
    }

    /// Newest window first: the order of the campaign switcher and the archive.
    package static func newestFirst(_ campaigns: [CampaignDefinition]) -> [CampaignDefinition] {
        campaigns.sorted { ($0.opensAt, $1.id) > ($1.opensAt, $0.id) }
    }
}

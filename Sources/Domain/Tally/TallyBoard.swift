/// All tallies in memory. Derived state: rebuilt from the database at start (`Store.loadTallyBoard()`) and kept
/// current by applying the `TallyChange` of every committed write, in commit order.
package struct TallyBoard: Sendable, Equatable {
    /// By campaign id.
    package var campaigns: [String: CampaignTally]

    package init(campaigns: [String: CampaignTally] = [:]) {
        self.campaigns = campaigns
    }

    /// Moves the numbers as the committed write did in the database. A campaign or project the board does not know
    /// yet (imported after the board was loaded) starts from zero, as its rows did.
    package mutating func apply(_ change: TallyChange) {
        campaigns[change.campaignID, default: CampaignTally()].apply(change)
    }
}

/// Where a campaign stands relative to its evaluation window `[opensAt, closesAt)`.
package enum CampaignState: String, Codable, Sendable {
    /// Before `opensAt`: projects can be read, not rated.
    case upcoming
    /// In `[opensAt, closesAt)`: ratings and likes are accepted and revisable.
    case open
    /// From `closesAt` on: the results are final.
    case closed
}

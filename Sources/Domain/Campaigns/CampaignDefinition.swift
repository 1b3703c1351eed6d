/// A province's list of yearly livelihood projects and the window in which citizens evaluate them.
package struct CampaignDefinition: Codable, Sendable, Hashable {
    /// `[a-z0-9-]{1,64}`.
    package var id: String
    package var title: LocalizedText
    /// Start of the evaluation window, milliseconds since 1970 UTC, inclusive.
    package var opensAt: Int64
    /// End of the evaluation window, milliseconds since 1970 UTC, exclusive.
    package var closesAt: Int64
    /// IANA time zone name used to display the window, e.g. "Asia/Shanghai". Times are stored in UTC.
    package var timeZone: String
    /// Exactly five labels; index 0 names level 1 (very dissatisfied). See `SatisfactionLevel.defaultLabels`.
    package var levelLabels: [LocalizedText]
    /// In display order.
    package var projects: [ProjectDefinition]

    package init(
        id: String,
        title: LocalizedText,
        opensAt: Int64,
        closesAt: Int64,
        timeZone: String,
        levelLabels: [LocalizedText] = SatisfactionLevel.defaultLabels,
        projects: [ProjectDefinition]
    ) {
        self.id = id
        self.title = title
        self.opensAt = opensAt
        self.closesAt = closesAt
        self.timeZone = timeZone
        self.levelLabels = levelLabels
        self.projects = projects
    }

    /// The campaign's state at an instant: `opensAt` is the first open millisecond, `closesAt` the first closed one.
    package func state(at milliseconds: Int64) -> CampaignState {
        Self.state(at: milliseconds, opensAt: opensAt, closesAt: closesAt)
    }

    /// The same rule for a window read from storage.
    package static func state(at milliseconds: Int64, opensAt: Int64, closesAt: Int64) -> CampaignState {
        if milliseconds < opensAt { return .upcoming }
        if milliseconds >= closesAt { return .closed }
        return .open
    }
}

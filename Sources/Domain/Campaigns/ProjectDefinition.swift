/// One livelihood project of a campaign, as the campaign file describes it. Campaign files are read by the App's
/// `CampaignFileReader`, which decides what may be left out; `Codable` is the synthesized JSON form.
package struct ProjectDefinition: Codable, Sendable, Hashable {
    /// Stable, `[a-z0-9-]{1,64}`, unique across all campaigns: it is the QR code's URL, `/p/<slug>`, printed on posters,
    /// so it never changes once published.
    package var slug: String
    package var title: LocalizedText
    /// The department responsible for the project (low ratings are listed per department for follow-up).
    package var department: LocalizedText
    package var summary: LocalizedText
    /// What was promised.
    package var promised: LocalizedText
    /// What was done.
    package var done: LocalizedText
    /// Key numbers, in display order.
    package var figures: [ProjectFigure]

    package init(
        slug: String,
        title: LocalizedText,
        department: LocalizedText,
        summary: LocalizedText,
        promised: LocalizedText,
        done: LocalizedText,
        figures: [ProjectFigure] = []
    ) {
        self.slug = slug
        self.title = title
        self.department = department
        self.summary = summary
        self.promised = promised
        self.done = done
        self.figures = figures
    }
}

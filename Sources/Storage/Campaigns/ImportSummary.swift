/// What `Store.importCampaign(_:)` did.
package struct ImportSummary: Sendable, Equatable {
    /// The campaign did not exist and was created.
    package var campaignCreated: Bool
    /// The campaign existed and its title, window, time zone or labels changed.
    package var campaignUpdated: Bool
    /// Projects that were new.
    package var projectsCreated: Int
    /// Projects that existed and whose texts, figures or position changed. Their ratings are kept.
    package var projectsUpdated: Int
    /// Projects that existed and are identical.
    package var projectsUnchanged: Int
    /// Slugs of projects in the database that the file no longer lists. They are kept (their QR codes are printed and
    /// their ratings count), listed after the file's projects, and reported so that the operator notices.
    package var projectsMissingFromFile: [String]

    package init(
        campaignCreated: Bool = false,
        campaignUpdated: Bool = false,
        projectsCreated: Int = 0,
        projectsUpdated: Int = 0,
        projectsUnchanged: Int = 0,
        projectsMissingFromFile: [String] = []
    ) {
        self.campaignCreated = campaignCreated
        self.campaignUpdated = campaignUpdated
        self.projectsCreated = projectsCreated
        self.projectsUpdated = projectsUpdated
        self.projectsUnchanged = projectsUnchanged
        self.projectsMissingFromFile = projectsMissingFromFile
    }
}

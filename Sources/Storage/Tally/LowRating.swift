import Domain

/// A rating of 1 or 2, listed for the responsible department to follow up. It carries no citizen id: the office
/// follows up on the project, not on the person.
package struct LowRating: Sendable, Equatable {
    package var campaignID: String
    package var projectSlug: String
    package var projectTitle: LocalizedText
    package var department: LocalizedText
    package var level: SatisfactionLevel
    package var suggestion: String?
    /// Milliseconds since 1970 UTC of the rating's last change.
    package var updatedAt: Int64

    package init(
        campaignID: String, projectSlug: String, projectTitle: LocalizedText, department: LocalizedText,
        level: SatisfactionLevel, suggestion: String?, updatedAt: Int64
    ) {
        self.campaignID = campaignID
        self.projectSlug = projectSlug
        self.projectTitle = projectTitle
        self.department = department
        self.level = level
        self.suggestion = suggestion
        self.updatedAt = updatedAt
    }
}

import Domain

/// What one citizen has done: their rating of each project and the projects they like. Shown back to them so the
/// page can offer "change your rating" instead of a blank form.
package struct CitizenRecord: Sendable, Equatable {
    /// The citizen's rating of one project.
    package struct Rating: Sendable, Equatable {
        package var level: SatisfactionLevel
        package var suggestion: String?
        /// Milliseconds since 1970 UTC of the last change.
        package var updatedAt: Int64

        package init(level: SatisfactionLevel, suggestion: String?, updatedAt: Int64) {
            self.level = level
            self.suggestion = suggestion
            self.updatedAt = updatedAt
        }
    }

    /// By project slug.
    package var ratings: [String: Rating]
    /// Slugs of the liked projects.
    package var likes: Set<String>

    package init(ratings: [String: Rating] = [:], likes: Set<String> = []) {
        self.ratings = ratings
        self.likes = likes
    }
}

import Domain

/// What an applied write did. Stored with the action, so that a retry with the same client id gets the same receipt.
package struct WriteReceipt: Sendable, Equatable, Codable {
    package var clientID: String
    /// The project's slug.
    package var project: String
    /// The rating's level, after a rate; nil after a like.
    package var level: SatisfactionLevel?
    /// The rating's suggestion as stored (normalized), after a rate.
    package var suggestion: String?
    /// Whether the citizen likes the project now, after a like; nil after a rate.
    package var liked: Bool?
    /// The effect on the tallies.
    package var change: TallyChange
    /// Rate, like or withdraw (after a withdrawal `level`, `suggestion` and `liked` are nil).
    package var action: WriteAction
    /// A rating with a suggestion: the query code of the suggestion thread it went to (also on a retry).
    package var thread: String?
    /// What the suggestion did to the direct line (a new thread, or a message in the citizen's open one), to tell
    /// its watchers; nil on a retry and when there was nothing new to say.
    package var suggestionThread: OfficeReceipt?
    /// A rating of 1 or 2 (a follow-up of its department until the outcome is recorded): the citizen's row id, which
    /// names the follow-up with the project and the rating's time (`at`).
    package var lowRatingCitizen: Int64?

    package init(
        clientID: String, project: String, level: SatisfactionLevel?, suggestion: String?, liked: Bool?,
        change: TallyChange, action: WriteAction? = nil
    ) {
        self.action = action ?? (liked != nil ? .like : level != nil ? .rate : .withdraw)
        self.clientID = clientID
        self.project = project
        self.level = level
        self.suggestion = suggestion
        self.liked = liked
        self.change = change
    }
}

/// The effect of one committed write on the tallies. The writer returns it in the receipt; the application applies
/// it to its `TallyBoard` (never for a duplicate) and can broadcast it.
package struct TallyChange: Codable, Sendable, Equatable {
    package var campaignID: String
    package var projectSlug: String
    /// For a rating: the citizen's previous rating of this project, nil for a first rating. Nil for a like or unlike,
    /// which never moves a level.
    package var oldLevel: SatisfactionLevel?
    /// The rating's level; nil for a like or unlike, and for a withdrawal (then `oldLevel` is the withdrawn level).
    package var newLevel: SatisfactionLevel?
    /// -1 (unlike), 0, +1 (like). Liking twice or unliking what was not liked changes nothing.
    package var likesDelta: Int
    /// -1 (a revision dropped the suggestion), 0, +1 (the rating now carries one and did not before).
    package var suggestionsDelta: Int
    /// The citizen's first rating in this campaign: the campaign's distinct participants grow by one.
    package var newParticipant: Bool
    /// A withdrawal of the citizen's last rating in this campaign: the campaign's participants fall by one.
    package var leftParticipant: Bool

    package init(
        campaignID: String,
        projectSlug: String,
        oldLevel: SatisfactionLevel? = nil,
        newLevel: SatisfactionLevel? = nil,
        likesDelta: Int = 0,
        suggestionsDelta: Int = 0,
        newParticipant: Bool = false,
        leftParticipant: Bool = false
    ) {
        self.campaignID = campaignID
        self.projectSlug = projectSlug
        self.oldLevel = oldLevel
        self.newLevel = newLevel
        self.likesDelta = likesDelta
        self.suggestionsDelta = suggestionsDelta
        self.newParticipant = newParticipant
        self.leftParticipant = leftParticipant
    }

    /// True when applying it changes no number (a like of a liked project, a revision to the same level).
    package var isNeutral: Bool {
        likesDelta == 0 && suggestionsDelta == 0 && !newParticipant && !leftParticipant && (newLevel == nil || newLevel == oldLevel)
    }
}

/// The running result of one campaign.
package struct CampaignTally: Codable, Sendable, Equatable {
    /// Distinct citizens who rated at least one of its projects.
    package var participants: Int
    /// By project slug.
    package var projects: [String: ProjectTally]

    package init(participants: Int = 0, projects: [String: ProjectTally] = [:]) {
        self.participants = participants
        self.projects = projects
    }

    /// All ratings: the sum of each project's participants.
    package var ratings: Int { projects.values.reduce(0) { $0 + $1.participants } }
    package var likes: Int { projects.values.reduce(0) { $0 + $1.likes } }
    package var suggestions: Int { projects.values.reduce(0) { $0 + $1.suggestions } }
}

extension CampaignTally {
    /// The campaign part of `TallyBoard.apply(_:)`.
    package mutating func apply(_ change: TallyChange) {
        if change.newParticipant { participants += 1 }
        if change.leftParticipant { participants = max(0, participants - 1) }
        projects[change.projectSlug, default: .empty].apply(change)
    }
}

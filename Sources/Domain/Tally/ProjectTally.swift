/// The running result of one project: how many citizens gave each level, likes, and ratings with a suggestion.
package struct ProjectTally: Codable, Sendable, Equatable {
    /// Ratings at each level; 5 entries, index 0 = level 1.
    package var counts: [Int]
    package var likes: Int
    /// Ratings that carry a suggestion.
    package var suggestions: Int

    package init(counts: [Int] = [0, 0, 0, 0, 0], likes: Int = 0, suggestions: Int = 0) {
        precondition(counts.count == SatisfactionLevel.allCases.count, "a tally has one count per level")
        self.counts = counts
        self.likes = likes
        self.suggestions = suggestions
    }

    package static let empty = ProjectTally()

    /// Citizens who rated the project (one rating each).
    package var participants: Int { counts.reduce(0, +) }

    /// Mean level, 1…5; nil when nobody has rated.
    package var average: Double? {
        let participants = participants
        guard participants > 0 else { return nil }
        var sum = 0
        for (index, count) in counts.enumerated() { sum += (index + 1) * count }
        return Double(sum) / Double(participants)
    }

    /// Ratings at `level`.
    package func count(of level: SatisfactionLevel) -> Int { counts[level.index] }
}

extension ProjectTally {
    /// The project part of `TallyBoard.apply(_:)`: a rating moves one count from the old level to the new one; a
    /// withdrawal (an old level and no new one) takes one count away.
    package mutating func apply(_ change: TallyChange) {
        if let oldLevel = change.oldLevel { counts[oldLevel.index] -= 1 }
        if let newLevel = change.newLevel { counts[newLevel.index] += 1 }
        likes += change.likesDelta
        suggestions += change.suggestionsDelta
    }
}

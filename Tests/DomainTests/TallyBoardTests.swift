import Domain
import Testing

@Suite struct TallyBoardTests {
    static func rating(
        _ project: String = "school-a", from old: SatisfactionLevel? = nil, to new: SatisfactionLevel,
        suggestions: Int = 0, newParticipant: Bool = false
    ) -> TallyChange {
        TallyChange(
            campaignID: "city-2025", projectSlug: project, oldLevel: old, newLevel: new,
            suggestionsDelta: suggestions, newParticipant: newParticipant)
    }

    static func like(_ delta: Int, _ project: String = "school-a") -> TallyChange {
        TallyChange(campaignID: "city-2025", projectSlug: project, likesDelta: delta)
    }

    @Test func anEmptyTallyHasNoParticipantsAndNoAverage() {
        #expect(ProjectTally.empty.counts == [0, 0, 0, 0, 0])
        #expect(ProjectTally.empty.participants == 0)
        #expect(ProjectTally.empty.average == nil)
    }

    @Test(arguments: [
        ([0, 0, 0, 0, 1], 5.0),
        ([1, 0, 0, 0, 0], 1.0),
        ([1, 0, 0, 0, 1], 3.0),
        ([0, 1, 1, 1, 0], 3.0),
        ([0, 0, 0, 1, 2], 14.0 / 3.0),
        ([10, 0, 0, 0, 30], 4.0),
    ] as [([Int], Double)])
    func averageIsTheMeanLevel(_ counts: [Int], _ average: Double) throws {
        let tally = ProjectTally(counts: counts)
        #expect(tally.participants == counts.reduce(0, +))
        #expect(abs(try #require(tally.average) - average) < 1e-12)
    }

    @Test func aFirstRatingCountsTheLevelAndTheParticipant() {
        var board = TallyBoard()
        board.apply(Self.rating(to: .satisfied, suggestions: 1, newParticipant: true))
        let campaign = board.campaigns["city-2025"]
        #expect(campaign?.participants == 1)
        #expect(campaign?.projects["school-a"] == ProjectTally(counts: [0, 0, 0, 1, 0], likes: 0, suggestions: 1))
        #expect(campaign?.ratings == 1)
    }

    @Test func aRevisionMovesTheCountFromTheOldLevelToTheNew() {
        var board = TallyBoard()
        board.apply(Self.rating(to: .dissatisfied, suggestions: 1, newParticipant: true))
        board.apply(Self.rating(from: .dissatisfied, to: .verySatisfied, suggestions: -1))
        let tally = board.campaigns["city-2025"]?.projects["school-a"]
        #expect(tally?.counts == [0, 0, 0, 0, 1])
        #expect(tally?.participants == 1)
        #expect(tally?.suggestions == 0)
        #expect(tally?.average == 5)
        #expect(board.campaigns["city-2025"]?.participants == 1)
    }

    @Test func aRevisionToTheSameLevelChangesNothing() {
        var board = TallyBoard()
        board.apply(Self.rating(to: .basicallySatisfied, newParticipant: true))
        let before = board
        let same = Self.rating(from: .basicallySatisfied, to: .basicallySatisfied)
        #expect(same.isNeutral)
        board.apply(same)
        #expect(board == before)
    }

    @Test func likesAndUnlikesMoveOnlyTheLikes() {
        var board = TallyBoard()
        board.apply(Self.like(+1))
        board.apply(Self.like(+1))
        board.apply(Self.like(-1))
        board.apply(Self.like(0))            // liking a liked project: neutral
        let tally = board.campaigns["city-2025"]?.projects["school-a"]
        #expect(tally?.likes == 1)
        #expect(tally?.participants == 0)
        #expect(board.campaigns["city-2025"]?.participants == 0)
        #expect(Self.like(0).isNeutral)
    }

    @Test func campaignTotalsSumTheirProjects() {
        var board = TallyBoard()
        board.apply(Self.rating("school-a", to: .verySatisfied, suggestions: 1, newParticipant: true))
        board.apply(Self.rating("bus-12", to: .veryDissatisfied))               // same citizen, second project
        board.apply(Self.rating("bus-12", to: .satisfied, newParticipant: true))
        board.apply(Self.like(+1, "bus-12"))
        let campaign = board.campaigns["city-2025"]
        #expect(campaign?.participants == 2)
        #expect(campaign?.ratings == 3)
        #expect(campaign?.likes == 1)
        #expect(campaign?.suggestions == 1)
    }

    @Test func appliesChangesOfCampaignsAndProjectsItHasNotSeenFromZero() {
        var board = TallyBoard(campaigns: ["old": CampaignTally(participants: 7)])
        board.apply(TallyChange(campaignID: "new", projectSlug: "p", newLevel: .satisfied, newParticipant: true))
        #expect(board.campaigns["old"]?.participants == 7)
        #expect(board.campaigns["new"] == CampaignTally(participants: 1, projects: ["p": ProjectTally(counts: [0, 0, 0, 1, 0])]))
    }

    @Test func replayingTheChangesOfAnySequenceEqualsCountingTheFinalState() {
        // Citizens revise and unlike at random; the board, fed only changes, must equal a count of the final ratings.
        var generator = SystemRandomNumberGenerator()
        var ratings: [Int: SatisfactionLevel] = [:]
        var liked: Set<Int> = []
        var board = TallyBoard()
        for _ in 0..<2_000 {
            let citizen = Int.random(in: 0..<50, using: &generator)
            if Bool.random(using: &generator) {
                let new = SatisfactionLevel.allCases.randomElement(using: &generator)!
                let old = ratings.updateValue(new, forKey: citizen)
                board.apply(Self.rating(from: old, to: new, newParticipant: old == nil))
            } else {
                let like = Bool.random(using: &generator)
                let changed = like ? liked.insert(citizen).inserted : liked.remove(citizen) != nil
                board.apply(Self.like(changed ? (like ? 1 : -1) : 0))
            }
        }
        var counts = [0, 0, 0, 0, 0]
        for level in ratings.values { counts[level.index] += 1 }
        #expect(board.campaigns["city-2025"]?.projects["school-a"] == ProjectTally(counts: counts, likes: liked.count))
        #expect(board.campaigns["city-2025"]?.participants == ratings.count)
    }
}

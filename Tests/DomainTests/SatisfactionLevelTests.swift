import Domain
import Testing

@Suite struct SatisfactionLevelTests {
    @Test func theScaleRunsFromVeryDissatisfiedToVerySatisfied() {
        #expect(SatisfactionLevel.allCases.map(\.rawValue) == [1, 2, 3, 4, 5])
        #expect(SatisfactionLevel.veryDissatisfied < .dissatisfied)
        #expect(SatisfactionLevel.satisfied < .verySatisfied)
        #expect(SatisfactionLevel.allCases.map(\.index) == [0, 1, 2, 3, 4])
    }

    @Test func defaultLabelsAreTheNationalWordingFromLevelOne() {
        #expect(SatisfactionLevel.defaultLabels.map(\.zh) == ["非常不满意", "不满意", "基本满意", "满意", "非常满意"])
        #expect(SatisfactionLevel.defaultLabels[0].en == "Very dissatisfied")
        #expect(SatisfactionLevel.defaultLabels[4].en == "Very satisfied")
    }

    @Test(arguments: [1, 2, 3, 4, 5])
    func validatesLevelsOnTheScale(_ raw: Int) throws {
        #expect(try SatisfactionLevel.validated(raw).rawValue == raw)
    }

    @Test(arguments: [Int.min, -1, 0, 6, 10, Int.max])
    func refusesLevelsOffTheScale(_ raw: Int) {
        #expect(throws: DomainError.invalidLevel(raw)) { try SatisfactionLevel.validated(raw) }
    }

    @Test func ratingsOfOneAndTwoAreFollowedUp() {
        let followedUp = SatisfactionLevel.allCases.filter { $0 <= SatisfactionLevel.followUpThreshold }
        #expect(followedUp == [.veryDissatisfied, .dissatisfied])
    }
}

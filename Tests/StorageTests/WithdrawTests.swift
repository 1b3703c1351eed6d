import Domain
import Foundation
@testable import Storage
import Testing

/// A citizen takes a rating back while the window is open: the rating and its suggestion go, the tally moves back,
/// and the campaign loses the participant when it was their last rating there.
@Suite(.postgresSlots) struct WithdrawTests {
    static func withdraw(_ citizen: Int, _ project: String = "school-a", id: String? = nil, at: Int64 = Fixtures.now) -> WriteCommand {
        .withdraw(citizen: Fixtures.citizen(citizen), project: project,
                  clientID: Fixtures.clientID(id ?? "withdraw-\(citizen)-\(project)-\(UUID().uuidString.prefix(8))"), at: at)
    }

    @Test(arguments: StoreKind.allCases)
    func withdrawingTheOnlyRatingMovesTheTallyAndParticipantsBack(_ kind: StoreKind) async throws {
        let test = try TestStore(kind)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }
        _ = try #require(await writer.outcome(of: Fixtures.rate(1, .dissatisfied, suggestion: "太慢")).applied)

        let receipt = try #require(await writer.outcome(of: Self.withdraw(1, id: "w1")).applied)
        #expect(receipt.action == .withdraw)
        #expect(receipt.level == nil && receipt.suggestion == nil && receipt.liked == nil)
        #expect(receipt.change == TallyChange(
            campaignID: "city-2025", projectSlug: "school-a", oldLevel: .dissatisfied, newLevel: nil,
            likesDelta: 0, suggestionsDelta: -1, leftParticipant: true))

        let campaign = try #require(try test.store.loadTallyBoard().campaigns["city-2025"])
        #expect(campaign.participants == 0)
        #expect(campaign.projects["school-a"] == ProjectTally.empty)
        #expect(try test.store.citizenRecord(Fixtures.citizen(1), campaignID: "city-2025").ratings.isEmpty)
        #expect(try test.store.verify() == [])
    }

    @Test func withdrawingOneOfTwoRatingsKeepsTheParticipant() async throws {
        let test = try TestStore(.standard)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }
        _ = try #require(await writer.outcome(of: Fixtures.rate(1, "school-a", .satisfied)).applied)
        _ = try #require(await writer.outcome(of: Fixtures.rate(1, "bus-12", .verySatisfied)).applied)

        let receipt = try #require(await writer.outcome(of: Self.withdraw(1, "bus-12")).applied)
        #expect(receipt.change.leftParticipant == false)
        #expect(receipt.change.suggestionsDelta == 0)
        let campaign = try #require(try test.store.loadTallyBoard().campaigns["city-2025"])
        #expect(campaign.participants == 1)
        #expect(campaign.projects["bus-12"]?.counts == [0, 0, 0, 0, 0])
        #expect(campaign.projects["school-a"]?.counts == [0, 0, 0, 1, 0])
        #expect(try test.store.verify() == [])
    }

    @Test func withdrawingWhatWasNeverRatedIsRefusedAndChangesNothing() async throws {
        let test = try TestStore(.standard)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }
        #expect(await writer.outcome(of: Self.withdraw(7)).rejection == .ratingNotFound("school-a"))
        _ = try #require(await writer.outcome(of: Fixtures.rate(1, .satisfied)).applied)
        _ = try #require(await writer.outcome(of: Self.withdraw(1)).applied)
        #expect(await writer.outcome(of: Self.withdraw(1)).rejection == .ratingNotFound("school-a"), "already withdrawn")
        #expect(try test.store.verify() == [])
    }

    @Test func aRetriedWithdrawalIsADuplicateAndAReusedIdIsRefused() async throws {
        let test = try TestStore(.standard)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }
        _ = try #require(await writer.outcome(of: Fixtures.rate(1, .satisfied)).applied)
        let first = try #require(await writer.outcome(of: Self.withdraw(1, id: "w-1")).applied)
        guard case .duplicate(let again) = await writer.outcome(of: Self.withdraw(1, id: "w-1")) else {
            Issue.record("a retry of the same withdrawal must be a duplicate")
            return
        }
        #expect(again == first)
        #expect(await writer.outcome(of: Fixtures.rate(1, .satisfied, id: "w-1")).rejection == .clientIDReused)
        #expect(try test.store.verify() == [])
    }

    @Test func aWithdrawalOutsideTheWindowIsRefused() async throws {
        let test = try TestStore(.standard)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }
        _ = try #require(await writer.outcome(of: Fixtures.rate(1, .satisfied)).applied)
        #expect(await writer.outcome(of: Self.withdraw(1, at: 2_000)).rejection == .campaignClosed)
        #expect(try test.store.loadTallyBoard().campaigns["city-2025"]?.participants == 1)
    }

    @Test func ratingAgainAfterWithdrawingCountsAsANewParticipant() async throws {
        let test = try TestStore(.standard)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }
        _ = try #require(await writer.outcome(of: Fixtures.rate(1, .satisfied)).applied)
        _ = try #require(await writer.outcome(of: Self.withdraw(1)).applied)
        let again = try #require(await writer.outcome(of: Fixtures.rate(1, .veryDissatisfied)).applied)
        #expect(again.change.newParticipant)
        #expect(again.change.oldLevel == nil)
        #expect(try test.store.loadTallyBoard().campaigns["city-2025"]?.participants == 1)
        #expect(try test.store.verify() == [])
    }

    @Test func withdrawalsInOneBatchAreCountedOnTheFastPath() async throws {
        let test = try TestStore(.standard)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }
        _ = await writer.outcomes(of: (1...20).map { Fixtures.rate($0, .satisfied) })
        let outcomes = await writer.outcomes(of: (1...20).map { Self.withdraw($0) } + [Self.withdraw(99)])
        #expect(outcomes.prefix(20).allSatisfy { $0.applied != nil })
        #expect(outcomes.last?.rejection == .ratingNotFound("school-a"))
        let campaign = try #require(try test.store.loadTallyBoard().campaigns["city-2025"])
        #expect(campaign.participants == 0)
        #expect(campaign.projects["school-a"]?.counts == [0, 0, 0, 0, 0])
        #expect(try test.store.verify() == [])
    }
}

@Suite(.postgresSlots) struct HistoryAndRevisionTests {
    @Test func samplesAreReadBackOldestFirstWithTheirProjects() throws {
        let test = try TestStore(.standard)
        try test.store.recordSample(campaignID: "city-2025", TallySample(
            at: 200, participants: 2, projects: ["school-a": ProjectTally(counts: [0, 0, 1, 1, 0], likes: 3, suggestions: 1)]))
        try test.store.recordSample(campaignID: "city-2025", TallySample(
            at: 100, participants: 1, projects: ["school-a": ProjectTally(counts: [0, 0, 1, 0, 0], likes: 1, suggestions: 0),
                                                 "no-such-project": ProjectTally(counts: [1, 0, 0, 0, 0])]))
        let samples = try test.store.samples(campaignID: "city-2025", limit: 10)
        #expect(samples.map(\.at) == [100, 200])
        #expect(samples[0].projects == ["school-a": ProjectTally(counts: [0, 0, 1, 0, 0], likes: 1, suggestions: 0)])
        #expect(samples[1].participants == 2)
        #expect(try test.store.samples(campaignID: "city-2025", limit: 1).map(\.at) == [200], "the newest within the limit")
        #expect(try test.store.samples(campaignID: "other", limit: 10).isEmpty)
    }

    @Test func theCatalogRevisionMovesOnlyWhenAnImportChangesSomething() throws {
        let test = try TestStore(.standard)
        let start = try test.store.catalogRevision()
        _ = try test.store.importCampaign(Fixtures.campaign())
        #expect(try test.store.catalogRevision() == start, "the same file again changes nothing")
        var edited = Fixtures.campaign()
        edited.projects[0].title = LocalizedText(zh: "新标题", en: "New title")
        _ = try test.store.importCampaign(edited)
        #expect(try test.store.catalogRevision() == start + 1)
        _ = try test.store.importCampaign(Fixtures.campaign(id: "city-2026", slugs: ["park-1"]))
        #expect(try test.store.catalogRevision() == start + 2)
    }
}

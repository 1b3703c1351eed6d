import Domain
@testable import Storage
import Testing

/// `Store.pruneReceipts`: receipts older than the retention go, oldest first, and nothing a tally depends on.
@Suite(.postgresSlots) struct ReceiptPruningTests {
    @Test(arguments: StoreKind.allCases)
    func deletesOnlyReceiptsOlderThanTheCutoffOldestFirstUpToTheLimit(_ kind: StoreKind) async throws {
        let test = try TestStore(kind)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }
        // Submitted newest first, so oldest-first deletion is not insertion order.
        for (citizen, at) in [(4, Int64(1_400)), (3, 1_300), (2, 1_200), (1, 1_100)] {
            #expect(await writer.outcome(of: Fixtures.rate(citizen, .satisfied, id: "r\(citizen)", at: at)).applied != nil)
        }
        #expect(await writer.outcome(of: Fixtures.like(1, "bus-12", id: "l1", at: 1_150)).applied != nil)
        let board = try test.store.loadTallyBoard()

        #expect(try test.store.pruneReceipts(appliedBefore: 1_350, limit: 2) == 2)   // 1,100 and 1,150
        // The rating at 1,200 is still known: its retry is answered as a duplicate.
        #expect(await writer.outcome(of: Fixtures.rate(2, .satisfied, id: "r2", at: 1_900)).isDuplicate)
        #expect(try test.store.pruneReceipts(appliedBefore: 1_350, limit: 10) == 2)  // 1,200 and 1,300
        #expect(try test.store.pruneReceipts(appliedBefore: 1_350, limit: 10) == 0)
        #expect(try test.store.receiptCount() == 1)
        #expect(await writer.outcome(of: Fixtures.rate(4, .satisfied, id: "r4", at: 1_900)).isDuplicate)

        // Ratings, likes, participants and tallies are untouched.
        #expect(try test.store.loadTallyBoard() == board)
        #expect(try test.store.citizenRecord(Fixtures.citizen(1), campaignID: nil).ratings["school-a"]?.level == .satisfied)
        #expect(try test.store.verify() == [])
    }

    @Test func aRetryWhoseReceiptWasPrunedIsAppliedAsANewAction() async throws {
        let test = try TestStore(.standard)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }
        let original = try #require(await writer.outcome(of: Fixtures.rate(1, .dissatisfied, suggestion: "更多班次", id: "r1", at: 1_100)).applied)
        #expect(await writer.outcome(of: Fixtures.rate(1, .dissatisfied, suggestion: "更多班次", id: "r1", at: 1_150)) == .duplicate(original))

        #expect(try test.store.pruneReceipts(appliedBefore: 1_500, limit: 100) == 1)
        let again = try #require(await writer.outcome(of: Fixtures.rate(1, .dissatisfied, suggestion: "更多班次", id: "r1", at: 1_600)).applied)
        // The same rating again: it moves the tally from level 2 to level 2, and the citizen was already counted.
        #expect(again.change.oldLevel == .dissatisfied)
        #expect(again.change.newParticipant == false)
        #expect(again.change.suggestionsDelta == 0)
        let campaign = try #require(try test.store.loadTallyBoard().campaigns["city-2025"])
        #expect(campaign.participants == 1)
        #expect(campaign.projects["school-a"] == ProjectTally(counts: [0, 1, 0, 0, 0], likes: 0, suggestions: 1))
        #expect(try test.store.receiptCount() == 1)
        #expect(try test.store.verify() == [])
    }
}

extension WriteOutcome {
    var isDuplicate: Bool {
        if case .duplicate = self { true } else { false }
    }
}

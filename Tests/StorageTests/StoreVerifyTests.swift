import Domain
@testable import Storage
import Testing

@Suite(.postgresSlots) struct StoreVerifyTests {
    static func populated(_ kind: StoreKind) async throws -> TestStore {
        let test = try TestStore(kind)
        let writer = test.store.makeWriter()
        let outcomes = await writer.outcomes(of: [
            Fixtures.rate(1, "school-a", .satisfied, suggestion: "a"),
            Fixtures.rate(2, "school-a", .verySatisfied),
            Fixtures.rate(1, "bus-12", .dissatisfied),
            Fixtures.rate(1, "school-a", .basicallySatisfied),
            Fixtures.like(3, "elder-care"),
            Fixtures.like(2, "school-a"),
            Fixtures.like(2, "school-a", false),
        ])
        writer.shutdown()
        #expect(outcomes.allSatisfy { $0.applied != nil })
        return test
    }

    @Test(arguments: StoreKind.allCases)
    func aConsistentDatabaseHasNoDiscrepancies(_ kind: StoreKind) async throws {
        let test = try await Self.populated(kind)
        #expect(try test.store.verify() == [])
        #expect(try test.store.rebuildTallies() == [])
    }

    @Test func reportsAHandCorruptedTallyRowAndRebuildsIt() async throws {
        let test = try await Self.populated(.standard)
        let before = try test.store.loadTallyBoard()
        try test.store.write { db in
            try db.execute("UPDATE tally SET level4 = level4 + 5, likes = 9 WHERE project = (SELECT id FROM project WHERE slug = 'school-a')")
            try db.execute("UPDATE campaign_tally SET participants = 1")
        }
        let found = try test.store.verify()
        #expect(found == [
            TallyDiscrepancy(campaignID: "city-2025", projectSlug: "school-a", field: .level4, stored: 5, recomputed: 0),
            TallyDiscrepancy(campaignID: "city-2025", projectSlug: "school-a", field: .likes, stored: 9, recomputed: 0),
            TallyDiscrepancy(campaignID: "city-2025", projectSlug: nil, field: .participants, stored: 1, recomputed: 2),
        ])
        #expect(found[0].description == "campaign city-2025 project school-a: level4 stored 5, recomputed 0")

        #expect(try test.store.rebuildTallies() == found)
        #expect(try test.store.verify() == [])
        #expect(try test.store.loadTallyBoard() == before)
    }

    @Test func reportsAMissingTallyRowAndMissingParticipants() async throws {
        let test = try await Self.populated(.standard)
        try test.store.write { db in
            try db.execute("DELETE FROM tally WHERE project = (SELECT id FROM project WHERE slug = 'bus-12')")
            try db.execute("DELETE FROM participant WHERE citizen = (SELECT id FROM citizen WHERE token = ?1)", Fixtures.citizen(2).rawValue)
        }
        let found = try test.store.verify()
        #expect(found.contains(TallyDiscrepancy(campaignID: "city-2025", projectSlug: "bus-12", field: .level2, stored: nil, recomputed: 1)))
        #expect(found.contains(TallyDiscrepancy(campaignID: "city-2025", projectSlug: nil, field: .participants, stored: 2, recomputed: 1)))
        #expect(found.contains(TallyDiscrepancy(campaignID: "city-2025", projectSlug: nil, field: .participantRows, stored: 1, recomputed: 2)))
        try test.store.rebuildTallies()
        #expect(try test.store.verify() == [])
    }

    @Test func aReopenedFileKeepsEverything() async throws {
        let test = try await Self.populated(.standardShared)
        let board = try test.store.loadTallyBoard()
        let campaigns = try test.store.campaigns()
        let record = try test.store.citizenRecord(Fixtures.citizen(1), campaignID: nil)
        let secret = try test.store.serverSecret()
        let low = try test.store.lowRatings(campaignID: nil, department: nil)

        let reopened = try test.reopen()
        #expect(try reopened.loadTallyBoard() == board)
        #expect(try reopened.campaigns() == campaigns)
        #expect(try reopened.citizenRecord(Fixtures.citizen(1), campaignID: nil) == record)
        #expect(try reopened.serverSecret() == secret)
        #expect(try reopened.lowRatings(campaignID: nil, department: nil) == low)
        #expect(try reopened.verify() == [])
        #expect(board.campaigns["city-2025"]?.participants == 2)

        // And its writer carries on: receipts written before the restart still answer retries.
        let writer = reopened.makeWriter()
        defer { writer.shutdown() }
        #expect(await writer.outcome(of: Fixtures.rate(4, "bus-12", .satisfied)).applied?.change.newParticipant == true)
    }
}

import Domain
@testable import Storage
import Testing

@Suite(.postgresSlots) struct StoreQueriesTests {
    @Test func lowRatingsListLevelsOneAndTwoByDepartmentProjectAndTime() async throws {
        let test = try TestStore(.standard)
        _ = try test.store.importCampaign(Fixtures.campaign(id: "county-2025", slugs: ["county-road"]))
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }
        let outcomes = await writer.outcomes(of: [
            Fixtures.rate(1, "bus-12", .veryDissatisfied, suggestion: "bus never comes", at: 1_300),
            Fixtures.rate(2, "school-a", .dissatisfied, at: 1_200),
            Fixtures.rate(3, "bus-12", .dissatisfied, at: 1_100),
            Fixtures.rate(4, "school-a", .basicallySatisfied, at: 1_000),     // not low
            Fixtures.rate(5, "county-road", .veryDissatisfied, at: 1_050),
            Fixtures.rate(6, "elder-care", .dissatisfied, at: 1_400),
            Fixtures.rate(6, "elder-care", .satisfied, at: 1_500),            // revised away from low
        ])
        #expect(outcomes.allSatisfy { $0.applied != nil })

        let all = try test.store.lowRatings(campaignID: nil, department: nil)
        // By the department's Chinese name: 交通局 (U+4EA4) before 部门… (U+90E8); then campaign and file order; then
        // oldest first.
        #expect(all.map(\.projectSlug) == ["bus-12", "bus-12", "school-a", "county-road"])
        #expect(all.map(\.updatedAt) == [1_100, 1_300, 1_200, 1_050])
        #expect(all[1] == LowRating(
            campaignID: "city-2025", projectSlug: "bus-12", projectTitle: Fixtures.text("Title of bus-12"),
            department: LocalizedText(zh: "交通局", en: "Transport Bureau"), level: .veryDissatisfied,
            suggestion: "bus never comes", updatedAt: 1_300))

        #expect(try test.store.lowRatings(campaignID: "city-2025", department: nil).map(\.projectSlug) == ["bus-12", "bus-12", "school-a"])
        #expect(try test.store.lowRatings(campaignID: nil, department: "交通局").count == 2)
        #expect(try test.store.lowRatings(campaignID: nil, department: "Transport Bureau").count == 2)
        #expect(try test.store.lowRatings(campaignID: "county-2025", department: "Transport Bureau") == [])
        #expect(try test.store.lowRatings(campaignID: nil, department: nil, limit: 1).count == 1)
    }

    @Test func aCitizensRecordIsOnlyTheirs() async throws {
        let test = try TestStore(.standard)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }
        _ = await writer.outcomes(of: [
            Fixtures.rate(1, "school-a", .satisfied, suggestion: "more teachers"),
            Fixtures.like(1, "bus-12"),
            Fixtures.rate(2, "school-a", .dissatisfied),
            Fixtures.like(2, "school-a"),
        ])
        let record = try test.store.citizenRecord(Fixtures.citizen(1), campaignID: "city-2025")
        #expect(record == CitizenRecord(
            ratings: ["school-a": CitizenRecord.Rating(level: .satisfied, suggestion: "more teachers", updatedAt: Fixtures.now)],
            likes: ["bus-12"]))
        #expect(try test.store.citizenRecord(Fixtures.citizen(1), campaignID: "other") == CitizenRecord())
        #expect(try test.store.citizenRecord(Fixtures.citizen(3), campaignID: nil) == CitizenRecord())
    }

    @Test(arguments: StoreKind.allCases)
    func theServerSecretIsThirtyTwoRandomBytesCreatedOnce(_ kind: StoreKind) throws {
        let test = try TestStore(kind)
        let secret = try test.store.serverSecret()
        #expect(secret.count == 32)
        #expect(Set(secret).count > 8)           // not a constant fill
        #expect(try test.store.serverSecret() == secret)
        if kind != .inMemory { // another process, on the same file or PostgreSQL database
            #expect(try test.reopen().serverSecret() == secret)
        }
        let another = try TestStore(kind)
        #expect(try another.store.serverSecret() != secret)
    }
}

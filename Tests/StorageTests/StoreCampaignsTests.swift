import Domain
@testable import Storage
import Testing

@Suite(.postgresSlots) struct StoreCampaignsTests {
    @Test(arguments: StoreKind.allCases)
    func importsACampaignAndReadsItBackInFileOrder(_ kind: StoreKind) throws {
        let test = try TestStore(kind, importFixture: false)
        let campaign = Fixtures.campaign(slugs: ["zeta", "alpha", "mid"])
        let summary = try test.store.importCampaign(campaign)
        #expect(summary == ImportSummary(campaignCreated: true, projectsCreated: 3))
        #expect(try test.store.campaigns() == [campaign])
        #expect(try test.store.campaign("city-2025") == campaign)
        #expect(try test.store.campaign("nope") == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func importingTheSameFileTwiceChangesNothing(_ kind: StoreKind) async throws {
        let test = try TestStore(kind)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }
        _ = try #require(await writer.outcome(of: Fixtures.rate(1, .satisfied)).applied)
        let before = (try test.store.campaigns(), try test.store.loadTallyBoard())

        let summary = try test.store.importCampaign(Fixtures.campaign())
        #expect(summary == ImportSummary(projectsUnchanged: 3))
        #expect(try test.store.campaigns() == before.0)
        #expect(try test.store.loadTallyBoard() == before.1)
    }

    @Test func editedTextsAndWindowReplaceTheOldOnesAndKeepEveryRating() async throws {
        let test = try TestStore(.standard)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }
        _ = try #require(await writer.outcome(of: Fixtures.rate(1, "bus-12", .dissatisfied, suggestion: "more buses")).applied)
        _ = try #require(await writer.outcome(of: Fixtures.like(2, "bus-12")).applied)
        let board = try test.store.loadTallyBoard()

        var edited = Fixtures.campaign(closesAt: 3_000)
        edited.title.en = "Livelihood projects (revised)"
        edited.levelLabels[4] = LocalizedText(zh: "很满意", en: "Very pleased")
        edited.projects[1].done.zh = "新增线路两条"
        edited.projects[1].figures.append(ProjectFigure(label: Fixtures.text("Lines"), value: Fixtures.text("2")))
        edited.projects.swapAt(0, 2)
        let summary = try test.store.importCampaign(edited)

        #expect(summary == ImportSummary(campaignUpdated: true, projectsUpdated: 3))   // bus-12 edited, two moved
        #expect(try test.store.campaigns() == [edited])
        #expect(try test.store.loadTallyBoard() == board)
        let record = try test.store.citizenRecord(Fixtures.citizen(1), campaignID: nil)
        #expect(record.ratings["bus-12"]?.suggestion == "more buses")
        #expect(try test.store.verify() == [])
    }

    @Test func projectsMissingFromTheFileAreKeptAfterTheOthersAndReported() async throws {
        let test = try TestStore(.standard)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }
        _ = try #require(await writer.outcome(of: Fixtures.rate(1, "school-a", .verySatisfied)).applied)

        let summary = try test.store.importCampaign(Fixtures.campaign(slugs: ["elder-care", "new-park"]))
        #expect(summary.projectsMissingFromFile == ["school-a", "bus-12"])
        #expect(summary.projectsCreated == 1)
        let stored = try #require(try test.store.campaign("city-2025"))
        #expect(stored.projects.map(\.slug) == ["elder-care", "new-park", "school-a", "bus-12"])
        // Its QR code still works and its rating still counts.
        #expect(try test.store.loadTallyBoard().campaigns["city-2025"]?.projects["school-a"]?.counts == [0, 0, 0, 0, 1])
        #expect(await writer.outcome(of: Fixtures.rate(2, "school-a", .satisfied)).applied != nil)
    }

    @Test func refusesASlugThatBelongsToAnotherCampaignAndChangesNothing() throws {
        let test = try TestStore(.standard)
        let other = Fixtures.campaign(id: "county-2025", slugs: ["county-road", "bus-12"])
        #expect(throws: DomainError.slugBelongsToAnotherCampaign(slug: "bus-12", campaignID: "city-2025")) {
            try test.store.importCampaign(other)
        }
        #expect(try test.store.campaigns().map(\.id) == ["city-2025"])
        #expect(DomainError.slugBelongsToAnotherCampaign(slug: "bus-12", campaignID: "city-2025").code == "campaign.slug_taken")
    }

    @Test func validatesBeforeWritingAnything() throws {
        let test = try TestStore(.standard, importFixture: false)
        var invalid = Fixtures.campaign()
        invalid.projects[2].slug = "school-a"
        #expect(throws: DomainError.self) { try test.store.importCampaign(invalid) }
        #expect(try test.store.campaigns() == [])
    }

    @Test func campaignsAreListedByOpeningTime() throws {
        let test = try TestStore(.standard, importFixture: false)
        _ = try test.store.importCampaign(Fixtures.campaign(id: "later", slugs: ["l-1"], opensAt: 5_000, closesAt: 6_000))
        _ = try test.store.importCampaign(Fixtures.campaign(id: "earlier", slugs: ["e-1"], opensAt: 1_000, closesAt: 9_000))
        #expect(try test.store.campaigns().map(\.id) == ["earlier", "later"])
        let board = try test.store.loadTallyBoard()
        #expect(board.campaigns.keys.sorted() == ["earlier", "later"])
        #expect(board.campaigns["later"]?.projects == ["l-1": .empty])
    }
}

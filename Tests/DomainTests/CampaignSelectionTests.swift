import Domain
import Testing

@Suite struct CampaignSelectionTests {
    private func campaign(_ id: String, opens: Int64, closes: Int64) -> CampaignDefinition {
        CampaignDefinition(
            id: id, title: LocalizedText(zh: id, en: id), opensAt: opens, closesAt: closes, timeZone: "Asia/Shanghai",
            projects: [Fixtures.project(id + "-p")])
    }

    @Test func anOpenCampaignWinsOverAnOlderClosedOneListedFirst() {
        let old = campaign("old-2025", opens: 0, closes: 100)
        let current = campaign("demo-2026", opens: 200, closes: 1_000)
        #expect(CampaignSelection.current([old, current], at: 500)?.id == "demo-2026")
    }

    @Test func ofTwoOpenCampaignsTheOneThatOpenedLastIsShown() {
        let long = campaign("long", opens: 0, closes: 1_000)
        let newer = campaign("newer", opens: 300, closes: 900)
        #expect(CampaignSelection.current([long, newer], at: 500)?.id == "newer")
        #expect(CampaignSelection.current([newer, long], at: 500)?.id == "newer")
    }

    @Test func withNothingOpenTheNextToOpenIsShown() {
        let closed = campaign("closed", opens: 0, closes: 100)
        let later = campaign("later", opens: 900, closes: 1_000)
        let sooner = campaign("sooner", opens: 600, closes: 2_000)
        #expect(CampaignSelection.current([closed, later, sooner], at: 500)?.id == "sooner")
    }

    @Test func withEverythingClosedTheMostRecentlyClosedIsShown() {
        let older = campaign("older", opens: 0, closes: 100)
        let recent = campaign("recent", opens: 50, closes: 300)
        #expect(CampaignSelection.current([recent, older], at: 500)?.id == "recent")
        #expect(CampaignSelection.current([], at: 500) == nil)
    }

    @Test func theOpeningInstantIsOpenAndTheClosingInstantIsClosed() {
        let a = campaign("a", opens: 100, closes: 200)
        let b = campaign("b", opens: 200, closes: 300)
        #expect(CampaignSelection.current([a, b], at: 200)?.id == "b")
        #expect(CampaignSelection.current([a, b], at: 199)?.id == "a")
    }

    @Test func theSwitcherListsTheNewestWindowFirst() {
        let list = [campaign("a", opens: 0, closes: 10), campaign("c", opens: 20, closes: 30), campaign("b", opens: 10, closes: 20)]
        #expect(CampaignSelection.newestFirst(list).map(\.id) == ["c", "b", "a"])
    }
}

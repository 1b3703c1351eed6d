import Domain
import Testing

@Suite struct CampaignDefinitionTests {
    @Test func acceptsTheFixture() throws {
        try Fixtures.campaign().validate()
    }

    typealias Edit = @Sendable (inout CampaignDefinition) -> Void

    /// One broken rule per row: the edit, then a fragment the error must contain (it names the field).
    static let brokenRules: [(String, Edit, String)] = [
        ("empty id", { $0.id = "" }, "id \"\""),
        ("upper-case id", { $0.id = "City-2025" }, "id \"City-2025\""),
        ("id with a space", { $0.id = "city 2025" }, "id"),
        ("id with an underscore", { $0.id = "city_2025" }, "id"),
        ("65-character id", { $0.id = String(repeating: "a", count: 65) }, "id"),
        ("blank Chinese title", { $0.title.zh = "  " }, "title.zh"),
        ("empty English title", { $0.title.en = "" }, "title.en"),
        ("window of zero length", { $0.closesAt = $0.opensAt }, "opensAt"),
        ("window closing before it opens", { $0.closesAt = $0.opensAt - 1 }, "opensAt"),
        ("empty time zone", { $0.timeZone = "" }, "timeZone"),
        ("time zone with a space", { $0.timeZone = "Asia/Shang hai" }, "timeZone"),
        ("time zone ending in a slash", { $0.timeZone = "Asia/" }, "timeZone"),
        ("time zone browsers do not know", { $0.timeZone = "Mars/Olympus" },
         "timeZone \"Mars/Olympus\" is not an IANA time zone name; use one such as Asia/Shanghai"),
        ("time zone in the wrong case", { $0.timeZone = "asia/shanghai" }, "timeZone \"asia/shanghai\""),
        ("tz database placeholder that Intl refuses", { $0.timeZone = "Factory" }, "timeZone \"Factory\""),
        ("four level labels", { $0.levelLabels.removeLast() }, "levelLabels must have exactly 5"),
        ("six level labels", { $0.levelLabels.append(Fixtures.text("Extra")) }, "levelLabels must have exactly 5"),
        ("blank level label", { $0.levelLabels[2].zh = "" }, "levelLabels[2].zh"),
        ("no projects", { $0.projects = [] }, "projects must not be empty"),
        ("too many projects", { c in c.projects = (0...CampaignDefinition.Limits.maxProjects).map { Fixtures.project("p-\($0)") } }, "at most 1000"),
        ("upper-case slug", { $0.projects[1].slug = "Bus-12" }, "projects[1].slug"),
        ("slash in slug", { $0.projects[0].slug = "school/a" }, "projects[0].slug"),
        ("empty slug", { $0.projects[0].slug = "" }, "projects[0].slug"),
        ("repeated slug", { $0.projects[1].slug = "school-a" }, "projects[1].slug \"school-a\" repeats projects[0].slug"),
        ("blank project title", { $0.projects[0].title.en = "\n" }, "projects[0].title.en"),
        ("blank department", { $0.projects[1].department.zh = "" }, "projects[1].department.zh"),
        ("blank summary", { $0.projects[0].summary.en = "" }, "projects[0].summary.en"),
        ("blank promise", { $0.projects[0].promised.zh = "" }, "projects[0].promised.zh"),
        ("blank result", { $0.projects[0].done.en = "" }, "projects[0].done.en"),
        ("blank figure value", { $0.projects[0].figures[0].value.zh = "" }, "projects[0].figures[0].value.zh"),
        ("too many figures", { c in
            c.projects[0].figures = Array(repeating: c.projects[0].figures[0], count: CampaignDefinition.Limits.maxFiguresPerProject + 1)
        }, "figures has 33 entries"),
        ("overlong text", { $0.projects[0].done.zh = String(repeating: "做", count: CampaignDefinition.Limits.maxTextLength + 1) }, "projects[0].done.zh is longer"),
    ]

    @Test(arguments: brokenRules)
    func refusesAnInvalidDefinitionNamingTheField(_ rule: String, _ edit: Edit, _ fragment: String) {
        var campaign = Fixtures.campaign()
        edit(&campaign)
        do {
            try campaign.validate()
            Issue.record("accepted: \(rule)")
        } catch {
            guard case .invalidDefinition(let problem) = error else {
                Issue.record("\(rule): unexpected \(error)")
                return
            }
            #expect(problem.contains(fragment), "\(rule): \(problem)")
            #expect(error.code == "campaign.invalid_definition")
        }
    }

    @Test(arguments: ["a", "0", "-", "school-a-2025", String(repeating: "z", count: 64)])
    func acceptsIdentifiersOfLowerCaseLettersDigitsAndDashes(_ identifier: String) throws {
        var campaign = Fixtures.campaign()
        campaign.id = identifier
        campaign.projects[0].slug = identifier
        try campaign.validate()
    }

    @Test(arguments: ["Asia/Shanghai", "UTC", "Etc/GMT+8", "America/Argentina/Buenos_Aires", "America/Port-au-Prince",
                      "Europe/London", "Asia/Chongqing", "PRC", "Etc/UTC", "Etc/GMT-14", "Europe/Kyiv", "Europe/Kiev"])
    func acceptsIANATimeZoneNamesAndTheirBackwardCompatibleLinks(_ name: String) throws {
        var campaign = Fixtures.campaign()
        campaign.timeZone = name
        try campaign.validate()
    }

    @Test func everyListedTimeZoneNamePassesTheShapeCheck() throws {
        // The list and the shape check must agree, or a listed zone could never be used.
        #expect(IANATimeZone.names.count > 500)
        for name in IANATimeZone.names {
            var campaign = Fixtures.campaign()
            campaign.timeZone = name
            #expect(throws: Never.self, "\(name)") { try campaign.validate() }
        }
    }

    @Test func aProblemNamesItsKeyPathApartFromWhatIsWrong() {
        var campaign = Fixtures.campaign()
        campaign.projects[1].figures[0].value.en = " "
        #expect(throws: CampaignDefinition.Problem("projects[1].figures[0].value.en", "must not be empty")) { try campaign.check() }
        #expect(throws: DomainError.invalidDefinition("projects[1].figures[0].value.en must not be empty")) { try campaign.validate() }
    }

    @Test(arguments: [
        (Int64.min, CampaignState.upcoming),
        (0, .upcoming),
        (999, .upcoming),
        (1_000, .open),          // opensAt is inclusive
        (1_001, .open),
        (1_999, .open),
        (2_000, .closed),        // closesAt is exclusive
        (2_001, .closed),
        (Int64.max, .closed),
    ] as [(Int64, CampaignState)])
    func stateAtTheWindowBoundaries(_ at: Int64, _ expected: CampaignState) {
        let campaign = Fixtures.campaign()
        #expect(campaign.state(at: at) == expected)
        #expect(CampaignDefinition.state(at: at, opensAt: 1_000, closesAt: 2_000) == expected)
    }

    @Test func defaultsToTheNationalLevelLabels() {
        #expect(Fixtures.campaign().levelLabels == SatisfactionLevel.defaultLabels)
    }
}

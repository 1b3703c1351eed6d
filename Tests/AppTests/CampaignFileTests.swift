@testable import App
import TestSupport
import Domain
import Testing

/// ISO 8601 instants with their offset, as campaign files write the evaluation window.
@Suite struct ISO8601InstantTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", 0),
        ("1969-12-31T23:59:59Z", -1_000),
        ("2026-01-01T00:00:00+08:00", 1_767_196_800_000),
        ("2030-12-31T23:59:59+08:00", 1_924_963_199_000),
        ("2026-11-01T09:00:00+08:00", 1_793_494_800_000),
        ("2026-11-01T01:00:00Z", 1_793_494_800_000),
        ("2026-11-01T01:00Z", 1_793_494_800_000),
        ("2026-11-01T01:00:00+00:00", 1_793_494_800_000),
        ("2026-11-01T01:00:00-00:00", 1_793_494_800_000),
        ("2026-03-01T12:00:00-05:30", 1_772_386_200_000),
        ("2027-03-31T18:00:00+08:00", 1_806_487_200_000),
        ("2024-02-29T23:59:59Z", 1_709_251_199_000),
        ("2000-02-29T12:00:00Z", 951_825_600_000),
        ("2099-12-31T23:59:59+14:00", 4_102_394_399_000),
        ("2026-01-01 00:00:00+08:00", 1_767_196_800_000),
    ] as [(String, Int64)])
    func readsAKnownInstant(_ text: String, _ milliseconds: Int64) {
        #expect(ISO8601Instant.milliseconds(text) == milliseconds)
    }

    @Test func keepsTheMillisecondsOfAFraction() {
        // "…00.5Z" is half a second after "…00Z". Refusing it would be acceptable; reading it as "…00Z" is not.
        let whole = ISO8601Instant.milliseconds("2026-11-01T01:00:00Z")!
        let fraction = ISO8601Instant.milliseconds("2026-11-01T01:00:00.5Z")
        #expect(fraction == whole + 500 || fraction == nil)
    }

    @Test(arguments: [
        "2023-02-29T00:00:00Z",  // not a leap year
        "1900-02-29T00:00:00Z",  // a century that is not a leap year
        "2026-02-30T00:00:00+08:00",
        "2026-04-31T00:00:00+08:00",
        "2026-13-01T00:00:00+08:00",
        "2026-00-10T00:00:00+08:00",
        "2026-01-00T00:00:00+08:00",
        "2026-01-01T24:00:00+08:00",
        "2026-01-01T23:60:00+08:00",
        "2026-01-01T00:00:00+24:00",
        "2026-01-01T00:00:00+08:60",
    ])
    func refusesADateThatDoesNotExist(_ text: String) {
        #expect(ISO8601Instant.milliseconds(text) == nil)
    }

    @Test(arguments: [
        "2026-01-01T00:00:00",  // the offset is required: a window must not depend on the server's zone
        "2026-01-01T00:00",
        "2026-01-01",
        "",
        "2026-01-01T00:00:00+08",
        "2026-01-01T00:00:00+0800",
        "2026-01-01T00:00:00+8:00",
        "2026-01-01T00:00:00 +08:00",
        "2026-01-01T00:00:00Zjunk",
        "2026-01-01T00:00:00z",
        "2026-01-01t00:00:00Z",
        "2026-1-01T00:00:00Z",
        "26-01-01T00:00:00Z",
        "2026/01/01T00:00:00Z",
        "2026-01-01T00:00:00+08:00:00",
        "２０２６-01-01T00:00:00Z",
    ])
    func refusesATimeWithoutAnOffsetOrMalformed(_ text: String) {
        #expect(ISO8601Instant.milliseconds(text) == nil)
    }
}

/// `CampaignFile.load`: the YAML operators write, validated with errors that name the problem.
@Suite struct CampaignFileTests {
    /// The repository's demo campaign, found from this file's path.
    static func demoYAML(filePath: String = #filePath) throws -> String {
        let root = filePath.split(separator: "/", omittingEmptySubsequences: false).dropLast(3).joined(separator: "/")
        return try readTextFile(root + "/config/campaigns/demo.yaml")
    }

    static let minimal = """
        id: test-2026
        title: {zh: 测试, en: Test}
        opens: "2026-01-01T00:00:00+08:00"
        closes: "2026-12-31T23:59:59+08:00"
        timeZone: Asia/Shanghai
        projects:
          - slug: one
            title: {zh: 一, en: One}
            department: {zh: 局, en: Bureau}
            summary: {zh: 摘要, en: Summary}
            promised: {zh: 承诺, en: Promised}
            done: {zh: 完成, en: Done}
            figures: []
        """

    /// `minimal` with its line starting with `prefix` replaced (or removed, for "").
    static func minimal(replacing prefix: String, with line: String) -> String {
        minimal.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingPrefix(while: { $0 == " " }).hasPrefix(prefix) ? Substring(String($0.prefix { $0 == " " }) + line) : $0 }
            .joined(separator: "\n")
    }

    /// The error's text, or nil if the file loads.
    static func error(loading yaml: String) -> String? {
        do {
            _ = try CampaignFile.load(yaml: yaml)
            return nil
        } catch {
            return String(describing: error)
        }
    }

    @Test func loadsTheDemoCampaign() throws {
        let campaign = try CampaignFile.load(yaml: try Self.demoYAML())
        #expect(campaign.id == "demo-2026")
        // The same instants docs/PROTOCOL.md shows for this campaign.
        #expect(campaign.opensAt == 1_767_196_800_000)
        #expect(campaign.closesAt == 1_924_963_199_000)
        #expect(campaign.timeZone == "Asia/Shanghai")
        #expect(campaign.levelLabels == SatisfactionLevel.defaultLabels)
        #expect(campaign.projects.count == 10)
        #expect(campaign.projects.first?.slug == "new-schools")
        #expect(campaign.projects.first?.figures.count == 2)
        #expect(campaign.projects.first?.figures.first?.value.en == "12,480")
        #expect(Set(campaign.projects.map(\.slug)).count == 10)
        #expect(campaign.title.zh == "2026年度民生实事 · 你说了算")
    }

    @Test func loadsAMinimalCampaignWithTheDefaultLabels() throws {
        let campaign = try CampaignFile.load(yaml: Self.minimal)
        #expect(campaign.levelLabels == SatisfactionLevel.defaultLabels)
        #expect(campaign.projects.map(\.slug) == ["one"])
        #expect(campaign.projects[0].figures == [])
    }

    @Test func usesLevelLabelsFromTheFile() throws {
        let labels = (1...5).map { "  - {zh: 级\($0), en: Level \($0)}" }.joined(separator: "\n")
        let campaign = try CampaignFile.load(yaml: Self.minimal + "\nlevels:\n" + labels)
        #expect(campaign.levelLabels.map(\.en) == ["Level 1", "Level 2", "Level 3", "Level 4", "Level 5"])
    }

    @Test func acceptsAnUnquotedTime() throws {
        // YAML reads an unquoted ISO 8601 time as a timestamp; operators write them both ways.
        let campaign = try CampaignFile.load(yaml: Self.minimal(replacing: "opens:", with: "opens: 2026-01-01T00:00:00+08:00"))
        #expect(campaign.opensAt == 1_767_196_800_000)
    }

    struct BrokenYAML: CustomTestStringConvertible, Sendable {
        var testDescription: String
        var yaml: String
    }

    @Test(arguments: [
        BrokenYAML(testDescription: "a repeated key with an unclosed sequence", yaml: minimal + "\nid: ["),
        BrokenYAML(testDescription: "an unterminated quoted string", yaml: minimal(replacing: "id:", with: #"id: "unterminated"#)),
        BrokenYAML(testDescription: "an unclosed flow mapping", yaml: minimal(replacing: "summary:", with: "summary: {zh: 摘要, en: Summary")),
    ])
    func refusesBrokenYAML(_ vector: BrokenYAML) throws {
        let message = try #require(Self.error(loading: vector.yaml))
        #expect(message.contains("not a valid campaign file"), "\(message)")
    }

    @Test func refusesACampaignWithoutProjects() throws {
        let yaml = String(Self.minimal[..<Self.minimal.firstRange(of: "projects:")!.lowerBound]) + "projects: []"
        let message = try #require(Self.error(loading: yaml))
        #expect(message.contains("projects must not be empty"), "\(message)")
    }

    @Test func refusesAFileThatIsNotYAMLAtAll() throws {
        let message = try #require(Self.error(loading: "{{{{"))
        #expect(message.contains("not a valid campaign file"), "\(message)")
    }

    @Test func refusesAnEmptyFile() throws {
        #expect(Self.error(loading: "") != nil)
    }

    struct Broken: CustomTestStringConvertible, Sendable {
        var name: String
        var prefix: String
        var line: String
        /// Words the error must contain, to name the problem.
        var mentions: [String]
        var testDescription: String { name }
    }

    static let broken: [Broken] = [
        Broken(name: "no id", prefix: "id:", line: "", mentions: ["not a valid campaign file", #""id""#]),
        Broken(name: "an opening time without an offset", prefix: "opens:", line: #"opens: "2026-01-01T00:00:00""#,
               mentions: ["opens", "2026-01-01T00:00:00", "offset"]),
        Broken(name: "a closing date that does not exist", prefix: "closes:", line: #"closes: "2026-02-30T00:00:00+08:00""#,
               mentions: ["closes", "2026-02-30"]),
        Broken(name: "a window that closes before it opens", prefix: "closes:", line: #"closes: "2025-12-31T00:00:00+08:00""#,
               mentions: ["opensAt", "closesAt"]),
        Broken(name: "an id with capitals and spaces", prefix: "id:", line: "id: Test 2026", mentions: ["id", "Test 2026"]),
        Broken(name: "a slug with capitals", prefix: "- slug:", line: "- slug: New_Schools", mentions: ["projects[0].slug", "New_Schools"]),
        Broken(name: "an empty English title", prefix: "title: {zh: 一", line: #"title: {zh: 一, en: "  "}"#,
               mentions: ["projects[0].title.en"]),
        Broken(name: "a time zone that is not an IANA name", prefix: "timeZone:", line: "timeZone: Beijing Time", mentions: ["timeZone"]),
        Broken(name: "a title that is a string, not zh and en", prefix: "title: {zh: 测试", line: "title: Test",
               mentions: ["not a valid campaign file", "title"]),
    ]

    @Test(arguments: broken)
    func refusesAnInvalidDefinitionNamingTheProblem(_ vector: Broken) throws {
        let yaml = Self.minimal(replacing: vector.prefix, with: vector.line)
        #expect(yaml != Self.minimal, "the vector changes the file")
        let message = try #require(Self.error(loading: yaml))
        for word in vector.mentions {
            #expect(message.contains(word), "\(message)")
        }
    }

    @Test func refusesARepeatedSlug() throws {
        let project = Self.minimal.components(after: "projects:\n")
        let message = try #require(Self.error(loading: Self.minimal + "\n" + project))
        #expect(message.contains("projects[1].slug"), "\(message)")
        #expect(message.contains("projects[0].slug"), "\(message)")
    }

    @Test func refusesFourLevelLabels() throws {
        let labels = (1...4).map { "  - {zh: 级\($0), en: Level \($0)}" }.joined(separator: "\n")
        let message = try #require(Self.error(loading: Self.minimal + "\nlevels:\n" + labels))
        #expect(message.contains("5"), "\(message)")
        #expect(message.contains("4"), "\(message)")
    }
}

extension String {
    /// The text after the first `marker`.
    func components(after marker: String) -> String {
        guard let range = firstRange(of: marker) else { return "" }
        return String(self[range.upperBound...])
    }
}

/// config/campaigns/demo.yaml says what every figure is, in words, in its `done` texts. A flow mapping ends a
/// value at its first comma, so `{zh: 12,480个, …}` once loaded as "12": this table, written out from the texts,
/// catches any figure that the file no longer says as intended.
@Suite struct DemoCampaignFiguresTests {
    struct Figure: Equatable, CustomStringConvertible {
        var labelZH: String
        var labelEN: String
        var valueZH: String
        var valueEN: String
        var description: String { "\(labelZH) / \(labelEN) = \(valueZH) / \(valueEN)" }
    }

    /// Every figure of every project, in file order.
    static let intended: [(slug: String, figures: [Figure])] = [
        ("new-schools", [
            Figure(labelZH: "新增学位", labelEN: "New school places", valueZH: "12,480个", valueEN: "12,480"),
            Figure(labelZH: "竣工学校", labelEN: "Schools finished", valueZH: "12所", valueEN: "12"),
        ]),
        ("bus-lines", [
            Figure(labelZH: "新开线路", labelEN: "New lines", valueZH: "22条", valueEN: "22"),
            Figure(labelZH: "高峰发车间隔", labelEN: "Peak interval", valueZH: "8分钟", valueEN: "8 minutes"),
        ]),
        ("elder-care", [
            Figure(labelZH: "老年食堂", labelEN: "Canteens", valueZH: "64个", valueEN: "64"),
            Figure(labelZH: "服务人次", labelEN: "Visits served", valueZH: "38万", valueEN: "380,000"),
        ]),
        ("old-neighbourhoods", [
            Figure(labelZH: "改造小区", labelEN: "Compounds renovated", valueZH: "126个", valueEN: "126"),
            Figure(labelZH: "加装电梯", labelEN: "Lifts added", valueZH: "213部", valueEN: "213"),
        ]),
        ("community-clinics", [
            Figure(labelZH: "新增全科医生", labelEN: "New GPs", valueZH: "180名", valueEN: "180"),
            Figure(labelZH: "基层诊疗量", labelEN: "Clinic visits", valueZH: "增长12%", valueEN: "+12%"),
        ]),
        ("village-water", [
            Figure(labelZH: "受益人口", labelEN: "People served", valueZH: "21.6万", valueEN: "216,000"),
            Figure(labelZH: "水质合格率", labelEN: "Samples up to standard", valueZH: "99.2%", valueEN: "99.2%"),
        ]),
        ("public-parking", [
            Figure(labelZH: "新增泊位", labelEN: "New spaces", valueZH: "10,350个", valueEN: "10,350"),
            Figure(labelZH: "充电泊位", labelEN: "Charging spaces", valueZH: "2,150个", valueEN: "2,150"),
        ]),
        ("childcare", [
            Figure(labelZH: "新增托位", labelEN: "New places", valueZH: "3,260个", valueEN: "3,260"),
            Figure(labelZH: "每千人托位", labelEN: "Places per 1,000", valueZH: "4.6个", valueEN: "4.6"),
        ]),
        ("farmers-markets", [
            Figure(labelZH: "改造市场", labelEN: "Markets upgraded", valueZH: "42个", valueEN: "42"),
            Figure(labelZH: "快检批次", labelEN: "Samples tested", valueZH: "5.6万", valueEN: "56,000"),
        ]),
        ("skills-training", [
            Figure(labelZH: "培训人次", labelEN: "People trained", valueZH: "5.3万", valueEN: "53,000"),
            Figure(labelZH: "就业率", labelEN: "In work afterwards", valueZH: "76%", valueEN: "76%"),
        ]),
    ]

    @Test func everyFigureOfTheDemoReadsAsItsTextsSayInBothLanguages() throws {
        let campaign = try CampaignFile.load(yaml: try CampaignFileTests.demoYAML())
        #expect(campaign.projects.map(\.slug) == Self.intended.map(\.slug))
        for (slug, intended) in Self.intended {
            let project = try #require(campaign.projects.first { $0.slug == slug }, "\(slug)")
            let figures = project.figures.map {
                Figure(labelZH: $0.label.zh, labelEN: $0.label.en, valueZH: $0.value.zh, valueEN: $0.value.en)
            }
            #expect(figures.count == intended.count, "\(slug)")
            for (read, meant) in zip(figures, intended) {
                #expect(read == meant, "\(slug)")
            }
        }
    }
}

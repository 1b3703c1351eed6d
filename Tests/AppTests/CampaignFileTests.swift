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

@testable import App
import Domain
import Storage
import TestSupport
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

/// `CampaignFile.load`: the YAML operators write, read strictly, with errors in their terms (file, line, key path).
@Suite struct CampaignFileTests {
    /// The repository's root, found from this file's path.
    static func repositoryRoot(filePath: String = #filePath) -> String {
        filePath.split(separator: "/", omittingEmptySubsequences: false).dropLast(3).joined(separator: "/")
    }

    /// The repository's demo campaign.
    static func demoYAML() throws -> String {
        try readTextFile(repositoryRoot() + "/config/campaigns/demo.yaml")
    }

    /// Line numbers matter: the refusals below name them.
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

    /// `minimal` with its line starting with `prefix` replaced (or emptied, for ""), keeping its indentation.
    static func minimal(replacing prefix: String, with line: String) -> String {
        minimal.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingPrefix(while: { $0 == " " }).hasPrefix(prefix) ? Substring(String($0.prefix { $0 == " " }) + line) : $0 }
            .joined(separator: "\n")
    }

    /// `minimal` up to its `projects:` line (lines 1 to 5).
    static let header = String(minimal[..<minimal.firstRange(of: "projects:")!.lowerBound])

    /// Five level labels, from line 14 on, after `minimal`.
    static func levels(_ entries: [String] = (1...5).map { "{zh: 级\($0), en: Level \($0)}" }) -> String {
        minimal + "\nlevels:\n" + entries.map { "  - \($0)" }.joined(separator: "\n")
    }

    /// The error's text, or nil if the file loads.
    static func error(loading yaml: String, file: String = "x.yaml") -> String? {
        do {
            _ = try CampaignFile.load(yaml: yaml, file: file)
            return nil
        } catch {
            return error.description
        }
    }

    // MARK: - What loads

    @Test func loadsTheDemoCampaign() throws {
        let campaign = try CampaignFile.load(yaml: try Self.demoYAML(), file: "demo.yaml")
        #expect(campaign.id == "demo-2026")
        // The same instants docs/PROTOCOL.md shows for this campaign.
        #expect(campaign.opensAt == 1_767_196_800_000)
        #expect(campaign.closesAt == 1_924_963_199_000)
        #expect(campaign.timeZone == "Asia/Shanghai")
        #expect(campaign.levelLabels == SatisfactionLevel.defaultLabels)
        #expect(campaign.projects.count == 10)
        #expect(Set(campaign.projects.map(\.slug)).count == 10)
        #expect(campaign.title.zh == "2026年度民生实事 · 你说了算")
    }

    @Test func theExampleInTheCampaignsDocumentLoadsAsItSays() throws {
        let document = try readTextFile(Self.repositoryRoot() + "/docs/CAMPAIGNS.md")
        let rest = document.components(after: "```yaml\n")
        let example = String(rest[..<(try #require(rest.firstRange(of: "```"))).lowerBound])
        let campaign = try CampaignFile.load(yaml: example, file: "CAMPAIGNS.md")
        #expect(campaign.levelLabels.count == 5)
        #expect(campaign.projects[0].figures == [
            ProjectFigure(label: LocalizedText(zh: "新增学位", en: "New school places"), value: LocalizedText(zh: "12,480个", en: "12,480")),
            ProjectFigure(label: LocalizedText(zh: "竣工学校", en: "Schools finished"), value: LocalizedText(zh: "12所", en: "12")),
        ])
    }

    @Test func loadsAMinimalCampaignWithTheDefaultLabels() throws {
        let campaign = try CampaignFile.load(yaml: Self.minimal, file: "x.yaml")
        #expect(campaign.levelLabels == SatisfactionLevel.defaultLabels)
        #expect(campaign.projects.map(\.slug) == ["one"])
        #expect(campaign.projects[0].figures == [])
        #expect(campaign.projects[0].title == LocalizedText(zh: "一", en: "One"))
    }

    @Test func usesLevelLabelsFromTheFile() throws {
        let campaign = try CampaignFile.load(yaml: Self.levels(), file: "x.yaml")
        #expect(campaign.levelLabels.map(\.en) == ["Level 1", "Level 2", "Level 3", "Level 4", "Level 5"])
    }

    @Test func acceptsAnUnquotedTime() throws {
        // YAML reads an unquoted ISO 8601 time as a timestamp; operators write them both ways.
        let campaign = try CampaignFile.load(yaml: Self.minimal(replacing: "opens:", with: "opens: 2026-01-01T00:00:00+08:00"), file: "x.yaml")
        #expect(campaign.opensAt == 1_767_196_800_000)
    }

    @Test func takesANumberBooleanOrDateWhereTextIsExpectedAsWritten() throws {
        // `en: 12` means "12"; the scalar's own characters are kept (1.50 stays "1.50", 0x1F stays "0x1F").
        let yaml = Self.minimal(replacing: "figures:", with: """
            figures:
                  - {label: {zh: 2026, en: 2026-01-01}, value: {zh: 12, en: 1.50}}
                  - {label: {zh: 是否, en: true}, value: {zh: 0x1F, en: +12%}}
            """)
        let figures = try CampaignFile.load(yaml: yaml, file: "x.yaml").projects[0].figures
        #expect(figures == [
            ProjectFigure(label: LocalizedText(zh: "2026", en: "2026-01-01"), value: LocalizedText(zh: "12", en: "1.50")),
            ProjectFigure(label: LocalizedText(zh: "是否", en: "true"), value: LocalizedText(zh: "0x1F", en: "+12%")),
        ])
    }

    @Test func readsBlockStyleTextsQuotedKeysAndAProjectWithoutFigures() throws {
        let yaml = Self.minimal(replacing: "title: {zh: 一", with: """
            title:
                  "zh": 一
                  en: |
                    One,
                    with a comma
            """).replacing("    figures: []\n", with: "").replacing("    figures: []", with: "")
        let project = try CampaignFile.load(yaml: yaml, file: "x.yaml").projects[0]
        #expect(project.title == LocalizedText(zh: "一", en: "One,\nwith a comma\n"))
        #expect(project.figures == [])
    }

    @Test func readsFiguresWithNothingAfterThemAsNoFigures() throws {
        let campaign = try CampaignFile.load(yaml: Self.minimal(replacing: "figures:", with: "figures:"), file: "x.yaml")
        #expect(campaign.projects[0].figures == [])
    }

    @Test(arguments: ["Asia/Shanghai", "UTC", "Europe/London", "Asia/Chongqing", "PRC", "Etc/GMT+8"])
    func acceptsAnIANATimeZone(_ name: String) throws {
        let campaign = try CampaignFile.load(yaml: Self.minimal(replacing: "timeZone:", with: "timeZone: \(name)"), file: "x.yaml")
        #expect(campaign.timeZone == name)
    }

    @Test func refusesATimeZoneBrowsersDoNotKnowAtItsLine() throws {
        let yaml = Self.minimal(replacing: "timeZone:", with: "timeZone: Mars/Olympus")
        #expect(Self.error(loading: yaml)
                == #"x.yaml:5: timeZone: "Mars/Olympus" is not an IANA time zone name; use one such as Asia/Shanghai"#)
    }

    // MARK: - What is refused, and how it is said

    struct Refusal: CustomTestStringConvertible, Sendable {
        var testDescription: String
        var yaml: String
        /// The whole message, file, line and key path included.
        var message: String
    }

    static let refusals: [Refusal] = [
        // Unknown keys, at every depth.
        Refusal(testDescription: "an unknown key at the top level", yaml: minimal + "\ncolour: red",
                message: #"x.yaml:14: unknown key "colour"; a campaign file has only the keys id, title, opens, closes, timeZone, levels and projects"#),
        Refusal(testDescription: "an unknown key in a project", yaml: minimal(replacing: "summary:", with: "summery: {zh: 摘要, en: Summary}"),
                message: #"x.yaml:10: projects[0]: unknown key "summery"; a project has only the keys slug, title, department, summary, promised, done and figures"#),
        Refusal(testDescription: "a key in the wrong case", yaml: minimal(replacing: "figures:", with: "Figures: []"),
                message: #"x.yaml:13: projects[0]: unknown key "Figures"; a project has only the keys slug, title, department, summary, promised, done and figures (did you mean figures?)"#),
        Refusal(testDescription: "an unknown key in a figure",
                yaml: minimal(replacing: "figures:", with: "figures: [{label: {zh: 数, en: Number}, value: {zh: 1, en: \"1\"}, unit: 个}]"),
                message: #"x.yaml:13: projects[0].figures[0]: unknown key "unit"; a figure has only the keys label and value"#),
        Refusal(testDescription: "an unknown key in a text", yaml: minimal(replacing: "title: {zh: 测试", with: "title: {zh: 测试, en: Test, fr: Essai}"),
                message: #"x.yaml:2: title: unknown key "fr"; a text has only the keys zh and en"#),
        Refusal(testDescription: "an unknown key in a level label",
                yaml: levels(["{zh: 级1, en: L1}", "{zh: 级2, en: L2}", "{zh: 级3, en: L3, de: S3}", "{zh: 级4, en: L4}", "{zh: 级5, en: L5}"]),
                message: #"x.yaml:17: levels[2]: unknown key "de"; a text has only the keys zh and en"#),
        Refusal(testDescription: "a comma inside a flow mapping's value (the demo's defect)",
                yaml: minimal(replacing: "figures:", with: """
                    figures:
                          - {label: {zh: 新增学位, en: New school places}, value: {zh: 12,480个, en: "12,480"}}
                    """),
                message: #"x.yaml:14: projects[0].figures[0].value: unknown key "480个"; a text has only the keys zh and en (a comma inside {…} ends the value: quote a value that contains a comma, like "12,480个")"#),
        Refusal(testDescription: "a comma inside a flow mapping's label",
                yaml: minimal(replacing: "figures:", with: "figures: [{label: {zh: 每千人托位, en: Places per 1,000}, value: {zh: 4.6个, en: \"4.6\"}}]"),
                message: #"x.yaml:13: projects[0].figures[0].label: unknown key "000"; a text has only the keys zh and en (a comma inside {…} ends the value: quote a value that contains a comma, like "Places per 1,000")"#),

        // Missing keys.
        Refusal(testDescription: "no id", yaml: minimal(replacing: "id:", with: ""),
                message: "x.yaml: id: missing; a campaign file needs id, title, opens, closes, timeZone and projects (levels may be left out)"),
        Refusal(testDescription: "a text without English", yaml: minimal(replacing: "title: {zh: 测试", with: "title: {zh: 测试}"),
                message: "x.yaml:2: title.en: missing; a text needs both zh and en"),
        Refusal(testDescription: "a block text without English",
                yaml: minimal(replacing: "title: {zh: 一", with: "title:\n      zh: 一"),
                message: "x.yaml:8: projects[0].title.en: missing; a text needs both zh and en"),
        Refusal(testDescription: "a project without what was done", yaml: minimal(replacing: "done:", with: ""),
                message: "x.yaml:7: projects[0].done: missing; a project needs slug, title, department, summary, promised and done (figures may be left out)"),
        Refusal(testDescription: "a figure without a value", yaml: minimal(replacing: "figures:", with: "figures: [{label: {zh: 数, en: Number}}]"),
                message: "x.yaml:13: projects[0].figures[0].value: missing; a figure needs both label and value"),

        // Nodes of the wrong kind.
        Refusal(testDescription: "a title that is a string, not zh and en", yaml: minimal(replacing: "title: {zh: 测试", with: "title: Test"),
                message: #"x.yaml:2: title: is the single value "Test"; a text is a mapping of zh and en, like {zh: 标题, en: Title}"#),
        Refusal(testDescription: "a title that is a list", yaml: minimal(replacing: "title: {zh: 测试", with: "title: [测试, Test]"),
                message: "x.yaml:2: title: is a list; a text is a mapping of zh and en, like {zh: 标题, en: Title}"),
        Refusal(testDescription: "an id that is a mapping", yaml: minimal(replacing: "id:", with: "id: {name: test}"),
                message: "x.yaml:1: id: is a mapping; it must be a single value (quote a text that starts with { or [)"),
        Refusal(testDescription: "a text's value that is a flow mapping", yaml: minimal(replacing: "title: {zh: 测试", with: "title: {zh: 测试, en: {text: Test}}"),
                message: "x.yaml:2: title.en: is a mapping; it must be a single value (quote a text that starts with { or [)"),
        Refusal(testDescription: "a text's value that is a flow sequence", yaml: minimal(replacing: "done:", with: "done: {zh: 完成, en: [Done]}"),
                message: "x.yaml:12: projects[0].done.en: is a list; it must be a single value (quote a text that starts with { or [)"),
        Refusal(testDescription: "projects that are a mapping", yaml: header + "projects: {slug: one}",
                message: #"x.yaml:6: projects: is a mapping; it must be a list of projects, each on a line starting with "- ""#),
        Refusal(testDescription: "a project that is a list", yaml: header + "projects: [[one]]",
                message: "x.yaml:6: projects[0]: is a list; a project is a mapping of slug, title, department, summary, promised, done and figures"),
        Refusal(testDescription: "a figure that is a number", yaml: minimal(replacing: "figures:", with: "figures: [12]"),
                message: #"x.yaml:13: projects[0].figures[0]: is the single value "12"; a figure is a mapping of label and value"#),
        Refusal(testDescription: "a file that is a list", yaml: "- id: test-2026\n- title: Test",
                message: "x.yaml:1: the file is a list; a campaign file is a mapping of id, title, opens, closes, timeZone, levels and projects"),
        Refusal(testDescription: "an empty file", yaml: "",
                message: "x.yaml: has no campaign in it; a campaign file is a mapping of id, title, opens, closes, timeZone, levels and projects"),
        Refusal(testDescription: "a file of comments only", yaml: "# nothing yet\n",
                message: "x.yaml: has no campaign in it; a campaign file is a mapping of id, title, opens, closes, timeZone, levels and projects"),

        // Keys written twice.
        Refusal(testDescription: "an id written twice", yaml: minimal + "\nid: again",
                message: "x.yaml:14: id: written twice (first on line 1); a key may appear only once in a mapping"),
        Refusal(testDescription: "a key written twice in a flow mapping", yaml: minimal(replacing: "title: {zh: 一", with: "title: {zh: 一, en: One, zh: 二}"),
                message: "x.yaml:8: projects[0].title.zh: written twice (first on line 8); a key may appear only once in a mapping"),
        Refusal(testDescription: "a project key written twice", yaml: minimal(replacing: "promised:", with: "done: {zh: 承诺, en: Promised}"),
                message: "x.yaml:12: projects[0].done: written twice (first on line 11); a key may appear only once in a mapping"),

        // Values the definition's rules refuse, at the line of their key.
        Refusal(testDescription: "an opening time without an offset", yaml: minimal(replacing: "opens:", with: #"opens: "2026-01-01T00:00:00""#),
                message: #"x.yaml:3: opens: "2026-01-01T00:00:00" is not an ISO 8601 time with its UTC offset, like "2026-11-01T09:00:00+08:00""#),
        Refusal(testDescription: "a closing date that does not exist", yaml: minimal(replacing: "closes:", with: #"closes: "2026-02-30T00:00:00+08:00""#),
                message: #"x.yaml:4: closes: "2026-02-30T00:00:00+08:00" is not an ISO 8601 time with its UTC offset, like "2027-03-31T18:00:00+08:00""#),
        Refusal(testDescription: "a window that closes before it opens", yaml: minimal(replacing: "closes:", with: #"closes: "2025-12-31T00:00:00+08:00""#),
                message: #"x.yaml:4: closes: "2025-12-31T00:00:00+08:00" is not after opens (2026-01-01T00:00:00+08:00); the window must close after it opens"#),
        Refusal(testDescription: "an id with capitals and spaces", yaml: minimal(replacing: "id:", with: "id: Test 2026"),
                message: #"x.yaml:1: id: "Test 2026" must be 1 to 64 characters of a-z, 0-9 and -"#),
        Refusal(testDescription: "a slug with capitals", yaml: minimal(replacing: "- slug:", with: "- slug: New_Schools"),
                message: #"x.yaml:7: projects[0].slug: "New_Schools" must be 1 to 64 characters of a-z, 0-9 and -"#),
        Refusal(testDescription: "a blank English title", yaml: minimal(replacing: "title: {zh: 一", with: #"title: {zh: 一, en: "  "}"#),
                message: "x.yaml:8: projects[0].title.en: must not be empty"),
        Refusal(testDescription: "an English title of nothing but null", yaml: minimal(replacing: "title: {zh: 一", with: "title: {zh: 一, en: ~}"),
                message: "x.yaml:8: projects[0].title.en: must not be empty"),
        Refusal(testDescription: "a time zone that is not an IANA name", yaml: minimal(replacing: "timeZone:", with: "timeZone: Beijing Time"),
                message: #"x.yaml:5: timeZone: "Beijing Time" is not an IANA time zone name; use one such as Asia/Shanghai"#),
        Refusal(testDescription: "a time zone browsers do not know", yaml: minimal(replacing: "timeZone:", with: "timeZone: Mars/Olympus"),
                message: #"x.yaml:5: timeZone: "Mars/Olympus" is not an IANA time zone name; use one such as Asia/Shanghai"#),
        Refusal(testDescription: "no projects", yaml: header + "projects: []",
                message: "x.yaml:6: projects: must not be empty"),
        Refusal(testDescription: "a repeated slug", yaml: minimal + "\n" + minimal.components(after: "projects:\n"),
                message: #"x.yaml:14: projects[1].slug: "one" repeats projects[0].slug"#),
        Refusal(testDescription: "four level labels", yaml: levels((1...4).map { "{zh: 级\($0), en: Level \($0)}" }),
                message: "x.yaml:14: levels: must have exactly 5 entries, from level 1 to level 5; it has 4"),
        Refusal(testDescription: "a blank level label", yaml: levels(["{zh: 级1, en: L1}", "{zh: 级2, en: L2}", "{zh: '', en: L3}", "{zh: 级4, en: L4}", "{zh: 级5, en: L5}"]),
                message: "x.yaml:17: levels[2].zh: must not be empty"),
    ]

    @Test(arguments: refusals)
    func refusesNamingTheFileLineAndKeyPath(_ refusal: Refusal) throws {
        #expect(refusal.yaml != Self.minimal, "the vector changes the file")
        #expect(Self.error(loading: refusal.yaml) == refusal.message)
    }

    /// YAML syntax errors, with the line the parser stopped at and where the unclosed thing started; the parser's own
    /// words in between are libyaml's.
    @Test(arguments: [
        // The quoted string runs on to the next quote, on line 3, where the parser gives up.
        Refusal(testDescription: "an unterminated quoted string", yaml: minimal(replacing: "id:", with: #"id: "unterminated"#),
                message: "x.yaml:3: not valid YAML at column 9: did not find expected key (while parsing a block mapping that starts on line 1); check the quotes, brackets and indentation there"),
        Refusal(testDescription: "an unclosed flow mapping", yaml: minimal(replacing: "summary:", with: "summary: {zh: 摘要, en: Summary"),
                message: "x.yaml:11: not valid YAML at column 13: did not find expected ',' or '}' (while parsing a flow mapping that starts on line 10); check the quotes, brackets and indentation there"),
        Refusal(testDescription: "a repeated key with an unclosed sequence", yaml: minimal + "\nid: [",
                message: "x.yaml:14: not valid YAML at the end of the file: did not find expected node content (while parsing a flow node); check the quotes, brackets and indentation there"),
        Refusal(testDescription: "a file that is not YAML at all", yaml: "{{{{",
                message: "x.yaml:1: not valid YAML at the end of the file: did not find expected node content (while parsing a flow node); check the quotes, brackets and indentation there"),
        Refusal(testDescription: "a tab where indentation is expected", yaml: minimal(replacing: "done:", with: "done:\n\tzh: 完成"),
                message: "x.yaml:13: not valid YAML at column 1: found character that cannot start any token (while scanning for the next token); check the quotes, brackets and indentation there"),
    ])
    func refusesBrokenYAMLAtItsLine(_ refusal: Refusal) throws {
        #expect(Self.error(loading: refusal.yaml) == refusal.message)
    }

    /// The operator edits YAML: no message may show Swift (`DecodingError.keyNotFound … CodingKeys(stringValue: "en"…)`)
    /// or span lines (Yams' own description quotes the file with a caret under it).
    @Test func noRefusalShowsSwiftOrSpansLines() throws {
        let broken = [Self.minimal(replacing: "id:", with: #"id: "unterminated"#), "{{{{", Self.minimal + "\nid: ["]
        for yaml in Self.refusals.map(\.yaml) + broken {
            let message = try #require(Self.error(loading: yaml))
            for swift in ["DecodingError", "CodingKeys", "Optional(", "invalidDefinition", "YamlError", "Node.", "Mark("] {
                #expect(!message.contains(swift), "\(message)")
            }
            #expect(!message.contains("\n"), "\(message)")
            #expect(message.hasPrefix("x.yaml:"), "\(message)")
        }
    }

    @Test func namesTheFileAsTheCallerDoes() {
        let message = Self.error(loading: Self.minimal(replacing: "timeZone:", with: "timeZone: Mars/Olympus"), file: "config/campaigns/2027.yaml")
        #expect(message?.hasPrefix("config/campaigns/2027.yaml:5: timeZone: ") == true, "\(message ?? "loaded")")
    }

    @Test func refusesAFileThatCannotBeOpenedNamingIt() {
        #expect(throws: CampaignFileError(file: "/nonexistent/x.yaml", problem: "cannot be opened: No such file or directory")) {
            _ = try readTextFile("/nonexistent/x.yaml")
        }
    }

    // MARK: - Import

    @Test func refusesASlugOfAnotherCampaignAtItsLine() throws {
        let store = try Store(configuration: StorageConfiguration(path: ":memory:"))
        let demo = try Self.demoYAML()
        _ = try CampaignFile.importCampaign(try CampaignFile.load(yaml: demo, file: "demo.yaml"), yaml: demo, file: "demo.yaml", into: store)

        let other = Self.minimal(replacing: "id:", with: "id: other-2026") + "\n" + Self.minimal.components(after: "projects:\n")
            .replacing("slug: one", with: "slug: new-schools")
        let definition = try CampaignFile.load(yaml: other, file: "other.yaml")
        #expect(throws: CampaignFileError(
            file: "other.yaml", line: 14, keyPath: "projects[1].slug",
            problem: #""new-schools" already belongs to campaign "demo-2026"; a slug is the URL of a printed QR code, so it stays with its campaign: give this project another slug"#
        )) {
            _ = try CampaignFile.importCampaign(definition, yaml: other, file: "other.yaml", into: store)
        }
        #expect(try store.campaign("other-2026") == nil, "nothing of the refused file is stored")
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
        let campaign = try CampaignFile.load(yaml: try CampaignFileTests.demoYAML(), file: "demo.yaml")
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

import Domain

/// A valid campaign to start each test from; tests change one thing at a time.
enum Fixtures {
    static func text(_ word: String) -> LocalizedText {
        LocalizedText(zh: "\(word)（中文）", en: word)
    }

    static func project(_ slug: String, department: String = "Education Bureau") -> ProjectDefinition {
        ProjectDefinition(
            slug: slug,
            title: text("Title of \(slug)"),
            department: text(department),
            summary: text("Summary"),
            promised: text("Promised"),
            done: text("Done"),
            figures: [ProjectFigure(label: text("Seats"), value: text("1,200"))])
    }

    /// Open on [1_000, 2_000) milliseconds.
    static func campaign(id: String = "city-2025", slugs: [String] = ["school-a", "bus-12"]) -> CampaignDefinition {
        CampaignDefinition(
            id: id,
            title: text("Livelihood projects 2025"),
            opensAt: 1_000,
            closesAt: 2_000,
            timeZone: "Asia/Shanghai",
            projects: slugs.map { project($0) })
    }

    static let citizenA = CitizenID("AAAAAAAAAAAAAAAAAAAAAA")!
}

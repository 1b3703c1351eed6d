import Domain
import Foundation
import GRDB

extension Store {
    /// Creates or updates a campaign from its file, idempotently. Texts, window and figures may change; ratings,
    /// likes and tallies are never touched. Projects the file no longer lists are kept and reported. A slug that
    /// belongs to another campaign is refused (`DomainError.slugBelongsToAnotherCampaign`), as is an invalid file
    /// (`DomainError.invalidDefinition`); then nothing is changed.
    package func importCampaign(_ definition: CampaignDefinition) throws -> ImportSummary {
        try definition.validate()
        let labels = try Self.encodeJSON(definition.levelLabels)
        let figures = try definition.projects.map { try Self.encodeJSON($0.figures) }
        return try database.write { db in
            let changesBefore = db.totalChangesCount
            for project in definition.projects {
                let owner = try String.fetchOne(
                    db, sql: "SELECT campaign FROM project WHERE slug = ?", arguments: [project.slug])
                if let owner, owner != definition.id {
                    throw DomainError.slugBelongsToAnotherCampaign(slug: project.slug, campaignID: owner)
                }
            }
            var summary = ImportSummary()
            let campaignArguments: StatementArguments = [
                definition.id, definition.title.zh, definition.title.en, definition.opensAt, definition.closesAt,
                definition.timeZone, labels,
            ]
            if let stored = try Self.fetchCampaigns(db, id: definition.id).first {
                if stored.title != definition.title || stored.opensAt != definition.opensAt
                    || stored.closesAt != definition.closesAt || stored.timeZone != definition.timeZone
                    || stored.levelLabels != definition.levelLabels
                {
                    summary.campaignUpdated = true
                    try db.execute(
                        sql: """
                            UPDATE campaign SET title_zh = ?2, title_en = ?3, opens_at = ?4, closes_at = ?5,
                                time_zone = ?6, level_labels = ?7
                            WHERE id = ?1
                            """,
                        arguments: campaignArguments)
                }
            } else {
                summary.campaignCreated = true
                try db.execute(
                    sql: """
                        INSERT INTO campaign (id, title_zh, title_en, opens_at, closes_at, time_zone, level_labels)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: campaignArguments)
                try db.execute(sql: "INSERT INTO campaign_tally (campaign) VALUES (?)", arguments: [definition.id])
            }

            let stored = try Self.fetchProjects(db, campaignID: definition.id)
            var storedBySlug: [String: StoredProject] = [:]
            for project in stored { storedBySlug[project.definition.slug] = project }
            for (position, project) in definition.projects.enumerated() {
                let arguments: StatementArguments = [
                    definition.id, project.slug, position,
                    project.title.zh, project.title.en, project.department.zh, project.department.en,
                    project.summary.zh, project.summary.en, project.promised.zh, project.promised.en,
                    project.done.zh, project.done.en, figures[position],
                ]
                if let existing = storedBySlug[project.slug] {
                    if existing.definition == project && existing.position == position {
                        summary.projectsUnchanged += 1
                        continue
                    }
                    summary.projectsUpdated += 1
                    try db.execute(
                        sql: """
                            UPDATE project SET position = ?3, title_zh = ?4, title_en = ?5,
                                department_zh = ?6, department_en = ?7, summary_zh = ?8, summary_en = ?9,
                                promised_zh = ?10, promised_en = ?11, done_zh = ?12, done_en = ?13, figures = ?14
                            WHERE campaign = ?1 AND slug = ?2
                            """,
                        arguments: arguments)
                } else {
                    summary.projectsCreated += 1
                    try db.execute(
                        sql: """
                            INSERT INTO project (campaign, slug, position, title_zh, title_en,
                                department_zh, department_en, summary_zh, summary_en,
                                promised_zh, promised_en, done_zh, done_en, figures)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: arguments)
                    try db.execute(sql: "INSERT INTO tally (project) VALUES (?)", arguments: [db.lastInsertedRowID])
                }
            }

            // Kept projects go after the file's, in their previous order.
            let listed = Set(definition.projects.map(\.slug))
            for (offset, project) in stored.filter({ !listed.contains($0.definition.slug) }).enumerated() {
                summary.projectsMissingFromFile.append(project.definition.slug)
                let position = definition.projects.count + offset
                if project.position != position {
                    try db.execute(
                        sql: "UPDATE project SET position = ? WHERE id = ?", arguments: [position, project.id])
                }
            }
            if db.totalChangesCount != changesBefore {
                // A running server polls this to pick the import up without a restart (`catalogRevision()`).
                try db.execute(sql: "UPDATE catalog_revision SET revision = revision + 1 WHERE id = 1")
            }
            return summary
        }
    }

    /// Every campaign, ordered by opening time then id, with its projects in file order (then any kept projects the
    /// file no longer lists).
    package func campaigns() throws -> [CampaignDefinition] {
        try database.read { db in try Self.fetchCampaigns(db, id: nil) }
    }

    /// One campaign, or nil.
    package func campaign(_ id: String) throws -> CampaignDefinition? {
        try database.read { db in try Self.fetchCampaigns(db, id: id).first }
    }

    // MARK: - Rows

    struct StoredProject {
        var id: Int64
        var position: Int
        var definition: ProjectDefinition
    }

    static func fetchCampaigns(_ db: Database, id: String?) throws -> [CampaignDefinition] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT id, title_zh, title_en, opens_at, closes_at, time_zone, level_labels FROM campaign
                WHERE ?1 IS NULL OR id = ?1 ORDER BY opens_at, id
                """,
            arguments: [id])
        return try rows.map { row in
            let campaignID: String = row["id"]
            return CampaignDefinition(
                id: campaignID,
                title: LocalizedText(zh: row["title_zh"], en: row["title_en"]),
                opensAt: row["opens_at"],
                closesAt: row["closes_at"],
                timeZone: row["time_zone"],
                levelLabels: try decodeJSON([LocalizedText].self, row["level_labels"]),
                projects: try fetchProjects(db, campaignID: campaignID).map(\.definition))
        }
    }

    static func fetchProjects(_ db: Database, campaignID: String) throws -> [StoredProject] {
        let rows = try Row.fetchAll(
            db,
            sql: "SELECT * FROM project WHERE campaign = ? ORDER BY position, id",
            arguments: [campaignID])
        return try rows.map { row in
            StoredProject(
                id: row["id"],
                position: row["position"],
                definition: ProjectDefinition(
                    slug: row["slug"],
                    title: LocalizedText(zh: row["title_zh"], en: row["title_en"]),
                    department: LocalizedText(zh: row["department_zh"], en: row["department_en"]),
                    summary: LocalizedText(zh: row["summary_zh"], en: row["summary_en"]),
                    promised: LocalizedText(zh: row["promised_zh"], en: row["promised_en"]),
                    done: LocalizedText(zh: row["done_zh"], en: row["done_en"]),
                    figures: try decodeJSON([ProjectFigure].self, row["figures"])))
        }
    }

    static func encodeJSON(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decodeJSON<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw StorageError.corrupt("cannot decode \(T.self) from \(text): \(error)")
        }
    }

    /// Grows with every import that changed a campaign or project, from any process: a server that sees it move
    /// reloads its catalog.
    package func catalogRevision() throws -> Int64 {
        try database.read { db in try Int64.fetchOne(db, sql: "SELECT revision FROM catalog_revision WHERE id = 1") ?? 0 }
    }
}

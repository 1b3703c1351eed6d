import Domain
import Foundation

extension Store {
    /// Creates or updates a campaign from its file, idempotently. Texts, window and figures may change; ratings,
    /// likes and tallies are never touched. Projects the file no longer lists are kept and reported. A slug that
    /// belongs to another campaign is refused (`DomainError.slugBelongsToAnotherCampaign`), as is an invalid file
    /// (`DomainError.invalidDefinition`); then nothing is changed.
    package func importCampaign(_ definition: CampaignDefinition) throws -> ImportSummary {
        try definition.validate()
        let labels = try Self.encodeJSON(definition.levelLabels)
        let figures = try definition.projects.map { try Self.encodeJSON($0.figures) }
        return try write { db in
            // Rows this import changed: the catalog's revision moves only when some did.
            var changes = 0
            for project in definition.projects {
                try Self.checkOwner(db, slug: project.slug, campaignID: definition.id)
            }
            var summary = ImportSummary()
            let campaignArguments: [SQLValue] = [
                definition.id.sqlValue, definition.title.zh.sqlValue, definition.title.en.sqlValue,
                definition.opensAt.sqlValue, definition.closesAt.sqlValue, definition.timeZone.sqlValue, labels.sqlValue,
            ]
            var storedCampaign = try Self.fetchCampaigns(db, id: definition.id).first
            if storedCampaign == nil {
                // Another node importing the same file at the same moment may create it first (PostgreSQL): then
                // this one finds it made, and compares with it as with any stored campaign.
                let inserted = try db.execute("""
                    INSERT INTO campaign (id, title_zh, title_en, opens_at, closes_at, time_zone, level_labels)
                    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                    ON CONFLICT (id) DO NOTHING
                    """, campaignArguments)
                if inserted == 1 {
                    summary.campaignCreated = true
                    changes += inserted
                    changes += try db.execute("INSERT INTO campaign_tally (campaign) VALUES (?1)", definition.id)
                } else {
                    storedCampaign = try Self.fetchCampaigns(db, id: definition.id).first
                }
            }
            if let stored = storedCampaign {
                if stored.title != definition.title || stored.opensAt != definition.opensAt
                    || stored.closesAt != definition.closesAt || stored.timeZone != definition.timeZone
                    || stored.levelLabels != definition.levelLabels
                {
                    summary.campaignUpdated = true
                    changes += try db.execute("""
                        UPDATE campaign SET title_zh = ?2, title_en = ?3, opens_at = ?4, closes_at = ?5,
                            time_zone = ?6, level_labels = ?7
                        WHERE id = ?1
                        """, campaignArguments)
                }
            }

            let stored = try Self.fetchProjects(db, campaignID: definition.id)
            var storedBySlug: [String: StoredProject] = [:]
            for project in stored { storedBySlug[project.definition.slug] = project }
            for (position, project) in definition.projects.enumerated() {
                let arguments: [SQLValue] = [
                    definition.id.sqlValue, project.slug.sqlValue, position.sqlValue,
                    project.title.zh.sqlValue, project.title.en.sqlValue,
                    project.department.zh.sqlValue, project.department.en.sqlValue,
                    project.summary.zh.sqlValue, project.summary.en.sqlValue,
                    project.promised.zh.sqlValue, project.promised.en.sqlValue,
                    project.done.zh.sqlValue, project.done.en.sqlValue, figures[position].sqlValue,
                ]
                var existing = storedBySlug[project.slug]
                if existing == nil {
                    // As for the campaign: a concurrent import of the same file may insert the project first.
                    if let row = try db.row("""
                        INSERT INTO project (campaign, slug, position, title_zh, title_en,
                            department_zh, department_en, summary_zh, summary_en,
                            promised_zh, promised_en, done_zh, done_en, figures)
                        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
                        ON CONFLICT (slug) DO NOTHING
                        RETURNING id
                        """, arguments) {
                        summary.projectsCreated += 1
                        changes += 1
                        changes += try db.execute("INSERT INTO tally (project) VALUES (?1)", row[0] as Int64)
                        continue
                    }
                    try Self.checkOwner(db, slug: project.slug, campaignID: definition.id)
                    existing = try Self.fetchProjects(db, campaignID: definition.id).first { $0.definition.slug == project.slug }
                }
                guard let existing else {
                    throw StorageError.corrupt("project \(project.slug) was neither inserted nor found")
                }
                if existing.definition == project && existing.position == position {
                    summary.projectsUnchanged += 1
                    continue
                }
                summary.projectsUpdated += 1
                changes += try db.execute("""
                    UPDATE project SET position = ?3, title_zh = ?4, title_en = ?5,
                        department_zh = ?6, department_en = ?7, summary_zh = ?8, summary_en = ?9,
                        promised_zh = ?10, promised_en = ?11, done_zh = ?12, done_en = ?13, figures = ?14
                    WHERE campaign = ?1 AND slug = ?2
                    """, arguments)
            }

            // Kept projects go after the file's, in their previous order.
            let listed = Set(definition.projects.map(\.slug))
            for (offset, project) in stored.filter({ !listed.contains($0.definition.slug) }).enumerated() {
                summary.projectsMissingFromFile.append(project.definition.slug)
                let position = definition.projects.count + offset
                if project.position != position {
                    changes += try db.execute("UPDATE project SET position = ?1 WHERE id = ?2", position, project.id)
                }
            }
            if changes != 0 {
                // A running server polls this to pick the import up without a restart (`catalogRevision()`).
                try db.execute("UPDATE catalog_revision SET revision = revision + 1 WHERE id = 1")
            }
            return summary
        }
    }

    /// Throws `DomainError.slugBelongsToAnotherCampaign` when `slug` is a project of another campaign.
    static func checkOwner(_ db: any SQLConnection, slug: String, campaignID: String) throws {
        let owner = try db.value(String.self, "SELECT campaign FROM project WHERE slug = ?1", [slug.sqlValue])
        if let owner, owner != campaignID {
            throw DomainError.slugBelongsToAnotherCampaign(slug: slug, campaignID: owner)
        }
    }

    /// Every campaign, ordered by opening time then id, with its projects in file order (then any kept projects the
    /// file no longer lists).
    package func campaigns() throws -> [CampaignDefinition] {
        try read { db in try Self.fetchCampaigns(db, id: nil) }
    }

    /// One campaign, or nil.
    package func campaign(_ id: String) throws -> CampaignDefinition? {
        try read { db in try Self.fetchCampaigns(db, id: id).first }
    }

    // MARK: - Rows

    struct StoredProject {
        var id: Int64
        var position: Int
        var definition: ProjectDefinition
    }

    static func fetchCampaigns(_ db: any SQLConnection, id: String?) throws -> [CampaignDefinition] {
        let rows = try db.rows("""
            SELECT id, title_zh, title_en, opens_at, closes_at, time_zone, level_labels FROM campaign
            WHERE ?1 IS NULL OR id = ?1 ORDER BY opens_at, id
            """, id)
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

    static func fetchProjects(_ db: any SQLConnection, campaignID: String) throws -> [StoredProject] {
        let rows = try db.rows("""
            SELECT id, position, slug, title_zh, title_en, department_zh, department_en, summary_zh, summary_en,
                promised_zh, promised_en, done_zh, done_en, figures
            FROM project WHERE campaign = ?1 ORDER BY position, id
            """, campaignID)
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
        try read { db in try db.value(Int64.self, "SELECT revision FROM catalog_revision WHERE id = 1") ?? 0 }
    }
}

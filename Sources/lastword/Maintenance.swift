import App
import ArgumentParser
import Domain
import Storage

/// `lastword campaign import FILE`: imports (idempotently) a campaign file into the database.
struct CampaignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaign",
        abstract: "Manage campaigns.",
        subcommands: [Import.self]
    )

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Import a campaign file (YAML); editing a project's texts keeps its ratings.")

        @OptionGroup var options: ConfigurationOptions

        @Argument(help: "The campaign file, e.g. config/campaigns/demo.yaml.")
        var file: String

        func run() async throws {
            let settings: Settings
            let definition: CampaignDefinition
            let summary: ImportSummary
            do {
                settings = try await options.settings()
                // The file is read and checked before the database is opened: a broken file changes nothing.
                let yaml = try readTextFile(file)
                definition = try CampaignFile.load(yaml: yaml, file: file)
                let store = try settings.openStore()
                summary = try CampaignFile.importCampaign(definition, yaml: yaml, file: file, into: store)
            } catch {
                throw OperatorError(error)
            }
            print("imported \(definition.id) into \(settings.application.databasePath): "
                  + (summary.campaignCreated ? "new campaign, " : "")
                  + "\(summary.projectsCreated) projects created, \(summary.projectsUpdated) updated")
            if !summary.projectsMissingFromFile.isEmpty {
                print("kept (in the database, not in the file): \(summary.projectsMissingFromFile.joined(separator: ", "))")
            }
        }
    }
}

/// `lastword verify`: recomputes every tally from the rating rows; exits non-zero on any difference.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Recompute every tally from the ratings and likes and compare with the stored tallies.")

    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        let settings = try await options.settings()
        let store = try settings.openStore()
        let differences = try store.verify()
        if differences.isEmpty {
            print("verify: every tally matches its ratings (\(settings.application.databasePath))")
            return
        }
        for difference in differences { print("verify: \(difference)") }
        print("verify: \(differences.count) difference(s)")
        throw ExitCode(1)
    }
}

/// `lastword followup`: ratings of 1 or 2, with their suggestions, per department and project, for the mayor's office.
struct Followup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List ratings of 1 or 2 with their suggestions, by department and project.")

    @OptionGroup var options: ConfigurationOptions

    @Option(help: "Only this campaign.")
    var campaign: String?

    @Option(help: "Only this department (its Chinese or English name).")
    var department: String?

    func run() async throws {
        let settings = try await options.settings()
        let store = try settings.openStore()
        let rows = try store.lowRatings(campaignID: campaign, department: department)
        var currentDepartment = ""
        var currentProject = ""
        for row in rows {
            if row.department.zh != currentDepartment {
                currentDepartment = row.department.zh
                print("\n\(row.department.zh) / \(row.department.en)")
            }
            if row.projectSlug != currentProject {
                currentProject = row.projectSlug
                print("  \(row.projectTitle.zh) / \(row.projectTitle.en) [\(row.projectSlug)]")
            }
            print("    level \(row.level.rawValue): \(row.suggestion ?? "(no suggestion)")")
        }
        print("\n\(rows.count) rating(s) of 1 or 2")
    }
}

extension Settings {
    func openStore() throws -> Store {
        try Store(configuration: StorageConfiguration(path: application.databasePath, synchronousFull: application.synchronousFull,
                                                      maxBatch: application.writerMaxBatch, maxQueue: application.writerMaxQueue,
                                                      writerCacheMiB: application.writerCacheMiB,
                                                      postgresPoolSize: min(application.postgresPoolSize, 2)))
    }
}

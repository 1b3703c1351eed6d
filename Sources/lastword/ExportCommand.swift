import App
import Foundation
import ArgumentParser
import Domain
import Storage

/// `lastword export --campaign ID --format csv DIR`: a campaign's data as CSV files (see `CampaignExport`).
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a campaign's ratings, tallies, letters, messages and figures as CSV files into a directory.",
        discussion: """
            Ratings are written without citizen ids; letters without contact details or citizen ids. Add \
            --with-personal-data (typed in full) to include them: the files then hold personal data, to be kept and \
            handed on as such. Message texts are as people wrote them. Nothing is overwritten.
            """
    )

    @OptionGroup var options: ConfigurationOptions

    @Option(name: .long, help: "The campaign's id (see config/campaigns/).") var campaign: String
    @Option(name: .long, help: "The format; csv is the one there is.") var format: String = "csv"
    @Flag(name: .customLong("with-personal-data"), help: "Also write contact details and citizen ids.") var withPersonalData = false
    @Argument(help: "The directory to write into (made if missing; must not hold these files already).") var directory: String

    func run() async throws {
        do {
            guard format == "csv" else { throw OperatorError(message: "--format must be csv") }
            let settings = try await options.settings()
            let checked = try StartupCheck.calendar(settings.application)
            guard settings.application.databasePath.hasPrefix("postgres") || FileManager.default.fileExists(atPath: settings.application.databasePath) else {
                throw OperatorError(message: "there is no database at \(settings.application.databasePath) (database.path, or --database)")
            }
            let store = try settings.openStore()
            guard let definition = try store.campaigns().first(where: { $0.id == campaign }) else {
                let known = try store.campaigns().map(\.id)
                throw OperatorError(message: "there is no campaign \"\(campaign)\" in \(settings.application.databasePath)"
                                    + (known.isEmpty ? " (it has none)" : " (it has \(known.joined(separator: ", ")))"))
            }
            let written = try CampaignExport.run(store: store, campaign: definition, calendar: checked.calendar, zone: checked.zone,
                                                 limits: settings.application.responseLimits, directory: directory,
                                                 personal: withPersonalData, now: SystemTimeSource().now())
            for (name, rows) in written { print("\(directory)/\(name): \(rows) rows") }
            if withPersonalData { print("these files hold personal data (contact details, citizen ids): keep them as such") }
        } catch {
            throw OperatorError(error)
        }
    }
}

import ArgumentParser

@main
struct LastWordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lastword",
        abstract: "LastWord: real-time civic feedback server.",
        version: "0.1.0",
        subcommands: [Serve.self, CampaignCommand.self, UserCommand.self, Verify.self, Followup.self, ExportCommand.self,
                      BackupCommand.self, RestoreCommand.self],
        defaultSubcommand: Serve.self
    )
}

/// Options every subcommand that reads the configuration shares.
struct ConfigurationOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (YAML). Default: config/lastword.yaml if it exists, else built-in defaults.")
    var config: String?

    @Option(name: .long, help: "The database: a SQLite file (or sqlite:PATH), or a postgres:// URL. Overrides database.path and database.url.")
    var database: String?

    /// The configuration file's settings, with `--database` applied.
    func settings() async throws -> Settings {
        var settings = try await Settings.load(path: config)
        if let database { settings.application.databasePath = try Settings.databaseLocation(database, setting: "--database") }
        return settings
    }
}

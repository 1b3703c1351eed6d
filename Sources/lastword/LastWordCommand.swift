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
}

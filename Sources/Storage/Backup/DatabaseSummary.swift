/// What a database file holds and what the checks found: what `lastword backup` prints about the copy it wrote, and
/// what `lastword restore` checks before it replaces anything.
package struct DatabaseSummary: Sendable, Equatable {
    /// The rows an operator recognises. Tables a schema version did not have yet count 0.
    package struct Counts: Sendable, Equatable, CustomStringConvertible {
        package var campaigns = 0
        package var projects = 0
        package var ratings = 0
        package var likes = 0
        /// Letters to the mayor (threads), and what citizens and staff said in them.
        package var letters = 0
        package var messages = 0
        package var staffAccounts = 0

        package init() {}

        package var description: String {
            [(campaigns, "campaign"), (projects, "project"), (ratings, "rating"), (likes, "like"), (letters, "letter"),
             (messages, "message"), (staffAccounts, "staff account")]
                .map { count, noun in "\(count) \(noun)\(count == 1 ? "" : "s")" }
                .joined(separator: ", ")
        }
    }

    /// The file.
    package var path: String
    package var bytes: Int64
    /// Its migrations, in the order applied (`v1`, `v2`, …).
    package var migrations: [String]
    /// Those this build does not know (the file comes from a newer LastWord).
    package var unknownMigrations: [String]
    /// The migrations this build would still apply when a server opens it (an older schema is migrated then).
    package var pendingMigrations: [String]
    /// Where its tables and indexes differ from those its migrations make; checked only when every migration is known.
    package var schemaDifferences: [String]
    /// Tallies that differ from their ratings (`lastword verify`); computed only when the schema is LastWord's.
    package var tallyDiscrepancies: [TallyDiscrepancy]
    package var counts: Counts

    /// The newest migration it has ("v5"), or "none".
    package var schemaVersion: String { migrations.last ?? "none" }

    /// Throws the first reason a restore must refuse this file (integrity was checked when it was read).
    package func requireRestorable() throws(BackupError) {
        guard unknownMigrations.isEmpty else { throw .newerSchema(path: path, unknown: unknownMigrations) }
        guard schemaDifferences.isEmpty else {
            throw .schemaDiffers(path: path, migration: schemaVersion, differences: schemaDifferences)
        }
        guard tallyDiscrepancies.isEmpty else { throw .talliesDiffer(path: path, differences: tallyDiscrepancies) }
    }
}

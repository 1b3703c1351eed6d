import App
import ArgumentParser
import Domain
import Foundation
import Storage
#if canImport(Glibc)
import Glibc
#endif

/// `lastword restore FILE`: replaces the database with a backup, once the backup passed every check, while no
/// server runs (see `DatabaseRestore`). On any failure before the replacement nothing is changed.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Replace the database with a backup made by `lastword backup`, after checking the backup.",
        discussion: """
            Stop the server first: restore refuses while a server uses the database (it holds <database>.lock). The \
            backup is copied next to the database and checked — SQLite's integrity check, a schema this version \
            knows, and every tally against its ratings, as `lastword verify` does — before anything is replaced. The \
            replaced database is kept as <database>.before-restore-<UTC time> unless --no-keep is given.
            """
    )

    @OptionGroup var options: ConfigurationOptions

    @Flag(name: .customLong("no-keep"), help: "Do not keep the replaced database.") var noKeep = false
    @Flag(name: .long, help: "Only check FILE as a restore would; change nothing.") var check = false
    @Argument(help: "The backup file.") var file: String

    func run() async throws {
        var settings: Settings
        do {
            settings = try await options.settings()
        } catch {
            throw OperatorError(error)
        }
        let databasePath = settings.application.databasePath
        if databasePath.hasPrefix("postgres") {
            throw OperatorError(message: "restore puts a SQLite backup back; a PostgreSQL database is restored with PostgreSQL's tools: "
                                + "pg_restore --clean --if-exists --dbname URL FILE, with every node stopped (docs/SCALING.md)")
        }
        if check {
            do {
                // The copy it checks goes beside the database (a disk with room for it), or into the temporary directory.
                var scratch = (databasePath as NSString).deletingLastPathComponent
                if scratch.isEmpty { scratch = "." }
                if !isDirectory(scratch) || access(scratch, W_OK) != 0 { scratch = temporaryDirectory() }
                let summary = try DatabaseRestore.check(file: file, scratchDirectory: scratch)
                print("restore --check: \(file) can be restored: integrity checked, schema \(summary.schemaVersion), every tally matches its ratings")
                print("restore --check: holds \(summary.counts)")
            } catch {
                throw OperatorError(error, while: "\(file) cannot be restored")
            }
            return
        }
        guard databasePath != ":memory:" else { throw OperatorError(message: "database.path is :memory:; there is no file to restore into") }
        let outcome: RestoreOutcome
        do {
            outcome = try DatabaseRestore.restore(file: file, over: databasePath, keepReplaced: !noKeep, now: SystemTimeSource().now())
        } catch StorageError.inUse(_, let lockFile, let holder) {
            throw OperatorError(message: "cannot restore \(file) into \(databasePath): a LastWord server is using the database "
                                + "(\(holder.map { "process \($0)" } ?? "a process") holds \(lockFile); or another restore is running). "
                                + "Stop the server first (e.g. systemctl stop lastword), then run restore again. Nothing was changed.")
        } catch let error as BackupError {
            if case .installFailed = error { throw OperatorError(error, while: "restore failed") }
            throw OperatorError(message: "cannot restore \(file) into \(databasePath): \(error). Nothing was changed.")
        } catch {
            throw OperatorError(message: "cannot restore \(file) into \(databasePath): \(OperatorError.sentence(error)). Nothing was changed.")
        }
        let summary = outcome.restored
        print("restore: checked \(file): integrity checked, schema \(summary.schemaVersion), every tally matches its ratings")
        print("restore: \(databasePath) now holds \(summary.counts)")
        if let kept = outcome.kept {
            print("restore: the replaced database is kept as \(kept) (remove it once you no longer need it)")
        }
        if let problem = outcome.replacedDatabaseProblem {
            printError("restore: note: the replaced database could not be opened (\(problem)); it is kept as it was, with its side files")
        }
        if let newest = summary.pendingMigrations.last {
            print("restore: the server migrates its schema from \(summary.schemaVersion) to \(newest) when it starts")
        }
    }
}

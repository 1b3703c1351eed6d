import App
import ArgumentParser
import Domain
import Foundation
import Storage

/// `lastword backup FILE`: an online, consistent copy of the database, taken while the server runs (see
/// `DatabaseBackup`): what it wrote, and what the copy holds, is printed.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the database into a file, consistently, also while the server runs.",
        discussion: """
            The copy is the database as one moment saw it: every rating acknowledged before the backup began is in it. \
            It is written under a temporary name, checked, and renamed when complete, readable by its owner only (it \
            holds personal data and the secret that signs citizens' cookies). Give a directory to name the file after \
            the database and the time (lastword-20260506T120000Z.sqlite). `lastword restore FILE` puts it back.
            """
    )

    @OptionGroup var options: ConfigurationOptions

    @Flag(name: .long, help: "Replace FILE if it exists (the old file stays until the new one is complete).") var force = false
    @Argument(help: "The backup file to write, or a directory to write a time-named backup into.") var file: String

    func run() async throws {
        do {
            let settings = try await options.settings()
            let databasePath = settings.application.databasePath
            if databasePath.hasPrefix("postgres") { return try postgresBackup(url: databasePath) }
            guard databasePath != ":memory:" else { throw OperatorError(message: "database.path is :memory:; there is no file to back up") }
            var target = file
            if isDirectory(file) {
                target = (file.hasSuffix("/") ? String(file.dropLast()) : file) + "/"
                    + BackupFileName.make(databasePath: databasePath, at: SystemTimeSource().now())
            }
            let started = ContinuousClock.now
            let summary = try DatabaseBackup.copy(databaseAt: databasePath, to: target, replacing: force)
            let elapsed = ContinuousClock.now - started
            print("backup: wrote \(summary.path) (\(Self.size(summary.bytes))) from \(databasePath) in \(Self.seconds(elapsed)) s")
            print("backup: holds \(summary.counts)")
            print("backup: schema \(summary.schemaVersion), integrity checked"
                  + (summary.tallyDiscrepancies.isEmpty && summary.unknownMigrations.isEmpty ? ", every tally matches its ratings" : ""))
            if !summary.unknownMigrations.isEmpty {
                printError("backup: warning: the database was migrated by a newer LastWord (\(summary.unknownMigrations.joined(separator: ", "))); "
                           + "restore this copy with that version")
            } else if !summary.tallyDiscrepancies.isEmpty {
                printError("backup: warning: \(summary.tallyDiscrepancies.count) stored tally number(s) differ from the ratings, in the "
                           + "database as in this copy: run `lastword verify`; `lastword restore` refuses such a copy")
            }
        } catch {
            throw OperatorError(error, while: "backup failed")
        }
    }

    static func size(_ bytes: Int64) -> String {
        if bytes < 1 << 10 { return "\(bytes) bytes" }
        let (unit, scale) = bytes < 1 << 20 ? ("KiB", 1 << 10) : bytes < 1 << 30 ? ("MiB", 1 << 20) : ("GiB", 1 << 30)
        return "\((Double(bytes) / Double(scale) * 10).rounded() / 10) \(unit), \(bytes) bytes"
    }

    static func seconds(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return "\((value * 100).rounded() / 100)"
    }
}

extension BackupCommand {
    /// PostgreSQL's backup is pg_dump's: a consistent snapshot taken while the nodes keep writing, in its custom
    /// format (`pg_restore` reads it). Written under a temporary name and renamed once pg_dump succeeded, as SQLite's.
    func postgresBackup(url: String) throws {
        var target = file
        if isDirectory(file) {
            let stamp = BackupFileName.make(databasePath: "lastword.dump", at: SystemTimeSource().now())
            target = (file.hasSuffix("/") ? String(file.dropLast()) : file) + "/" + stamp
        }
        if FileManager.default.fileExists(atPath: target), !force {
            throw OperatorError(message: "\(target) exists; give --force to replace it")
        }
        let partial = target + ".partial"
        let started = ContinuousClock.now
        let dump = Process()
        dump.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        dump.arguments = ["pg_dump", "--format=custom", "--file=\(partial)", "--dbname=\(url)"]
        let errors = Pipe()
        dump.standardError = errors
        do {
            try dump.run()
        } catch {
            throw OperatorError(message: "cannot run pg_dump (install PostgreSQL's client, Debian's postgresql-client): \(error.localizedDescription)")
        }
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        dump.waitUntilExit()
        guard dump.terminationStatus == 0 else {
            try? FileManager.default.removeItem(atPath: partial)
            throw OperatorError(message: "pg_dump failed: \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        if force { try? FileManager.default.removeItem(atPath: target) }
        try FileManager.default.moveItem(atPath: partial, toPath: target)
        let bytes = (try? FileManager.default.attributesOfItem(atPath: target)[.size] as? Int) ?? 0
        print("backup: wrote \(target) (\(Self.size(Int64(bytes)))) from \(Settings.redactedLocation(url)) with pg_dump in \(Self.seconds(ContinuousClock.now - started)) s")
    }
}

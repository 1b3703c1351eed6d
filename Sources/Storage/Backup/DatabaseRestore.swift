import Domain
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// What a restore did.
package struct RestoreOutcome: Sendable {
    /// The database now in place: what the restored copy holds.
    package var restored: DatabaseSummary
    package var databasePath: String
    /// Where the replaced database was set aside (`<database>.before-restore-<UTC time>`), or nil: there was none,
    /// or `keepReplaced` was false.
    package var kept: String?
    /// Why the replaced database could not be opened to fold its write-ahead log in (it is kept with its `-wal` beside
    /// it then), or nil.
    package var replacedDatabaseProblem: String?
}

/// `lastword restore`: replaces the database with a backup, after checking the backup, while no server runs.
///
/// In order, and nothing is changed until the last steps:
/// 1. the database's lock (`DatabaseLock`) is taken without waiting — refused while a server serves the database;
/// 2. the backup is copied next to the database (`.<name>.restoring-<pid>`), and that copy — the bytes that will be
///    installed, not the file named, which could change meanwhile — is checked: an SQLite file, `integrity_check` and
///    `foreign_key_check` clean, LastWord's migrations and none this build does not know, the schema those migrations
///    make, and every tally equal to its recomputation from the ratings (`lastword verify`); then fsynced;
/// 3. the replaced database is opened and switched to `journal_mode=DELETE`, which folds its write-ahead log into
///    the file and needs every other connection to be gone — so a `lastword` command or sqlite3 shell that still has
///    it open is found here, and refused;
/// 4. the replaced database gets a second name, `<database>.before-restore-<time>` (a hard link: the database never
///    goes missing), its stale `-wal`, `-shm` and `-journal` are removed — left beside the restored file they would
///    be replayed into it — the copy is renamed over the database, and the directory is fsynced.
package enum DatabaseRestore {
    package static func restore(file: String, over databasePath: String, keepReplaced: Bool = true,
                                now: Int64) throws -> RestoreOutcome {
        let directory = FileOperations.parent(of: databasePath)
        guard FileOperations.kind(of: directory) == .directory else {
            throw BackupError.directoryMissing(path: directory, setting: "database.path")
        }
        try checkSource(file, databasePath: databasePath)
        let lock = try DatabaseLock(databasePath: databasePath)
        defer { lock.release() }

        let staging = directory + "/." + FileOperations.name(of: databasePath) + ".restoring-\(getpid())"
        var installed = false
        defer { if !installed { try? DatabaseBackup.removeDatabaseFiles(staging) } }
        let summary = try stage(file, at: staging)
        try summary.requireRestorable()
        let exists = FileOperations.kind(of: databasePath) == .regularFile
        if exists {
            FileOperations.copyOwnership(from: databasePath, to: staging)
        } else {
            // A new database, as the server would have made it; owned by the directory's owner when run as root.
            try FileOperations.setMode(0o644, of: staging)
            FileOperations.copyOwner(from: directory, to: staging)
        }
        try FileOperations.fsync(staging)

        let problem = exists ? try foldWriteAheadLog(databasePath) : nil
        var kept: String?
        let sideFiles = ["-wal", "-journal"]
        if keepReplaced, exists || sideFiles.contains(where: { FileOperations.kind(of: databasePath + $0) != .missing }) {
            var name = databasePath + ".before-restore-\(UTCStamp(milliseconds: now))"
            var attempt = 1
            while (["", "-wal", "-journal"]).contains(where: { FileOperations.kind(of: name + $0) != .missing }) {
                attempt += 1
                name = databasePath + ".before-restore-\(UTCStamp(milliseconds: now))-\(attempt)"
            }
            var linked: [String] = []
            do {
                for suffix in [""] + sideFiles where FileOperations.kind(of: databasePath + suffix) == .regularFile {
                    try FileOperations.link(databasePath + suffix, to: name + suffix)
                    linked.append(name + suffix)
                }
            } catch {
                for path in linked { try? FileOperations.remove(path) }
                throw error
            }
            kept = name
        }
        // From here a failure leaves the database changed: say what is where.
        do {
            for suffix in sideFiles + ["-shm"] { try FileOperations.remove(databasePath + suffix) }
            try FileOperations.rename(staging, to: databasePath)
            installed = true
            try FileOperations.fsyncDirectory(directory)
        } catch {
            installed = true  // the checked copy stays, for the operator to finish by hand
            throw BackupError.installFailed(database: databasePath, reason: String(describing: error),
                                            checkedCopy: FileOperations.kind(of: staging) == .regularFile ? staging : nil, kept: kept)
        }
        return RestoreOutcome(restored: summary, databasePath: databasePath, kept: kept, replacedDatabaseProblem: problem)
    }

    /// `lastword restore --check`: checks `file` as a restore would (on a copy in `scratchDirectory`), changing nothing.
    package static func check(file: String, scratchDirectory: String) throws -> DatabaseSummary {
        try checkSource(file, databasePath: nil)
        let staging = scratchDirectory + "/.lastword-check.\(getpid()).sqlite"
        defer { try? DatabaseBackup.removeDatabaseFiles(staging) }
        let summary = try stage(file, at: staging)
        try summary.requireRestorable()
        return summary
    }

    /// The backup must be a regular file, not the database itself, and whole in its one file.
    private static func checkSource(_ file: String, databasePath: String?) throws(BackupError) {
        switch FileOperations.kind(of: file) {
        case .missing: throw .unreadable(path: file, reason: "there is no such file")
        case .directory, .other: throw .notARegularFile(path: file)
        case .regularFile: break
        }
        if let databasePath, FileOperations.sameFile(file, databasePath) { throw .sameFile(path: file, database: databasePath) }
        guard access(file, R_OK) == 0 else { throw .unreadable(path: file, reason: String(cString: strerror(errno))) }
        guard (FileOperations.size(of: file) ?? 0) > 0 else { throw .emptyFile(path: file) }
        if (FileOperations.size(of: file + "-wal") ?? 0) > 0 { throw .writeAheadLogBeside(path: file) }
    }

    /// Copies `file` to `staging`, checks the copy and makes it a rollback-journal database; returns what it holds.
    /// Throws `BackupError` when it is not an SQLite database, is damaged, or is not LastWord's.
    private static func stage(_ file: String, at staging: String) throws -> DatabaseSummary {
        try DatabaseBackup.removeDatabaseFiles(staging)
        guard let source = FileOperations.openForReading(file) else {
            throw BackupError.unreadable(path: file, reason: String(cString: strerror(errno)))
        }
        try FileOperations.copy(source, named: file, to: staging)
        do {
            let queue = try DatabaseQueue(path: staging)
            let summary = try queue.writeWithoutTransaction { db in
                var summary = try DatabaseInspection.summary(db, path: file, bytes: FileOperations.size(of: file) ?? 0)
                summary.path = file
                try db.execute(sql: "PRAGMA journal_mode = DELETE")
                return summary
            }
            try queue.close()
            return summary
        } catch {
            throw DatabaseBackup.mapped(error, path: file)
        }
    }

    /// Folds the database's write-ahead log into its file (so the database set aside is whole in one file) and checks
    /// that no other connection has it open. Returns why the database could not be opened, when it cannot — a damaged
    /// database, which is often why it is restored: its side files are then kept with it as they are.
    private static func foldWriteAheadLog(_ databasePath: String) throws -> String? {
        var configuration = Configuration()
        configuration.label = "lastword-restore"
        configuration.busyMode = .timeout(2)
        do {
            let queue = try DatabaseQueue(path: databasePath, configuration: configuration)
            let mode = try queue.writeWithoutTransaction { db in try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE") }
            try queue.close()
            // SQLite answers with the mode in force: still "wal" when another connection kept it from leaving WAL.
            if mode?.lowercased() != "delete" { throw BackupError.openElsewhere(path: databasePath) }
            return nil
        } catch let error as DatabaseError where [.SQLITE_BUSY, .SQLITE_LOCKED].contains(error.resultCode) {
            throw BackupError.openElsewhere(path: databasePath)
        } catch let error as BackupError {
            throw error
        } catch {
            return DatabaseBackup.mapped(error, path: databasePath).description
        }
    }
}

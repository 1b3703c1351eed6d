import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// An online, consistent copy of the database through SQLite's backup API, on a read connection: the server's writer
/// never waits for it (in WAL mode a reader does not block the writer), and the copy is the database as one
/// transaction saw it — every write committed before the copy began is in it, none committed after.
///
/// The copy is written as `<file>.partial-<pid>`, checked (`PRAGMA integrity_check`, the schema, the tallies), made a
/// self-contained file in rollback-journal mode (no `-wal` or `-shm` belongs to it: it can be copied, mailed, opened
/// read-only), made readable by its owner only, fsynced, and only then given its name — by `link`, which never replaces a file, or by `rename` with
/// `replacing` — and the directory is fsynced. A backup that fails or is stopped leaves nothing under that name.
package enum DatabaseBackup {
    /// Pages copied per step of the backup API (4 MiB at SQLite's default page size of 4 KiB). Between steps a
    /// scheduled backup checks whether the server is shutting down; the snapshot is held across steps either way.
    package static let defaultPagesPerStep: Int32 = 1024

    /// `lastword backup`: copies the database at `databasePath` — served by a running server or not — into `file`.
    /// The database is opened as it is: no migration, no setting changed (a newer binary must not migrate the
    /// database under an older server).
    package static func copy(databaseAt databasePath: String, to file: String, replacing: Bool = false,
                             pagesPerStep: Int32 = defaultPagesPerStep) throws(BackupError) -> DatabaseSummary {
        guard FileOperations.kind(of: databasePath) == .regularFile else { throw .noDatabase(path: databasePath) }
        var configuration = Configuration()
        configuration.label = "lastword-backup"
        // The server's writer may hold the write lock for a commit; a reader does not need it, but opening may.
        configuration.busyMode = .timeout(5)
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: databasePath, configuration: configuration)
        } catch {
            throw mapped(error, path: databasePath)
        }
        defer { try? pool.close() }
        return try copy(from: pool, databasePath: databasePath, to: file, replacing: replacing, pagesPerStep: pagesPerStep)
    }

    /// Copies through `source` (a pool's reader) into `file`. `betweenSteps` runs after each step but the last, with
    /// the pages remaining and the total; it may throw to stop the backup (nothing is left behind).
    static func copy(from source: any DatabaseReader, databasePath: String, to file: String, replacing: Bool,
                     pagesPerStep: Int32,
                     betweenSteps: ((_ remaining: Int, _ total: Int) throws -> Void)? = nil) throws(BackupError) -> DatabaseSummary {
        switch FileOperations.kind(of: file) {
        case .missing: break
        case .regularFile:
            if FileOperations.sameFile(file, databasePath) { throw .sameFile(path: file, database: databasePath) }
            if !replacing { throw .destinationExists(path: file) }
        case .directory, .other: throw .notARegularFile(path: file)
        }
        let directory = FileOperations.parent(of: file)
        guard FileOperations.kind(of: directory) == .directory else { throw .directoryMissing(path: directory, setting: nil) }

        let partial = file + ".partial-\(getpid())"
        try removeDatabaseFiles(partial)
        var named = false
        defer { if !named { try? removeDatabaseFiles(partial) } }
        var summary: DatabaseSummary
        do {
            let destination = try DatabaseQueue(path: partial)
            try source.read { from in
                // Begin the read transaction before the first step: the backup then reads this one snapshot to the
                // end. Without it each step would open a transaction of its own, and a commit between two steps
                // would restart the copy from the first page — under a steady stream of ratings, forever. (GRDB's
                // read reads the schema version first, which does the same today; this does not depend on it.)
                _ = try Int.fetchOne(from, sql: "SELECT count(*) FROM sqlite_schema")
                try destination.writeWithoutTransaction { to in
                    try from.backup(to: to, pagesPerStep: pagesPerStep) { progress in
                        if !progress.isCompleted {
                            try betweenSteps?(progress.remainingPageCount, progress.totalPageCount)
                        }
                    }
                }
            }
            summary = try destination.writeWithoutTransaction { db in
                // The pages came with the source's header, which says WAL: make the copy a rollback-journal database,
                // whole in its one file.
                try db.execute(sql: "PRAGMA journal_mode = DELETE")
                return try DatabaseInspection.summary(db, path: file, bytes: 0)
            }
            try destination.close()
        } catch {
            throw mapped(error, path: databasePath)
        }
        // A backup holds personal data and the secret that signs citizens' cookies: its owner alone may read it.
        try FileOperations.setMode(0o600, of: partial)
        try FileOperations.fsync(partial)
        summary.bytes = FileOperations.size(of: partial) ?? 0
        if replacing {
            try FileOperations.rename(partial, to: file)
        } else {
            guard try FileOperations.linkUnlessTaken(partial, to: file) else { throw .destinationExists(path: file) }
            try FileOperations.remove(partial)
        }
        named = true
        try FileOperations.fsyncDirectory(directory)
        return summary
    }

    /// A database file and what SQLite may have left beside it.
    static func removeDatabaseFiles(_ path: String) throws(BackupError) {
        for suffix in ["", "-journal", "-wal", "-shm"] { try FileOperations.remove(path + suffix) }
    }

    /// GRDB's and SQLite's errors in the operator's terms.
    static func mapped(_ error: any Error, path: String) -> BackupError {
        if let error = error as? BackupError { return error }
        if let error = error as? DatabaseError {
            let message = error.message ?? "SQLite error \(error.resultCode.rawValue)"
            switch error.resultCode {
            case .SQLITE_NOTADB: return .notADatabase(path: path)
            case .SQLITE_CORRUPT: return .damaged(path: path, problems: [message])
            default: return .database(path: path, message: message)
            }
        }
        return .database(path: path, message: String(describing: error))
    }
}

extension Store {
    /// A scheduled backup, from inside the server: copies through one of the store's read connections into `file`
    /// (see `DatabaseBackup`). `shouldContinue` is asked between steps; when it says no, the backup stops with
    /// `BackupError.cancelled` and leaves nothing behind.
    package func backup(to file: String, replacing: Bool = false, pagesPerStep: Int32 = DatabaseBackup.defaultPagesPerStep,
                        shouldContinue: @escaping () -> Bool = { true },
                        betweenSteps: ((_ remaining: Int, _ total: Int) throws -> Void)? = nil) throws(BackupError) -> DatabaseSummary {
        try DatabaseBackup.copy(from: database, databasePath: configuration.path, to: file, replacing: replacing,
                                pagesPerStep: pagesPerStep) { remaining, total in
            guard shouldContinue() else { throw BackupError.cancelled(path: file) }
            try betweenSteps?(remaining, total)
        }
    }
}

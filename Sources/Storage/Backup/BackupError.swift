#if canImport(Glibc)
import Glibc
#endif

/// Why a backup or a restore did not happen, in the operator's terms: the file, what is wrong with it, what to do.
/// A restore that throws one of these has changed nothing (the commands say so); a backup has left no file under
/// the name it was asked for.
package enum BackupError: Error, Sendable, Equatable, CustomStringConvertible {
    /// There is no database to back up.
    case noDatabase(path: String)
    /// The backup's file exists and `--force` was not given.
    case destinationExists(path: String)
    /// The directory the backup or the restored database would be written into does not exist.
    case directoryMissing(path: String, setting: String?)
    /// The file to restore, or the backup's name, is the database itself.
    case sameFile(path: String, database: String)
    /// The path names a directory, a device or a socket, not a regular file.
    case notARegularFile(path: String)
    /// The file to restore does not exist or cannot be read.
    case unreadable(path: String, reason: String)
    /// The file is not an SQLite database at all.
    case notADatabase(path: String)
    /// The file is empty (SQLite would take it for an empty database).
    case emptyFile(path: String)
    /// SQLite's integrity or foreign-key check found problems (the first few are listed).
    case damaged(path: String, problems: [String])
    /// An SQLite database, but not one LastWord made (no migrations table).
    case notLastWord(path: String)
    /// Migrated by a newer LastWord: it has migrations this build does not know.
    case newerSchema(path: String, unknown: [String])
    /// Its tables and indexes are not those its migrations make (edited by hand, or by another program).
    case schemaDiffers(path: String, migration: String, differences: [String])
    /// A stored tally differs from the same tally recomputed from the ratings (what `lastword verify` checks).
    case talliesDiffer(path: String, differences: [TallyDiscrepancy])
    /// The file to restore has a non-empty write-ahead log beside it: the file alone is not the whole database.
    case writeAheadLogBeside(path: String)
    /// Another connection has the database open (a `lastword` command, the sqlite3 shell), so it cannot be replaced.
    case openElsewhere(path: String)
    /// The backup was stopped before it finished (the server is shutting down).
    case cancelled(path: String)
    /// A restore failed while it replaced the database (after every check passed): what is where now.
    case installFailed(database: String, reason: String, checkedCopy: String?, kept: String?)
    /// A system call failed.
    case system(call: String, path: String, errno: Int32)
    /// SQLite failed while copying or reading.
    case database(path: String, message: String)

    package var description: String {
        switch self {
        case .noDatabase(let path):
            "there is no database at \(path) (database.path, or --database)"
        case .destinationExists(let path):
            "\(path) exists; name another file, or add --force to replace it (the old file stays until the new one is complete)"
        case .directoryMissing(let path, let setting):
            "the directory \(path)\(setting.map { " (\($0))" } ?? "") does not exist; create it, owned by the user the server runs as"
        case .sameFile(let path, let database):
            "\(path) is the database itself (\(database)); name another file"
        case .notARegularFile(let path):
            "\(path) is not a regular file"
        case .unreadable(let path, let reason):
            "\(path) cannot be read: \(reason)"
        case .notADatabase(let path):
            "\(path) is not an SQLite database (nor a LastWord backup); check that you named the right file"
        case .emptyFile(let path):
            "\(path) is empty (0 bytes), not a backup; check that you named the right file"
        case .damaged(let path, let problems):
            "\(path) is damaged, SQLite's check found: \(problems.prefix(5).joined(separator: "; "))"
                + (problems.count > 5 ? " (and \(problems.count - 5) more)" : "") + "; use an older backup"
        case .notLastWord(let path):
            "\(path) is an SQLite database but not LastWord's (it has no migrations table); check that you named the right file"
        case .newerSchema(let path, let unknown):
            "\(path) was written by a newer LastWord (its schema has migrations this version does not know: "
                + "\(unknown.joined(separator: ", "))); restore it with that version, or use a backup made by this one"
        case .schemaDiffers(let path, let migration, let differences):
            "\(path) has a schema that is not LastWord's at migration \(migration) (changed by hand or by another program): "
                + differences.prefix(5).joined(separator: "; ") + (differences.count > 5 ? " (and \(differences.count - 5) more)" : "")
        case .talliesDiffer(let path, let differences):
            "\(path) fails the check `lastword verify` makes: \(differences.count) stored tally number(s) differ from the ratings ("
                + differences.prefix(3).map(\.description).joined(separator: "; ") + (differences.count > 3 ? "; …" : "")
                + "); use another backup"
        case .writeAheadLogBeside(let path):
            "\(path)-wal exists beside \(path): the file alone is not the whole database (it was copied while in use, not by "
                + "`lastword backup`). Make a backup with `lastword backup` instead, or open it once with sqlite3 (which folds the log in)"
        case .openElsewhere(let path):
            "another process has \(path) open (a lastword command, or the sqlite3 shell?); close it, then run restore again"
        case .cancelled(let path):
            "the backup into \(path) was stopped before it finished (the server is shutting down)"
        case .installFailed(let database, let reason, let checkedCopy, let kept):
            "replacing \(database) failed part way: \(reason). "
                + (checkedCopy.map { "The checked backup is at \($0); rename it to \(database) once the cause is fixed. " } ?? "")
                + (kept.map { "The replaced database is kept as \($0)." } ?? "")
        case .system(let call, let path, let code):
            "\(call) \(path) failed: \(String(cString: strerror(code)))"
        case .database(let path, let message):
            "\(path): \(message)"
        }
    }
}

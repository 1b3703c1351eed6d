/// Failures of opening the database. Start-up stops on them with this message; nothing is wiped or reset.
package enum StorageError: Error, Sendable, CustomStringConvertible {
    /// A schema migration failed; the database is left as it was before that migration.
    case migrationFailed(migration: String, path: String, reason: String)
    /// The database was migrated by a newer LastWord: it has migrations this build does not know.
    case unknownMigrations(path: String, migrations: [String])
    /// The database could not be opened or configured.
    case openFailed(path: String, reason: String)
    /// Another process holds the database's lock: a LastWord server serving it, or a restore replacing it
    /// (`DatabaseLock`). `holder` is the process id the lock file names, when it names one.
    case inUse(path: String, lockFile: String, holder: Int32?)
    /// Something an import or query found in the database that the schema should have prevented.
    case corrupt(String)

    package var description: String {
        switch self {
        case .migrationFailed(let migration, let path, let reason):
            "database \(path): migration \"\(migration)\" failed, the database is unchanged by it: \(reason)"
        case .unknownMigrations(let path, let migrations):
            "database \(path) was migrated by a newer version (unknown migrations: \(migrations.joined(separator: ", "))); refusing to open it"
        case .openFailed(let path, let reason):
            "database \(path) could not be opened: \(reason)"
        case .inUse(let path, let lockFile, let holder):
            "database \(path) is in use by another LastWord process (\(holder.map { "process \($0)" } ?? "a process") holds "
                + "\(lockFile)): a server serving it, or a restore replacing it; stop that first"
        case .corrupt(let problem):
            "database inconsistent: \(problem)"
        }
    }
}

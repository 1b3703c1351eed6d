import Foundation
import GRDBSQLite
#if canImport(Glibc)
import Glibc
#endif

extension Store {
    /// Why the database could not take writes now, or nil: its file (and the directory, where SQLite puts the WAL and
    /// journal files) must be writable by this process, and the file system must have `minimumFreeBytes` free.
    /// A cheap check for `/readyz`: two `access(2)` calls and a `statvfs(2)`, no transaction.
    package func writabilityProblem(minimumFreeBytes: Int64) -> String? {
        if configuration.isInMemory { return nil }
        if let postgres {
            // One round trip on a pool connection: PostgreSQL answers (its disk is PostgreSQL's to watch).
            do {
                _ = try read { db in try db.value(Int64.self, "SELECT 1") }
                return nil
            } catch {
                return "PostgreSQL at \(postgres.pool.name) cannot be reached (\(error))"
            }
        }
        let path = configuration.path
        let directory = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        if access(path, W_OK) != 0 { return "the database file \(path) cannot be written (\(String(cString: strerror(errno))))" }
        if access(directory, W_OK) != 0 { return "the database directory \(directory) cannot be written" }
        var stats = statvfs()
        guard statvfs(directory, &stats) == 0 else { return "the free space of \(directory) cannot be read" }
        let free = Int64(stats.f_bavail) * Int64(stats.f_frsize)
        if free < minimumFreeBytes {
            return "\(free / 1_048_576) MiB free on the database's file system, below \(minimumFreeBytes / 1_048_576) MiB"
        }
        return nil
    }

    /// Memory the database engine holds inside this process (SQLite: page caches, prepared statements, schemas, over
    /// every connection), for the metrics; nil for an engine that runs in a process of its own.
    package var engineMemoryBytes: Int? {
        postgres == nil ? Int(clamping: sqlite3_memory_used()) : nil
    }
}

import Domain
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A directory of backups of one database (`backup.directory`): backups named by `BackupFileName`, the oldest beyond
/// a number deleted, and the partial files of interrupted backups cleared away. Other files in it are not touched,
/// nor backups of other databases.
package struct BackupDirectory: Sendable {
    package let path: String
    package let databasePath: String

    package init(path: String, databasePath: String) {
        self.path = path
        self.databasePath = databasePath
    }

    /// The backups of this database in the directory, oldest first.
    package func backups() -> [(stamp: UTCStamp, path: String)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.compactMap { name in
            BackupFileName.stamp(of: name, databasePath: databasePath).map { ($0, path + "/" + name) }
        }
        .filter { FileOperations.kind(of: $0.1) == .regularFile }
        .sorted { $0.0 < $1.0 }
    }

    /// Makes the directory and its missing parents (readable by their owner only: backups hold personal data).
    package func create() throws(BackupError) {
        try FileOperations.makeDirectories(path, mode: 0o700)
    }

    /// A backup of `store` named for `now`; see `Store.backup(to:)`.
    package func backUp(_ store: Store, at now: Int64, shouldContinue: @escaping () -> Bool = { true }) throws(BackupError) -> DatabaseSummary {
        try store.backup(to: path + "/" + BackupFileName.make(databasePath: databasePath, at: now), shouldContinue: shouldContinue)
    }

    /// Deletes the oldest backups so that `keep` remain, never `except` (the one just made, even when the clock
    /// went back and it is not the newest by name). Returns the files deleted.
    package func prune(keep: Int, except: String? = nil) throws(BackupError) -> [String] {
        var deleted: [String] = []
        var remaining = backups()
        while remaining.count > keep, let oldest = remaining.first(where: { $0.path != except }) {
            try FileOperations.remove(oldest.path)
            deleted.append(oldest.path)
            remaining.removeAll { $0.path == oldest.path }
        }
        if !deleted.isEmpty { try FileOperations.fsyncDirectory(path) }
        return deleted
    }

    /// Removes what backups of this database left when their process died mid-way (`<backup>.partial-<pid>` and its
    /// journal) — only when that process is gone, so a `lastword backup` writing into the directory now is left alone.
    package func removeAbandonedPartials() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        var removed: [String] = []
        for name in names {
            guard let marker = name.range(of: ".partial-") else { continue }
            guard BackupFileName.stamp(of: String(name[..<marker.lowerBound]), databasePath: databasePath) != nil else { continue }
            let digits = name[marker.upperBound...].prefix { $0.isASCII && $0.isNumber }
            guard let pid = Int32(digits), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            if (try? FileOperations.remove(path + "/" + name)) != nil { removed.append(path + "/" + name) }
        }
        return removed
    }
}

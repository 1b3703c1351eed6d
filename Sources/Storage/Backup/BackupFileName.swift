import Domain

/// Names of backups made into a directory (scheduled ones, and `lastword backup DIRECTORY`): the database's name with
/// the UTC time of the copy before its extension — `lastword.sqlite` gives `lastword-20260506T120000Z.sqlite` — so
/// they sort by time, several databases can share a directory without touching each other's backups, and the
/// database itself never matches.
package enum BackupFileName {
    /// The name of a backup of `databasePath` taken at `milliseconds` (since 1970 UTC).
    package static func make(databasePath: String, at milliseconds: Int64) -> String {
        let (stem, suffix) = parts(databasePath)
        return "\(stem)-\(UTCStamp(milliseconds: milliseconds))\(suffix)"
    }

    /// When the backup named `name` was taken, if `name` is the name of a backup of `databasePath`.
    package static func stamp(of name: String, databasePath: String) -> UTCStamp? {
        let (stem, suffix) = parts(databasePath)
        guard name.hasPrefix(stem + "-"), name.hasSuffix(suffix), name.count == stem.count + 1 + 16 + suffix.count else { return nil }
        return UTCStamp(name.dropFirst(stem.count + 1).prefix(16))
    }

    /// `lastword` and `.sqlite` from `…/lastword.sqlite`; the whole name and "" when it has no extension.
    private static func parts(_ databasePath: String) -> (stem: String, suffix: String) {
        let name = FileOperations.name(of: databasePath)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return (name, "") }
        return (String(name[..<dot]), String(name[dot...]))
    }
}

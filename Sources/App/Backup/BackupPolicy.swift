/// Scheduled backups (`backup:` in config/lastword.yaml, which explains each default).
package struct BackupPolicy: Sendable, Equatable {
    /// Where backups are written; made at the first backup if missing. Empty: no scheduled backups.
    package var directory: String = ""
    /// Hours from one backup to the next, counted from the newest backup in the directory, so a restart does not
    /// postpone the next one.
    package var everyHours: Int = 24
    /// Backups kept: after each backup the oldest beyond this many are deleted.
    package var keep: Int = 7
    /// How often the server looks whether a backup is due, in milliseconds (tests shorten it).
    package var checkIntervalMilliseconds: Int = 60_000

    package init() {}

    package var isEnabled: Bool { !directory.isEmpty }
    package var intervalMilliseconds: Int64 { Int64(everyHours) * 3_600_000 }
}

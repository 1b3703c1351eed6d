@testable import App
import Domain
import Foundation
import GRDB
import Logging
import Storage
import Synchronization
import TestSupport
import Testing
import Transport
#if canImport(Glibc)
import Glibc
#endif

/// Scheduled backups follow the injected clock: one at start when the directory has none younger than the interval,
/// then one per interval, the oldest beyond `keep` deleted, every success and failure logged.
/// SQLite only: backups are copies of a SQLite file, and the server's lock a file beside it.
@Suite(.enabled(if: TestDatabase.engine == .sqlite, "about SQLite's backup files and database lock"))
struct ScheduledBackupsTests {
    static let start = UTCStamp("20260506T120000Z")!.milliseconds
    static let hour: Int64 = 3_600_000

    static func names(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    static func ratingCount(_ path: String) throws -> Int {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: path, configuration: configuration).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM rating") ?? -1 }
    }

    @Test func theServerBacksUpEveryIntervalOfItsClockAndKeepsTheNewest() throws {
        let time = ManualTimeSource(Self.start)
        let scratch = try TemporaryDirectory()
        let directory = scratch.path + "/backups/lastword"   // made by the first backup
        let app = try TestApp(time: time) {
            $0.backup.directory = directory
            $0.backup.everyHours = 1
            $0.backup.keep = 2
            $0.backup.checkIntervalMilliseconds = 10
        }
        defer { app.shutdown() }
        let backups = try #require(app.application.backups)

        #expect(eventually { Self.names(directory) == ["lastword-20260506T120000Z.sqlite"] }, "\(Self.names(directory))")
        #expect(try Self.ratingCount(directory + "/lastword-20260506T120000Z.sqlite") == 0)
        #expect(try app.rate("new-schools", id: "r-1", level: 4, as: app.newCitizen()).status == 200)

        time.advance(milliseconds: Self.hour - 60_000)
        #expect(!backups.isDue(at: time.now()), "59 minutes after the last one")
        #expect(backups.runIfDue() == .notDue)
        time.advance(milliseconds: 60_000)
        #expect(eventually { Self.names(directory) == ["lastword-20260506T120000Z.sqlite", "lastword-20260506T130000Z.sqlite"] },
                "\(Self.names(directory))")
        #expect(try Self.ratingCount(directory + "/lastword-20260506T130000Z.sqlite") == 1, "the rating acknowledged before it")

        time.advance(milliseconds: Self.hour)
        #expect(eventually { Self.names(directory) == ["lastword-20260506T130000Z.sqlite", "lastword-20260506T140000Z.sqlite"] },
                "the oldest beyond keep is deleted: \(Self.names(directory))")
    }

    @Test func aRestartNeitherPostponesNorRepeatsABackup() async throws {
        let scratch = try TemporaryDirectory()
        let logs = RecordedLogs()
        let store = try Store(configuration: StorageConfiguration(path: scratch.path + "/data/lastword.sqlite", synchronousFull: false))
        var policy = BackupPolicy()
        policy.directory = scratch.path + "/backups"
        policy.everyHours = 24
        let time = ManualTimeSource(Self.start)
        let first = ScheduledBackups(store: store, policy: policy, time: time, logger: logs.logger)
        guard case .made(let path, let summary, let deleted) = first.runIfDue() else {
            Issue.record("a backup is due when the directory has none")
            return
        }
        #expect(path == policy.directory + "/lastword-20260506T120000Z.sqlite" && summary.path == path && deleted.isEmpty)
        #expect(logs.messages.contains { $0.level == .info && $0.text == "backup written" && $0.metadata["file"] == path })

        // Another server process, 23 hours later: the backup in the directory is recent enough.
        time.advance(milliseconds: 23 * Self.hour)
        let restarted = ScheduledBackups(store: store, policy: policy, time: time, logger: logs.logger)
        #expect(restarted.runIfDue() == .notDue)
        time.advance(milliseconds: Self.hour)
        guard case .made(let second, _, _) = restarted.runIfDue() else {
            Issue.record("24 hours after the last backup, the next is due")
            return
        }
        #expect(second == policy.directory + "/lastword-20260507T120000Z.sqlite")
    }

    @Test func aFailedBackupIsLoggedAndRetriedAnHourLater() throws {
        let scratch = try TemporaryDirectory()
        let logs = RecordedLogs()
        let store = try Store(configuration: StorageConfiguration(path: scratch.path + "/data/lastword.sqlite", synchronousFull: false))
        try scratch.write("not-a-directory", "a file where the directory should be")
        var policy = BackupPolicy()
        policy.directory = scratch.path + "/not-a-directory/backups"
        let time = ManualTimeSource(Self.start)
        let backups = ScheduledBackups(store: store, policy: policy, time: time, logger: logs.logger)

        guard case .failed(let error) = backups.runIfDue() else {
            Issue.record("a backup into a path under a file fails")
            return
        }
        #expect(error.description.contains("mkdir \(scratch.path)/not-a-directory/backups failed: Not a directory"), "\(error)")
        #expect(logs.messages.contains { $0.level == .error && $0.text == "backup failed" && $0.metadata["error"] == error.description })
        time.advance(milliseconds: Self.hour - 1)
        #expect(backups.runIfDue() == .notDue, "not retried every check")
        #expect(logs.messages.count == 1)

        // The cause is fixed: the next attempt, an hour after the failure, succeeds.
        unlink(scratch.path + "/not-a-directory")
        time.advance(milliseconds: 1)
        guard case .made = backups.runIfDue() else {
            Issue.record("retried an hour after the failure")
            return
        }
        #expect(Self.names(policy.directory) == ["lastword-20260506T130000Z.sqlite"])
    }

    @Test func whatAnInterruptedBackupLeftIsRemovedAndOtherFilesAreNot() throws {
        let scratch = try TemporaryDirectory()
        let store = try Store(configuration: StorageConfiguration(path: scratch.path + "/data/lastword.sqlite", synchronousFull: false))
        try scratch.makeDirectory("backups")
        // A partial file of a process that is gone (pid 2^22 + 1 is above Linux's largest), one of a live process
        // (this one: a `lastword backup` writing now), a backup of another database, and an operator's file.
        try scratch.write("backups/lastword-20260501T000000Z.sqlite.partial-4194305", "half")
        try scratch.write("backups/lastword-20260502T000000Z.sqlite.partial-1", "init is alive")
        try scratch.write("backups/other-20260501T000000Z.sqlite", "another database's")
        try scratch.write("backups/README", "the operator's")
        var policy = BackupPolicy()
        policy.directory = scratch.path + "/backups"
        policy.keep = 1
        let backups = ScheduledBackups(store: store, policy: policy, time: ManualTimeSource(Self.start), logger: RecordedLogs().logger)
        guard case .made = backups.runIfDue() else {
            Issue.record("a backup is due")
            return
        }
        #expect(Self.names(policy.directory) == ["README", "lastword-20260502T000000Z.sqlite.partial-1", "lastword-20260506T120000Z.sqlite",
                                                 "other-20260501T000000Z.sqlite"])
    }

    @Test func theStartupCheckNamesABackupDirectoryThatCannotBeCreated() throws {
        let scratch = try TemporaryDirectory()
        try scratch.write("file", "not a directory")
        #expect(StartupCheck.directoryProblem(scratch.path + "/file") == "\(scratch.path)/file is not a directory")
        #expect(StartupCheck.directoryProblem(scratch.path + "/file/backups")
                == "\(scratch.path)/file is not a directory, so \(scratch.path)/file/backups cannot be created")
        #expect(StartupCheck.directoryProblem(scratch.path + "/a/b") == nil, "missing directories are made")

        var configuration = ApplicationConfiguration()
        configuration.publicDirectory = scratch.path
        configuration.campaignFiles = []
        configuration.databasePath = scratch.path + "/data/lastword.sqlite"
        configuration.backup.directory = scratch.path + "/file/backups"
        #expect(performing: { try StartupCheck.run(configuration) }, throws: { error in
            "\(error)" == "backup.directory: \(scratch.path)/file is not a directory, so \(scratch.path)/file/backups cannot be created"
        })
        #expect(access(scratch.path + "/data", F_OK) != 0, "nothing was created")
    }

    @Test func aSecondServerOnTheSameDatabaseIsRefusedWhileTheFirstRuns() throws {
        let first = try TestApp()
        defer { first.shutdown() }
        #expect(performing: { try TestApp { $0.databasePath = first.databasePath } }, throws: { error in
            "\(error)".contains("database \(first.databasePath) is in use by another LastWord process")
        })
        first.shutdown()
        let second = try TestApp { $0.databasePath = first.databasePath }
        second.shutdown()
    }
}

import Domain
import Foundation
import GRDB
@testable import Storage
import Testing

/// A restore checks the backup before it replaces anything, refuses — changing nothing — whatever it cannot vouch
/// for, and sets the replaced database aside whole.
/// SQLite only, whatever `LASTWORD_TEST_DATABASE` says: a restore replaces a SQLite file.
@Suite struct DatabaseRestoreTests {
    static let now: Int64 = 1_778_068_800_000   // 2026-05-06T12:00:00Z

    /// A database with the fixture campaign and ratings with client ids `prefix-0`…, its store closed again.
    static func database(at path: String, ratings: Int, prefix: String, from first: Int = 1) async throws {
        let store = try Store(configuration: StorageConfiguration(path: path, synchronousFull: false))
        _ = try store.importCampaign(Fixtures.campaign())
        let writer = store.makeWriter()
        let outcomes = await writer.outcomes(of: (0..<ratings).map { Fixtures.rate(first + $0, .satisfied, id: "\(prefix)-\($0)") })
        #expect(outcomes.allSatisfy { $0.applied != nil })
        writer.shutdown()
    }

    /// A database of 20 ratings, and a backup of it.
    static func databaseAndBackup(_ directory: TemporaryDirectory) async throws -> (database: String, backup: String) {
        try await database(at: directory.databasePath, ratings: 20, prefix: "kept")
        let backup = directory.url.appendingPathComponent("backup.sqlite").path
        _ = try DatabaseBackup.copy(databaseAt: directory.databasePath, to: backup)
        return (directory.databasePath, backup)
    }

    static func read<T>(_ path: String, _ body: (Database) throws -> T) throws -> T {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: path, configuration: configuration).read(body)
    }

    static func ratingCount(_ queue: DatabaseQueue) throws -> Int {
        try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM rating") ?? -1 }
    }

    static func clientIDs(_ path: String) throws -> Set<String> {
        Set(try read(path) { try String.fetchAll($0, sql: "SELECT client_id FROM applied_action") })
    }

    /// Every file of the database's directory with its bytes, but the lock file (a restore takes the lock first; the
    /// file that carries it means nothing by itself).
    static func files(besides database: String) throws -> [String: Data] {
        let directory = (database as NSString).deletingLastPathComponent
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where !name.hasSuffix(".lock") {
            files[name] = FileManager.default.contents(atPath: directory + "/" + name)
        }
        return files
    }

    @Test func aRestoreReplacesTheDatabaseAndSetsTheReplacedOneAside() async throws {
        let directory = try TemporaryDirectory()
        let (database, backup) = try await Self.databaseAndBackup(directory)
        try await Self.database(at: database, ratings: 10, prefix: "later", from: 100)   // after the backup

        let outcome = try DatabaseRestore.restore(file: backup, over: database, now: Self.now)
        #expect(outcome.kept == database + ".before-restore-20260506T120000Z")
        #expect(outcome.restored.counts.ratings == 20)
        #expect(outcome.replacedDatabaseProblem == nil)
        #expect(try Self.clientIDs(database) == Set((0..<20).map { "kept-\($0)" }))
        // The replaced database, whole: the ratings made after the backup are there.
        let kept = try #require(outcome.kept)
        #expect(try Self.clientIDs(kept) == Set((0..<20).map { "kept-\($0)" } + (0..<10).map { "later-\($0)" }))
        // Whole in one file: its write-ahead log was folded in (the server sets WAL again if it is ever opened).
        #expect(!FileManager.default.fileExists(atPath: kept + "-wal"))
        let header = try #require(FileManager.default.contents(atPath: kept))
        #expect(header[18] == 1 && header[19] == 1)
        let names = Set(try Self.files(besides: database).keys)
        #expect(names == ["lastword.sqlite", "lastword.sqlite.before-restore-20260506T120000Z"], "nothing else beside them")
        // The server opens it, and `lastword verify` passes.
        let reopened = try Store(configuration: StorageConfiguration(path: database))
        #expect(try reopened.verify() == [])
        #expect(try reopened.campaigns().map(\.id) == ["city-2025"])
    }

    @Test func withoutKeepingTheReplacedDatabaseGoes() async throws {
        let directory = try TemporaryDirectory()
        let (database, backup) = try await Self.databaseAndBackup(directory)
        let outcome = try DatabaseRestore.restore(file: backup, over: database, keepReplaced: false, now: Self.now)
        #expect(outcome.kept == nil)
        #expect(Set(try Self.files(besides: database).keys) == ["lastword.sqlite"])
        #expect(try Self.clientIDs(database).count == 20)
    }

    @Test func aBackupIsRestoredWhereThereIsNoDatabaseYet() async throws {
        let directory = try TemporaryDirectory()
        let (database, backup) = try await Self.databaseAndBackup(directory)
        let elsewhere = directory.url.appendingPathComponent("new-host.sqlite").path
        let outcome = try DatabaseRestore.restore(file: backup, over: elsewhere, now: Self.now)
        #expect(outcome.kept == nil)
        #expect(try Self.clientIDs(elsewhere) == Self.clientIDs(database))
        #expect(try Store(configuration: StorageConfiguration(path: elsewhere)).verify() == [])

        let nowhere = directory.url.appendingPathComponent("missing/dir/db.sqlite").path
        #expect(throws: BackupError.directoryMissing(path: directory.url.appendingPathComponent("missing/dir").path, setting: "database.path")) {
            try DatabaseRestore.restore(file: backup, over: nowhere, now: Self.now)
        }
    }

    @Test func theWriteAheadLogOfAServerThatWasKilledIsKeptWithTheReplacedDatabaseAndNeverReplayedIntoTheRestoredOne() async throws {
        let directory = try TemporaryDirectory()
        let (_, backup) = try await Self.databaseAndBackup(directory)
        // What `kill -9` leaves: the database file and a write-ahead log holding committed transactions, copied while a
        // store has it open (no checkpoint runs for so few pages).
        let crashed = directory.url.appendingPathComponent("crashed").path
        try FileManager.default.createDirectory(atPath: crashed, withIntermediateDirectories: true)
        let live = directory.url.appendingPathComponent("live/lastword.sqlite").path
        let store = try Store(configuration: StorageConfiguration(path: live, synchronousFull: false))
        _ = try store.importCampaign(Fixtures.campaign())
        let writer = store.makeWriter()
        _ = await writer.outcomes(of: (0..<15).map { Fixtures.rate(500 + $0, .dissatisfied, id: "wal-\($0)") })
        #expect((FileOperations.size(of: live + "-wal") ?? 0) > 0)
        try FileManager.default.copyItem(atPath: live, toPath: crashed + "/lastword.sqlite")
        try FileManager.default.copyItem(atPath: live + "-wal", toPath: crashed + "/lastword.sqlite-wal")
        writer.shutdown()

        let database = crashed + "/lastword.sqlite"
        let outcome = try DatabaseRestore.restore(file: backup, over: database, now: Self.now)
        #expect(try Self.clientIDs(database) == Set((0..<20).map { "kept-\($0)" }), "the old log was not replayed into it")
        let kept = try #require(outcome.kept)
        #expect(try Self.clientIDs(kept) == Set((0..<15).map { "wal-\($0)" }), "the log's transactions are in the kept database")
        #expect(Set(try Self.files(besides: database).keys) == ["lastword.sqlite", "lastword.sqlite.before-restore-20260506T120000Z"])
    }

    /// Ways a file can fail the checks, each made from a good backup.
    enum BadCopy: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case missing, text, empty, damaged, foreignDatabase, newerSchema, editedSchema, wrongTally, writeAheadLogBeside

        var testDescription: String { rawValue }

        /// Makes the bad file at `path` from the good backup `backup`.
        func make(at path: String, from backup: String) throws {
            func edit(_ sql: String) throws {
                try FileManager.default.copyItem(atPath: backup, toPath: path)
                let queue = try DatabaseQueue(path: path)
                try queue.writeWithoutTransaction { try $0.execute(sql: sql) }
                try queue.close()
            }
            switch self {
            case .missing: break
            case .text: try Data(String(repeating: "not a database\n", count: 400).utf8).write(to: URL(fileURLWithPath: path))
            case .empty: try Data().write(to: URL(fileURLWithPath: path))
            case .damaged:
                try FileManager.default.copyItem(atPath: backup, toPath: path)
                let (root, pageSize) = try DatabaseRestoreTests.read(path) { db in
                    (try Int.fetchOne(db, sql: "SELECT rootpage FROM sqlite_schema WHERE name = 'rating'")!,
                     try Int.fetchOne(db, sql: "PRAGMA page_size")!)
                }
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
                try handle.seek(toOffset: UInt64((root - 1) * pageSize))
                try handle.write(contentsOf: Data(repeating: 0xA5, count: 64))
                try handle.close()
            case .foreignDatabase:
                let queue = try DatabaseQueue(path: path)
                try queue.write { try $0.execute(sql: "CREATE TABLE photo (id INTEGER PRIMARY KEY, data BLOB)") }
                try queue.close()
            case .newerSchema:
                try edit("INSERT INTO grdb_migrations (identifier) VALUES ('v99'); CREATE TABLE hologram (id INTEGER PRIMARY KEY)")
            case .editedSchema:
                try edit("DROP INDEX project_by_campaign")
            case .wrongTally:
                try edit("UPDATE tally SET level4 = level4 + 1 WHERE project = (SELECT id FROM project WHERE slug = 'school-a')")
            case .writeAheadLogBeside:
                try FileManager.default.copyItem(atPath: backup, toPath: path)
                try Data(repeating: 1, count: 4096).write(to: URL(fileURLWithPath: path + "-wal"))
            }
        }

        func isExpected(_ error: any Error, path: String) -> Bool {
            guard let error = error as? BackupError else { return false }
            switch (self, error) {
            case (.missing, .unreadable(path, _)), (.text, .notADatabase(path)), (.empty, .emptyFile(path)),
                 (.foreignDatabase, .notLastWord(path)), (.newerSchema, .newerSchema(path, ["v99"])),
                 (.writeAheadLogBeside, .writeAheadLogBeside(path)):
                return true
            case (.damaged, .damaged(path, let problems)):
                return !problems.isEmpty
            case (.editedSchema, .schemaDiffers(path, _, let differences)):
                return differences == ["missing index project_by_campaign on project(campaign, position)"]
            case (.wrongTally, .talliesDiffer(path, let differences)):
                return differences == [TallyDiscrepancy(campaignID: "city-2025", projectSlug: "school-a", field: .level4, stored: 21, recomputed: 20)]
            default:
                return false
            }
        }
    }

    @Test(arguments: BadCopy.allCases)
    func aCopyThatFailsACheckIsRefusedAndNothingChanges(_ bad: BadCopy) async throws {
        let directory = try TemporaryDirectory()
        let (database, backup) = try await Self.databaseAndBackup(directory)
        let file = directory.url.appendingPathComponent("bad.sqlite").path
        try bad.make(at: file, from: backup)
        let before = try Self.files(besides: database)

        #expect(performing: { try DatabaseRestore.restore(file: file, over: database, now: Self.now) },
                throws: { bad.isExpected($0, path: file) })
        #expect(performing: { try DatabaseRestore.check(file: file, scratchDirectory: directory.url.path) },
                throws: { bad.isExpected($0, path: file) })
        #expect(try Self.files(besides: database) == before, "the database and its directory are as they were")
        #expect(try Store(configuration: StorageConfiguration(path: database)).verify() == [])
    }

    @Test func theErrorsSayWhatIsWrongAndWhatToDo() {
        #expect(BackupError.newerSchema(path: "/b/x.sqlite", unknown: ["v6"]).description
                == "/b/x.sqlite was written by a newer LastWord (its schema has migrations this version does not know: v6); "
                + "restore it with that version, or use a backup made by this one")
        #expect(BackupError.damaged(path: "/b/x.sqlite", problems: ["Page 5: btreeInitPage() returns error code 11"]).description
                == "/b/x.sqlite is damaged, SQLite's check found: Page 5: btreeInitPage() returns error code 11; use an older backup")
        let tally = TallyDiscrepancy(campaignID: "c", projectSlug: "p", field: .likes, stored: 3, recomputed: 2)
        #expect(BackupError.talliesDiffer(path: "/b/x.sqlite", differences: [tally]).description
                == "/b/x.sqlite fails the check `lastword verify` makes: 1 stored tally number(s) differ from the ratings "
                + "(campaign c project p: likes stored 3, recomputed 2); use another backup")
    }

    @Test func aRestoreIsRefusedWhileAnotherConnectionHasTheDatabaseOpen() async throws {
        let directory = try TemporaryDirectory()
        let (database, backup) = try await Self.databaseAndBackup(directory)
        let before = try Self.files(besides: database)
        // The sqlite3 shell, or a `lastword verify`, left open on the database.
        let other = try DatabaseQueue(path: database)
        #expect(try Self.ratingCount(other) == 20)

        #expect(throws: BackupError.openElsewhere(path: database)) {
            try DatabaseRestore.restore(file: backup, over: database, now: Self.now)
        }
        #expect(try Self.files(besides: database).filter { !$0.key.hasSuffix("-shm") && !$0.key.hasSuffix("-wal") }
                == before.filter { !$0.key.hasSuffix("-shm") && !$0.key.hasSuffix("-wal") })
        try other.close()
        #expect(try DatabaseRestore.restore(file: backup, over: database, now: Self.now).restored.counts.ratings == 20)
    }

    @Test func aCopyOfAnOlderSchemaIsRestoredAndMigratedWhenTheServerOpensIt() async throws {
        let directory = try TemporaryDirectory()
        let (database, _) = try await Self.databaseAndBackup(directory)
        let old = directory.url.appendingPathComponent("v2.sqlite").path
        let queue = try DatabaseQueue(path: old)
        try StoreSchema.makeMigrator().migrate(queue, upTo: "v2")
        try queue.close()

        let outcome = try DatabaseRestore.restore(file: old, over: database, now: Self.now)
        #expect(outcome.restored.schemaVersion == "v2")
        #expect(outcome.restored.pendingMigrations == Array(StoreSchema.migrations.map(\.name).dropFirst(2)))
        let reopened = try Store(configuration: StorageConfiguration(path: database))
        #expect(try reopened.verify() == [])
    }
}

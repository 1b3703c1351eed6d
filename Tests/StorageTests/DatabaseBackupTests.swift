import Domain
import Foundation
import GRDB
@testable import Storage
import Synchronization
import Testing

/// Backups are taken by SQLite's backup API on a read connection while the single writer commits: each is the
/// database as one transaction saw it, whole in one file, and appears under its name only once complete.
/// SQLite only, whatever `LASTWORD_TEST_DATABASE` says: backups are SQLite files (PostgreSQL has its own tools).
@Suite struct DatabaseBackupTests {
    /// A file store with the fixture campaign and `ratings` ratings of school-a, by citizens 1…`ratings`.
    static func store(ratings: Int, in directory: TemporaryDirectory) async throws -> (Store, StoreWriter) {
        let store = try Store(configuration: StorageConfiguration(path: directory.databasePath, synchronousFull: false))
        _ = try store.importCampaign(Fixtures.campaign())
        let writer = store.makeWriter()
        let outcomes = await writer.outcomes(of: (0..<ratings).map { Fixtures.rate($0 + 1, .satisfied, id: "before-\($0)") })
        #expect(outcomes.allSatisfy { $0.applied != nil })
        return (store, writer)
    }

    /// What a database file holds, read by a connection of its own, as another process would.
    static func ratingCount(_ path: String) throws -> Int {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: path, configuration: configuration).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM rating") ?? -1 }
    }

    static func clientIDs(_ path: String) throws -> Set<String> {
        var configuration = Configuration()
        configuration.readonly = true
        return Set(try DatabaseQueue(path: path, configuration: configuration).read {
            try String.fetchAll($0, sql: "SELECT client_id FROM applied_action")
        })
    }

    @Test func aBackupHoldsExactlyWhatWasCommittedBeforeItBeganWhileTheWriterCommitsBetweenItsSteps() async throws {
        let directory = try TemporaryDirectory()
        let (store, writer) = try await Self.store(ratings: 300, in: directory)
        defer { writer.shutdown() }
        let file = directory.url.appendingPathComponent("backup.sqlite").path

        // One page per step, and a rating committed (and acknowledged) between every two steps: had the copy not held
        // its snapshot, each commit would have restarted it, or mixed pages from before and after.
        let during = Box(0)
        let summary = try store.backup(to: file, pagesPerStep: 1, betweenSteps: { _, _ in
            let number = during.withLock { count in
                count += 1
                return count
            }
            let done = DispatchSemaphore(value: 0)
            writer.submit(Fixtures.rate(10_000 + number, "bus-12", .satisfied, id: "during-\(number)")) { outcome in
                #expect(outcome.applied != nil)
                done.signal()
            }
            done.wait()
        })
        let steps = during.withLock { $0 }
        #expect(steps > 20, "the copy took \(steps) steps")
        #expect(summary.counts.ratings == 300)
        #expect(try Self.ratingCount(file) == 300)
        #expect(try Self.clientIDs(file) == Set((0..<300).map { "before-\($0)" }))
        #expect(summary.tallyDiscrepancies.isEmpty && summary.schemaDifferences.isEmpty && summary.unknownMigrations.isEmpty)
        #expect(summary.schemaVersion == StoreSchema.migrations.last?.name)
        // The database went on: every rating acknowledged during the copy is committed there.
        #expect(try Self.ratingCount(directory.databasePath) == 300 + steps)
        #expect(try store.verify() == [])
    }

    @Test func aBackupTakenWhileRatingsFlowHoldsEveryRatingAcknowledgedBeforeItBegan() async throws {
        let directory = try TemporaryDirectory()
        let (store, writer) = try await Self.store(ratings: 50, in: directory)
        defer { writer.shutdown() }
        let file = directory.url.appendingPathComponent("backup.sqlite").path

        // A stream of ratings from another thread; each acknowledgement is recorded as it arrives.
        let acknowledged = Box<[String]>([])
        let stop = Box(false)
        let ended = DispatchSemaphore(value: 0)
        let stream = Thread {
            defer { ended.signal() }
            var number = 0
            while !stop.withLock({ $0 }) {
                number += 1
                let id = "flow-\(number)"
                let done = DispatchSemaphore(value: 0)
                writer.submit(Fixtures.rate(20_000 + number, "elder-care", .basicallySatisfied, id: id)) { outcome in
                    if outcome.applied != nil { acknowledged.withLock { $0.append(id) } }
                    done.signal()
                }
                done.wait()
            }
        }
        stream.start()
        #expect(await eventually { acknowledged.withLock { $0.count } >= 20 }, "the stream is flowing")
        let before = Set(acknowledged.withLock { $0 })
        let summary = try store.backup(to: file, pagesPerStep: 4)
        let after = acknowledged.withLock { $0.count }
        #expect(await eventually { acknowledged.withLock { $0.count } >= after + 20 }, "it flowed on during and after the copy")
        stop.withLock { $0 = true }
        #expect(ended.wait(timeout: .now() + 10) == .success, "the stream stopped before the writer does")

        let copied = try Self.clientIDs(file)
        #expect(before.isSubset(of: copied), "every rating acknowledged before the backup began is in it")
        #expect(copied.isSubset(of: Set((0..<50).map { "before-\($0)" } + acknowledged.withLock { $0 })))
        #expect(summary.counts.ratings == copied.count)
        #expect(summary.tallyDiscrepancies.isEmpty, "the copy's tallies are those of its ratings")
    }

    @Test func theCopyIsOneSelfContainedFileReadableByItsOwnerOnly() async throws {
        let directory = try TemporaryDirectory()
        let (store, writer) = try await Self.store(ratings: 10, in: directory)
        defer { writer.shutdown() }
        let file = directory.url.appendingPathComponent("backup.sqlite").path
        _ = try store.backup(to: file)

        let names = try FileManager.default.contentsOfDirectory(atPath: directory.url.path)
        #expect(names.sorted() == ["backup.sqlite", "nested"], "no -wal, -shm, -journal or partial file beside it")
        // Bytes 18 and 19 of the header: 1 is the rollback journal, 2 is WAL (which needs a -wal and -shm to be read).
        let header = try #require(FileManager.default.contents(atPath: file))
        #expect(header[18] == 1 && header[19] == 1)
        let mode = try #require(FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        #expect(try Self.ratingCount(file) == 10)
    }

    @Test func anExistingFileIsReplacedOnlyWhenAskedAndThenOnlyOnceTheNewCopyIsComplete() async throws {
        let directory = try TemporaryDirectory()
        let (store, writer) = try await Self.store(ratings: 5, in: directory)
        defer { writer.shutdown() }
        let file = directory.url.appendingPathComponent("backup.sqlite").path
        try Data("precious".utf8).write(to: URL(fileURLWithPath: file))

        #expect(throws: BackupError.destinationExists(path: file)) { try store.backup(to: file) }
        #expect(FileManager.default.contents(atPath: file) == Data("precious".utf8))

        _ = try store.backup(to: file, replacing: true)
        #expect(try Self.ratingCount(file) == 5)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted() == ["backup.sqlite", "nested"])
    }

    @Test func aBackupNeverNamesTheDatabaseItselfNorADirectory() async throws {
        let directory = try TemporaryDirectory()
        let (store, writer) = try await Self.store(ratings: 1, in: directory)
        defer { writer.shutdown() }
        #expect(throws: BackupError.sameFile(path: directory.databasePath, database: directory.databasePath)) {
            try store.backup(to: directory.databasePath, replacing: true)
        }
        #expect(throws: BackupError.notARegularFile(path: directory.url.path)) { try store.backup(to: directory.url.path) }
        let missing = directory.url.appendingPathComponent("no/such/dir").path
        #expect(throws: BackupError.directoryMissing(path: missing, setting: nil)) { try store.backup(to: missing + "/b.sqlite") }
        #expect(try store.verify() == [])
    }

    @Test func aStoppedBackupLeavesNothingBehind() async throws {
        let directory = try TemporaryDirectory()
        let (store, writer) = try await Self.store(ratings: 200, in: directory)
        defer { writer.shutdown() }
        let file = directory.url.appendingPathComponent("backup.sqlite").path
        let asked = Box(0)
        #expect(throws: BackupError.cancelled(path: file)) {
            try store.backup(to: file, pagesPerStep: 2, shouldContinue: {
                asked.withLock { count in
                    count += 1
                    return count < 3
                }
            })
        }
        #expect(asked.withLock { $0 } == 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path) == ["nested"])
    }

    @Test func theCommandLineBackupOpensTheDatabaseWithoutMigratingOrChangingIt() async throws {
        let directory = try TemporaryDirectory()
        let (_, writer) = try await Self.store(ratings: 7, in: directory)
        defer { writer.shutdown() }
        let file = directory.url.appendingPathComponent("backup.sqlite").path
        let summary = try DatabaseBackup.copy(databaseAt: directory.databasePath, to: file)
        #expect(summary.counts.ratings == 7 && summary.counts.campaigns == 1 && summary.counts.projects == 3)
        #expect(summary.path == file)
        #expect(summary.bytes == Int64(try #require(FileManager.default.contents(atPath: file)).count))

        let none = directory.url.appendingPathComponent("none.sqlite").path
        #expect(throws: BackupError.noDatabase(path: none)) { try DatabaseBackup.copy(databaseAt: none, to: file + "2") }
    }

    @Test func backupNamesSortByTimeAndNameTheirDatabase() {
        let stamp = UTCStamp(milliseconds: 1_778_068_800_123)
        #expect(stamp.description == "20260506T120000Z")
        #expect(UTCStamp("20260506T120000Z") == stamp)
        #expect(UTCStamp("20260230T120000Z") == nil && UTCStamp("20260506T240000Z") == nil && UTCStamp("2026-05-06") == nil)
        #expect(UTCStamp(milliseconds: -1).description == "19691231T235959Z")
        let name = BackupFileName.make(databasePath: "/var/lib/lastword/lastword.sqlite", at: 1_778_068_800_123)
        #expect(name == "lastword-20260506T120000Z.sqlite")
        #expect(BackupFileName.stamp(of: name, databasePath: "/var/lib/lastword/lastword.sqlite") == stamp)
        #expect(BackupFileName.stamp(of: name, databasePath: "/var/lib/other/other.sqlite") == nil)
        #expect(BackupFileName.stamp(of: "lastword.sqlite", databasePath: "/var/lib/lastword/lastword.sqlite") == nil)
        #expect(BackupFileName.stamp(of: name + ".partial-12", databasePath: "/var/lib/lastword/lastword.sqlite") == nil)
        #expect(BackupFileName.make(databasePath: "data/db", at: 0) == "db-19700101T000000Z")
    }
}

/// A value several threads share.
final class Box<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
    func withLock<Result: Sendable>(_ body: (inout sending Value) throws -> sending Result) rethrows -> Result {
        try value.withLock(body)
    }
}

/// Polls a condition another thread makes true (a count of acknowledgements) until it holds or five seconds pass.
func eventually(_ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .seconds(5)
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return condition()
}

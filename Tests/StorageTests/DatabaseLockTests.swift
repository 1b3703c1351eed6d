import Foundation
@testable import Storage
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A serving store holds `<database>.lock` for its life: a restore, or a second server, is refused meanwhile; the
/// commands that work beside a server are not.
/// SQLite only, whatever `LASTWORD_TEST_DATABASE` says: the lock is a file beside a SQLite database.
@Suite struct DatabaseLockTests {
    static func serving(_ path: String) throws -> Store {
        try Store(configuration: StorageConfiguration(path: path, synchronousFull: false, holdsServerLock: true))
    }

    @Test func aServingStoreHoldsTheLockAndARestoreIsRefusedChangingNothing() async throws {
        let directory = try TemporaryDirectory()
        let (database, backup) = try await DatabaseRestoreTests.databaseAndBackup(directory)
        let store = try Self.serving(database)
        let before = try DatabaseRestoreTests.files(besides: database)

        #expect(performing: { try DatabaseRestore.restore(file: backup, over: database, now: DatabaseRestoreTests.now) }, throws: { error in
            guard case StorageError.inUse(database, database + ".lock", getpid()) = error else { return false }
            return "\(error)".contains("is in use by another LastWord process (process \(getpid()) holds \(database).lock)")
        })
        #expect(try DatabaseRestoreTests.files(besides: database) == before)
        #expect(try store.verify() == [])
        withExtendedLifetime(store) {}
    }

    @Test func aSecondServerOnTheSameDatabaseIsRefusedUntilTheFirstLetsGo() throws {
        let directory = try TemporaryDirectory()
        let first = try Self.serving(directory.databasePath)
        #expect(performing: { try Self.serving(directory.databasePath) }, throws: { error in
            if case StorageError.inUse = error { return true }
            return false
        })
        // Commands beside a server (verify, user, backup) do not take the lock.
        let beside = try Store(configuration: StorageConfiguration(path: directory.databasePath))
        #expect(try beside.verify() == [])

        first.releaseServerLock()
        let second = try Self.serving(directory.databasePath)
        #expect(throws: StorageError.self) { try DatabaseLock(databasePath: directory.databasePath) }
        second.releaseServerLock()
        let taken = try DatabaseLock(databasePath: directory.databasePath)
        taken.release()
        withExtendedLifetime(first) {}
    }

    @Test func theLockGoesWithTheStoreAndItsFileStays() throws {
        let directory = try TemporaryDirectory()
        do {
            _ = try Self.serving(directory.databasePath)
        }
        let lock = try DatabaseLock(databasePath: directory.databasePath)
        #expect(lock.path == directory.databasePath + ".lock")
        let text = try String(contentsOfFile: lock.path, encoding: .utf8)
        #expect(text == "\(getpid())\n", "the lock file names its holder")
        lock.release()
        #expect(FileManager.default.fileExists(atPath: lock.path), "never deleted: someone may be about to lock it")
    }
}

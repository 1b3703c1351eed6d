import Domain
import Foundation
import GRDB
import Synchronization

/// The one owner of the database. Readers (`campaigns()`, `citizenRecord(_:campaignID:)`, …) may run on any thread;
/// every change of citizens' data goes through the single `StoreWriter` (`makeWriter()`), and imports and repairs
/// through this object, all serialized on GRDB's one writer connection.
package final class Store: Sendable {
    package let configuration: StorageConfiguration
    /// SQLite's database (nil on PostgreSQL).
    let sqlite: (any DatabaseWriter)?
    /// PostgreSQL's connections (nil on SQLite).
    let postgres: PostgresEngine?
    /// SQLite's database, for what only SQLite has (backups, restore, inspection) and for tests; a PostgreSQL store
    /// never reaches it (those commands refuse a PostgreSQL URL first).
    var database: any DatabaseWriter {
        guard let sqlite else { preconditionFailure("SQLite's database asked of a PostgreSQL store") }
        return sqlite
    }
    private let writerMade = Mutex(false)
    /// The database's lock while this store serves it (`StorageConfiguration.holdsServerLock`).
    private let serverLock: DatabaseLock?

    /// Opens the database (a `DatabasePool` in WAL mode for a file, a `DatabaseQueue` for ":memory:"), turns
    /// foreign keys on, sets `synchronous`, and runs the migrations this build knows. A failed migration throws
    /// `StorageError.migrationFailed` naming it; a database migrated by a newer build is refused. Nothing is ever
    /// erased or reset.
    package init(configuration: StorageConfiguration) throws {
        precondition(configuration.maxBatch >= 1 && configuration.maxQueue >= 1, "batch and queue sizes must be positive")
        precondition(configuration.writerCacheMiB >= 1 && configuration.checkpointPages >= 1, "cache and checkpoint sizes must be positive")
        self.configuration = configuration
        if configuration.isPostgres {
            sqlite = nil
            serverLock = nil
            postgres = try PostgresEngine(url: configuration.path, poolSize: configuration.postgresPoolSize)
            do {
                try postgres!.pool.withConnection { connection in
                    try PostgresMigrator.migrate(connection, database: postgres!.pool.name)
                }
            } catch {
                postgres!.close()
                throw error
            }
            return
        }
        postgres = nil
        let path = configuration.path
        var grdb = Configuration()
        grdb.foreignKeysEnabled = true
        grdb.label = "lastword"
        // Another process (a backup, the sqlite3 shell) may hold a lock for a moment; wait instead of failing.
        grdb.busyMode = .timeout(5)
        grdb.prepareDatabase { db in db.add(function: StringAggregate.function) }
        if !configuration.isInMemory {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                throw StorageError.openFailed(path: path, reason: "its directory \(directory.path) cannot be created: \(Self.reason(error))")
            }
        }
        // Before the database is opened or migrated: a restore in progress must not be read half-done, nor migrated.
        serverLock = configuration.holdsServerLock && !configuration.isInMemory ? try DatabaseLock(databasePath: path) : nil
        do {
            let database: any DatabaseWriter = configuration.isInMemory
                ? try DatabaseQueue(configuration: grdb) : try DatabasePool(path: path, configuration: grdb)
            sqlite = database
            // After the pool's own set-up, which chooses NORMAL for WAL. Only the writer connection writes, so only
            // its settings matter.
            let synchronous = configuration.synchronousFull ? "FULL" : "NORMAL"
            try database.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
                // The writer runs each command in a savepoint, whose statement journal holds the original of every
                // page the command changes. On disk (the default) that is two write calls per page per command;
                // in memory it is a copy, dropped at RELEASE.
                try db.execute(sql: "PRAGMA temp_store = MEMORY")
                try db.execute(sql: "PRAGMA cache_size = -\(configuration.writerCacheMiB * 1024)")
                try db.execute(sql: "PRAGMA wal_autocheckpoint = \(configuration.checkpointPages)")
            }
        } catch {
            throw StorageError.openFailed(path: path, reason: String(describing: error))
        }
        try Self.migrate(sqlite!, path: path)
    }

    /// On PostgreSQL, the store's connections end with it (a command-line tool's, a test's): the feed's, the
    /// writer's (a writer still running then fails its batches: "the store is closed") and the pool's.
    deinit {
        postgres?.close()
    }

    /// Foundation's errors describe themselves as "Error Domain=NSCocoaErrorDomain Code=4 …"; the POSIX error under
    /// one ("No such file or directory") is what an operator can act on.
    private static func reason(_ error: any Error) -> String {
        let error = error as NSError
        if let underlying = error.userInfo[NSUnderlyingErrorKey].flatMap({ $0 as? any Error }).map({ $0 as NSError }),
           underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return error.localizedDescription
    }

    /// Runs each pending migration in its own transaction, naming the one that fails.
    private static func migrate(_ database: any DatabaseWriter, path: String) throws {
        let migrator = StoreSchema.makeMigrator()
        let known = Set(StoreSchema.migrations.map(\.name))
        let applied: [String]
        do {
            applied = try database.read { db -> [String] in
                guard try db.tableExists("grdb_migrations") else { return [] }
                return try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
            }
        } catch {
            throw StorageError.openFailed(path: path, reason: String(describing: error))
        }
        let unknown = applied.filter { !known.contains($0) }
        guard unknown.isEmpty else { throw StorageError.unknownMigrations(path: path, migrations: unknown) }
        // Only the pending ones: GRDB traps on a target the database is already past.
        for migration in StoreSchema.migrations where !applied.contains(migration.name) {
            do {
                try migrator.migrate(database, upTo: migration.name)
            } catch {
                throw StorageError.migrationFailed(migration: migration.name, path: path, reason: String(describing: error))
            }
        }
    }

    /// Lets go of the database's lock once the server has stopped writing (after the writer's shutdown): a restore may
    /// then run. A process that exits lets go of it anyway.
    package func releaseServerLock() {
        serverLock?.release()
    }

    /// The single writer of ratings and likes. Call it once: two writers would break the guarantee that tallies move
    /// in commit order.
    /// `observer`: told about every transaction (the metrics); nil by default.
    package func makeWriter(observer: (any WriterObserver)? = nil) -> StoreWriter {
        let first = writerMade.withLock { made in
            defer { made = true }
            return !made
        }
        precondition(first, "Store.makeWriter() must be called once: there is one writer")
        if let postgres {
            return StoreWriter(writerDatabase: postgres.writer, configuration: configuration, observer: observer, feed: postgres.feed)
        }
        return StoreWriter(database: database, configuration: configuration, observer: observer)
    }

    /// The 32-byte secret the application signs cookies with. Created on the first call from the system CSPRNG
    /// (`SystemRandomNumberGenerator` reads getrandom on Linux) and kept in the database, so cookies survive restarts.
    /// Several servers starting at once on one database agree on one secret: the first insert wins, the others read it.
    package func serverSecret() throws -> [UInt8] {
        try write { db in
            if let stored = try db.value([UInt8].self, "SELECT secret FROM server_secret WHERE id = 1") {
                return stored
            }
            var generator = SystemRandomNumberGenerator()
            let secret = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            let inserted = try db.execute("INSERT INTO server_secret (id, secret) VALUES (1, ?1) ON CONFLICT (id) DO NOTHING", secret)
            if inserted == 1 { return secret }
            guard let stored = try db.value([UInt8].self, "SELECT secret FROM server_secret WHERE id = 1") else {
                throw StorageError.corrupt("server_secret has no row after an insert")
            }
            return stored
        }
    }
}

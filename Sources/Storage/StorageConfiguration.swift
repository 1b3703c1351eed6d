/// Where the database lives and how the single writer batches. Every limit is named here with its unit and reason.
package struct StorageConfiguration: Sendable {
    /// The SQLite file; its parent directory is created if missing. ":memory:" opens a private in-memory database
    /// (tests): one connection, so reads wait for the writer. A `postgres://` (or `postgresql://`) URL opens
    /// PostgreSQL instead (`isPostgres`), where the SQLite settings below do not apply.
    package var path: String
    /// PostgreSQL: connections kept for reads and short transactions (default 4); the writer has one more of its own.
    package var postgresPoolSize: Int
    /// `PRAGMA synchronous = FULL` (default): every commit syncs the WAL, so an acknowledged write survives power loss,
    /// not only a crash of the process. `false` uses NORMAL, which survives `kill -9` but may lose the last
    /// transactions on power loss; group commit makes FULL cheap enough to keep.
    package var synchronousFull: Bool
    /// Commands per transaction (default 512). One transaction costs one WAL sync; 512 commands amortise it well
    /// below a microsecond each, while a batch still commits within a few milliseconds so acknowledgements stay prompt.
    package var maxBatch: Int
    /// Commands waiting for the writer (default 20,000); beyond, `submit` answers `rejected(.overloaded)` at once.
    /// About one second of full-speed writing: a client waiting longer would rather retry, and the bound keeps memory
    /// (a few megabytes) and acknowledgement latency in check during a spike.
    package var maxQueue: Int
    /// Mebibytes of page cache for the writer connection (default 64). SQLite's default (2 MiB) no longer holds the
    /// upper levels of the citizen index once a campaign has a few hundred thousand citizens, and every miss is a
    /// read system call inside the writer's transaction.
    package var writerCacheMiB: Int
    /// WAL pages after which a commit checkpoints the WAL into the database file (default 10,000 pages, about 40 MiB
    /// of WAL). SQLite's default, 1,000, made nearly every batch pay for a checkpoint (an extra write and sync of
    /// every page it changed); a larger WAL lets a page changed by many batches be copied back once. Reads stay fast:
    /// the WAL index is in shared memory.
    package var checkpointPages: Int
    /// Whether this `Store` serves the database (`lastword serve`): it takes the database's lock (`DatabaseLock`,
    /// `<path>.lock`) before opening it and holds it until `releaseServerLock()` or its end, and refuses to open while
    /// another process holds it. Commands that work beside a server (`verify`, `user`, `backup`) leave it false.
    package var holdsServerLock: Bool

    package init(
        path: String,
        synchronousFull: Bool = true,
        maxBatch: Int = 512,
        maxQueue: Int = 20_000,
        writerCacheMiB: Int = 64,
        checkpointPages: Int = 10_000,
        holdsServerLock: Bool = false,
        postgresPoolSize: Int = 4
    ) {
        self.path = path
        self.postgresPoolSize = postgresPoolSize
        self.synchronousFull = synchronousFull
        self.maxBatch = maxBatch
        self.maxQueue = maxQueue
        self.writerCacheMiB = writerCacheMiB
        self.checkpointPages = checkpointPages
        self.holdsServerLock = holdsServerLock
    }

    /// An in-memory database, for tests.
    package static func inMemory(maxBatch: Int = 512, maxQueue: Int = 20_000) -> StorageConfiguration {
        StorageConfiguration(path: ":memory:", maxBatch: maxBatch, maxQueue: maxQueue)
    }

    package var isInMemory: Bool { path == ":memory:" }

    /// The database is PostgreSQL's, at the URL `path`.
    package var isPostgres: Bool { PostgresURL.isPostgres(path) }
}

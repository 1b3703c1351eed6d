/// A statement of the write path, prepared once per connection and reused for every command: scalars are bound by
/// position (`?1` is index 1), then the statement is either `run()` (no rows) or stepped (`step()`, the columns,
/// `reset()`). Every path leaves it reset, so it holds no cursor between uses.
///
/// The writer's executors are generic over it (`CommandExecutor<Connection>`), so SQLite's `RawStatement` is called
/// without dynamic dispatch: the writer's hottest path binds and steps about ten statements per rating.
///
/// A null keeps its type (`bind(_:_: String?)`), as `SQLValue` does. Errors are `SQLError`s; a step the database
/// refuses leaves the statement reset and reusable, and the caller asks the connection whether the transaction
/// survived (`WriterConnection.isInsideTransaction`). A boolean expression in a select list (`x IS NOT NULL`) reads
/// as an integer 0 or 1 (`int64`).
package protocol WriteStatement {
    func bind(_ index: Int32, _ value: Int64)
    func bind(_ index: Int32, _ value: String)
    func bind(_ index: Int32, _ value: Int64?)
    func bind(_ index: Int32, _ value: String?)

    /// Runs a statement that returns no rows, then resets it.
    func run() throws
    /// As `run`, for a statement whose `changes` nobody reads: the engine may send it with the next statement that
    /// waits for a result (PostgreSQL pipelines it: no round trip of its own), and then its failure is that later
    /// statement's (the writer's fast path, which re-runs the batch carefully after any refusal). SQLite runs it.
    func runDeferred() throws
    /// Steps a query: true when a row is available (read it, then `reset()` or step on), false when done (reset).
    func step() throws -> Bool
    func reset()

    /// Rows changed by the statement's last run (an INSERT, UPDATE or DELETE).
    var changes: Int { get }

    func int64(_ column: Int32) -> Int64
    func isNull(_ column: Int32) -> Bool
    /// Text (nil for null).
    func text(_ column: Int32) -> String?
}

extension WriteStatement {
    func runDeferred() throws { try run() }

    @inline(__always)
    func bind(_ index: Int32, _ value: Int) { bind(index, Int64(value)) }

    @inline(__always)
    func bind(_ index: Int32, _ value: Bool) { bind(index, Int64(value ? 1 : 0)) }

    @inline(__always)
    func bind(_ index: Int32, _ value: Int?) { bind(index, value.map(Int64.init)) }

    @inline(__always)
    func int(_ column: Int32) -> Int { Int(int64(column)) }

    @inline(__always)
    func optionalInt(_ column: Int32) -> Int? { isNull(column) ? nil : int(column) }

    /// Runs an `INSERT … RETURNING id` to its end and returns the id.
    func insertReturningID() throws -> Int64 {
        guard try step() else { throw SQLError(kind: .other, message: "INSERT … RETURNING returned no row") }
        let id = int64(0)
        // Stepped to the end (a single row: this resets it), so the statement is complete, as `run()` leaves it.
        while try step() {}
        return id
    }
}

/// The single writer's connection, during one batch: queries through `SQLConnection`, the write path's prepared
/// statements (`prepare`), and the transaction's control. The statements are the same text in SQLite and
/// PostgreSQL (`BEGIN`, `SAVEPOINT name`, `RELEASE SAVEPOINT name`, `ROLLBACK TO SAVEPOINT name`, `COMMIT`,
/// `ROLLBACK`); each engine says how it runs them (SQLite begins `IMMEDIATE`, taking the write lock at once).
package protocol WriterConnection: SQLConnection {
    associatedtype Statement: WriteStatement

    /// A statement of the write path, prepared once per connection (later calls with the same text are cheap).
    func prepare(_ sql: String) throws -> Statement

    func begin() throws
    func commit() throws
    /// Rolls the transaction back if it is still open (a transaction the database already ended is left alone).
    func rollback() throws
    func savepoint(_ name: String) throws
    func releaseSavepoint(_ name: String) throws
    func rollbackToSavepoint(_ name: String) throws

    /// Whether the transaction begun by `begin()` is still open and can be recovered by `rollbackToSavepoint`: SQLite
    /// rolls a whole transaction back by itself after some errors (disk full, I/O, busy), and then it is false.
    /// (PostgreSQL's connection answers true for a transaction in its failed state, which a rollback to a savepoint
    /// recovers.)
    var isInsideTransaction: Bool { get }

    /// Sends the statements `runDeferred` left waiting, if any, and throws the first one's failure.
    func flushDeferred() throws
}

extension WriterConnection {
    func flushDeferred() throws {}
}

/// What the writer needs of a database: its one writing connection, for the duration of a batch. `Sendable`: the
/// writer's core holds it and uses it from the writer thread only.
protocol WriterDatabase: Sendable {
    associatedtype Connection: WriterConnection

    func withWriterConnection<T>(_ body: (Connection) throws -> T) throws -> T

    /// One batch as one transaction. Implemented once for all engines (StoreWriter.swift); a requirement so that it
    /// is specialized for each database's connection (see there).
    func runTransaction(_ batch: [StoreWriter.Pending], cache: WriterCache, careful: Bool) throws
        -> StoreWriter.TransactionResult

    /// Whether the database keeps a change feed for other nodes (PostgreSQL): then `recordChanges` runs in every
    /// batch's transaction, just before COMMIT.
    var recordsChanges: Bool { get }

    /// Records the batch's live changes for the other nodes inside its transaction; returns the feed's number it took
    /// (nil: nothing recorded).
    func recordChanges(_ changes: [CommittedChange], on connection: Connection) throws -> Int64?
}

import GRDB
import GRDBSQLite

/// A statement of the write path, prepared and cached by GRDB (`Database.cachedStatement`), bound and stepped through
/// the SQLite C API: SQLite's `WriteStatement`.
///
/// Why: each command runs about ten statements, and GRDB's general-purpose `execute(arguments:)` (argument arrays of
/// existentials, nested binding closures, per-statement bookkeeping for observation) cost about as much CPU as SQLite
/// itself; binding scalars directly roughly halved the writer's CPU per rating (see bench/). What GRDB's execution
/// would add and we do without is safe here: nothing observes these transactions, and `CommandExecutor` handles errors
/// itself (it resets the statement, and checks whether the transaction survived).
///
/// Use: `bind` the parameters, then `run()` (no rows) or `step()`/columns/`reset()` (a query). Every path leaves the
/// statement reset, so it holds no cursor between uses. A failed step throws an `SQLError` (as `GRDBConnection` reports
/// GRDB's errors).
struct RawStatement: WriteStatement {
    /// Keeps GRDB's object, and so the `sqlite3_stmt`, alive.
    private let statement: Statement
    private let handle: OpaquePointer
    private let connection: OpaquePointer

    init(_ db: Database, sql: String) throws {
        statement = try db.cachedStatement(sql: sql)
        handle = statement.sqliteStatement
        connection = db.sqliteConnection!
    }

    /// SQLite copies text bound with this destructor, so the Swift string need not outlive the call.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    func bind(_ index: Int32, _ value: Int64) {
        check(sqlite3_bind_int64(handle, index, value))
    }

    func bind(_ index: Int32, _ value: String) {
        check(sqlite3_bind_text(handle, index, value, -1, Self.transient))
    }

    func bind(_ index: Int32, _ value: String?) {
        if let value { bind(index, value) } else { bindNull(index) }
    }

    func bind(_ index: Int32, _ value: Int64?) {
        if let value { bind(index, value) } else { bindNull(index) }
    }

    func bindNull(_ index: Int32) {
        check(sqlite3_bind_null(handle, index))
    }

    /// Binding only fails for a wrong index or type, which is a bug in this file.
    private func check(_ code: Int32) {
        precondition(code == SQLITE_OK, "binding failed (\(code)): \(statement.sql)")
    }

    /// Runs a statement that returns no rows, then resets it.
    func run() throws {
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else { throw failure(code) }
        sqlite3_reset(handle)
    }

    /// Steps a query: true when a row is available (read it, then `reset()`), false when done (already reset).
    func step() throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW:
            return true
        case SQLITE_DONE:
            sqlite3_reset(handle)
            return false
        case let code:
            throw failure(code)
        }
    }

    func reset() {
        sqlite3_reset(handle)
    }

    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    func isNull(_ column: Int32) -> Bool {
        sqlite3_column_type(handle, column) == SQLITE_NULL
    }

    func text(_ column: Int32) -> String? {
        guard let bytes = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE on the connection.
    var changes: Int { Int(sqlite3_changes(connection)) }

    /// The error of a failed step, as GRDB reports it, then as `SQLError` (a constraint is `.constraint`). The
    /// statement is reset (and reusable); the caller decides whether the transaction survived (`sqlite3_get_autocommit`).
    private func failure(_ code: Int32) -> SQLError {
        let extended = sqlite3_extended_errcode(connection)
        let message = String(cString: sqlite3_errmsg(connection))
        sqlite3_reset(handle)
        return GRDBConnection.error(DatabaseError(
            resultCode: ResultCode(rawValue: extended != 0 ? extended : code), message: message, sql: statement.sql))
    }
}

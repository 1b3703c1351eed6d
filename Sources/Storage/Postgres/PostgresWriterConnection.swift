import Foundation
import PostgresClient
import Synchronization

/// PostgreSQL's writer connection: one libpq connection of the node's single writer, for one batch at a time. The
/// write path's statements run as they do on SQLite, one after another; each is a round trip to the server (the
/// transaction's reads decide its writes). The connection is a `PostgresThreadConnection`: the writer thread sends
/// each statement and waits for its result itself (no event loop between them), and each statement text is prepared
/// once per session. A statement run with `runDeferred` waits in the connection's pipeline and goes out with the next
/// one that waits (`flushDeferred` sends it alone); a ROLLBACK drops what waits. Transaction control is the same SQL
/// as SQLite's, sent as statements.
///
/// After an error inside the transaction PostgreSQL refuses every statement until a `ROLLBACK [TO SAVEPOINT]`: the
/// transaction is then still "inside" (`isInsideTransaction`), which the careful path's savepoints recover, as the
/// writer expects. A lost connection ends it (false).
final class PostgresWriterConnection: WriterConnection, @unchecked Sendable {
    // @unchecked Sendable: used by the writer thread alone, during one batch (WriterDatabase's contract).
    let connection: PostgresThreadConnection
    private let sql: PostgresSQLConnection
    private var began = false

    init(_ connection: PostgresThreadConnection) {
        self.connection = connection
        sql = PostgresSQLConnection(connection: connection)
    }

    var dialect: SQLDialect { .postgres }

    func rows(_ statement: String, _ arguments: [SQLValue]) throws -> [SQLRow] { try sql.rows(statement, arguments) }

    func forEachRow(_ statement: String, _ arguments: [SQLValue], _ body: (SQLRow) throws -> Void) throws {
        try sql.forEachRow(statement, arguments, body)
    }

    @discardableResult
    func execute(_ statement: String, _ arguments: [SQLValue]) throws -> Int { try sql.execute(statement, arguments) }

    func prepare(_ statement: String) throws -> PostgresWriteStatement {
        PostgresWriteStatement(connection: connection, sql: PostgresDialect.translate(statement))
    }

    func begin() throws {
        try control("BEGIN")
        began = true
    }

    func commit() throws {
        defer { began = false }
        do {
            try control("COMMIT")
        } catch {
            // A statement sent ahead with the COMMIT (the change feed's row) failed: the pipeline then skipped the
            // COMMIT, and the transaction is aborted, not ended. A ROLLBACK ends it (after a COMMIT that failed by
            // itself there is nothing to end, and PostgreSQL only warns), so the next batch starts clean.
            connection.discardQueued()
            if connection.isOpen { try? control("ROLLBACK") }
            throw error
        }
    }

    func rollback() throws {
        guard began else { return }
        began = false
        connection.discardQueued()
        if connection.isOpen { try control("ROLLBACK") }
    }

    func savepoint(_ name: String) throws { try control("SAVEPOINT \(name)") }
    func releaseSavepoint(_ name: String) throws { try control("RELEASE SAVEPOINT \(name)") }
    func rollbackToSavepoint(_ name: String) throws {
        connection.discardQueued()
        try control("ROLLBACK TO SAVEPOINT \(name)")
    }

    var isInsideTransaction: Bool { began && connection.isOpen }

    func flushDeferred() throws {
        guard connection.queuedCount > 0 else { return }
        do {
            try connection.sendQueued()
        } catch {
            throw PostgresSQLConnection.error(error, sql: "(statements sent ahead)")
        }
    }

    private func control(_ statement: String) throws {
        do {
            _ = try connection.querySync(statement)
        } catch {
            throw PostgresSQLConnection.error(error, sql: statement)
        }
    }
}

/// A write-path statement on PostgreSQL: the parameters bound so far; `run` or the first `step` sends it with them and
/// waits for the result, whose rows `step` then walks. Columns are read by their types as `PostgresSQLConnection`
/// reads them (a boolean as 0 or 1).
final class PostgresWriteStatement: WriteStatement, @unchecked Sendable {
    // @unchecked Sendable: the writer thread's alone, as its connection.
    private let connection: PostgresThreadConnection
    private let sql: String
    private var parameters: [PostgresParameter] = []
    private var result: PostgresResult?
    private var row = -1
    private(set) var changes = 0

    init(connection: PostgresThreadConnection, sql: String) {
        self.connection = connection
        self.sql = sql
    }

    private func set(_ index: Int32, _ parameter: PostgresParameter) {
        let position = Int(index) - 1
        if parameters.count <= position {
            parameters.append(contentsOf: repeatElement(PostgresParameter.null, count: position + 1 - parameters.count))
        }
        parameters[position] = parameter
    }

    func bind(_ index: Int32, _ value: Int64) { set(index, .int(value)) }
    func bind(_ index: Int32, _ value: String) { set(index, .text(value)) }
    func bind(_ index: Int32, _ value: Int64?) { set(index, value.map { .int($0) } ?? .typedNull(.int8)) }
    func bind(_ index: Int32, _ value: String?) { set(index, value.map { .text($0) } ?? .typedNull(.text)) }

    private func send() throws -> PostgresResult {
        do {
            let result = try connection.querySync(sql, parameters)
            changes = result.affectedRows
            return result
        } catch {
            reset()
            throw PostgresSQLConnection.error(error, sql: sql)
        }
    }

    func run() throws {
        _ = try send()
        reset()
    }

    /// Queued on the connection, sent ahead of the next statement that waits (see `PostgresThreadConnection`).
    func runDeferred() throws {
        defer { reset() }
        changes = 0
        do {
            try connection.enqueue(sql, parameters)
        } catch {
            throw PostgresSQLConnection.error(error, sql: sql)
        }
    }

    func step() throws -> Bool {
        if result == nil {
            result = try send()
            row = -1
        }
        row += 1
        guard let result, row < result.rows.count else {
            reset()
            return false
        }
        return true
    }

    func reset() {
        result = nil
        row = -1
    }

    private func value(_ column: Int32) -> SQLColumnValue {
        guard let result, row >= 0, row < result.rows.count else { return .null }
        return PostgresSQLConnection.value(result.rows[row], Int(column), type: result.columnTypes[Int(column)])
    }

    func int64(_ column: Int32) -> Int64 {
        if case .integer(let integer) = value(column) { return integer }
        return 0
    }

    func isNull(_ column: Int32) -> Bool { value(column) == .null }

    func text(_ column: Int32) -> String? {
        if case .text(let text) = value(column) { return text }
        return nil
    }
}

/// The node's writer on PostgreSQL: its own connection (not the pool's), made again when it was lost. A batch that
/// meets a lost connection fails as a whole (its commands are answered `storageFailure` and retried by their
/// clients); the next batch connects afresh.
final class PostgresWriterDatabase: WriterDatabase {
    let url: String
    /// The connection between batches (nil while a batch has it, or once lost), and whether `close()` was called.
    private let current = Mutex<(idle: PostgresThreadConnection?, closed: Bool)>((nil, false))
    let feed: ChangeFeed

    init(url: String, feed: ChangeFeed) {
        self.url = url
        self.feed = feed
    }

    var recordsChanges: Bool { true }

    /// The batch's live changes as the feed's next row, and a NOTIFY that PostgreSQL delivers at COMMIT (see
    /// `ChangeFeed`: the head's row lock, held to COMMIT, numbers batches in commit order).
    func recordChanges(_ changes: [CommittedChange], on connection: PostgresWriterConnection) throws -> Int64? {
        guard !changes.isEmpty else { return nil }
        let encoded = try ChangeFeed.encode(changes)
        guard let row = try connection.row("UPDATE change_feed_head SET seq = seq + 1 WHERE id = 1 RETURNING seq") else {
            throw SQLError(kind: .other, message: "the change feed's head row is missing")
        }
        let seq: Int64 = row[0]
        // The row and the NOTIFY go out with the COMMIT, in its round trip: the head's lock, which every node's batch
        // waits for, is then held for one round trip and the COMMIT, not three. If either fails, so does the COMMIT.
        let insert = try connection.prepare("INSERT INTO change_feed (seq, node, at, changes) VALUES (?1, ?2, ?3, ?4)")
        insert.bind(1, seq)
        insert.bind(2, feed.node)
        insert.bind(3, Int64(Date().timeIntervalSince1970 * 1_000))
        insert.bind(4, encoded)
        try insert.runDeferred()
        let notify = try connection.prepare("SELECT pg_notify('\(ChangeFeed.channel)', ?1)")
        notify.bind(1, String(seq))
        try notify.runDeferred()
        feed.expect(seq)
        return seq
    }

    func withWriterConnection<T>(_ body: (PostgresWriterConnection) throws -> T) throws -> T {
        // The connection is taken out while a batch uses it: a `close()` meanwhile (another thread) leaves it to the
        // batch's end, since a PostgresThreadConnection is one thread's at a time.
        let connection = try current.withLock { current throws -> PostgresThreadConnection in
            if current.closed { throw SQLError(kind: .connection, message: "the store is closed") }
            if let open = current.idle, open.isOpen {
                current.idle = nil
                return open
            }
            current.idle?.close()
            current.idle = nil
            do {
                return try PostgresThreadConnection.connect(url: url)
            } catch {
                throw SQLError(kind: .connection, message: "PostgreSQL at \(PostgresURL.redacted(url)) cannot be reached: \(error)")
            }
        }
        defer {
            current.withLock { current in
                if current.closed || !connection.isOpen {
                    connection.close()
                } else {
                    current.idle = connection
                }
            }
        }
        return try body(PostgresWriterConnection(connection))
    }

    func close() {
        current.withLock { current in
            current.closed = true
            current.idle?.close()
            current.idle = nil
        }
    }
}

import PostgresClient
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The connection the writer drives from its own thread: the same statements, errors and losses as
/// `PostgresConnection`, each statement prepared once per session.
@Suite struct PostgresThreadConnectionTests {
    private func connect(_ url: String, statementWait: Duration = .seconds(60)) throws -> PostgresThreadConnection {
        try PostgresThreadConnection.connect(url: url, statementWait: statementWait)
    }

    @Test(.needsPostgres) func runsTypedStatementsAndPreparesEachTextOnce() throws {
        let connection = try connect(try TestPostgres.freshDatabase())
        defer { connection.close() }
        _ = try connection.querySync("CREATE TABLE item (id bigint PRIMARY KEY, name text, note text)")
        let insert = "INSERT INTO item (id, name, note) VALUES ($1, $2, $3) RETURNING id"
        for id in 1...50 {
            let note: PostgresParameter = id % 2 == 0 ? .text("even \(id)") : .typedNull(.text)
            let result = try connection.querySync(insert, [.int(Int64(id)), .text("名前 \(id)"), note])
            #expect(result.rows.first?.int(0) == Int64(id))
            #expect(result.affectedRows == 1)
        }
        let counted = try connection.querySync("SELECT count(*), count(note), max(name) FROM item WHERE id <= $1", [.int(50)])
        #expect(counted.rows.first?.int(0) == 50)
        #expect(counted.rows.first?.int(1) == 25)
        #expect(counted.rows.first?.string(2) == "名前 9")
        // Two texts so far besides this one, each prepared once however often it ran.
        let prepared = try connection.querySync("SELECT statement FROM pg_prepared_statements ORDER BY statement")
        #expect(prepared.rows.compactMap { $0.string(0) }.contains(insert))
        #expect(prepared.rows.count == 4, "CREATE, INSERT, the count and this SELECT")
    }

    @Test(.needsPostgres) func aRefusedStatementLeavesTheSessionUsable() throws {
        let connection = try connect(try TestPostgres.freshDatabase())
        defer { connection.close() }
        _ = try connection.querySync("CREATE TABLE item (id bigint PRIMARY KEY)")
        _ = try connection.querySync("BEGIN")
        _ = try connection.querySync("INSERT INTO item VALUES ($1)", [.int(1)])
        let duplicate = #expect(throws: PostgresError.self) {
            try connection.querySync("INSERT INTO item VALUES ($1)", [.int(1)])
        }
        #expect(duplicate?.kind == .server)
        #expect(duplicate?.isUniqueViolation == true)
        #expect(duplicate?.constraint == "item_pkey")
        // Inside the aborted transaction every statement is refused, a new text's PREPARE included, until ROLLBACK.
        let aborted = #expect(throws: PostgresError.self) { try connection.querySync("SELECT 1 + $1", [.int(1)]) }
        #expect(aborted?.sqlState == "25P02")
        _ = try connection.querySync("ROLLBACK")
        #expect(connection.isOpen)
        #expect(try connection.querySync("SELECT 1 + $1", [.int(1)]).rows.first?.int(0) == 2)
        #expect(try connection.querySync("SELECT count(*) FROM item").rows.first?.int(0) == 0)
    }

    @Test(.needsPostgres) func queuedStatementsRunInOrderAheadOfTheNextQuery() throws {
        let connection = try connect(try TestPostgres.freshDatabase())
        defer { connection.close() }
        _ = try connection.querySync("CREATE TABLE item (id bigint PRIMARY KEY, name text NOT NULL)")
        try connection.enqueue("INSERT INTO item VALUES ($1, $2)", [.int(1), .text("one")])
        try connection.enqueue("UPDATE item SET name = $1 WHERE id = $2", [.text("uno"), .int(1)])
        try connection.enqueue("INSERT INTO item VALUES ($1, $2)", [.int(2), .text("two")])
        #expect(connection.queuedCount == 3)
        let rows = try connection.querySync("SELECT id, name FROM item ORDER BY id")
        #expect(connection.queuedCount == 0)
        #expect(rows.rows.map { $0.string(1) } == ["uno", "two"])
        // sendQueued waits for them without a statement of its own.
        try connection.enqueue("DELETE FROM item WHERE id = $1", [.int(2)])
        try connection.sendQueued()
        #expect(try connection.querySync("SELECT count(*) FROM item").rows.first?.int(0) == 1)
    }

    @Test(.needsPostgres) func aFailingQueuedStatementIsTheNextQuerysFailureAndSkipsIt() throws {
        let connection = try connect(try TestPostgres.freshDatabase())
        defer { connection.close() }
        _ = try connection.querySync("CREATE TABLE item (id bigint PRIMARY KEY)")
        _ = try connection.querySync("BEGIN")
        try connection.enqueue("INSERT INTO item VALUES ($1)", [.int(1)])
        try connection.enqueue("INSERT INTO item VALUES ($1)", [.int(1)])
        let error = #expect(throws: PostgresError.self) {
            try connection.querySync("INSERT INTO item VALUES ($1) RETURNING id", [.int(2)])
        }
        #expect(error?.isUniqueViolation == true, "the queued statement's failure, not the skipped one's")
        #expect(connection.isOpen)
        // Queued statements are dropped before a ROLLBACK (the server would skip a ROLLBACK sent after a failure).
        try connection.enqueue("INSERT INTO item VALUES ($1)", [.int(3)])
        connection.discardQueued()
        _ = try connection.querySync("ROLLBACK")
        #expect(try connection.querySync("SELECT count(*) FROM item").rows.first?.int(0) == 0)
        // Outside a transaction the pipeline up to its sync point is one implicit transaction: all or nothing.
        try connection.enqueue("INSERT INTO item VALUES ($1)", [.int(4)])
        #expect(throws: PostgresError.self) { try connection.querySync("INSERT INTO item VALUES ($1)", [.int(4)]) }
        #expect(try connection.querySync("SELECT count(*) FROM item").rows.first?.int(0) == 0)
    }

    @Test(.needsPostgres) func aQueueAtItsLimitIsSent() throws {
        let url = try TestPostgres.freshDatabase()
        let connection = try connect(url)
        defer { connection.close() }
        _ = try connection.querySync("CREATE TABLE item (id bigint PRIMARY KEY)")
        for id in 1...PostgresThreadConnection.maxQueuedStatements {
            try connection.enqueue("INSERT INTO item VALUES ($1)", [.int(Int64(id))])
        }
        #expect(connection.queuedCount == 0)
        // Committed (each pipeline outside a transaction is one): another session sees them.
        let reader = try PostgresTesting.connect(url)
        defer { reader.close() }
        #expect(try reader.run("SELECT count(*) FROM item").rows.first?.int(0) == Int64(PostgresThreadConnection.maxQueuedStatements))
    }

    @Test(.needsPostgres) func sendsAndReceivesMoreThanASocketBufferHolds() throws {
        let connection = try connect(try TestPostgres.freshDatabase())
        defer { connection.close() }
        let big = String(repeating: "長い文字列 ", count: 400_000)  // about 6 MB as UTF-8
        let result = try connection.querySync("SELECT length($1), $1 || 'x'", [.text(big)])
        #expect(result.rows.first?.int(0) == Int64(big.count))
        #expect(result.rows.first?.string(1) == big + "x")
    }

    @Test(.needsPostgres) func keepsAtMostTheLimitOfPreparedStatements() throws {
        let connection = try connect(try TestPostgres.freshDatabase())
        defer { connection.close() }
        let count = PostgresThreadConnection.maxPreparedStatements + 20
        for index in 0..<count {
            #expect(try connection.querySync("SELECT \(index) + $1", [.int(1)]).rows.first?.int(0) == Int64(index + 1))
        }
        let prepared = try connection.querySync("SELECT count(*) FROM pg_prepared_statements")
        #expect(prepared.rows.first?.int(0) == Int64(PostgresThreadConnection.maxPreparedStatements))
    }

    @Test func aRefusedConnectionFailsPromptlyNamingTheAddress() throws {
        let (port, socket) = PostgresTesting.refusingPort()
        defer { close(socket) }
        let started = ContinuousClock.now
        let error = #expect(throws: PostgresError.self) {
            try PostgresThreadConnection.connect(url: "postgres://postgres@127.0.0.1:\(port)/lastword")
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(error?.kind == .connection)
        #expect(error?.message == "could not connect to PostgreSQL at 127.0.0.1:\(port) (connection refused)")
    }

    @Test func aServerThatNeverAnswersTimesOut() throws {
        let (port, socket) = PostgresTesting.silentPort()
        defer { close(socket) }
        let started = ContinuousClock.now
        let error = #expect(throws: PostgresError.self) {
            try PostgresThreadConnection.connect(url: "postgres://postgres@127.0.0.1:\(port)/lastword", connectTimeout: .milliseconds(300))
        }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .milliseconds(300))
        #expect(elapsed < .seconds(5))
        #expect(error?.message == "could not connect to PostgreSQL at 127.0.0.1:\(port) (timed out after 300 ms)")
    }

    @Test(.needsPostgres) func aTerminatedBackendFailsThisStatementAndEveryLaterOne() throws {
        let url = try TestPostgres.freshDatabase()
        let connection = try connect(url)
        defer { connection.close() }
        let pid = try #require(try connection.querySync("SELECT pg_backend_pid()").rows.first?.int(0))
        let killer = try PostgresTesting.connect(url)
        defer { killer.close() }
        #expect(try killer.run("SELECT pg_terminate_backend($1::int)", [.int(pid)]).rows[0].bool(0) == true)
        let lost = #expect(throws: PostgresError.self) { try connection.querySync("SELECT 1") }
        #expect(lost?.kind == .connection)
        #expect(lost?.message.hasPrefix("lost the connection to PostgreSQL at 127.0.0.1:") == true)
        #expect(!connection.isOpen)
        let later = #expect(throws: PostgresError.self) { try connection.querySync("SELECT 2") }
        #expect(later?.kind == .connection)
    }

    @Test(.needsPostgres) func aStatementWithoutAnAnswerEndsTheSessionAfterTheWait() throws {
        let url = try TestPostgres.freshDatabase()
        let connection = try connect(url, statementWait: .milliseconds(300))
        defer { connection.close() }
        let started = ContinuousClock.now
        let error = #expect(throws: PostgresError.self) { try connection.querySync("SELECT pg_sleep(30)") }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .milliseconds(300))
        #expect(elapsed < .seconds(10))
        #expect(error?.kind == .connection)
        #expect(error?.message.hasSuffix("(no answer within 300 ms)") == true)
        #expect(!connection.isOpen)
    }

    @Test(.needsPostgres) func aClosedConnectionRefusesStatements() throws {
        let connection = try connect(try TestPostgres.freshDatabase())
        connection.close()
        let error = #expect(throws: PostgresError.self) { try connection.querySync("SELECT 1") }
        #expect(error?.kind == .closed)
        #expect(!connection.isOpen)
    }
}

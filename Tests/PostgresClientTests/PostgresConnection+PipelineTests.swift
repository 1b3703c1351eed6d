import PostgresClient
import TestSupport
import Testing

/// `pipeline`: several statements in one round trip, one sync point.
@Suite struct PostgresConnectionPipelineTests {
    @Test(.needsPostgres) func commitsBothInsertsOfATransaction() throws {
        let (connection, url) = try PostgresTesting.connectToFreshDatabase()
        defer { connection.close() }
        _ = try connection.run("CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)")
        let results = try connection.runPipeline([
            ("BEGIN", []),
            ("INSERT INTO items VALUES ($1, $2)", [.int(1), .text("one")]),
            ("INSERT INTO items VALUES ($1, $2)", [.int(2), .text("two")]),
            ("COMMIT", []),
        ])
        #expect(results.count == 4)
        #expect(results.allSatisfy { $0.error == nil })
        #expect(try results[1].get().affectedRows == 1)
        // Committed: another session sees both rows.
        let other = try PostgresTesting.connect(url)
        defer { other.close() }
        #expect(try other.run("SELECT name FROM items ORDER BY id").rows.map { $0.string(0) } == ["one", "two"])
    }

    @Test(.needsPostgres) func stopsAtAUniqueViolationCommitsNothingAndTheConnectionGoesOn() throws {
        let (connection, url) = try PostgresTesting.connectToFreshDatabase()
        defer { connection.close() }
        _ = try connection.run("CREATE TABLE items (id int PRIMARY KEY)")
        _ = try connection.run("INSERT INTO items VALUES (1)")
        let results = try connection.runPipeline([
            ("BEGIN", []),
            ("INSERT INTO items VALUES ($1)", [.int(2)]),
            ("INSERT INTO items VALUES ($1)", [.int(1)]),
            ("INSERT INTO items VALUES ($1)", [.int(3)]),
            ("COMMIT", []),
        ])
        #expect(results.count == 5)
        #expect(results[0].error == nil)
        #expect(results[1].error == nil)
        let violation = try #require(results[2].error)
        #expect(violation.kind == .server)
        #expect(violation.sqlState == "23505")
        #expect(violation.isUniqueViolation)
        // The statements the server skipped report the same error.
        #expect(results[3].error?.sqlState == "23505")
        #expect(results[4].error?.sqlState == "23505")
        #expect(results[4].error?.message == violation.message)

        let other = try PostgresTesting.connect(url)
        defer { other.close() }
        #expect(try other.run("SELECT id FROM items ORDER BY id").rows.map { $0.int(0) } == [1], "nothing committed")
        // Out of the aborted transaction: the next statement runs (and commits) on its own.
        #expect(try connection.run("SELECT 1").rows[0].int(0) == 1)
        #expect(try connection.run("INSERT INTO items VALUES (2)").affectedRows == 1)
        #expect(try other.run("SELECT count(*) FROM items").rows[0].int(0) == 2)
    }

    @Test(.needsPostgres) func aStatementQueuedBehindAFailedTransactionRunsOutsideIt() throws {
        let (connection, _) = try PostgresTesting.connectToFreshDatabase()
        defer { connection.close() }
        _ = try connection.run("CREATE TABLE items (id int PRIMARY KEY)")
        _ = try connection.run("INSERT INTO items VALUES (1)")
        // Sent at once, behind the pipeline, before its failure is known.
        let pipelined = Collected<[Result<PostgresResult, PostgresError>]>()
        let after = Collected<Result<PostgresResult, PostgresError>>()
        connection.pipeline([("BEGIN", []), ("INSERT INTO items VALUES (1)", []), ("COMMIT", [])]) { pipelined.append($0) }
        connection.query("SELECT count(*) FROM items") { after.append($0) }
        #expect(try pipelined.single()[1].error?.isUniqueViolation == true)
        #expect(try after.single().get().rows[0].int(0) == 1)
    }

    @Test(.needsPostgres) func withoutBeginIsOneImplicitTransaction() throws {
        let (connection, _) = try PostgresTesting.connectToFreshDatabase()
        defer { connection.close() }
        _ = try connection.run("CREATE TABLE items (id int PRIMARY KEY)")
        _ = try connection.run("INSERT INTO items VALUES (1)")
        let results = try connection.runPipeline([
            ("INSERT INTO items VALUES ($1)", [.int(2)]),
            ("INSERT INTO items VALUES ($1)", [.int(1)]),
            ("INSERT INTO items VALUES ($1)", [.int(3)]),
        ])
        #expect(results[0].error == nil)
        #expect(results[1].error?.isUniqueViolation == true)
        #expect(results[2].error?.isUniqueViolation == true)
        #expect(try connection.run("SELECT id FROM items ORDER BY id").rows.map { $0.int(0) } == [1])
    }

    @Test(.needsPostgres) func anEmptyPipelineCompletesWithNoResults() throws {
        let (connection, _) = try PostgresTesting.connectToFreshDatabase()
        defer { connection.close() }
        #expect(try connection.runPipeline([]).isEmpty)
        #expect(try connection.run("SELECT 1").rows.count == 1)
    }

    @Test(.needsPostgres) func refusesStatementsOverTheQueueLimitAtOnce() throws {
        var limits = PostgresLimits()
        limits.maxQueuedStatements = 10
        let (connection, url) = try PostgresTesting.connectToFreshDatabase(limits: limits)
        defer { connection.close() }
        // Another session holds a lock, so the first statement (and everything behind it) waits on the server.
        let holder = try PostgresTesting.connect(url)
        defer { holder.close() }
        _ = try holder.run("SELECT pg_advisory_lock(1)")
        let queued = Collected<(index: Int, result: Result<PostgresResult, PostgresError>)>()
        connection.query("SELECT pg_advisory_lock(1)") { queued.append((0, $0)) }
        for index in 1..<10 {
            connection.query("SELECT $1::int", [.int(Int64(index))]) { queued.append((index, $0)) }
        }
        let refused = try connection.error("SELECT 'one too many'")
        #expect(refused.kind == .connection)
        #expect(refused.message.hasPrefix("too many queued statements: 10 are waiting for PostgreSQL at 127.0.0.1:"))
        let refusedPipeline = try connection.runPipeline([("SELECT 1", []), ("SELECT 2", [])])
        #expect(refusedPipeline.map { $0.error?.kind } == [.connection, .connection])
        #expect(queued.snapshot.isEmpty, "the refusals came at once, ahead of the queued statements")

        _ = try holder.run("SELECT pg_advisory_unlock(1)")
        let done = try queued.wait(for: 10)
        #expect(done.map(\.index) == Array(0..<10))
        #expect(done.allSatisfy { (try? $0.result.get()) != nil })
        #expect(try connection.run("SELECT 'room again'").rows[0].string(0) == "room again")
    }
}

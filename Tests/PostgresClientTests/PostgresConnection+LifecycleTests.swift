import PostgresClient
import Synchronization
import TestSupport
import Testing
import Transport
#if canImport(Glibc)
import Glibc
#endif

/// Connecting, losing the connection, closing it.
@Suite struct PostgresConnectionLifecycleTests {
    @Test func aRefusedConnectionFailsPromptlyNamingTheAddress() throws {
        let (port, socket) = PostgresTesting.refusingPort()
        defer { close(socket) }
        let started = ContinuousClock.now
        let error = try PostgresTesting.connectError("postgres://postgres@127.0.0.1:\(port)/lastword")
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(error.kind == .connection)
        #expect(error.sqlState == nil)
        #expect(error.message == "could not connect to PostgreSQL at 127.0.0.1:\(port) (connection refused)")
        #expect(error.description == error.message)
    }

    @Test func aServerThatNeverAnswersTimesOut() throws {
        let (port, socket) = PostgresTesting.silentPort()
        defer { close(socket) }
        let started = ContinuousClock.now
        let error = try PostgresTesting.connectError("postgres://postgres@127.0.0.1:\(port)/lastword", connectTimeout: .milliseconds(300))
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .milliseconds(300))
        #expect(elapsed < .seconds(5))
        #expect(error.kind == .connection)
        #expect(error.message == "could not connect to PostgreSQL at 127.0.0.1:\(port) (timed out after 300 ms)")
    }

    @Test func anUnparsableURLIsAConnectionErrorWithoutThePassword() throws {
        let error = try PostgresTesting.connectError("postgres://postgres:hunter2@[::1:5/db")
        #expect(error.kind == .connection)
        #expect(error.message.hasPrefix("could not connect to PostgreSQL ("))
        #expect(!error.message.contains("hunter2"))
        #expect(!error.message.contains("\n"))
    }

    @Test(.needsPostgres) func aMissingDatabaseIsAConnectionErrorInPlainWords() throws {
        let url = try #require(TestPostgres.url)
        let port = PostgresTesting.port(of: url)
        let error = try PostgresTesting.connectError("postgres://postgres@127.0.0.1:\(port)/no_such_database")
        #expect(error.kind == .connection)
        #expect(error.message == "could not connect to PostgreSQL at 127.0.0.1:\(port) (database \"no_such_database\" does not exist)")
    }

    @Test(.needsPostgres) func movesToTheSecondHostWhenTheFirstRefuses() throws {
        // libpq closes the first socket and opens another: the connection must watch the new one.
        let url = try TestPostgres.freshDatabase()
        let port = PostgresTesting.port(of: url)
        let (deadPort, socket) = PostgresTesting.refusingPort()
        defer { close(socket) }
        let twoHosts = url.replacing("127.0.0.1:\(port)", with: "127.0.0.1:\(deadPort),127.0.0.1:\(port)")
        let connection = try PostgresTesting.connect(twoHosts)
        defer { connection.close() }
        #expect(try connection.run("SELECT current_setting('port')").rows[0].string(0) == String(port))
        let results = Collected<Result<PostgresResult, PostgresError>>()
        for index in 0..<100 {
            connection.query("SELECT $1::int", [.int(Int64(index))]) { results.append($0) }
        }
        #expect(try results.wait(for: 100).compactMap { try? $0.get().rows[0].int(0) } == (0..<100).map(Int64.init))
    }

    @Test(.needsPostgres) func aTerminatedBackendFailsPendingAndLaterQueriesAndClosesOnce() throws {
        let (connection, url) = try PostgresTesting.connectToFreshDatabase()
        defer { connection.close() }
        let closes = Collected<PostgresError?>()
        connection.onClose { closes.append($0) }
        let pid = try #require(try connection.run("SELECT pg_backend_pid()").rows[0].int(0))

        let pending = Collected<Result<PostgresResult, PostgresError>>()
        connection.query("SELECT pg_sleep(60)") { pending.append($0) }
        connection.query("SELECT 2") { pending.append($0) }
        let killer = try PostgresTesting.connect(url)
        defer { killer.close() }
        #expect(try killer.run("SELECT pg_terminate_backend($1::int)", [.int(pid)]).rows[0].bool(0) == true)

        let failed = try pending.wait(for: 2)
        #expect(failed.allSatisfy { $0.error?.kind == .connection })
        let lost = try #require(failed[0].error)
        #expect(lost.message.hasPrefix("lost the connection to PostgreSQL at 127.0.0.1:\(PostgresTesting.port(of: url)) ("))
        #expect(!lost.message.contains("\n"))

        let closed = try closes.single()
        #expect(closed?.kind == .connection)
        #expect(!connection.isOpen)
        // Later statements fail the same way, at once.
        #expect(try connection.error("SELECT 3").kind == .connection)
        #expect(try connection.runPipeline([("SELECT 4", [])]).map { $0.error?.kind } == [.connection])
        // close() after the loss does not call onClose again; a handler set now is told at once.
        connection.close()
        #expect(try connection.error("SELECT 5").kind == .connection)
        let late = Collected<PostgresError?>()
        connection.onClose { late.append($0) }
        #expect(try late.single()?.kind == .connection)
        #expect(closes.snapshot.count == 1)
    }

    @Test(.needsPostgres) func closeWithQueriesPendingCompletesEachExactlyOnce() throws {
        let (connection, _) = try PostgresTesting.connectToFreshDatabase()
        let closes = Collected<PostgresError?>()
        connection.onClose { closes.append($0) }
        let counts = Mutex([Int](repeating: 0, count: 50))
        let completions = Collected<Result<PostgresResult, PostgresError>>()
        connection.query("SELECT pg_sleep(2)") { result in
            counts.withLock { $0[0] += 1 }
            completions.append(result)
        }
        for index in 1..<50 {
            connection.query("SELECT $1::int", [.int(Int64(index))]) { result in
                counts.withLock { $0[index] += 1 }
                completions.append(result)
            }
        }
        connection.close()
        #expect(!connection.isOpen)
        connection.close()

        let all = try completions.wait(for: 50)
        #expect(all.allSatisfy { $0.error?.kind == .closed })
        #expect(try closes.single() == nil)
        // Later statements fail as closed; by the time this one completes, nothing else is left to run.
        let later = try connection.error("SELECT 1")
        #expect(later.kind == .closed)
        #expect(later.message == "the connection is closed")
        connection.close()
        #expect(try connection.error("SELECT 1").kind == .closed)
        #expect(counts.withLock { $0 } == [Int](repeating: 1, count: 50))
        #expect(closes.snapshot.count == 1)
    }

    @Test(.needsPostgres) func connectionsOnOneLoopWorkSideBySide() throws {
        let url = try TestPostgres.freshDatabase()
        let loop = PostgresTesting.makeLoop()
        let connections = try (0..<4).map { _ in try PostgresConnection.connectSync(url: url, on: loop) }
        defer { connections.forEach { $0.close() } }
        let results = Collected<(Int, Int64?)>()
        for round in 0..<25 {
            for (index, connection) in connections.enumerated() {
                connection.query("SELECT $1::int", [.int(Int64(round * 10 + index))]) { results.append((index, try? $0.get().rows[0].int(0))) }
            }
        }
        let all = try results.wait(for: 100)
        for index in 0..<4 {
            #expect(all.filter { $0.0 == index }.map(\.1) == (0..<25).map { Int64($0 * 10 + index) })
        }
    }

    @Test(.needsPostgres) func closingEndsTheServerSessionAndFreesTheConnection() throws {
        let url = try TestPostgres.freshDatabase()
        let observer = try PostgresTesting.connect(url)
        defer { observer.close() }
        final class Weak: Sendable {
            weak let connection: PostgresConnection?
            init(_ connection: PostgresConnection) { self.connection = connection }
        }
        // Opened and closed in a function of its own, so that no strong reference outlives it here.
        func openAndClose() throws -> (pid: Int64, reference: Weak) {
            let connection = try PostgresTesting.connect(url)
            let pid = try #require(connection.run("SELECT pg_backend_pid()").rows[0].int(0))
            #expect(try observer.run("SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int", [.int(pid)]).rows[0].int(0) == 1)
            connection.close()
            return (pid, Weak(connection))
        }
        let (pid, reference) = try openAndClose()
        // PQfinish runs once the socket's sources are cancelled: the server sees the session end.
        #expect(eventually {
            (try? observer.run("SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int", [.int(pid)]).rows[0].int(0)) == 0
        })
        #expect(eventually { reference.connection == nil }, "nothing holds a closed connection")
    }
}

import CLibPQ
#if canImport(Glibc)
import Glibc
#endif

/// What runs one statement and waits for its result: `PostgresConnection` (its I/O on an event loop, the caller
/// blocked meanwhile) and `PostgresThreadConnection` (its I/O on the caller's thread).
package protocol PostgresSynchronousQuerying: AnyObject, Sendable {
    func querySync(_ sql: String, _ parameters: [PostgresParameter]) throws(PostgresError) -> PostgresResult
}

extension PostgresConnection: PostgresSynchronousQuerying {}

/// One PostgreSQL session driven by the thread that calls it: libpq's asynchronous API (PQconnectPoll,
/// PQsendQueryPrepared, PQflush, PQconsumeInput, PQgetResult) with poll(2) on the connection's socket in between.
/// No event loop and no hand-off: a statement costs its round trip and one wake-up of the caller, where
/// `PostgresConnection.querySync` costs three (the caller to the loop, the socket to the loop, the loop back to the
/// caller) and, on a busy machine, the waits for a core that come with each.
///
/// For a dedicated thread that waits for each result before it sends the next statement: the node's writer, whose
/// transaction reads decide its writes. Never from an event loop (it blocks); one thread at a time.
///
/// Each statement text (with its parameter types) is prepared once per session under a name of its own, then run
/// with PQsendQueryPrepared: the server parses and plans it once, not at every call, as `pgbench -M prepared` does.
/// At most `maxPreparedStatements` are kept; later texts run unprepared (PQsendQueryParams).
///
/// Pipeline mode: a statement whose result nobody reads (a lock, an INSERT whose failure is all that matters) can be
/// `enqueue`d instead of run: it is sent with the next `querySync`, in the same round trip, ahead of that statement.
/// A queued statement that fails makes that `querySync` throw its error (the statements after it in the pipeline
/// are skipped by the server, as in a transaction they would fail anyway).
///
/// A statement that has not completed after `statementWait` ends the session (the server rolls back its open
/// transaction), as does a lost connection: the statement fails with `.connection`, and so does every later one.
package final class PostgresThreadConnection: PostgresSynchronousQuerying, @unchecked Sendable {
    // @unchecked Sendable: used by one thread at a time (the type's contract); the writer hands it between batches
    // under its own lock.
    package let limits: PostgresLimits
    package let statementWait: Duration
    /// Prepared statements kept per session.
    package static let maxPreparedStatements = 512

    private var conn: OpaquePointer?
    private var closedWith: PostgresError?
    private var prepared: [PreparedKey: String] = [:]
    /// Statements `enqueue`d, sent with the next `querySync`.
    private var queued: [EncodedStatement] = []
    /// At most this many statements wait in `queued`; one more sends them (as `querySync` would).
    package static let maxQueuedStatements = 256
    /// `host:port` of the server, for messages.
    package private(set) var address = "PostgreSQL"

    private struct PreparedKey: Hashable {
        let sql: String
        let types: [UInt32]
    }

    private init(limits: PostgresLimits, statementWait: Duration) {
        self.limits = limits
        self.statementWait = statementWait
    }

    deinit {
        if let conn { PQfinish(conn) }
    }

    /// Connects on the calling thread (PQconnectStartParams, then PQconnectPoll as the socket allows), giving up
    /// after `connectTimeout`. The URL is read as `PostgresConnection.connect` reads it.
    package static func connect(
        url: String,
        connectTimeout: Duration = .seconds(10),
        statementWait: Duration = .seconds(60),
        limits: PostgresLimits = PostgresLimits()
    ) throws(PostgresError) -> PostgresThreadConnection {
        let connection = PostgresThreadConnection(limits: limits, statementWait: statementWait)
        try connection.start(url: url, timeout: connectTimeout)
        return connection
    }

    package var isOpen: Bool {
        guard closedWith == nil, let conn else { return false }
        return PQstatus(conn) == CONNECTION_OK
    }

    /// Ends the session; later statements fail with `.closed`.
    package func close() {
        if closedWith == nil { closedWith = PostgresError.usedAfterClose() }
        if let conn { PQfinish(conn) }
        conn = nil
        prepared = [:]
        queued = []
    }

    /// Statements enqueued and not yet sent.
    package var queuedCount: Int { queued.count }

    /// Queues a statement whose result is not needed: it runs, in order, ahead of the next `querySync`'s statement,
    /// in the same round trip, and its failure is that call's. Checked against the limits now.
    package func enqueue(_ sql: String, _ parameters: [PostgresParameter] = []) throws(PostgresError) {
        if let closedWith { throw closedWith }
        switch EncodedStatement.encode(sql, parameters, limits: limits) {
        case .success(let encoded): queued.append(encoded)
        case .failure(let error): throw error
        }
        if queued.count >= Self.maxQueuedStatements { _ = try send([]) }
    }

    /// Forgets the queued statements without sending them (before a ROLLBACK: a failing one would make the server
    /// skip the ROLLBACK sent after it in the same pipeline).
    package func discardQueued() {
        queued = []
    }

    /// Sends the queued statements now and waits for them; throws the first one's failure.
    package func sendQueued() throws(PostgresError) {
        if let closedWith { throw closedWith }
        _ = try send([])
    }

    /// One statement with bound parameters (`$1`, `$2`…), waited for on this thread, after the queued ones.
    package func querySync(_ sql: String, _ parameters: [PostgresParameter] = []) throws(PostgresError) -> PostgresResult {
        if let closedWith { throw closedWith }
        let statement: EncodedStatement
        switch EncodedStatement.encode(sql, parameters, limits: limits) {
        case .success(let encoded): statement = encoded
        case .failure(let error): throw error
        }
        guard let result = try send([statement]) else { throw lose(reason: "the server sent no result for the statement") }
        return result
    }

    /// What one message of a pipeline was: preparing a statement (its name, kept once it succeeded) or running one.
    private enum Sent {
        case prepare(PreparedKey, String)
        case run
    }

    /// Sends the queued statements and `own` (none or one) as one pipeline closed by a sync point, and reads every
    /// result: the first failure is thrown, else `own`'s result is returned (nil without one).
    private func send(_ own: [EncodedStatement]) throws(PostgresError) -> PostgresResult? {
        guard let conn else { throw PostgresError.usedAfterClose() }
        let statements = queued + own
        queued = []
        guard !statements.isEmpty else { return nil }
        let deadline = ContinuousClock.now + statementWait
        var sent: [Sent] = []
        sent.reserveCapacity(statements.count + 2)
        var preparing: [PreparedKey: String] = [:]
        for statement in statements {
            let key = PreparedKey(sql: statement.sql, types: statement.parameterTypes)
            var name = prepared[key] ?? preparing[key]
            if name == nil, prepared.count + preparing.count < Self.maxPreparedStatements {
                let fresh = "lw_\(prepared.count + preparing.count + 1)"
                guard statement.sendPrepare(name: fresh, on: conn) else { throw lose() }
                sent.append(.prepare(key, fresh))
                preparing[key] = fresh
                name = fresh
            }
            let ok = if let name { statement.sendPrepared(name: name, on: conn) } else { statement.send(on: conn) }
            guard ok else { throw lose() }
            sent.append(.run)
        }
        guard PQpipelineSync(conn) == 1 else { throw lose() }
        // Flush: 1 means some output is left; the server may be waiting for us to read meanwhile (PQconsumeInput).
        while true {
            let flushed = PQflush(conn)
            if flushed == 0 { break }
            if flushed < 0 { throw lose() }
            try waitFor(conn, read: true, write: true, deadline: deadline)
            if PQconsumeInput(conn) == 0 { throw lose() }
        }
        // One result per message sent, in order (NULLs between them), then the sync point.
        var firstError: PostgresError?
        var last: PostgresResult?
        var index = 0
        var nulls = 0
        while true {
            while PQisBusy(conn) == 1 {
                try waitFor(conn, read: true, write: false, deadline: deadline)
                if PQconsumeInput(conn) == 0 { throw lose() }
            }
            guard let result = PQgetResult(conn) else {
                // A NULL ends one message's results. Two in a row: libpq has nothing more yet.
                nulls += 1
                if nulls > 1 {
                    try waitFor(conn, read: true, write: false, deadline: deadline)
                    if PQconsumeInput(conn) == 0 { throw lose() }
                    nulls = 0
                }
                continue
            }
            nulls = 0
            let status = PQresultStatus(result)
            if status == PGRES_PIPELINE_SYNC {
                PQclear(result)
                break
            }
            guard index < sent.count else {
                PQclear(result)
                throw lose(reason: "libpq returned more results than statements were sent")
            }
            let message = sent[index]
            index += 1
            switch status {
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                switch message {
                case .prepare(let key, let name): prepared[key] = name
                case .run: last = PostgresResult(copying: result)
                }
                PQclear(result)
            case PGRES_FATAL_ERROR:
                let (error, sessionEnding) = PostgresError.fromResult(result, connection: conn)
                PQclear(result)
                if sessionEnding { throw lose(reason: error.message, sqlState: error.sqlState) }
                if firstError == nil { firstError = error }
            case PGRES_PIPELINE_ABORTED:
                PQclear(result)
            default:
                // COPY, or a status this code does not know: the session can no longer be followed.
                let name = PQresStatus(status).map { String(cString: $0) } ?? "\(status.rawValue)"
                PQclear(result)
                throw lose(reason: "unexpected result \(name); COPY is not supported")
            }
        }
        if let firstError { throw firstError }
        guard index == sent.count else { throw lose(reason: "the server sent no result for the statement") }
        return own.isEmpty ? nil : last
    }

    // MARK: connecting

    private func start(url: String, timeout: Duration) throws(PostgresError) {
        let deadline = ContinuousClock.now + timeout
        let started = withCStringArray(["dbname", "client_encoding", "fallback_application_name"]) { keywords in
            withCStringArray([url, "UTF8", "lastword"]) { values in
                PQconnectStartParams(keywords, values, 1)
            }
        }
        guard let started else {
            throw PostgresError(kind: .connection, message: "could not connect to PostgreSQL (libpq could not allocate a connection)")
        }
        conn = started
        lw_PQignoreNotices(started)
        var polling = PGRES_POLLING_WRITING
        while true {
            if PQstatus(started) == CONNECTION_BAD || polling == PGRES_POLLING_FAILED {
                throw failConnect(PostgresConnection.connectError(conn: started, url: url))
            }
            if polling == PGRES_POLLING_OK { break }
            switch wait(on: started, read: polling == PGRES_POLLING_READING, write: polling != PGRES_POLLING_READING, until: deadline) {
            case .ready: break
            case .timedOut:
                throw failConnect(PostgresConnection.connectError(
                    conn: started, url: url, reason: "timed out after \(PostgresConnection.describe(timeout))"))
            case .failed(let reason):
                throw failConnect(PostgresConnection.connectError(conn: started, url: url, reason: reason))
            }
            polling = PQconnectPoll(started)
        }
        // Nonblocking: PQsendQueryParams and PQflush never wait on the socket; this thread waits in poll(2). Pipeline
        // mode: queued statements go out with the next one, in one round trip.
        guard PQsetnonblocking(started, 1) == 0, PQenterPipelineMode(started) == 1 else {
            throw failConnect(PostgresConnection.connectError(conn: started, url: url))
        }
        address = PostgresConnection.address(of: started) ?? address
    }

    private func failConnect(_ error: PostgresError) -> PostgresError {
        closedWith = error
        if let conn { PQfinish(conn) }
        conn = nil
        return error
    }

    // MARK: waiting

    private func waitFor(_ conn: OpaquePointer, read: Bool, write: Bool, deadline: ContinuousClock.Instant) throws(PostgresError) {
        switch wait(on: conn, read: read, write: write, until: deadline) {
        case .ready: return
        case .timedOut: throw lose(reason: "no answer within \(PostgresConnection.describe(statementWait))")
        case .failed(let reason): throw lose(reason: reason)
        }
    }

    private enum Wait { case ready, timedOut, failed(String) }

    private func wait(on conn: OpaquePointer, read: Bool, write: Bool, until deadline: ContinuousClock.Instant) -> Wait {
        let socket = PQsocket(conn)
        guard socket >= 0 else { return .failed("libpq has no socket") }
        var events: Int16 = 0
        if read { events |= Int16(POLLIN) }
        if write { events |= Int16(POLLOUT) }
        while true {
            let left = deadline - ContinuousClock.now
            if left <= .zero { return .timedOut }
            let milliseconds = Int32(min(PostgresConnection.nanoseconds(left) / 1_000_000 + 1, Int(Int32.max)))
            var descriptor = pollfd(fd: socket, events: events, revents: 0)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready > 0 { return .ready }  // readable, writable, or an error/hang-up libpq then reports
            if ready == 0 { continue }
            if errno == EINTR { continue }
            return .failed("poll failed: \(String(cString: strerror(errno)))")
        }
    }

    /// The session is lost: this statement and every later one fail with `.connection`.
    private func lose(reason: String? = nil, sqlState: String? = nil) -> PostgresError {
        let why = reason ?? conn.flatMap { PQerrorMessage($0) }.map { LibPQMessage.firstLine(String(cString: $0)) } ?? ""
        let error = PostgresError(
            kind: .connection,
            message: "lost the connection to PostgreSQL at \(address)" + (why.isEmpty ? "" : " (\(why))"),
            sqlState: sqlState
        )
        closedWith = error
        if let conn { PQfinish(conn) }
        conn = nil
        prepared = [:]
        queued = []
        return error
    }
}

import CLibPQ
#if canImport(Glibc)
import Glibc
#endif

/// What runs one statement and waits for its result: `PostgresConnection` (its I/O on an event loop, the caller
/// blocked meanwhile) and `PostgresThreadConnection` (its I/O on the caller's thread).
package protocol PostgresSynchronousQuerying: AnyObject, Sendable {
    func querySync(_ sql: String, _ parameters: [PostgresParameter]) throws(PostgresError) -> PostgresResult
    var isOpen: Bool { get }
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
    }

    /// One statement with bound parameters (`$1`, `$2`…), waited for on this thread.
    package func querySync(_ sql: String, _ parameters: [PostgresParameter] = []) throws(PostgresError) -> PostgresResult {
        if let closedWith { throw closedWith }
        guard let conn else { throw PostgresError.usedAfterClose() }
        let statement: EncodedStatement
        switch EncodedStatement.encode(sql, parameters, limits: limits) {
        case .success(let encoded): statement = encoded
        case .failure(let error): throw error
        }
        let deadline = ContinuousClock.now + statementWait
        let key = PreparedKey(sql: sql, types: statement.parameterTypes)
        var name = prepared[key]
        if name == nil, prepared.count < Self.maxPreparedStatements {
            let fresh = "lw_\(prepared.count + 1)"
            guard statement.sendPrepare(name: fresh, on: conn) else { throw lose() }
            _ = try finish(conn, deadline: deadline)
            prepared[key] = fresh
            name = fresh
        }
        let sent = if let name { statement.sendPrepared(name: name, on: conn) } else { statement.send(on: conn) }
        guard sent else { throw lose() }
        return try finish(conn, deadline: deadline)
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
        // Nonblocking: PQsendQueryParams and PQflush never wait on the socket; this thread waits in poll(2).
        guard PQsetnonblocking(started, 1) == 0 else {
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

    // MARK: one statement

    /// Sends what libpq holds and collects the statement's results until libpq has no more: the last one is the
    /// statement's (there is one, outside pipeline mode).
    private func finish(_ conn: OpaquePointer, deadline: ContinuousClock.Instant) throws(PostgresError) -> PostgresResult {
        // Flush: 1 means some output is left; the socket may also need reading meanwhile (PQconsumeInput).
        while true {
            let flushed = PQflush(conn)
            if flushed == 0 { break }
            if flushed < 0 { throw lose() }
            try waitFor(conn, read: true, write: true, deadline: deadline)
            if PQconsumeInput(conn) == 0 { throw lose() }
        }
        var outcome: Result<PostgresResult, PostgresError>?
        while true {
            while PQisBusy(conn) == 1 {
                try waitFor(conn, read: true, write: false, deadline: deadline)
                if PQconsumeInput(conn) == 0 { throw lose() }
            }
            guard let result = PQgetResult(conn) else { break }
            let status = PQresultStatus(result)
            switch status {
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                if outcome == nil { outcome = .success(PostgresResult(copying: result)) }
                PQclear(result)
            case PGRES_FATAL_ERROR:
                let (error, sessionEnding) = PostgresError.fromResult(result, connection: conn)
                PQclear(result)
                if sessionEnding { throw lose(reason: error.message, sqlState: error.sqlState) }
                if outcome == nil { outcome = .failure(error) }
            default:
                // COPY, or a status this code does not know: the session can no longer be followed.
                let name = PQresStatus(status).map { String(cString: $0) } ?? "\(status.rawValue)"
                PQclear(result)
                throw lose(reason: "unexpected result \(name); COPY is not supported")
            }
        }
        guard let outcome else { throw lose(reason: "the server sent no result for the statement") }
        return try outcome.get()
    }

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
        return error
    }
}

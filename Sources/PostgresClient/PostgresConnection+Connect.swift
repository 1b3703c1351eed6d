import CLibPQ
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

extension PostgresConnection {
    /// PQconnectStartParams, then wait for the socket as libpq first asks (writable: the TCP connect is under way).
    func startConnecting(url: String, timeout: Duration, completion: @escaping @Sendable (Result<PostgresConnection, PostgresError>) -> Void) {
        loop.assertInLoop()
        // dbname carries the URL (expand_dbname = 1); what follows it overrides the URL: results are decoded as UTF-8.
        let started = withCStringArray(["dbname", "client_encoding", "fallback_application_name"]) { keywords in
            withCStringArray([url, "UTF8", "lastword"]) { values in
                PQconnectStartParams(keywords, values, 1)
            }
        }
        connecting = Connecting(url: url, completion: completion)
        guard let started else {
            failConnect(PostgresError(kind: .connection, message: "could not connect to PostgreSQL (libpq could not allocate a connection)"))
            return
        }
        conn = started
        lw_PQignoreNotices(started)
        if PQstatus(started) == CONNECTION_BAD {
            failConnect(connectError(url: url))
            return
        }
        // Made here, after the last early return: a dispatch source released before it is activated crashes.
        let timer = DispatchSource.makeTimerSource(queue: loop.queue)
        timer.schedule(deadline: .now() + .nanoseconds(Self.nanoseconds(timeout)))
        timer.setEventHandler { [self] in
            failConnect(connectError(url: url, reason: "timed out after \(Self.describe(timeout))"))
        }
        timer.resume()
        connecting?.timer = timer
        advanceConnect(PGRES_POLLING_WRITING)
    }

    /// Carries out what PQconnectPoll answered: wait for the socket to be readable or writable, or finish.
    func advanceConnect(_ polling: PostgresPollingStatusType) {
        guard let url = connecting?.url else { return }
        switch polling {
        case PGRES_POLLING_OK:
            finishConnect()
        case PGRES_POLLING_FAILED:
            failConnect(connectError(url: url))
        default:
            // READING or WRITING (ACTIVE is unused since libpq 7.4 and treated as WRITING, as libpq's own loop does).
            let wantWrite = polling != PGRES_POLLING_READING
            guard watchCurrentSocket(), let watch else {
                failConnect(connectError(url: url, reason: "libpq has no socket to wait on"))
                return
            }
            connecting?.waitingForWrite = wantWrite
            writeArmed = wantWrite
            watch.setInterest(read: !wantWrite, write: wantWrite)
        }
    }

    private func finishConnect() {
        guard let conn, let connecting else { return }
        // Nonblocking: PQsendQueryParams and PQflush never wait on the socket. Pipeline mode: statements are sent
        // without waiting for the results of the ones before.
        guard PQsetnonblocking(conn, 1) == 0, PQenterPipelineMode(conn) == 1 else {
            failConnect(connectError(url: connecting.url))
            return
        }
        guard watchCurrentSocket(), let watch else {
            failConnect(connectError(url: connecting.url, reason: "libpq has no socket"))
            return
        }
        self.connecting = nil
        connecting.timer?.cancel()
        address = currentAddress() ?? address
        state = .open
        writeArmed = false
        watch.setInterest(read: true, write: false)
        openFlag.store(true, ordering: .releasing)
        connecting.completion(.success(self))
        // libpq may already hold input it read during the handshake (a notice, a notification).
        if case .open = state { handleInput() }
    }

    /// Ends a connection attempt with `error`: frees libpq's connection, completes `connect`.
    func failConnect(_ error: PostgresError) {
        guard let connecting else { return }
        self.connecting = nil
        connecting.timer?.cancel()
        state = .closed(error)
        teardown()
        handlers.withLock { $0.closedWith = .some(error) }
        connecting.completion(.failure(error))
    }

    func connectError(url: String, reason: String? = nil) -> PostgresError {
        Self.connectError(conn: conn, url: url, reason: reason)
    }

    func currentAddress() -> String? { Self.address(of: conn) }

    /// `could not connect to PostgreSQL at 127.0.0.1:5 (connection refused)`: libpq's reasons per address, in plain
    /// words, the URL's password (should libpq quote the URL) replaced by `***`.
    static func connectError(conn: OpaquePointer?, url: String, reason: String? = nil) -> PostgresError {
        if let reason {
            let at = address(of: conn).map { " at \($0)" } ?? ""
            return PostgresError(kind: .connection, message: "could not connect to PostgreSQL\(at) (\(reason))")
        }
        let text = conn.flatMap { PQerrorMessage($0) }.map { String(cString: $0) } ?? ""
        let failures = LibPQMessage.connectionFailures(LibPQMessage.redactingPassword(in: text, url: url))
        let withAddress = failures.filter { $0.address != nil }
        let message: String
        if !withAddress.isEmpty {
            message = "could not connect to PostgreSQL at "
                + failures.map { failure in
                    let reason = failure.reason.isEmpty ? "" : " (\(failure.reason))"
                    return (failure.address ?? "") + reason
                }.joined(separator: ", ")
        } else {
            let at = address(of: conn).map { " at \($0)" } ?? ""
            let reason = failures.map(\.reason).filter { !$0.isEmpty }.joined(separator: "; ")
            message = "could not connect to PostgreSQL\(at)" + (reason.isEmpty ? "" : " (\(reason))")
        }
        return PostgresError(kind: .connection, message: message)
    }

    /// `host:port` libpq is connecting or connected to, when it knows.
    static func address(of conn: OpaquePointer?) -> String? {
        guard let conn, let host = PQhost(conn), let port = PQport(conn) else { return nil }
        let hostText = String(cString: host)
        if hostText.isEmpty { return nil }
        return LibPQMessage.address(host: hostText, port: String(cString: port))
    }

    static func nanoseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let total = Double(seconds) * 1e9 + Double(attoseconds) / 1e9
        return Int(min(max(total, 0), Double(Int.max / 2)))
    }

    /// `10 s`, `250 ms`.
    static func describe(_ duration: Duration) -> String {
        let milliseconds = nanoseconds(duration) / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }
}

/// Runs `body` with `strings` as a NULL-terminated array of C strings (what PQconnectStartParams takes).
func withCStringArray<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

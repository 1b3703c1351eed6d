import CLibPQ
import Dispatch
import Synchronization
import Transport

/// One PostgreSQL session on libpq's asynchronous API, driven by an event loop: no thread per query, no blocking
/// call on the loop.
///
/// The connection lives on `loop.queue`: libpq's socket is watched by dispatch sources there, and every completion
/// and handler runs there. The methods may be called from any thread; they hop to the loop (`EventLoop.execute`),
/// so calls made in some order from one thread are sent in that order.
///
/// After connecting, the connection is in nonblocking and pipeline mode: each `query` is sent at once, followed by
/// its own sync point, without waiting for the ones before it, so many statements are in flight on one
/// connection and their completions run in submission order. A failing statement affects no other `query` (each
/// runs in its own implicit transaction unless the caller has opened a block with BEGIN).
///
/// The object stays alive while it is open (its dispatch sources hold it), whether or not the caller keeps it:
/// call `close()` when done.
package final class PostgresConnection: @unchecked Sendable {
    // @unchecked Sendable: the libpq connection (`conn`) and every `var` below are touched only on `loop.queue` —
    // the public methods hop there with `loop.execute`, the dispatch sources and timer fire there, and
    // `loop.assertInLoop()` checks it in debug builds. What other threads may read is `openFlag` (an atomic) and
    // `handlers` (a mutex).

    package let loop: EventLoop
    package let limits: PostgresLimits

    let openFlag = Atomic<Bool>(false)
    let handlers = Mutex(Handlers())

    /// The PGconn, until teardown hands it to the cancel handler of the socket's sources for PQfinish.
    var conn: OpaquePointer?
    var state: State = .connecting
    var watch: SocketWatch?
    /// Whether the write source is armed: only while PQflush has output left (it returned 1).
    var writeArmed = false
    /// Sent batches waiting for their results, oldest first; `batches[head]` is the one being answered.
    var batches: [Batch?] = []
    var head = 0
    /// Statements in `batches`, against `limits.maxQueuedStatements`.
    var queuedStatements = 0
    /// `host:port` of the server, for messages.
    var address = "PostgreSQL"
    var connecting: Connecting?

    enum State {
        case connecting
        case open
        /// Closed or lost: later statements fail with this error.
        case closed(PostgresError)
    }

    struct Connecting {
        /// For error messages (its password is redacted there).
        let url: String
        let completion: @Sendable (Result<PostgresConnection, PostgresError>) -> Void
        /// The connect timeout.
        var timer: DispatchSourceTimer?
        /// What the last PQconnectPoll asked to wait for.
        var waitingForWrite = true
    }

    struct Handlers {
        var notification: (@Sendable (PostgresNotification) -> Void)?
        var close: (@Sendable (PostgresError?) -> Void)?
        /// Set once the connection is closed (nil inside: by `close()`), for an `onClose` handler set afterwards.
        var closedWith: PostgresError??
    }

    init(loop: EventLoop, limits: PostgresLimits) {
        self.loop = loop
        self.limits = limits
    }

    // MARK: the API

    /// Connects without blocking: PQconnectStartParams, then PQconnectPoll whenever the socket is ready as libpq
    /// asked, on `loop`'s queue, where `completion` runs too. Gives up after `connectTimeout`.
    ///
    /// `url` is a libpq connection URI or key=value string (`postgres://user@127.0.0.1:5432/db`); the client
    /// encoding is always UTF8 (values are Swift strings). A host *name* is resolved by libpq with getaddrinfo,
    /// which blocks the loop while it runs: give servers as IP addresses (or hostaddr=) in production.
    package static func connect(
        url: String,
        on loop: EventLoop,
        connectTimeout: Duration = .seconds(10),
        limits: PostgresLimits = PostgresLimits(),
        completion: @escaping @Sendable (Result<PostgresConnection, PostgresError>) -> Void
    ) {
        let connection = PostgresConnection(loop: loop, limits: limits)
        loop.execute { connection.startConnecting(url: url, timeout: connectTimeout, completion: completion) }
    }

    /// One statement with bound parameters (`$1`, `$2`…; values never enter the SQL text). The completion runs on
    /// the loop's queue, in submission order with the other statements of this connection — except a statement
    /// refused before sending (over a limit, `.invalidStatement`, or the queue full, "too many queued
    /// statements"), which completes at once, ahead of those still in flight.
    package func query(
        _ sql: String,
        _ parameters: [PostgresParameter] = [],
        completion: @escaping @Sendable (Result<PostgresResult, PostgresError>) -> Void
    ) {
        loop.execute { [self] in submit([(sql, parameters)], completion: .one(completion), selfContainedTransaction: false) }
    }

    /// Several statements sent in one round trip (pipeline mode, one PQpipelineSync after the last), e.g. BEGIN,
    /// the inserts, COMMIT. The completion gets one result per statement, in order.
    ///
    /// Atomicity: without BEGIN the statements up to the sync run in one implicit transaction, so they all commit
    /// or none does. When a statement fails the server skips the rest up to the sync: that statement reports the
    /// server's error, and every later one reports *the same error* (libpq's PIPELINE_ABORTED carries none of its
    /// own); the earlier ones keep their results, though a transaction they were part of was rolled back.
    ///
    /// A failure inside BEGIN … COMMIT would leave the session in an aborted transaction block (every later
    /// statement refused with 25P02 until ROLLBACK). So a pipeline that is one transaction of its own — first
    /// statement BEGIN or START TRANSACTION, last COMMIT or END — is followed by a ROLLBACK in a sync segment of its
    /// own: it ends the aborted block after a failure and is a no-op (a warning nobody sees) after a COMMIT. A
    /// pipeline that opens a transaction and leaves it open is the caller's to end.
    ///
    /// An empty pipeline completes with no results; one refused before sending (a statement over a limit, or the
    /// queue full) sends nothing and reports the refusal for every statement.
    package func pipeline(
        _ statements: [(sql: String, parameters: [PostgresParameter])],
        completion: @escaping @Sendable ([Result<PostgresResult, PostgresError>]) -> Void
    ) {
        let selfContained = TransactionShape.isSelfContained(statements)
        loop.execute { [self] in submit(statements, completion: .many(completion), selfContainedTransaction: selfContained) }
    }

    /// The handler for NOTIFY on the channels this connection LISTENs on; runs on the loop's queue, for each
    /// notification in the order the server sent them. Replaces the previous handler.
    package func onNotification(_ handler: @escaping @Sendable (PostgresNotification) -> Void) {
        handlers.withLock { $0.notification = handler }
    }

    /// Called once, on the loop's queue, when the connection is lost (with why) or closed by `close()` (with nil),
    /// after every pending statement has completed. Set after that, it is called at once (on the loop's queue).
    package func onClose(_ handler: @escaping @Sendable (PostgresError?) -> Void) {
        let closedWith: PostgresError?? = handlers.withLock { handlers in
            if let closedWith = handlers.closedWith { return closedWith }
            handlers.close = handler
            return nil
        }
        if let closedWith {
            loop.execute { handler(closedWith) }
        }
    }

    /// Closes the connection: pending statements complete with `.closed` (they may or may not have run), later
    /// ones fail with `.closed`, `onClose` gets nil. Idempotent. libpq's connection is freed (PQfinish) once the
    /// socket's dispatch sources are cancelled, never while one may still fire.
    package func close() {
        openFlag.store(false, ordering: .releasing)
        loop.execute { [self] in
            end(pendingFailWith: .closedBeforeCompletion(), laterFailWith: .usedAfterClose(), onCloseGets: nil)
        }
    }

    /// False once `close()` was called or the connection was lost (and before the connect completed).
    package var isOpen: Bool {
        openFlag.load(ordering: .acquiring)
    }

    // MARK: ending

    /// The connection is lost: every pending statement fails with `error` (kind `.connection`), so do later ones.
    func lose(_ error: PostgresError) {
        end(pendingFailWith: error, laterFailWith: error, onCloseGets: error)
    }

    /// The message of a lost connection, from libpq's last error (`server closed the connection unexpectedly`).
    func lostConnectionError(reason: String? = nil, sqlState: String? = nil) -> PostgresError {
        let why = reason ?? conn.flatMap { PQerrorMessage($0) }.map { LibPQMessage.firstLine(String(cString: $0)) } ?? ""
        return PostgresError(
            kind: .connection,
            message: "lost the connection to PostgreSQL at \(address)" + (why.isEmpty ? "" : " (\(why))"),
            sqlState: sqlState
        )
    }

    private func end(pendingFailWith pendingError: PostgresError, laterFailWith laterError: PostgresError, onCloseGets outcome: PostgresError?) {
        loop.assertInLoop()
        switch state {
        case .closed:
            return
        case .connecting:
            failConnect(laterError)
            return
        case .open:
            break
        }
        state = .closed(laterError)
        openFlag.store(false, ordering: .releasing)
        let pending = batches[head...].compactMap { $0 }
        batches = []
        head = 0
        queuedStatements = 0
        teardown()
        for batch in pending {
            batch.deliver(Array(repeating: .failure(pendingError), count: batch.statementCount))
        }
        let handler = handlers.withLock { handlers in
            handlers.closedWith = .some(outcome)
            handlers.notification = nil
            let handler = handlers.close
            handlers.close = nil
            return handler
        }
        handler?(outcome)
    }

    /// Stops watching the socket and frees libpq's connection once the sources are cancelled.
    func teardown() {
        connecting?.timer?.cancel()
        writeArmed = false
        guard let conn else { return }
        self.conn = nil
        if let watch {
            self.watch = nil
            watch.cancel { PQfinish(conn) }
        } else {
            PQfinish(conn)
        }
    }

    // MARK: the socket

    /// Watches libpq's current socket, replacing the watch when libpq has moved to another one (the next host of
    /// a multi-host URL, a retry without TLS). False when libpq has no socket or it cannot be duplicated.
    func watchCurrentSocket() -> Bool {
        guard let conn, let identity = SocketWatch.Identity(descriptor: PQsocket(conn)) else { return false }
        if let watch, watch.identity == identity { return true }
        watch?.cancel()
        watch = nil
        writeArmed = false
        guard let fresh = SocketWatch(
            identity: identity,
            queue: loop.queue,
            onReadable: { [self] in socketReadable() },
            onWritable: { [self] in socketWritable() }
        ) else { return false }
        watch = fresh
        return true
    }

    private func socketReadable() {
        switch state {
        case .connecting:
            if let connecting, !connecting.waitingForWrite, let conn { advanceConnect(PQconnectPoll(conn)) }
        case .open:
            readable()
        case .closed:
            break
        }
    }

    private func socketWritable() {
        switch state {
        case .connecting:
            if let connecting, connecting.waitingForWrite, let conn { advanceConnect(PQconnectPoll(conn)) }
        case .open:
            writable()
        case .closed:
            break
        }
    }
}

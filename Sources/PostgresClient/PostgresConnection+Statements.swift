import CLibPQ

/// The statements of one `query` or `pipeline` call, sent together and closed by one sync point: their results
/// arrive in order, then PGRES_PIPELINE_SYNC.
struct Batch {
    enum Completion {
        case one(@Sendable (Result<PostgresResult, PostgresError>) -> Void)
        case many(@Sendable ([Result<PostgresResult, PostgresError>]) -> Void)
        /// The ROLLBACK that follows a self-contained transaction pipeline: nobody waits for it.
        case none
    }

    let completion: Completion
    let statementCount: Int
    /// Statements libpq took; a result comes for each of these.
    var sent = 0
    /// Why statement `sent` could not be handed to libpq; it and the ones after it fail with this.
    var sendFailure: PostgresError?
    var results: [Result<PostgresResult, PostgresError>] = []
    /// The first statement that failed: the statements the server then skipped (PIPELINE_ABORTED) report it too.
    var firstFailure: PostgresError?

    func deliver(_ results: [Result<PostgresResult, PostgresError>]) {
        switch completion {
        case .one(let completion):
            completion(results.first ?? .failure(PostgresError(kind: .server, message: "the server sent no result")))
        case .many(let completion):
            completion(results)
        case .none:
            break
        }
    }
}

extension PostgresConnection {
    // MARK: sending

    func submit(
        _ statements: [(sql: String, parameters: [PostgresParameter])],
        completion: Batch.Completion,
        selfContainedTransaction: Bool
    ) {
        loop.assertInLoop()
        let batch = Batch(completion: completion, statementCount: statements.count)
        func refuse(_ error: PostgresError) {
            batch.deliver(Array(repeating: .failure(error), count: statements.count))
        }
        guard let conn else {
            switch state {
            case .closed(let error): refuse(error)
            case .connecting, .open: refuse(PostgresError(kind: .closed, message: "the connection is not open yet"))
            }
            return
        }
        guard case .open = state else {
            refuse(PostgresError(kind: .closed, message: "the connection is not open yet"))
            return
        }
        if statements.isEmpty {
            batch.deliver([])
            return
        }
        var encoded: [EncodedStatement] = []
        encoded.reserveCapacity(statements.count)
        for statement in statements {
            switch EncodedStatement.encode(statement.sql, statement.parameters, limits: limits) {
            case .success(let statement): encoded.append(statement)
            case .failure(let error): return refuse(error)
            }
        }
        if queuedStatements + statements.count > limits.maxQueuedStatements {
            return refuse(PostgresError(
                kind: .connection,
                message: "too many queued statements: \(queuedStatements) are waiting for PostgreSQL at \(address), "
                    + "the limit is \(limits.maxQueuedStatements)"
            ))
        }
        guard send(encoded, as: batch, on: conn) else { return }
        if selfContainedTransaction {
            // See `pipeline`: ends the transaction block a failure left aborted; a no-op after COMMIT.
            if case .success(let rollback) = EncodedStatement.encode("ROLLBACK", [], limits: limits) {
                guard send([rollback], as: Batch(completion: .none, statementCount: 1), on: conn) else { return }
            }
        }
        flush()
    }

    /// Hands the statements and a sync point to libpq and queues the batch. False when the connection was lost.
    private func send(_ statements: [EncodedStatement], as batch: Batch, on conn: OpaquePointer) -> Bool {
        var batch = batch
        for statement in statements {
            guard statement.send(on: conn) else {
                if PQstatus(conn) == CONNECTION_BAD { break }
                // libpq refused it without losing the connection (out of memory): the ones before it are sent,
                // close them with a sync and fail this one and the rest.
                let why = PQerrorMessage(conn).map { LibPQMessage.firstLine(String(cString: $0)) } ?? ""
                batch.sendFailure = PostgresError(kind: .connection, message: "libpq could not send the statement (\(why))")
                break
            }
            batch.sent += 1
        }
        let synced = PQstatus(conn) != CONNECTION_BAD && PQpipelineSync(conn) == 1
        batches.append(batch)
        queuedStatements += batch.statementCount
        if !synced {
            lose(lostConnectionError())
            return false
        }
        return true
    }

    /// PQflush: 0 all sent, 1 some left (arm the write source until it is), -1 the connection failed.
    func flush() {
        guard let conn else { return }
        switch PQflush(conn) {
        case 0:
            if writeArmed {
                writeArmed = false
                watch?.setInterest(read: true, write: false)
            }
        case 1:
            if !writeArmed {
                writeArmed = true
                watch?.setInterest(read: true, write: true)
            }
        default:
            lose(lostConnectionError())
        }
    }

    // MARK: receiving

    func readable() {
        guard let conn else { return }
        let consumed = PQconsumeInput(conn) == 1
        handleInput()
        guard case .open = state else { return }
        if !consumed || PQstatus(conn) == CONNECTION_BAD {
            lose(lostConnectionError())
            return
        }
        if writeArmed { flush() }
    }

    func writable() {
        flush()
        // PQflush reads whatever the server sent when the socket is full both ways (so neither side waits for the
        // other): results may wait in libpq's buffer with nothing left on the socket to wake the read source.
        if case .open = state { handleInput() }
    }

    /// Results and notifications libpq has already read.
    func handleInput() {
        deliverNotifications()
        processResults()
        deliverNotifications()
    }

    /// Takes every result libpq can give without waiting (PQisBusy false) and completes batches as their sync
    /// point arrives. Each PGresult is copied and PQcleared here.
    private func processResults() {
        var consecutiveNulls = 0
        while case .open = state, let conn, head < batches.count, PQisBusy(conn) == 0 {
            guard let result = PQgetResult(conn) else {
                // A NULL ends one statement's results; a second in a row means libpq has nothing more.
                consecutiveNulls += 1
                if consecutiveNulls > 1 { break }
                continue
            }
            consecutiveNulls = 0
            let status = PQresultStatus(result)
            switch status {
            case PGRES_PIPELINE_SYNC:
                PQclear(result)
                completeHead()
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                let copied = PostgresResult(copying: result)
                PQclear(result)
                record(.success(copied))
            case PGRES_FATAL_ERROR:
                let (error, sessionEnding) = PostgresError.fromResult(result, connection: conn)
                PQclear(result)
                if sessionEnding {
                    return lose(lostConnectionError(reason: error.message, sqlState: error.sqlState))
                }
                if batches[head]?.firstFailure == nil { batches[head]?.firstFailure = error }
                record(.failure(error))
            case PGRES_PIPELINE_ABORTED:
                PQclear(result)
                let error = batches[head]?.firstFailure
                    ?? PostgresError(kind: .server, message: "skipped: an earlier statement of the pipeline failed")
                record(.failure(error))
            default:
                // COPY (not supported in pipeline mode), BAD_RESPONSE, or a status this code does not know: the
                // results can no longer be matched with statements.
                let name = PQresStatus(status).map { String(cString: $0) } ?? "\(status.rawValue)"
                PQclear(result)
                return lose(lostConnectionError(reason: "unexpected result \(name); COPY is not supported"))
            }
        }
    }

    private func record(_ result: Result<PostgresResult, PostgresError>) {
        guard let batch = batches[head], batch.results.count < batch.sent else {
            return lose(lostConnectionError(reason: "libpq returned more results than statements were sent"))
        }
        batches[head]!.results.append(result)
    }

    /// The head batch's sync point arrived: complete it. Statements libpq never took report why.
    private func completeHead() {
        guard let batch = batches[head] else { return }
        batches[head] = nil
        head += 1
        if head == batches.count {
            batches.removeAll(keepingCapacity: batches.count <= 4096)
            head = 0
        } else if head >= 1024, head * 2 >= batches.count {
            batches.removeFirst(head)
            head = 0
        }
        queuedStatements -= batch.statementCount
        var results = batch.results
        if results.count < batch.statementCount {
            let missing = batch.sendFailure
                ?? PostgresError(kind: .server, message: "the server sent no result for the statement")
            results += Array(repeating: .failure(missing), count: batch.statementCount - results.count)
        }
        batch.deliver(results)
    }

    // MARK: notifications

    /// PQnotifies until empty; the handler is taken once per call.
    private func deliverNotifications() {
        var handler: (@Sendable (PostgresNotification) -> Void)?
        var fetched = false
        while let conn, let notify = PQnotifies(conn) {
            let notification = PostgresNotification(
                channel: String(cString: notify.pointee.relname),
                payload: notify.pointee.extra.map { String(cString: $0) } ?? "",
                senderPID: notify.pointee.be_pid
            )
            PQfreemem(notify)
            if !fetched {
                handler = handlers.withLock { $0.notification }
                fetched = true
            }
            handler?(notification)
        }
    }
}

import Dispatch
import Synchronization
import Transport

extension PostgresConnection {
    /// `query`, waited for: for command-line tools and tests. Must not run on the loop's own queue (it would wait
    /// for itself): a precondition checks it.
    package func querySync(_ sql: String, _ parameters: [PostgresParameter] = []) throws(PostgresError) -> PostgresResult {
        dispatchPrecondition(condition: .notOnQueue(loop.queue))
        let outcome = Outcome<Result<PostgresResult, PostgresError>>()
        query(sql, parameters) { outcome.set($0) }
        return try outcome.wait().get()
    }

    /// `pipeline`, waited for (same precondition as `querySync`).
    package func pipelineSync(_ statements: [(sql: String, parameters: [PostgresParameter])]) -> [Result<PostgresResult, PostgresError>] {
        dispatchPrecondition(condition: .notOnQueue(loop.queue))
        let outcome = Outcome<[Result<PostgresResult, PostgresError>]>()
        pipeline(statements) { outcome.set($0) }
        return outcome.wait()
    }

    /// `connect`, waited for (not on `loop`'s queue).
    package static func connectSync(
        url: String,
        on loop: EventLoop,
        connectTimeout: Duration = .seconds(10),
        limits: PostgresLimits = PostgresLimits()
    ) throws(PostgresError) -> PostgresConnection {
        dispatchPrecondition(condition: .notOnQueue(loop.queue))
        let outcome = Outcome<Result<PostgresConnection, PostgresError>>()
        connect(url: url, on: loop, connectTimeout: connectTimeout, limits: limits) { outcome.set($0) }
        return try outcome.wait().get()
    }
}

/// A value set once on one thread and waited for on another.
private final class Outcome<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)
    private let ready = DispatchSemaphore(value: 0)

    func set(_ newValue: Value) {
        value.withLock { $0 = newValue }
        ready.signal()
    }

    func wait() -> Value {
        ready.wait()
        return value.withLock { $0! }
    }
}

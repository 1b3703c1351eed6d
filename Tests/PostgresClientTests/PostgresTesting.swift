import Dispatch
import PostgresClient
import Synchronization
import TestSupport
import Testing
import Transport
#if canImport(Glibc)
import Glibc
#endif

extension Trait where Self == ConditionTrait {
    /// Skips a test when there is no PostgreSQL to run it on (see TestPostgres).
    static var needsPostgres: Self {
        .enabled(if: TestPostgres.isAvailable, "needs PostgreSQL: set LASTWORD_TEST_POSTGRES_URL or install Debian's postgresql")
    }
}

/// Helpers for tests on a real server. Every wait has a timeout: a hang fails the test instead of the run.
enum PostgresTesting {
    private static let nextLoopIndex = Atomic<Int>(1000)

    /// A loop of its own, with an index no other loop in the process has (`EventLoop.inLoop` compares indexes).
    static func makeLoop() -> EventLoop {
        EventLoop(index: nextLoopIndex.add(1, ordering: .relaxed).oldValue)
    }

    static func connect(
        _ url: String,
        on loop: EventLoop? = nil,
        connectTimeout: Duration = .seconds(10),
        limits: PostgresLimits = PostgresLimits()
    ) throws -> PostgresConnection {
        let outcome = Collected<Result<PostgresConnection, PostgresError>>()
        PostgresConnection.connect(url: url, on: loop ?? makeLoop(), connectTimeout: connectTimeout, limits: limits) {
            outcome.append($0)
        }
        return try outcome.single().get()
    }

    /// Connects to a database of its own on the test server.
    static func connectToFreshDatabase(limits: PostgresLimits = PostgresLimits()) throws -> (connection: PostgresConnection, url: String) {
        let url = try TestPostgres.freshDatabase()
        return (try connect(url, limits: limits), url)
    }

    /// Connects to the database behind `url` and returns the error.
    static func connectError(_ url: String, connectTimeout: Duration = .seconds(10)) throws -> PostgresError {
        let outcome = Collected<Result<PostgresConnection, PostgresError>>()
        PostgresConnection.connect(url: url, on: makeLoop(), connectTimeout: connectTimeout) { outcome.append($0) }
        switch try outcome.single() {
        case .success(let connection):
            connection.close()
            throw TimedOut(what: "connect to \(url) succeeded, expected a failure")
        case .failure(let error):
            return error
        }
    }

    /// A port on 127.0.0.1 that refuses connections while the returned socket stays open (bound, not listening).
    static func refusingPort() -> (port: Int, socket: Int32) {
        boundSocket(listening: false)
    }

    /// A port on 127.0.0.1 whose connections complete but are never answered (listening, never accepting).
    static func silentPort() -> (port: Int, socket: Int32) {
        boundSocket(listening: true)
    }

    private static func boundSocket(listening: Bool) -> (port: Int, socket: Int32) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        precondition(fd >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        precondition(bound)
        if listening { precondition(listen(fd, 16) == 0) }
        return (Int(UInt16(bigEndian: address.sin_port)), fd)
    }

    /// The port of a `postgres://user@host:port/db` URL.
    static func port(of url: String) -> Int {
        let afterAt = url.split(separator: "@", maxSplits: 1).last ?? ""
        let hostPort = afterAt.split(separator: "/", maxSplits: 1).first ?? ""
        return Int(hostPort.split(separator: ":").last ?? "") ?? 5432
    }
}

/// Values delivered on another thread, collected in order, waited for with a timeout.
final class Collected<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])
    private let arrived = DispatchSemaphore(value: 0)

    init() {}

    func append(_ value: Value) {
        values.withLock { $0.append(value) }
        arrived.signal()
    }

    var snapshot: [Value] { values.withLock { $0 } }

    /// Waits until `count` values have arrived (in all), then returns them all.
    func wait(for count: Int, seconds: Double = 20) throws -> [Value] {
        let deadline = DispatchTime.now() + seconds
        while values.withLock({ $0.count }) < count {
            if arrived.wait(timeout: deadline) == .timedOut {
                throw TimedOut(what: "\(count) values (\(values.withLock { $0.count }) arrived) within \(seconds) s")
            }
        }
        return snapshot
    }

    /// Waits for exactly one value.
    func single(seconds: Double = 20) throws -> Value {
        try wait(for: 1, seconds: seconds)[0]
    }
}

struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

extension PostgresConnection {
    /// `query`, waited for with a timeout (querySync waits forever).
    func run(_ sql: String, _ parameters: [PostgresParameter] = [], seconds: Double = 20) throws -> PostgresResult {
        try result(sql, parameters, seconds: seconds).get()
    }

    /// `query`'s outcome, waited for with a timeout.
    func result(_ sql: String, _ parameters: [PostgresParameter] = [], seconds: Double = 20) throws -> Result<PostgresResult, PostgresError> {
        let outcome = Collected<Result<PostgresResult, PostgresError>>()
        query(sql, parameters) { outcome.append($0) }
        return try outcome.single(seconds: seconds)
    }

    /// The error `sql` fails with.
    func error(_ sql: String, _ parameters: [PostgresParameter] = [], seconds: Double = 20) throws -> PostgresError {
        switch try result(sql, parameters, seconds: seconds) {
        case .success: throw TimedOut(what: "\(sql) to fail (it succeeded)")
        case .failure(let error): return error
        }
    }

    /// `pipeline`, waited for with a timeout.
    func runPipeline(_ statements: [(sql: String, parameters: [PostgresParameter])], seconds: Double = 20) throws -> [Result<PostgresResult, PostgresError>] {
        let outcome = Collected<[Result<PostgresResult, PostgresError>]>()
        pipeline(statements) { outcome.append($0) }
        return try outcome.single(seconds: seconds)
    }
}

extension Result where Failure == PostgresError {
    var error: PostgresError? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

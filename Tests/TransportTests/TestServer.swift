import TestSupport
import Dispatch
import HTTP1
import Logging
import Synchronization
import Transport
import WebSocket
#if canImport(Glibc)
import Glibc
#endif

/// A server on its own ephemeral port, for one test. `shutdown()` may be called by the test (it is idempotent);
/// `withTestServer` calls it at the end in any case.
final class TestServer: Sendable {
    let server: Server
    let port: Int
    private let stopped = Mutex(false)

    static let logger = testLogger(label: "transport-tests")

    init(configuration: ServerConfiguration = .forTesting(), router: Router, loops: EventLoopGroup? = nil) throws {
        var configuration = configuration
        configuration.host = "127.0.0.1"
        configuration.port = 0
        server = Server(configuration: configuration, service: router, loops: loops, logger: Self.logger)
        try server.start()
        port = server.boundAddresses[0].port
    }

    var configuration: ServerConfiguration { server.configuration }
    var host: String { "127.0.0.1:\(port)" }

    /// Graceful shutdown; blocks until done. Later calls do nothing.
    func shutdown() {
        let first = stopped.withLock { stopped in
            defer { stopped = true }
            return !stopped
        }
        if first { server.shutdown() }
    }

    /// Starts `shutdown()` on another thread, so the test can watch what it does; `wait` on the result.
    func shutdownInBackground() -> BackgroundWork {
        BackgroundWork { self.shutdown() }
    }

    func connect(receiveBufferSize: Int? = nil, timeoutSeconds: Int = TestHTTPClient.defaultTimeoutSeconds) throws -> TestHTTPClient {
        try TestHTTPClient(port: port, receiveBufferSize: receiveBufferSize, timeoutSeconds: timeoutSeconds)
    }

    func webSocket(
        _ path: String, headers: [(String, String)] = [], offerDeflate: Bool = false, protocols: [String] = [],
        receiveBufferSize: Int? = nil
    ) throws -> TestWebSocketClient {
        try TestWebSocketClient(
            port: port, path: path, headers: headers, offerDeflate: offerDeflate, protocols: protocols,
            receiveBufferSize: receiveBufferSize)
    }
}

/// Runs `body` against a fresh server and shuts the server down afterwards.
func withTestServer<R>(
    _ configuration: ServerConfiguration = .forTesting(), loops: EventLoopGroup? = nil, router: Router,
    _ body: (TestServer) throws -> R
) throws -> R {
    let server = try TestServer(configuration: configuration, router: router, loops: loops)
    defer { server.shutdown() }
    return try body(server)
}

/// Descriptors this process has open.
func openDescriptorCount() -> Int {
    guard let directory = opendir("/proc/self/fd") else { preconditionFailure("cannot list /proc/self/fd") }
    defer { closedir(directory) }
    var count = 0
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { $0.prefix { $0 != 0 } }
        if !name.elementsEqual(".".utf8), !name.elementsEqual("..".utf8) { count += 1 }
    }
    return count - 1   // the directory's own descriptor
}

/// CPU time this process has used, user and system, in milliseconds.
func processCPUMilliseconds() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let seconds = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec
    let microseconds = usage.ru_utime.tv_usec + usage.ru_stime.tv_usec
    return seconds * 1000 + microseconds / 1000
}

/// Milliseconds taken by `body`.
func milliseconds(_ body: () throws -> Void) rethrows -> Int {
    let start = ContinuousClock.now
    try body()
    let elapsed = ContinuousClock.now - start
    return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
}

/// Holds handlers back until the test opens it: a route that reaches the gate `arrive`s (the test can wait for that),
/// and its answer waits for `open()`. No clock involved.
final class Gate: Sendable {
    private let state = Mutex<(isOpen: Bool, waiting: [@Sendable () -> Void])>((false, []))
    private let arrivals = DispatchSemaphore(value: 0)

    /// Runs `work` once the gate is open (now, if it already is), and counts an arrival.
    func pass(_ work: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state -> Bool in
            if state.isOpen { return true }
            state.waiting.append(work)
            return false
        }
        arrivals.signal()
        if runNow { work() }
    }

    /// Suspends until the gate is open, counting an arrival.
    func pass() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            pass { continuation.resume() }
        }
    }

    /// Whether something arrived at the gate within `seconds`.
    func waitForArrival(seconds: Double = 10) -> Bool {
        arrivals.wait(timeout: .now() + seconds) == .success
    }

    func open() {
        let waiting = state.withLock { state in
            state.isOpen = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for work in waiting { work() }
    }
}

extension HTTPResponse {
    static func text(_ text: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
    }
}

extension Router {
    /// Routes most HTTP tests use: `GET /hello`, `POST /echo` (the body back), `GET /connection` (the server's id
    /// for the connection, so a test can tell whether two requests shared one).
    static func testing() -> Router {
        var router = Router()
        router.add("GET", "/hello") { _ in .text("hello") }
        router.add("POST", "/echo") { request in
            HTTPResponse(status: 200, contentType: "application/octet-stream", body: request.body)
        }
        router.add("GET", "/connection") { request in .text(String(request.connectionID)) }
        return router
    }
}

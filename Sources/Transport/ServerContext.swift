import Logging
import Synchronization

/// What every connection of a server shares: configuration, the application, the logger, and the counters
/// behind the connection caps.
final class ServerContext: Sendable {
    let configuration: ServerConfiguration
    let service: any HTTPService
    let logger: Logger
    /// Where a line per answered request goes (`log.access`); nil: no access log.
    let accessLog: Logger?
    let startedAt: ContinuousClock.Instant
    /// The Strict-Transport-Security value of responses over TLS (nil: TLS off, or HSTS turned off).
    let strictTransportSecurity: String?

    private let openConnections = Atomic<Int>(0)
    private let openWebSockets = Atomic<Int>(0)
    private let acceptedTotal = Atomic<Int>(0)
    private let webSocketsAcceptedTotal = Atomic<Int>(0)
    private let refusedTotal = Atomic<Int>(0)
    private let nextID = Atomic<UInt64>(1)
    private let shuttingDown = Atomic<Bool>(false)
    private let perIP = Mutex<[IPAddress: Int]>([:])
    /// Responses the transport wrote itself, before any route: malformed requests, request timeouts, refused
    /// WebSocket handshakes, connections over the caps.
    let transportResponses = StatusCounters()

    init(configuration: ServerConfiguration, service: any HTTPService, logger: Logger, accessLog: Logger? = nil) {
        self.configuration = configuration
        self.service = service
        self.logger = logger
        self.accessLog = accessLog
        self.startedAt = .now
        self.strictTransportSecurity = configuration.tls.isEnabled ? configuration.tls.strictTransportSecurity : nil
    }

    var isShuttingDown: Bool { shuttingDown.load(ordering: .acquiring) }
    func beginShutdown() { shuttingDown.store(true, ordering: .releasing) }

    func makeConnectionID() -> UInt64 { nextID.add(1, ordering: .relaxed).oldValue }

    /// Admits a new connection under the total and per-IP caps; false means refuse it.
    func admit(peer: SocketAddress?) -> Bool {
        let total = openConnections.add(1, ordering: .relaxed).newValue
        guard total <= configuration.maxConnections else {
            openConnections.subtract(1, ordering: .relaxed)
            refusedTotal.add(1, ordering: .relaxed)
            return false
        }
        if let ip = peer?.ip {
            let admitted = perIP.withLock { counts -> Bool in
                let current = counts[ip, default: 0]
                guard current < configuration.maxConnectionsPerIP else { return false }
                counts[ip] = current + 1
                return true
            }
            guard admitted else {
                openConnections.subtract(1, ordering: .relaxed)
                refusedTotal.add(1, ordering: .relaxed)
                return false
            }
        }
        acceptedTotal.add(1, ordering: .relaxed)
        return true
    }

    func connectionClosed(peer: SocketAddress?) {
        openConnections.subtract(1, ordering: .relaxed)
        if let ip = peer?.ip {
            perIP.withLock { counts in
                let remaining = counts[ip, default: 1] - 1
                counts[ip] = remaining > 0 ? remaining : nil
            }
        }
    }

    func webSocketOpened() {
        openWebSockets.add(1, ordering: .relaxed)
        webSocketsAcceptedTotal.add(1, ordering: .relaxed)
    }
    func webSocketClosed() { openWebSockets.subtract(1, ordering: .relaxed) }

    var stats: ServerStats {
        ServerStats(
            openConnections: openConnections.load(ordering: .relaxed),
            openWebSockets: openWebSockets.load(ordering: .relaxed),
            acceptedTotal: acceptedTotal.load(ordering: .relaxed),
            webSocketsAcceptedTotal: webSocketsAcceptedTotal.load(ordering: .relaxed),
            refusedTotal: refusedTotal.load(ordering: .relaxed),
            transportResponses: transportResponses.snapshot(),
            uptime: ContinuousClock.now - startedAt
        )
    }
}

/// A snapshot of the server's counters.
package struct ServerStats: Sendable {
    /// Connections open now, WebSockets among them.
    package var openConnections: Int
    package var openWebSockets: Int
    /// Connections admitted since start, and the upgrades to WebSocket among them.
    package var acceptedTotal: Int
    package var webSocketsAcceptedTotal: Int
    /// Connections refused over the caps.
    package var refusedTotal: Int
    /// Responses the transport wrote itself (see `ServerContext.transportResponses`), by status.
    package var transportResponses: [StatusCount]
    package var uptime: Duration
}

import Dispatch
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The HTTP/1.1 and WebSocket server: listeners, event loops, and graceful shutdown.
package final class Server: Sendable {
    package let configuration: ServerConfiguration
    package let loops: EventLoopGroup
    private let context: ServerContext
    private let acceptQueue = DispatchQueue(label: "lastword.accept")
    private let listeners = Mutex<[Listener]>([])
    /// The TLS certificates in use (nil: plain HTTP), made at `start`.
    private let certificates = Mutex<TLSCertificates?>(nil)
    /// Whether the server made its loops (and so stops them at shutdown) or was given them.
    private let ownsLoops: Bool

    /// `accessLog`: where a line per answered request goes (method, route, status, duration, bytes, connection id),
    /// or nil for none.
    package init(configuration: ServerConfiguration, service: any HTTPService, loops: EventLoopGroup? = nil, logger: Logger,
                 accessLog: Logger? = nil) {
        self.configuration = configuration
        self.loops = loops ?? EventLoopGroup(count: configuration.eventLoops, readiness: configuration.readiness)
        self.ownsLoops = loops == nil
        self.context = ServerContext(configuration: configuration, service: service, logger: logger, accessLog: accessLog)
    }

    /// Counters for health and metrics.
    package var stats: ServerStats { context.stats }

    /// The addresses actually bound (with the kernel's port when 0 was asked for); not the redirect listener's.
    package var boundAddresses: [SocketAddress] { listeners.withLock { $0.filter { !$0.isRedirect }.map(\.address) } }

    /// The plain listener's addresses that redirect to HTTPS (`server.tls.redirectPlainPort`), if any.
    package var redirectAddresses: [SocketAddress] { listeners.withLock { $0.filter(\.isRedirect).map(\.address) } }

    /// Whether the server speaks TLS (https:// and wss://).
    package var isTLS: Bool { configuration.tls.isEnabled }

    /// Reads the certificate and key files again (SIGHUP): the next connections use them; open connections keep theirs.
    /// A file that cannot be used throws, naming the setting and the file, and the certificate in use stays.
    /// Returns nil when TLS is off.
    package func reloadCertificates() throws(TLSConfigurationError) -> TLSCertificateSummary? {
        guard let current = certificates.withLock({ $0 }) else { return nil }
        return try current.reload()
    }

    /// Binds and starts serving. "localhost" binds 127.0.0.1 and ::1 on the same port; "::" is dual-stack.
    package func start() throws {
        // A peer that resets while we write must not kill the process (writes report EPIPE instead).
        signal(SIGPIPE, SIG_IGN)
        let tls = configuration.tls.isEnabled ? try TLSCertificates(configuration.tls) : nil
        let hosts = configuration.host == "localhost" ? ["127.0.0.1", "::1"] : [configuration.host]
        var started: [Listener] = []
        do {
            try bind(hosts, port: configuration.port, certificates: tls, service: nil, into: &started)
            if tls != nil, configuration.tls.redirectPlainPort > 0 {
                let redirect = HTTPSRedirectService(httpsPort: started[0].address.port)
                try bind(hosts, port: configuration.tls.redirectPlainPort, certificates: nil, service: redirect, into: &started)
            }
        } catch {
            for listener in started { Socket.close(listener.fd) }
            throw error
        }
        certificates.withLock { $0 = tls }
        let period = sweepPeriod()
        for loop in loops.loops {
            loop.queue.sync { loop.startSweeping(every: period) }
        }
        listeners.withLock { $0 = started }
        for listener in started { listener.start() }
        var metadata: Logger.Metadata = [
            "addresses": "\(started.filter { !$0.isRedirect }.map(\.address.description).joined(separator: " "))",
            "loops": "\(loops.loops.count)",
            "tls": "\(tls == nil ? "off" : "TLSv1.2 TLSv1.3")",
        ]
        if let certificate = tls?.context.certificate {
            metadata["certificate"] = "\(certificate)"
        }
        let redirects = started.filter(\.isRedirect)
        if !redirects.isEmpty {
            metadata["redirectToHttps"] = "\(redirects.map(\.address.description).joined(separator: " "))"
        }
        context.logger.info("listening", metadata: metadata)
        if let certificate = tls?.context.certificate, certificate.isExpired {
            context.logger.warning("the TLS certificate has expired: browsers will refuse it", metadata: [
                "file": "\(configuration.tls.certificateChainFile)", "notAfter": "\(certificate.notAfter)",
            ])
        }
    }

    /// Binds `port` on every host (the port the kernel picked for the first, when 0, on the others too).
    private func bind(_ hosts: [String], port: Int, certificates: TLSCertificates?, service: (any HTTPService)?,
                      into started: inout [Listener]) throws {
        var port = port
        for host in hosts {
            guard let address = SocketAddress(ip: host, port: port) else {
                throw ServerError.invalidAddress(host)
            }
            let fd = try Socket.listen(on: address, backlog: configuration.backlog, v6Only: host != "::")
            let bound = (try? Socket.localAddress(fd)) ?? address
            port = bound.port
            started.append(Listener(fd: fd, address: bound, queue: acceptQueue, context: context, loops: loops,
                                    service: service, certificates: certificates))
        }
    }

    /// Graceful shutdown: stop accepting, close every WebSocket with 1001, let in-flight responses finish, and
    /// drop whatever is left at the deadline. Blocks until done.
    package func shutdown() {
        context.beginShutdown()
        let current = listeners.withLock { list -> [Listener] in
            let copy = list
            list.removeAll()
            return copy
        }
        for listener in current { listener.stop() }
        for loop in loops.loops {
            loop.execute {
                for connection in loop.connections { connection.beginShutdown() }
            }
        }
        let deadline = ContinuousClock.now + .milliseconds(configuration.shutdownDeadlineMilliseconds)
        while context.stats.openConnections > 0, ContinuousClock.now < deadline {
            usleep(20_000)
        }
        let left = context.stats.openConnections
        if left > 0 {
            context.logger.warning("shutdown deadline passed; dropping connections", metadata: ["open": "\(left)"])
        }
        for loop in loops.loops {
            loop.queue.sync {
                loop.tick {
                    for connection in Array(loop.connections) { connection.abort() }
                }
            }
        }
        if ownsLoops { loops.shutdown() }
        context.logger.info("stopped", metadata: ["dropped": "\(left)"])
    }

    /// How often each loop checks deadlines: a quarter of the shortest timeout, between 50 ms and 1 s.
    private func sweepPeriod() -> DispatchTimeInterval {
        let c = configuration
        let timeouts = [c.requestTimeoutMilliseconds, c.idleTimeoutMilliseconds, c.webSocketCloseTimeoutMilliseconds,
                        c.writeStallTimeoutMilliseconds, c.pongTimeoutMilliseconds, c.lingerTimeoutMilliseconds,
                        c.pingIntervalMilliseconds > 0 ? c.pingIntervalMilliseconds : Int.max].filter { $0 > 0 }
        let shortest = timeouts.min() ?? 1000
        return .milliseconds(min(1000, max(50, shortest / 4)))
    }
}

package enum ServerError: Error, CustomStringConvertible {
    case invalidAddress(String)

    package var description: String {
        switch self {
        case .invalidAddress(let host): return "not a numeric IPv4 or IPv6 address: \(host) (use 127.0.0.1, ::1, 0.0.0.0, :: or localhost)"
        }
    }
}

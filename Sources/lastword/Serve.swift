import App
import ArgumentParser
import CoreMetrics
import Dispatch
import Logging
import PrometheusExport
import Transport
#if canImport(Glibc)
import Glibc
#endif

/// `lastword serve`: starts the server and runs until SIGINT or SIGTERM, then shuts down gracefully; SIGHUP reloads the
/// campaign files. On PostgreSQL, a node that missed other nodes' changes for good (`LiveStateLoss`) shuts down the
/// same way and exits with status 75, for its supervisor to start it again.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve HTTP and WebSocket clients (the default subcommand).")

    @OptionGroup var options: ConfigurationOptions

    @Option(name: .long, help: "Address to listen on: 127.0.0.1, ::1, 0.0.0.0, :: (dual-stack) or localhost. Overrides server.host.")
    var host: String?

    @Option(name: .long, help: "TCP port; 0 picks a free one and prints it. Overrides server.port.")
    var port: Int?

    func run() async throws {
        // Signals are taken over first: a SIGTERM (or SIGHUP) that comes while the server starts, or just after it
        // prints its address, must not end the process with the default action, skipping the graceful shutdown.
        let shutdown = ShutdownSignal()
        Glibc.signal(SIGHUP, SIG_IGN)
        var settings = try await options.settings()
        if let host { settings.server.host = host }
        if let port {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
            settings.server.port = port
        }
        let logger = settings.makeLogger()
        settings.log(to: logger)

        // The Prometheus backend, when metrics are served: the application counts into it from the start.
        let backend = settings.metricsListen.map { _ in PrometheusBackend() }
        if let backend { MetricsSystem.bootstrap(backend.factory) }
        let loops = EventLoopGroup(count: settings.server.eventLoops, readiness: settings.server.readiness)
        // Two malloc arenas per event loop instead of glibc's eight per core, and the free pages given back every
        // minute: memory that stays flat under churn (AllocatorHygiene, docs/RELIABILITY.md). The mmap threshold is
        // left to glibc: fixing it did not stop the soak's growth and made large copies fault in fresh pages.
        AllocatorHygiene.limitArenas(2 * loops.loops.count)
        let trimming = AllocatorHygiene.trimPeriodically(every: 60)
        defer { trimming.cancel() }
        let application: Application
        do {
            application = try Application(configuration: settings.application, server: settings.server, loops: loops,
                                          metrics: backend?.factory ?? NOOPMetricsHandler.instance, logger: logger)
        } catch {
            throw OperatorError(error, while: "cannot start")
        }
        let server = Server(configuration: settings.server, service: application.router, loops: loops, logger: logger,
                            accessLog: settings.makeAccessLogger())
        do {
            try server.start()
        } catch {
            throw OperatorError(error, while: "cannot listen on \(settings.server.host):\(settings.server.port)")
        }
        var metricsServer: MetricsServer?
        if let address = settings.metricsListen, let backend {
            let metrics = MetricsServer(address: address, base: settings.server,
                                        collector: MetricsCollector(application: application, server: server), backend: backend, logger: logger)
            do {
                try metrics.start()
            } catch {
                server.shutdown()
                application.shutdown()
                throw OperatorError(error, while: "cannot listen on metrics.listen \(address)")
            }
            if !address.isLoopback {
                logger.warning("metrics.listen is not a loopback address: whoever reaches it can read the metrics", metadata: [
                    "metrics.listen": "\(address)",
                ])
            }
            metricsServer = metrics
        }
        // SIGHUP reloads the campaign files (checked first; a broken one changes nothing and is logged) and the TLS
        // certificate and key (the next connections use them; a file that cannot be used is logged, the old one stays).
        let tlsSettings = settings.server.tls
        let reload = ReloadSignal {
            application.reloadCampaignFiles()
            Self.reloadCertificates(server, settings: tlsSettings, logger: logger)
        }
        defer { reload.cancel() }
        let scheme = server.isTLS ? "https" : "http"
        for address in server.boundAddresses {
            print("LastWord \(LastWordVersion.current) serving \(scheme)://\(Self.authority(address))/")
        }
        // After the serving line(s): scripts take the first URL printed as the public one, and the line after it as the
        // metrics' address.
        for address in metricsServer?.boundAddresses ?? [] {
            print("LastWord metrics on http://\(Self.authority(address))/metrics")
        }
        for address in server.redirectAddresses {
            print("  http://\(Self.authority(address))/ redirects to https")
        }
        if let admin = application.initialAdminPassword, let colon = admin.firstIndex(of: ":") {
            // Shown once: the database keeps only its hash. `lastword user passwd NAME` sets another.
            print("created the first admin account: user \(admin[..<colon]), password \(admin[admin.index(after: colon)...])")
            print("  sign in at /staff/login; change it with `lastword user passwd \(admin[..<colon])`")
        }
        fflush(nil)  // flush stdout so a script waiting for the URL sees it
        // A node that missed other nodes' changes for good stops as if sent SIGTERM, and exits with a status that
        // asks its supervisor to start it again (LiveStateLoss).
        application.liveStateLoss.whenReported { _ in shutdown.deliver(Self.liveStateLost) }

        let signal = await shutdown.wait()
        logger.info("shutting down", metadata: ["signal": "\(signal)"])
        metricsServer?.shutdown()
        server.shutdown()
        application.shutdown()
        // Only when the loss is what stopped it: after SIGTERM, a stop is a stop.
        if signal == Self.liveStateLost, let reason = application.liveStateLoss.reason {
            logger.error("stopped because \(reason); exiting with status \(LiveStateLoss.exitStatus) so that the supervisor starts this node again (systemd: Restart=on-failure)")
            throw ExitCode(LiveStateLoss.exitStatus)
        }
    }

    /// What `shutdown.wait()` returns (and the log names as the signal) when the live state was lost.
    private static let liveStateLost = "the live state was lost"

    /// `host:port` of a bound address, IPv6 in brackets.
    private static func authority(_ address: SocketAddress) -> String {
        address.family == AF_INET6 ? "[\(address.ip)]:\(address.port)" : "\(address.ip):\(address.port)"
    }
}

extension Serve {
    static func reloadCertificates(_ server: Server, settings: TLSConfiguration, logger: Logger) {
        do {
            guard let certificate = try server.reloadCertificates() else { return }
            logger.info("tls certificate reloaded", metadata: [
                "file": "\(settings.certificateChainFile)", "certificate": "\(certificate)",
            ])
            if certificate.isExpired {
                logger.warning("the TLS certificate has expired: browsers will refuse it", metadata: [
                    "file": "\(settings.certificateChainFile)", "notAfter": "\(certificate.notAfter)",
                ])
            }
        } catch {
            logger.error("tls certificate not reloaded; the one in use stays", metadata: ["problem": "\(error.description)"])
        }
    }
}

/// SIGINT and SIGTERM, caught from start-up (`SignalCatcher`), so a signal that comes before the server waits for one
/// is kept, and `wait` returns it at once.
final class ShutdownSignal: @unchecked Sendable {
    // @unchecked Sendable: `received` and `waiting` are touched only on the serial `queue`; `catcher` is written only
    // in init and only keeps the handlers alive after.
    private let queue = DispatchQueue(label: "lastword.signals")
    private var catcher: SignalCatcher?
    private var received: String?
    private var waiting: CheckedContinuation<String, Never>?

    init() {
        catcher = SignalCatcher([SIGINT, SIGTERM], queue: queue) { [weak self] number in
            self?.deliver(number == SIGINT ? "SIGINT" : "SIGTERM")
        }
    }

    /// The first signal (or `deliver` from elsewhere: the reason is logged as the signal) counts.
    func deliver(_ name: String) {
        queue.async { [self] in
            guard received == nil else { return }
            received = name
            waiting?.resume(returning: name)
            waiting = nil
        }
    }

    /// The first SIGINT or SIGTERM since start-up: at once if one came already.
    func wait() async -> String {
        await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            queue.async {
                if let received = self.received { continuation.resume(returning: received) } else { self.waiting = continuation }
            }
        }
    }
}

/// Runs `action` on its own queue each time the process gets SIGHUP (caught from now on; before, SIGHUP is ignored).
final class ReloadSignal: Sendable {
    private let catcher: SignalCatcher

    init(_ action: @escaping @Sendable () -> Void) {
        catcher = SignalCatcher([SIGHUP], queue: DispatchQueue(label: "lastword.reload")) { _ in action() }
    }

    func cancel() { catcher.cancel() }
}

import App
import ArgumentParser
import Dispatch
import Logging
import Transport
#if canImport(Glibc)
import Glibc
#endif

/// `lastword serve`: starts the server and runs until SIGINT or SIGTERM, then shuts down gracefully; SIGHUP reloads the
/// campaign files.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve HTTP and WebSocket clients (the default subcommand).")

    @OptionGroup var options: ConfigurationOptions

    @Option(name: .long, help: "Address to listen on: 127.0.0.1, ::1, 0.0.0.0, :: (dual-stack) or localhost. Overrides server.host.")
    var host: String?

    @Option(name: .long, help: "TCP port; 0 picks a free one and prints it. Overrides server.port.")
    var port: Int?

    func run() async throws {
        var settings = try await Settings.load(path: options.config)
        if let host { settings.server.host = host }
        if let port {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
            settings.server.port = port
        }
        let logger = settings.makeLogger()
        settings.log(to: logger)

        let loops = EventLoopGroup(count: settings.server.eventLoops, readiness: settings.server.readiness)
        let application: Application
        do {
            application = try Application(configuration: settings.application, server: settings.server, loops: loops, logger: logger)
        } catch {
            throw OperatorError(error, while: "cannot start")
        }
        let server = Server(configuration: settings.server, service: application.router, loops: loops, logger: logger)
        do {
            try server.start()
        } catch {
            throw OperatorError(error, while: "cannot listen on \(settings.server.host):\(settings.server.port)")
        }
        let scheme = server.isTLS ? "https" : "http"
        for address in server.boundAddresses {
            let host = address.family == AF_INET6 ? "[\(address.ip)]" : "\(address.ip)"
            print("LastWord \(LastWordVersion.current) serving \(scheme)://\(host):\(address.port)/")
        }
        for address in server.redirectAddresses {
            let host = address.family == AF_INET6 ? "[\(address.ip)]" : "\(address.ip)"
            print("  http://\(host):\(address.port)/ redirects to https")
        }
        if let admin = application.initialAdminPassword, let colon = admin.firstIndex(of: ":") {
            // Shown once: the database keeps only its hash. `lastword user passwd NAME` sets another.
            print("created the first admin account: user \(admin[..<colon]), password \(admin[admin.index(after: colon)...])")
            print("  sign in at /staff/login; change it with `lastword user passwd \(admin[..<colon])`")
        }
        fflush(nil)  // flush stdout so a script waiting for the URL sees it

        // SIGHUP reloads the campaign files (checked first; a broken one changes nothing and is logged) and the TLS
        // certificate and key (the next connections use them; a file that cannot be used is logged, the old one stays).
        let tlsSettings = settings.server.tls
        let reload = ReloadSignal {
            application.reloadCampaignFiles()
            Self.reloadCertificates(server, settings: tlsSettings, logger: logger)
        }
        defer { reload.cancel() }
        let signal = await ShutdownSignal.wait()
        logger.info("shutting down", metadata: ["signal": "\(signal)"])
        server.shutdown()
        application.shutdown()
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

/// Waits for SIGINT or SIGTERM through dispatch signal sources (the default action is disabled first).
enum ShutdownSignal {
    static func wait() async -> String {
        await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            let queue = DispatchQueue(label: "lastword.signals")
            let resumed = Resumed()
            for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
                Glibc.signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler {
                    if resumed.once() { continuation.resume(returning: name) }
                }
                source.resume()
                resumed.sources.append(source)
            }
        }
    }

    /// Resumes the continuation once, and keeps the signal sources alive (each source's handler holds this box).
    private final class Resumed: @unchecked Sendable {
        // @unchecked Sendable: `done` is touched only on the serial signal queue, `sources` only while the sources are
        // being set up, before any of them can fire.
        private var done = false
        var sources: [DispatchSourceSignal] = []
        func once() -> Bool {
            defer { done = true }
            return !done
        }
    }
}

/// Runs `action` on its own queue each time the process gets SIGHUP (its default action, ending the process, is off).
final class ReloadSignal: @unchecked Sendable {
    // @unchecked Sendable: `source` is set once in init and only cancelled afterwards, which DispatchSource allows from
    // any thread.
    private let source: DispatchSourceSignal

    init(_ action: @escaping @Sendable () -> Void) {
        Glibc.signal(SIGHUP, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "lastword.reload"))
        source.setEventHandler(handler: action)
        source.resume()
    }

    func cancel() { source.cancel() }
}

import Dispatch
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// A listening socket and its accept source. Accepted sockets are spread over the loops; beyond the connection
/// caps they get a short 503 and are closed; on EMFILE/ENFILE accepting pauses instead of spinning on a queue
/// the kernel cannot drain.
final class Listener: @unchecked Sendable {
    // @unchecked Sendable: `source` and `paused` are touched only on `queue` (the accept queue).
    let fd: Int32
    let address: SocketAddress
    private let queue: DispatchQueue
    private let context: ServerContext
    private let loops: EventLoopGroup
    /// What its connections serve (the redirect listener's own service, or nil for the server's).
    private let service: (any HTTPService)?
    /// The certificates of a TLS listener (nil: plain).
    let certificates: TLSCertificates?
    /// Whether this is the plain listener that redirects to HTTPS.
    var isRedirect: Bool { service is HTTPSRedirectService }
    private var source: DispatchSourceRead?
    private var paused = false
    /// Signalled by the accept source's cancel handler, once the descriptor is closed.
    private let closed = DispatchSemaphore(value: 0)

    private static let refusal: [UInt8] = {
        let body = #"{"error":"server.too_many_connections","message":"Too many connections; try again later."}"#
        return Array(("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n"
            + "Retry-After: 5\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body).utf8)
    }()

    init(fd: Int32, address: SocketAddress, queue: DispatchQueue, context: ServerContext, loops: EventLoopGroup,
         service: (any HTTPService)? = nil, certificates: TLSCertificates? = nil) {
        self.fd = fd
        self.address = address
        self.queue = queue
        self.context = context
        self.loops = loops
        self.service = service
        self.certificates = certificates
    }

    func start() {
        queue.async { [self] in
            let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
            source.setEventHandler { [self] in acceptAvailable() }
            source.setCancelHandler { [fd, closed] in
                Socket.close(fd)
                closed.signal()
            }
            self.source = source
            source.resume()
        }
    }

    /// Stops accepting and returns once the listening descriptor is closed (so the port is free again and no
    /// connection is accepted after shutdown returns).
    func stop() {
        queue.async { [self] in
            if paused { paused = false; source?.resume() }
            source?.cancel()
            source = nil
        }
        closed.wait()
    }

    private func acceptAvailable() {
        for _ in 0..<256 {
            let result: IOResult<(Int32, SocketAddress?)>
            do {
                result = try Socket.accept(fd)
            } catch {
                switch error.errno {
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    pause(error)
                    return
                default:
                    // ECONNABORTED, EPROTO, EPERM (firewall) ...: that one connection is gone; keep accepting.
                    context.logger.debug("accept failed", metadata: ["error": "\(error)"])
                    continue
                }
            }
            guard case .processed(let (socket, peer)) = result else { return }
            guard !context.isShuttingDown, context.admit(peer: peer) else {
                context.transportResponses.record(503)
                // A TLS client would read plain text as a broken record: it is only closed.
                if certificates == nil { Self.refusal.withUnsafeBytes { _ = try? Socket.write(socket, $0) } }
                Socket.close(socket)
                continue
            }
            try? Socket.setOption(socket, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
            let loop = loops.next()
            let id = context.makeConnectionID()
            let context = self.context
            let service = self.service
            let certificates = self.certificates
            loop.execute {
                var session: TLSSession?
                if let certificates {
                    // The context current now: a reload between accept and here is already seen.
                    session = TLSSession(context: certificates.context)
                    if session == nil {
                        context.logger.warning("cannot start TLS on a connection", metadata: ["peer": "\(peer?.description ?? "-")"])
                        Socket.close(socket)
                        context.connectionClosed(peer: peer)
                        return
                    }
                }
                Connection(fd: socket, id: id, peer: peer, loop: loop, context: context, service: service, tls: session).start()
            }
        }
    }

    private func pause(_ error: IOError) {
        guard !paused, let source else { return }
        context.logger.warning("accept paused", metadata: ["error": "\(error)", "backoff_ms": "\(context.configuration.acceptBackoffMilliseconds)"])
        paused = true
        source.suspend()
        queue.asyncAfter(deadline: .now() + .milliseconds(context.configuration.acceptBackoffMilliseconds)) { [self] in
            if paused { paused = false; self.source?.resume() }
        }
    }
}

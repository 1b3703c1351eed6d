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
    private var source: DispatchSourceRead?
    private var paused = false
    /// Signalled by the accept source's cancel handler, once the descriptor is closed.
    private let closed = DispatchSemaphore(value: 0)

    private static let refusal: [UInt8] = {
        let body = #"{"error":"server.too_many_connections","message":"Too many connections; try again later."}"#
        return Array(("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n"
            + "Retry-After: 5\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body).utf8)
    }()

    init(fd: Int32, address: SocketAddress, queue: DispatchQueue, context: ServerContext, loops: EventLoopGroup) {
        self.fd = fd
        self.address = address
        self.queue = queue
        self.context = context
        self.loops = loops
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
                Self.refusal.withUnsafeBytes { _ = try? Socket.write(socket, $0) }
                Socket.close(socket)
                continue
            }
            try? Socket.setOption(socket, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
            let loop = loops.next()
            let id = context.makeConnectionID()
            let context = self.context
            loop.execute {
                Connection(fd: socket, id: id, peer: peer, loop: loop, context: context).start()
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

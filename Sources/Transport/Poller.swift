import CLinux
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// How a loop learns that its sockets are ready. Both modes deliver readiness on the loop's serial queue, in ticks.
package enum ReadinessMode: String, Sendable, CaseIterable {
    /// One epoll set per loop, its descriptor watched by ONE dispatch read source on the loop's queue: when any
    /// socket is ready the source fires and its handler harvests every ready socket with `epoll_wait`, in one tick.
    case loopEpoll = "loop-epoll"
    /// One dispatch read source per connection, and a dispatch write source while output is pending.
    case dispatchSources = "dispatch-sources"
}

/// The readiness of one loop's sockets. Each connection has read interest on its loop (unless it paused reading) and
/// write interest only while output is pending.
///
/// Why `loopEpoll` is the default: on Linux, libdispatch turns every socket event of a per-socket source into an
/// `ioctl(SIOCINQ)`, a hand-off from its manager thread to the queue's worker thread, and an `epoll_ctl` re-arm
/// pushed back to the manager (an eventfd write and a second thread switch). In the echo benchmark that machinery
/// took about half of the server's core (docs/BENCHMARKS.md has both modes side by side); with the loop's own epoll
/// set, dispatch wakes the loop once per batch of ready sockets instead of once per socket event.
final class Poller {
    struct Interest: Equatable {
        var read: Bool
        var write: Bool
        var mask: UInt32 {
            (read ? UInt32(LW_EPOLLIN) : 0) | (write ? UInt32(LW_EPOLLOUT) : 0)
        }
    }

    let mode: ReadinessMode
    private let epfd: Int32
    private unowned let loop: EventLoop
    private var source: DispatchSourceRead?
    /// Registered connections by descriptor. An event carries the descriptor and the connection's id, so an event for a
    /// descriptor closed and reused within the same batch is recognised and ignored.
    private var connections: [Connection?] = []
    private let events: UnsafeMutablePointer<lw_event>
    private static let batchSize: Int32 = 256
    /// Rounds of `epoll_wait` per wake-up: under load, sockets that became ready while a batch was handled are served
    /// at once instead of after another trip through dispatch.
    private static let rounds = 4

    /// Per-connection dispatch sources (`dispatchSources` mode), by connection id.
    private var sources: [UInt64: ConnectionSources] = [:]

    init(loop: EventLoop, mode: ReadinessMode) {
        self.loop = loop
        self.mode = mode
        epfd = mode == .loopEpoll ? lw_epoll_create() : -1
        precondition(mode != .loopEpoll || epfd >= 0, "epoll_create1 failed: errno \(errno)")
        events = .allocate(capacity: Int(Self.batchSize))
    }

    deinit {
        // stop() closes the descriptor through the source's cancel handler; a poller never started closes it here.
        if source == nil, epfd >= 0 { _ = Glibc.close(epfd) }
        events.deallocate()
    }

    func start() {
        loop.assertInLoop()
        guard mode == .loopEpoll else { return }
        let source = DispatchSource.makeReadSource(fileDescriptor: epfd, queue: loop.queue)
        source.setEventHandler { [unowned self] in
            self.loop.tick { self.poll() }
        }
        source.setCancelHandler { [epfd] in _ = Glibc.close(epfd) }
        source.resume()
        self.source = source
    }

    /// Stops watching (on the loop, after its connections are closed); the epoll descriptor closes with the source.
    func stop() {
        loop.assertInLoop()
        source?.cancel()
    }

    func register(_ connection: Connection, interest: Interest) throws(IOError) {
        loop.assertInLoop()
        if mode == .dispatchSources {
            let entry = ConnectionSources(connection: connection, loop: loop)
            sources[connection.id] = entry
            entry.apply(interest)
            return
        }
        let fd = Int(connection.fd)
        if fd >= connections.count {
            connections.append(contentsOf: repeatElement(nil, count: max(fd + 1 - connections.count, connections.count)))
        }
        connections[fd] = connection
        if lw_epoll_ctl(epfd, 1 /* EPOLL_CTL_ADD */, connection.fd, interest.mask, Self.token(connection)) < 0 {
            connections[fd] = nil
            throw IOError("epoll_ctl", errno: errno)
        }
    }

    func update(_ connection: Connection, interest: Interest) {
        loop.assertInLoop()
        if mode == .dispatchSources {
            sources[connection.id]?.apply(interest)
            return
        }
        if lw_epoll_ctl(epfd, 3 /* EPOLL_CTL_MOD */, connection.fd, interest.mask, Self.token(connection)) < 0 {
            let err = errno
            precondition(err != EBADF && err != ENOENT, "epoll_ctl MOD on an unregistered descriptor \(connection.fd)")
        }
    }

    /// Stops watching the connection and closes its descriptor: at once with `loopEpoll`; with `dispatchSources`,
    /// in the cancel handler of the last of its sources (closing earlier could let a source watch a reused number).
    func deregisterAndClose(_ connection: Connection) {
        loop.assertInLoop()
        if mode == .dispatchSources {
            sources.removeValue(forKey: connection.id)?.cancelAndClose()
            return
        }
        let fd = Int(connection.fd)
        _ = lw_epoll_ctl(epfd, 2 /* EPOLL_CTL_DEL */, connection.fd, 0, 0)
        if fd < connections.count, connections[fd] === connection { connections[fd] = nil }
        Socket.close(connection.fd)
    }

    private static func token(_ connection: Connection) -> UInt64 {
        UInt64(UInt32(bitPattern: connection.fd)) | (connection.id << 32)
    }

    private func poll() {
        for _ in 0..<Self.rounds {
            let count = lw_epoll_wait(epfd, events, Self.batchSize, 0)
            if count <= 0 { return }
            loop.readinessEvents &+= Int(count)
            for index in 0..<Int(count) {
                let event = events[index]
                let fd = Int(UInt32(truncatingIfNeeded: event.data))
                guard fd < connections.count, let connection = connections[fd],
                      connection.id & 0xFFFF_FFFF == event.data >> 32 else { continue }
                if event.events & UInt32(LW_EPOLLOUT) != 0 {
                    connection.writable()
                }
                if event.events & (UInt32(LW_EPOLLIN) | UInt32(LW_EPOLLHUP) | UInt32(LW_EPOLLERR)) != 0 {
                    connection.readable()
                }
            }

        }
    }
}

/// The dispatch sources of one connection in `dispatchSources` mode: a read source (suspended while reading is
/// paused) and a write source that exists only while output is pending. The descriptor is closed in the cancel
/// handler of the last source (STYLE.md §6).
private final class ConnectionSources {
    private let connection: Connection
    private let loop: EventLoop
    private var read: DispatchSourceRead?
    private var readSuspended = false
    private var write: DispatchSourceWrite?
    private var live = 0
    private var closing = false

    init(connection: Connection, loop: EventLoop) {
        self.connection = connection
        self.loop = loop
        let source = DispatchSource.makeReadSource(fileDescriptor: connection.fd, queue: loop.queue)
        source.setEventHandler { [connection, loop] in
            loop.readinessEvents &+= 1
            loop.tick { connection.readable() }
        }
        source.setCancelHandler { [self] in sourceCancelled() }
        live += 1
        read = source
        readSuspended = true  // resumed by the first apply(_:)
    }

    func apply(_ interest: Poller.Interest) {
        if interest.read, readSuspended {
            readSuspended = false
            read?.resume()
        } else if !interest.read, !readSuspended {
            readSuspended = true
            read?.suspend()
        }
        if interest.write, write == nil {
            let source = DispatchSource.makeWriteSource(fileDescriptor: connection.fd, queue: loop.queue)
            source.setEventHandler { [connection, loop] in loop.tick { connection.writable() } }
            source.setCancelHandler { [self] in sourceCancelled() }
            live += 1
            write = source
            source.resume()
        } else if !interest.write, let source = write {
            write = nil
            source.cancel()
        }
    }

    func cancelAndClose() {
        closing = true
        if readSuspended {
            readSuspended = false
            read?.resume()  // a suspended source never runs its cancel handler
        }
        read?.cancel()
        read = nil
        write?.cancel()
        write = nil
    }

    private func sourceCancelled() {
        live -= 1
        if live == 0, closing {
            Socket.close(connection.fd)
        }
    }
}

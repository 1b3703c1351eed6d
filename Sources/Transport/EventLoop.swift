import CLinux
import Dispatch
import HTTP1
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A serial dispatch queue that owns a set of connections: their sources fire on it, their state is touched
/// only on it, and one read buffer is shared by all of them (a connection keeps bytes of its own only while a
/// message is incomplete, so an idle connection costs no buffer).
///
/// Work on a loop runs in *ticks* (`tick(_:)`): whatever the tick sends is queued on the connections and flushed
/// together when the tick ends — a reply costs one send, and several broadcasts handled in one tick reach
/// each receiver in one send too.
package final class EventLoop: @unchecked Sendable {
    // @unchecked Sendable: `queue`, `index` and `readBuffer`'s address are immutable; every `var` below is
    // touched only on `queue`, which `assertInLoop()` checks in debug builds.

    package let queue: DispatchQueue
    package let index: Int

    /// The readiness of this loop's sockets.
    private(set) var poller: Poller!
    /// Shared read buffer: every read on this loop lands here first.
    let readBuffer: UnsafeMutableRawBufferPointer
    /// Connections on this loop, for timeouts and shutdown. A connection knows its slot (swap-remove).
    var connections: ContiguousArray<Connection> = []
    /// The same connections by id, for handles held elsewhere (`ConnectionReference`).
    private var connectionsByID: [UInt64: Connection] = [:]
    /// What this loop's WebSocket connections sent and received (counted here, added up by a scrape).
    package let traffic = LoopTraffic()
    /// Socket readiness events this loop has handled (a loop polling a socket in a circle shows here).
    package internal(set) var readinessEvents = 0
    /// Connections with output queued during the current tick.
    private var dirty: [Connection] = []
    private var inTick = false
    private var sweepTimer: DispatchSourceTimer?

    /// The buffers this loop's TLS connections share, made on first use (a loop serving only plain HTTP has none).
    lazy var tlsBuffers = TLSLoopBuffers()

    /// Work posted from other threads, run by `drainInbox` (see `execute`).
    private let inbox = Mutex<[@Sendable () -> Void]>([])
    private var dateSecond = -1
    private var dateValue = ""

    private static let loopKey = DispatchSpecificKey<Int>()

    package init(index: Int, readiness: ReadinessMode = .loopEpoll, readBufferSize: Int = 64 << 10) {
        self.index = index
        self.queue = DispatchQueue(label: "lastword.loop.\(index)", qos: .userInitiated)
        self.readBuffer = .allocate(byteCount: readBufferSize, alignment: 16)
        queue.setSpecific(key: Self.loopKey, value: index)
        poller = Poller(loop: self, mode: readiness)
        queue.async { self.poller.start() }
    }

    deinit {
        readBuffer.deallocate()
    }

    /// True when the caller runs on this loop's queue.
    @inline(__always)
    package var inLoop: Bool {
        DispatchQueue.getSpecific(key: Self.loopKey) == index
    }

    /// Checks confinement in debug builds (STYLE.md §7); free in release builds.
    @inline(__always)
    package func assertInLoop(file: StaticString = #fileID, line: UInt = #line) {
        #if DEBUG
        dispatchPrecondition(condition: .onQueue(queue))
        #endif
    }

    /// Runs `work` on this loop, in order with everything else posted to it. Work posted from other threads is
    /// collected in an inbox and run in one tick per wake-up: 200 acknowledgements from one database commit cost one
    /// dispatch hand-off, not 200.
    package func execute(_ work: @escaping @Sendable () -> Void) {
        let wake = inbox.withLock { items -> Bool in
            items.append(work)
            return items.count == 1
        }
        if wake {
            queue.async { self.drainInbox() }
        }
    }

    /// Runs what the inbox holds. Work posted meanwhile found the inbox empty and scheduled the next drain, so one
    /// round is enough and sockets are served in between.
    private func drainInbox() {
        let items = inbox.withLock { items -> [@Sendable () -> Void] in
            let taken = items
            items.removeAll(keepingCapacity: true)
            return taken
        }
        if items.isEmpty { return }
        tick {
            for work in items { work() }
        }
    }

    /// Runs `work` now if on this loop (inside the current tick), else schedules it.
    package func executeSoon(_ work: @escaping @Sendable () -> Void) {
        if inLoop { work() } else { execute(work) }
    }

    /// Runs `body`, then flushes every connection it queued output on. Re-entrant: a nested tick joins the outer one.
    @inline(__always)
    func tick(_ body: () -> Void) {
        assertInLoop()
        if inTick {
            body()
            return
        }
        inTick = true
        body()
        flushDirty()
        inTick = false
    }

    /// Marks `connection` to be flushed when the current tick ends (or flushes at once outside a tick).
    @inline(__always)
    func markDirty(_ connection: Connection) {
        if inTick {
            dirty.append(connection)
        } else {
            connection.flush()
        }
    }

    private func flushDirty() {
        var index = 0
        // A flush can close a connection, whose handler can send elsewhere: iterate by index as `dirty` may grow.
        while index < dirty.count {
            dirty[index].flush()
            index += 1
        }
        dirty.removeAll(keepingCapacity: dirty.count <= 1024)
    }

    /// The Date header value (RFC 9110 §6.6.1), formatted once per second per loop.
    func httpDate() -> String {
        let now = Int(time(nil))
        if now != dateSecond {
            dateSecond = now
            dateValue = HTTPDate.format(secondsSince1970: now)
        }
        return dateValue
    }

    // MARK: connection registry and the timeout sweep

    func register(_ connection: Connection) {
        assertInLoop()
        connection.slot = connections.count
        connections.append(connection)
        connectionsByID[connection.id] = connection
    }

    /// The open connection with this id, or nil.
    func connection(_ id: UInt64) -> Connection? {
        connectionsByID[id]
    }

    func unregister(_ connection: Connection) {
        assertInLoop()
        let slot = connection.slot
        guard slot >= 0, slot < connections.count, connections[slot] === connection else { return }
        connectionsByID.removeValue(forKey: connection.id)
        let last = connections.removeLast()
        if slot < connections.count {
            connections[slot] = last
            last.slot = slot
        }
        connection.slot = -1
    }

    /// Starts the periodic sweep that enforces every per-connection deadline. One timer per loop instead of one
    /// per connection: 10,000 idle connections cost one wake-up per period, not 10,000 timers.
    func startSweeping(every period: DispatchTimeInterval) {
        assertInLoop()
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + period, repeating: period, leeway: .milliseconds(10))
        timer.setEventHandler { [unowned self] in
            self.tick {
                let now = DispatchTime.now().uptimeNanoseconds
                var index = 0
                while index < self.connections.count {
                    let connection = self.connections[index]
                    connection.checkDeadlines(now: now)
                    // A connection that closed removed itself from its slot: look at the same index again.
                    if index < self.connections.count, self.connections[index] === connection { index += 1 }
                }
            }
        }
        timer.resume()
        sweepTimer = timer
    }

    func stopSweeping() {
        sweepTimer?.cancel()
        sweepTimer = nil
    }
}

/// A value that may cross threads but is only ever touched on its loop (NIOLoopBound's idea).
package struct LoopBound<Value>: @unchecked Sendable {
    // @unchecked Sendable: `_value` is reachable only through `value`, which asserts we are on `loop`.
    package let loop: EventLoop
    private let _value: Value

    package init(_ value: Value, loop: EventLoop) {
        loop.assertInLoop()
        self.loop = loop
        self._value = value
    }

    package var value: Value {
        loop.assertInLoop()
        return _value
    }
}

/// CPUs this process may run on (sched_getaffinity), so `taskset -c 0` gives one loop.
package func availableCPUCount() -> Int {
    let count = Int(lw_available_cpus())
    return count > 0 ? count : max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
}

/// Monotonic clock in nanoseconds.
@inline(__always)
func monotonicNow() -> UInt64 {
    DispatchTime.now().uptimeNanoseconds
}

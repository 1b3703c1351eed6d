import Synchronization

/// A set of WebSocket connections spread over the event loops, and the broadcast primitive: a message is
/// prepared (encoded, and compressed per window size) once, and each loop is handed the same bytes to queue on
/// its own members. A slow receiver never stalls the others: a send never blocks, and above a receiver's
/// high-water mark the message's `OverflowPolicy` decides.
package final class BroadcastGroup: Sendable {
    private let loops: [EventLoop]
    private let tables: [MemberTable]
    private let members = Atomic<Int>(0)
    private let outcomes = OutcomeCounters()

    package init(loops: EventLoopGroup) {
        self.loops = loops.loops
        self.tables = loops.loops.map { _ in MemberTable() }
    }

    /// Members across all loops (exact once pending joins and leaves have run).
    package var count: Int { members.load(ordering: .relaxed) }

    /// Totals of what broadcasts did per receiver, for metrics and tests.
    package var deliveryCounts: (queued: Int, dropped: Int, closed: Int) { outcomes.snapshot() }

    /// Queues `message` on every member. Callable from any thread: members on the calling loop get it within
    /// the current tick (flushed as it ends); other loops get it as a tick of their own.
    package func broadcast(_ message: PreparedMessage, policy: OverflowPolicy) {
        for loop in loops {
            let table = tables[loop.index]
            loop.executeSoon { [outcomes] in
                loop.tick {
                    var queued = 0, dropped = 0, closed = 0
                    // Iterate over a copy: a send may close a member, which removes it from the table.
                    for connection in table.connections {
                        switch connection.sendPrepared(message, policy: policy) {
                        case .queued, .written: queued += 1
                        case .dropped: dropped += 1
                        case .closedConnection: closed += 1
                        }
                    }
                    outcomes.add(queued: queued, dropped: dropped, closed: closed)
                    if queued > 0 {
                        loop.traffic.sent(queued, bytes: message.payload.count)
                        loop.traffic.delivered(queued, policy: policy)
                    }
                }
            }
        }
    }

    // MARK: membership (on the member's loop)

    func insert(_ handle: WebSocketConnection, connection: Connection) -> Bool {
        connection.loop.assertInLoop()
        let table = tables[connection.loop.index]
        guard table.index[handle.id] == nil else { return false }
        table.index[handle.id] = table.connections.count
        table.connections.append(connection)
        members.add(1, ordering: .relaxed)
        return true
    }

    func remove(_ handle: WebSocketConnection) {
        handle.loop.assertInLoop()
        let table = tables[handle.loop.index]
        guard let slot = table.index.removeValue(forKey: handle.id) else { return }
        let last = table.connections.removeLast()
        if slot < table.connections.count {
            table.connections[slot] = last
            table.index[last.id] = slot
        }
        members.subtract(1, ordering: .relaxed)
    }
}

/// One loop's members of a group.
private final class MemberTable: @unchecked Sendable {
    // @unchecked Sendable: created once per loop and touched only on that loop (BroadcastGroup indexes tables by
    // loop and calls into them from `loop.tick` or after `assertInLoop`).
    var connections: ContiguousArray<Connection> = []
    var index: [UInt64: Int] = [:]
}

private final class OutcomeCounters: Sendable {
    private let queued = Atomic<Int>(0)
    private let dropped = Atomic<Int>(0)
    private let closed = Atomic<Int>(0)

    func add(queued: Int, dropped: Int, closed: Int) {
        if queued > 0 { self.queued.add(queued, ordering: .relaxed) }
        if dropped > 0 { self.dropped.add(dropped, ordering: .relaxed) }
        if closed > 0 { self.closed.add(closed, ordering: .relaxed) }
    }

    func snapshot() -> (queued: Int, dropped: Int, closed: Int) {
        (queued.load(ordering: .relaxed), dropped.load(ordering: .relaxed), closed.load(ordering: .relaxed))
    }
}

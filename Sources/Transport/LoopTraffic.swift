import Synchronization

/// What one event loop's WebSocket connections sent and received, for the metrics. Every counter is written only on
/// its loop (reads of frames, replies, broadcast ticks and prepared sends all run there), so an increment is a
/// relaxed load and store of a counter no other core writes: no locked instruction, no cache line bouncing between
/// loops. A scrape reads the loops' counters from another thread and adds them up (`EventLoopGroup.traffic`).
package final class LoopTraffic: Sendable {
    private let messagesIn = Atomic<Int>(0)
    private let messagesOut = Atomic<Int>(0)
    private let bytesIn = Atomic<Int>(0)
    private let bytesOut = Atomic<Int>(0)
    private let deliveredKeepNewest = Atomic<Int>(0)
    private let deliveredClose = Atomic<Int>(0)
    private let deliveredDrop = Atomic<Int>(0)
    private let replaced = Atomic<Int>(0)
    private let dropped = Atomic<Int>(0)
    private let closed = Atomic<Int>(0)
    /// Keeps the next allocation (another loop's counters, say) off the cache line these are written on.
    private let padding: InlineArray<8, Int> = InlineArray(repeating: 0)

    package init() {}

    /// One writer per counter (the loop): load and store instead of an atomic read-modify-write.
    @inline(__always)
    private static func bump(_ counter: borrowing Atomic<Int>, by amount: Int) {
        counter.store(counter.load(ordering: .relaxed) &+ amount, ordering: .relaxed)
    }

    /// A data message (text or binary) arrived; `bytes` is its payload, inflated.
    @inline(__always)
    func received(bytes: Int) {
        Self.bump(messagesIn, by: 1)
        Self.bump(bytesIn, by: bytes)
    }

    /// `count` data messages of `bytes` payload bytes each were queued for sending.
    @inline(__always)
    func sent(_ count: Int = 1, bytes: Int) {
        Self.bump(messagesOut, by: count)
        Self.bump(bytesOut, by: count &* bytes)
    }

    /// A broadcast queued its message for `count` members of this loop.
    @inline(__always)
    func delivered(_ count: Int, policy: OverflowPolicy) {
        switch policy {
        case .keepNewest: Self.bump(deliveredKeepNewest, by: count)
        case .close: Self.bump(deliveredClose, by: count)
        case .drop: Self.bump(deliveredDrop, by: count)
        }
    }

    /// A receiver above its high-water mark: what the message's policy did.
    func overflowed(_ policy: OverflowPolicy) {
        switch policy {
        case .keepNewest: Self.bump(replaced, by: 1)
        case .close: Self.bump(closed, by: 1)
        case .drop: Self.bump(dropped, by: 1)
        }
    }

    package var snapshot: WebSocketTraffic {
        WebSocketTraffic(
            messagesIn: messagesIn.load(ordering: .relaxed), messagesOut: messagesOut.load(ordering: .relaxed),
            payloadBytesIn: bytesIn.load(ordering: .relaxed), payloadBytesOut: bytesOut.load(ordering: .relaxed),
            deliveredKeepNewest: deliveredKeepNewest.load(ordering: .relaxed), deliveredClose: deliveredClose.load(ordering: .relaxed),
            deliveredDrop: deliveredDrop.load(ordering: .relaxed), overflowReplaced: replaced.load(ordering: .relaxed),
            overflowDropped: dropped.load(ordering: .relaxed), overflowClosed: closed.load(ordering: .relaxed))
    }
}

/// Totals of WebSocket traffic since start (`LoopTraffic`, added up over a group's loops).
package struct WebSocketTraffic: Sendable, Equatable {
    /// Data messages received, and their payload bytes (after permessage-deflate).
    package var messagesIn = 0
    /// Data messages queued for sending — replies, prepared messages and every receiver of a broadcast — and their
    /// payload bytes before compression. Control frames (ping, pong, close) are not counted.
    package var messagesOut = 0
    package var payloadBytesIn = 0
    package var payloadBytesOut = 0
    /// Broadcast deliveries (one per receiver the message was queued for), by the broadcast's overflow policy.
    package var deliveredKeepNewest = 0
    package var deliveredClose = 0
    package var deliveredDrop = 0
    /// Messages for a receiver above its send high-water mark: `keepNewest` replaced an older unsent message of the
    /// same topic, `drop` dropped the message, `close` closed the connection with 1008.
    package var overflowReplaced = 0
    package var overflowDropped = 0
    package var overflowClosed = 0

    package init() {}

    init(messagesIn: Int, messagesOut: Int, payloadBytesIn: Int, payloadBytesOut: Int, deliveredKeepNewest: Int,
         deliveredClose: Int, deliveredDrop: Int, overflowReplaced: Int, overflowDropped: Int, overflowClosed: Int) {
        self.messagesIn = messagesIn
        self.messagesOut = messagesOut
        self.payloadBytesIn = payloadBytesIn
        self.payloadBytesOut = payloadBytesOut
        self.deliveredKeepNewest = deliveredKeepNewest
        self.deliveredClose = deliveredClose
        self.deliveredDrop = deliveredDrop
        self.overflowReplaced = overflowReplaced
        self.overflowDropped = overflowDropped
        self.overflowClosed = overflowClosed
    }

    package static func + (lhs: WebSocketTraffic, rhs: WebSocketTraffic) -> WebSocketTraffic {
        WebSocketTraffic(
            messagesIn: lhs.messagesIn + rhs.messagesIn, messagesOut: lhs.messagesOut + rhs.messagesOut,
            payloadBytesIn: lhs.payloadBytesIn + rhs.payloadBytesIn, payloadBytesOut: lhs.payloadBytesOut + rhs.payloadBytesOut,
            deliveredKeepNewest: lhs.deliveredKeepNewest + rhs.deliveredKeepNewest, deliveredClose: lhs.deliveredClose + rhs.deliveredClose,
            deliveredDrop: lhs.deliveredDrop + rhs.deliveredDrop, overflowReplaced: lhs.overflowReplaced + rhs.overflowReplaced,
            overflowDropped: lhs.overflowDropped + rhs.overflowDropped, overflowClosed: lhs.overflowClosed + rhs.overflowClosed)
    }
}

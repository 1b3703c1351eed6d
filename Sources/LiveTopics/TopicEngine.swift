import Dispatch
import Synchronization
import Transport

/// Live topics, apart from what they carry: who watches what, sequence numbers, epochs, history, resume, and the
/// cadence that coalesces changes. The clients (the live tally, the direct line's threads and inboxes, the
/// moderation queue) say what a topic holds and render its messages; the engine decides when and to whom they go.
///
/// Two kinds of topic, because two kinds of thing are carried:
///
/// - **Coalesced** (`addCoalescedTopic`): a *state* — a tally, a queue's depth. A watcher needs the newest state,
///   not every step to it. Changes are marked (`changed`) and the cadence sends at most one delta per interval to
///   each watcher, numbered by `seq` per group and kept in a short history for resume; a congested watcher gets
///   the newest delta instead of a backlog (`keepNewest`). See `TopicEngine+Coalesced.swift`.
/// - **Ordered** (`watch`, `publish`): a *conversation* — entries of a thread, changes in an inbox. Every message
///   reaches every watcher once, in publication order, never coalesced or dropped; a watcher too far behind is
///   closed with 1008 and resumes from its last `seq`, which the client reads from the database (the numbers live
///   there, so a resume works across restarts). See `TopicEngine+Ordered.swift`.
///
/// **Phases** (coalesced topics). A topic's watchers are split into `phases` groups (by connection id), and the
/// cadence visits one group every `interval / phases`: each group still gets one delta per interval, but the
/// groups' deltas go out at staggered times — the last watcher is reached `interval + fan-out / phases` after a
/// change instead of `interval + fan-out`, and the work is spread evenly. Each group numbers its own deltas, and
/// the group is part of the **epoch** a client resumes with: an epoch names this run of the server and the group,
/// so a `since` from another run or group gets a snapshot instead of a wrong replay.
package final class TopicEngine: Sendable {
    package struct Configuration: Sendable {
        /// Smallest time between two deltas of a coalesced topic to one watcher.
        package var interval: Duration = .milliseconds(100)
        /// Groups a coalesced topic's watchers are split into, sent to at staggered times within the interval.
        package var phases: Int = 8
        /// Deltas kept per group for watchers that resume (64 × 100 ms: a reconnect within ~6 s replays).
        package var history: Int = 64
        /// How long a delta stays in the history at most. A quiet topic's 64 deltas would otherwise span hours and
        /// hold their memory for nobody: a page away longer than this gets a snapshot, which is as correct.
        package var historyMaxAge: Duration = .seconds(60)
        /// Output an ordered topic's watcher may have queued before it counts as too far behind: it is closed with
        /// 1008 and resumes by `seq`, so nothing is dropped silently.
        package var maxOrderedBacklogBytes: Int = 4 << 20
        package init() {}
    }

    package let configuration: Configuration
    /// One per phase group: names this run of the server and the group.
    package let epochs: [String]
    let loops: EventLoopGroup
    let coalesced: Mutex<CoalescedState>
    let ordered = Mutex(OrderedState())
    /// Ordered watchers closed with 1008 for being too far behind, since start.
    let closedBehind = Atomic<Int>(0)
    let queue = DispatchQueue(label: "lastword.topics", qos: .userInitiated)
    /// Ticks every interval / phases while changes flow. DispatchSourceTimer is thread-safe; it is created and
    /// resumed once here and rescheduled only under `coalesced`'s lock.
    nonisolated(unsafe) let cadence: DispatchSourceTimer
    /// Drops deltas older than `historyMaxAge` from every group, also from topics that no longer change.
    nonisolated(unsafe) let historySweep: DispatchSourceTimer

    package init(loops: EventLoopGroup, configuration: Configuration = Configuration()) {
        precondition(configuration.phases >= 1, "live.phases must be at least 1")
        precondition(configuration.interval > .zero, "live.intervalMs must be above 0")
        precondition(configuration.historyMaxAge > .zero, "live.historyMaxSeconds must be above 0")
        self.loops = loops
        self.configuration = configuration
        var generator = SystemRandomNumberGenerator()
        let hex = String(generator.next() as UInt64, radix: 16)
        let run = String(repeating: "0", count: 16 - hex.count) + hex
        epochs = (0..<configuration.phases).map { "\(run)-\($0)" }
        coalesced = Mutex(CoalescedState())
        cadence = DispatchSource.makeTimerSource(queue: queue)
        historySweep = DispatchSource.makeTimerSource(queue: queue)
        cadence.setEventHandler { [weak self] in self?.tick() }
        cadence.schedule(deadline: .distantFuture)
        cadence.resume()
        historySweep.setEventHandler { [weak self] in self?.sweepHistory() }
        let sweepEvery = Self.nanoseconds(configuration.historyMaxAge) / 2
        historySweep.schedule(deadline: .now() + .nanoseconds(sweepEvery), repeating: .nanoseconds(sweepEvery),
                              leeway: .nanoseconds(sweepEvery / 10))
        historySweep.resume()
    }

    deinit {
        cadence.cancel()
        historySweep.cancel()
    }

    /// Watchers closed with 1008 because their backlog passed `maxOrderedBacklogBytes`, since start.
    package var closedBehindCount: Int { closedBehind.load(ordering: .relaxed) }

    /// Watchers now by topic family — the part of the topic's name before its first ":" (`campaign`, `thread`), or
    /// the whole name — counting each coalesced subscription and each ordered watch once. For the metrics: a scrape
    /// holds each table's lock for one pass over it.
    package func watchersByFamily() -> [String: Int] {
        func family(_ name: String) -> String {
            name.firstIndex(of: ":").map { String(name[..<$0]) } ?? name
        }
        var counts: [String: Int] = [:]
        coalesced.withLock { state in
            for (key, count) in state.watchers where count > 0 { counts[family(key), default: 0] += count }
        }
        ordered.withLock { state in
            for watches in state.byConnection.values {
                for name in watches.keys { counts[family(name), default: 0] += 1 }
            }
        }
        return counts
    }

    /// Everything a connection watches, coalesced and ordered, ends (on its loop, as it closes).
    package func connectionClosed(_ connection: WebSocketConnection, coalescedTopics: some Sequence<String>) {
        for key in coalescedTopics { unsubscribe(connection, from: key) }
        unwatchAll(connection)
    }
}

/// Why a subscription was refused.
package enum TopicError: Error, Equatable {
    case unknownTopic
}

/// The sequence number and epoch a coalesced topic's message carries.
package struct TopicStamp: Sendable, Equatable {
    package var seq: UInt64
    package var epoch: String

    package init(seq: UInt64, epoch: String) {
        self.seq = seq
        self.epoch = epoch
    }
}

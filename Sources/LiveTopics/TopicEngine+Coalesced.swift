import Dispatch
import Transport

/// One group of a coalesced topic's watchers, with its own sequence of deltas.
struct PhaseGroup {
    let group: BroadcastGroup
    var seq: UInt64 = 0
    var changed = false
    /// Parts marked changed since this group's last delta.
    var parts: Set<String> = []
    var history: [(seq: UInt64, at: ContinuousClock.Instant, message: PreparedMessage)] = []

    /// Drops deltas made before `oldest`; an emptied history gives its storage back.
    mutating func dropHistory(before oldest: ContinuousClock.Instant) {
        guard let first = history.first, first.at < oldest else { return }
        let kept = history.firstIndex { $0.at >= oldest } ?? history.count
        if kept == history.count { history = [] } else { history.removeFirst(kept) }
    }
}

struct CoalescedTopic {
    let key: String
    let content: any CoalescedContent
    /// Identifies the topic's messages in a congested connection's queue (`keepNewest`).
    let number: UInt64
    let parent: TopicPart?
    var phases: [PhaseGroup]

    mutating func markChanged(part: String?) {
        for index in phases.indices {
            phases[index].changed = true
            if let part { phases[index].parts.insert(part) }
        }
    }
}

struct CoalescedState {
    var topics: [String: CoalescedTopic] = [:]
    var nextNumber: UInt64 = 1
    /// The cadence timer is running: it visits one phase per tick until a whole round finds nothing to send.
    var cadenceRunning = false
    /// Ticks done since the cadence started, and when it started: the ticks due by now are `elapsed / period`.
    var tick = 0
    var cadenceStart = ContinuousClock.now
    var idleTicks = 0
    /// Watchers per topic, apart from the topics so that contents can read them while a topic is being changed.
    var watchers: [String: Int] = [:]
}

/// Coalesced topics: a state, sent as a snapshot and then at most one delta per interval (see `TopicEngine`).
extension TopicEngine {
    /// Adds a topic; false if `key` exists already (it keeps its content).
    @discardableResult
    package func addCoalescedTopic(_ key: String, content: any CoalescedContent, parent: TopicPart? = nil) -> Bool {
        coalesced.withLock { state in
            guard state.topics[key] == nil else { return false }
            defer { state.nextNumber += 1 }
            state.topics[key] = CoalescedTopic(key: key, content: content, number: state.nextNumber, parent: parent,
                                               phases: (0..<configuration.phases).map { _ in PhaseGroup(group: BroadcastGroup(loops: loops)) })
            return true
        }
    }

    package func hasCoalescedTopic(_ key: String) -> Bool {
        coalesced.withLock { $0.topics[key] != nil }
    }

    /// Watchers of a coalesced topic now.
    package func watchers(_ key: String) -> Int {
        coalesced.withLock { $0.watchers[key] ?? 0 }
    }

    /// Marks topics changed (a part of each, or the whole when `part` is nil); each group gets a delta at its next
    /// turn. Unknown keys are ignored.
    package func changed(_ keys: some Sequence<String>, part: String? = nil) {
        coalesced.withLock { state in
            var any = false
            for key in keys where state.topics[key] != nil {
                state.topics[key]!.markChanged(part: part)
                any = true
            }
            if any { startCadence(&state) }
        }
    }

    package func changed(_ key: String, part: String? = nil) {
        changed(CollectionOfOne(key), part: part)
    }

    // MARK: subscriptions (on the subscriber's loop)

    func phase(of connection: WebSocketConnection) -> Int {
        Int(connection.id % UInt64(configuration.phases))
    }

    /// Subscribes `connection` and sends what it needs: nothing if `since` is current, the missed deltas if its
    /// group still keeps them, else a snapshot. `since` counts only with the epoch of this run and group. A resume
    /// on a topic the connection already watches (`alreadyWatching`) leaves the watcher count alone.
    /// Returns the sequence number of the connection's group after the call.
    @discardableResult
    package func subscribe(_ connection: WebSocketConnection, to key: String, since requested: UInt64?, epoch: String?,
                           alreadyWatching: Bool = false) throws(TopicError) -> UInt64 {
        let phase = phase(of: connection)
        let since = epoch == epochs[phase] ? requested : nil
        enum Reply { case upToDate(UInt64), replay(UInt64, [PreparedMessage]), snapshot(UInt64, [UInt8]) }
        let reply: Reply? = coalesced.withLock { state -> Reply? in
            guard var topic = state.topics[key] else { return nil }
            let oldest = ContinuousClock.now - configuration.historyMaxAge
            if let first = topic.phases[phase].history.first, first.at < oldest {
                topic.phases[phase].dropHistory(before: oldest)
                state.topics[key] = topic
            }
            if !alreadyWatching {
                connection.join(topic.phases[phase].group)
                state.watchers[key, default: 0] += 1
                topic.markChanged(part: nil)
                state.topics[key] = topic
                watchersChanged(topic, in: &state)
                startCadence(&state)
            }
            let group = topic.phases[phase]
            if let since, since == group.seq { return .upToDate(group.seq) }
            if let since, since < group.seq, let first = group.history.first, first.seq <= since + 1 {
                return .replay(group.seq, group.history.filter { $0.seq > since }.map(\.message))
            }
            let stamp = TopicStamp(seq: group.seq, epoch: epochs[phase])
            let bytes = topic.content.snapshot(of: key, phase: phase, stamp: stamp, watchers: TopicWatchers(state.watchers))
            return .snapshot(group.seq, bytes)
        }
        switch reply {
        case nil:
            throw .unknownTopic
        case .upToDate(let seq):
            return seq
        case .replay(let seq, let messages):
            for message in messages { connection.send(message, policy: .close) }
            return seq
        case .snapshot(let seq, let bytes):
            connection.send(PreparedMessage(opcode: .text, payload: bytes), policy: .close)
            return seq
        }
    }

    /// Unsubscribes (on the connection's loop).
    package func unsubscribe(_ connection: WebSocketConnection, from key: String) {
        let phase = phase(of: connection)
        coalesced.withLock { state in
            guard var topic = state.topics[key] else { return }
            connection.leave(topic.phases[phase].group)
            state.watchers[key] = max(0, (state.watchers[key] ?? 0) - 1)
            topic.markChanged(part: nil)
            state.topics[key] = topic
            watchersChanged(topic, in: &state)
            startCadence(&state)
        }
    }

    /// A topic's watcher count is a part of its parent.
    private func watchersChanged(_ topic: CoalescedTopic, in state: inout CoalescedState) {
        if let parent = topic.parent { state.topics[parent.topic]?.markChanged(part: parent.part) }
    }

    // MARK: the cadence

    /// Starts the cadence if it is parked; its first tick is now, so the first change after a quiet round goes out
    /// at once (to the group whose turn it is; the others within the interval).
    private func startCadence(_ state: inout CoalescedState) {
        guard !state.cadenceRunning else { return }
        state.cadenceRunning = true
        state.idleTicks = 0
        state.tick = 0
        state.cadenceStart = .now
        cadence.schedule(deadline: .now(), repeating: .nanoseconds(period), leeway: .milliseconds(1))
    }

    /// Time between two ticks: the interval shared out among the groups.
    private var period: Int { Self.nanoseconds(configuration.interval) / configuration.phases }

    static func nanoseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
    }

    /// A timer event: runs every tick due by now. A late timer (the core was busy) fires once for several periods;
    /// running each missed tick keeps every group on its turn instead of skipping it for a whole round.
    func tick() {
        let deltas: [(BroadcastGroup, UInt64, PreparedMessage)] = coalesced.withLock { state in
            let elapsed = Self.nanoseconds(state.cadenceStart.duration(to: .now))
            let due = elapsed / period + 1
            var out: [(BroadcastGroup, UInt64, PreparedMessage)] = []
            // After a long stall, one visit to each group is enough: they all send their newest state.
            let first = max(state.tick, due - configuration.phases)
            for tick in first..<max(first, due) {
                sendDeltas(phase: tick % configuration.phases, in: &state, to: &out)
            }
            state.tick = max(state.tick, due)
            if out.isEmpty {
                state.idleTicks += 1
                if state.idleTicks >= configuration.phases {
                    // A whole quiet round: park the cadence until the next change.
                    state.cadenceRunning = false
                    cadence.schedule(deadline: .distantFuture)
                }
            } else {
                state.idleTicks = 0
            }
            return out
        }
        for (group, number, message) in deltas {
            group.broadcast(message, policy: .keepNewest(topic: number))
        }
    }

    /// Numbers, renders and records a delta for every topic whose group `phase` has changes — under the lock, so a
    /// client resuming from the seq just before finds it in the history; the caller broadcasts them outside it.
    private func sendDeltas(phase: Int, in state: inout CoalescedState, to out: inout [(BroadcastGroup, UInt64, PreparedMessage)]) {
        for key in Array(state.topics.keys) where state.topics[key]!.phases[phase].changed {
            var topic = state.topics[key]!
            var group = topic.phases[phase]
            let stamp = TopicStamp(seq: group.seq + 1, epoch: epochs[phase])
            let rendered = topic.content.delta(of: key, phase: phase, stamp: stamp, parts: group.parts, watchers: TopicWatchers(state.watchers))
            group.changed = false
            group.parts = []
            if let rendered {
                let message = PreparedMessage(opcode: .text, payload: rendered)
                let now = ContinuousClock.now
                group.seq = stamp.seq
                group.dropHistory(before: now - configuration.historyMaxAge)
                group.history.append((group.seq, now, message))
                if group.history.count > configuration.history {
                    group.history.removeFirst(group.history.count - configuration.history)
                }
                out.append((group.group, topic.number, message))
            }
            topic.phases[phase] = group
            state.topics[key] = topic
        }
    }

    /// The history sweep's timer event: every group's deltas older than `historyMaxAge` go.
    func sweepHistory() {
        let oldest = ContinuousClock.now - configuration.historyMaxAge
        coalesced.withLock { state in
            for key in Array(state.topics.keys) {
                let stale = state.topics[key]!.phases.contains { $0.history.first.map { $0.at < oldest } ?? false }
                guard stale else { continue }
                var topic = state.topics[key]!
                for index in topic.phases.indices { topic.phases[index].dropHistory(before: oldest) }
                state.topics[key] = topic
            }
        }
    }

    /// Deltas a topic's groups keep for resumes now, all groups together.
    package func historyCount(_ key: String) -> Int {
        coalesced.withLock { state in state.topics[key]?.phases.reduce(0) { $0 + $1.history.count } ?? 0 }
    }
}

import Dispatch
import Domain
import Synchronization
import Transport
import WebSocket

/// The live board: tallies in memory, and the topics clients watch — `campaign:<id>` (every project of a campaign,
/// the campaign's totals and watchers) and `project:<slug>` (one project).
///
/// A subscriber gets a snapshot carrying a sequence number, then deltas. Changes are coalesced: a subscriber gets at
/// most one delta per interval, encoded once for everyone who gets the same one and broadcast with `keepNewest` — a
/// congested subscriber gets the newest delta instead of a backlog, sees the gap in the sequence numbers and asks to
/// resume. A client that reconnects sends its last sequence number and epoch and gets the deltas it missed, if they
/// are still kept, or a fresh snapshot.
///
/// **Phases.** A topic's subscribers are split into `phases` groups (by connection id), and the cadence visits one
/// group every `interval / phases`: each group still gets one delta per interval, but the groups' deltas go out at
/// staggered times. A change waits at most one interval for every group to see it, and each send reaches only a
/// fraction of the watchers — so the last watcher is reached `interval + fan-out / phases` after a change instead of
/// `interval + fan-out`, and the server's work is spread evenly instead of arriving in one burst per interval.
/// Each group numbers its own deltas; the group is part of the epoch a client resumes with.
package final class LiveTally: Sendable {
    package struct Configuration: Sendable {
        /// Smallest time between two deltas to one subscriber.
        package var interval: Duration = .milliseconds(100)
        /// Groups a topic's subscribers are split into, sent to at staggered times within the interval.
        package var phases: Int = 8
        /// Deltas kept per group for clients that resume (64 × 100 ms: a reconnect within ~6 s replays).
        package var history: Int = 64
        /// Put the count of applied writes into acknowledgements and updates (`applied`), so a benchmark can tell when
        /// a rating's effect reached every watcher.
        package var includeAppliedCount: Bool = false
        package init() {}
    }

    /// One group of a topic's subscribers, with its own sequence of deltas.
    private struct Phase {
        let group: BroadcastGroup
        var seq: UInt64 = 0
        /// Campaign topics: the projects whose entry changed since this group's last delta.
        var dirtyProjects: Set<String> = []
        var dirty = false
        var history: [(seq: UInt64, message: PreparedMessage)] = []
        /// What this group's deltas have said so far, so the next says only what changed (a delta is half the size
        /// of the whole entries, and at 10,000 watchers the bytes on the wire are much of the cost).
        var said = Said()
    }

    /// The fields of a topic as a group's last delta left them.
    private struct Said {
        var totals: Totals?
        var projects: [String: TallyBody] = [:]
    }

    private struct Totals: Equatable {
        var state: CampaignState
        var watchers: Int
        var participants: Int
        var ratings: Int
        var likes: Int
    }

    private struct Topic {
        enum Kind { case campaign(String), project(campaign: String, slug: String) }
        let key: String
        let kind: Kind
        /// Identifies the topic's messages in a congested connection's queue (`keepNewest`).
        let number: UInt64
        var phases: [Phase]
        var watchers = 0

        mutating func markDirty(project slug: String? = nil) {
            for index in phases.indices {
                phases[index].dirty = true
                if let slug { phases[index].dirtyProjects.insert(slug) }
            }
        }
    }

    private struct State {
        var board: TallyBoard
        var topics: [String: Topic] = [:]
        var states: [String: CampaignState] = [:]
        /// Writes applied so far (the `applied` marker).
        var applied: UInt64 = 0
        /// Topic keys by campaign id and by project slug, made once per campaign and project (the hot path looks
        /// them up per rating); they grow when an import adds a campaign or project.
        var campaignTopicKeys: [String: String] = [:]
        var projectTopicKeys: [String: String] = [:]
        /// Numbers the next new topic.
        var nextTopicNumber: UInt64 = 1
        /// The cadence timer is running: it visits one phase per tick until a whole round finds nothing to send.
        var cadenceRunning = false
        /// Ticks done since the cadence started, and when it started: the ticks due by now are `elapsed / period`.
        var tick = 0
        var cadenceStart = ContinuousClock.now
        var idleTicks = 0
    }

    private let catalog: CampaignDirectory
    private let time: any TimeSource
    private let configuration: Configuration
    private let loops: EventLoopGroup
    /// Names this run of the server and each phase group: sequence numbers restart at every start and differ between
    /// groups, so a client resuming with a number from another run or group gets a snapshot.
    package let epochs: [String]
    private let state: Mutex<State>
    private let queue = DispatchQueue(label: "lastword.live", qos: .userInitiated)
    private let running = Atomic<Bool>(false)
    /// Ticks every interval / phases while changes flow, so each group is sent to at a steady rate (no drift from the
    /// time a send takes) and at most once per interval. DispatchSourceTimer is thread-safe; created and resumed once.
    nonisolated(unsafe) private let cadence: DispatchSourceTimer

    package init(board: TallyBoard, catalog: CampaignDirectory, loops: EventLoopGroup, time: any TimeSource = SystemTimeSource(),
                 configuration: Configuration) {
        precondition(configuration.phases >= 1, "live.phases must be at least 1")
        self.catalog = catalog
        self.time = time
        self.configuration = configuration
        self.loops = loops
        var generator = SystemRandomNumberGenerator()
        let hex = String(generator.next() as UInt64, radix: 16)
        let run = String(repeating: "0", count: 16 - hex.count) + hex
        epochs = (0..<configuration.phases).map { "\(run)-\($0)" }
        var initial = State(board: board)
        Self.addTopics(for: catalog.campaigns, to: &initial, phases: configuration.phases, loops: loops, now: time.now())
        state = Mutex(initial)
        cadence = DispatchSource.makeTimerSource(queue: queue)
        cadence.setEventHandler { [weak self] in self?.tick() }
        cadence.schedule(deadline: .distantFuture)
        cadence.resume()
        // What every group has been told so far is the state at start: the first delta says only what changed since.
        state.withLock { state in
            for key in Array(state.topics.keys) { recordSaid(key, in: &state) }
        }
    }

    /// Sets what every group of topic `key` has been told to the topic's whole present state.
    private func recordSaid(_ key: String, in state: inout State) {
        for phase in 0..<configuration.phases {
            let whole = snapshot(of: state.topics[key]!, phase: phase, in: state)
            state.topics[key]!.phases[phase].said.totals = whole.totals
            for (slug, entry) in whole.projects { state.topics[key]!.phases[phase].said.projects[slug] = entry }
        }
    }

    /// Topics for the campaigns and projects that have none yet; returns the keys made.
    @discardableResult
    private static func addTopics(for campaigns: [CampaignDefinition], to state: inout State, phases: Int, loops: EventLoopGroup,
                                  now: Int64) -> [String] {
        var made: [String] = []
        func makeTopic(_ key: String, _ kind: Topic.Kind, in state: inout State) {
            defer { state.nextTopicNumber += 1 }
            state.topics[key] = Topic(key: key, kind: kind, number: state.nextTopicNumber,
                                      phases: (0..<phases).map { _ in Phase(group: BroadcastGroup(loops: loops)) })
            made.append(key)
        }
        for campaign in campaigns {
            let key = "campaign:" + campaign.id
            if state.campaignTopicKeys[campaign.id] == nil {
                state.campaignTopicKeys[campaign.id] = key
                makeTopic(key, .campaign(campaign.id), in: &state)
                state.states[campaign.id] = campaign.state(at: now)
            }
            for project in campaign.projects where state.projectTopicKeys[project.slug] == nil {
                let key = "project:" + project.slug
                state.projectTopicKeys[project.slug] = key
                makeTopic(key, .project(campaign: campaign.id, slug: project.slug), in: &state)
            }
        }
        return made
    }

    /// After `catalog` changed (an import): topics for new campaigns and projects, and every campaign's watchers
    /// told of its new projects at the next delta. Window changes are published by the once-a-second state check.
    package func catalogChanged() {
        let campaigns = catalog.campaigns
        state.withLock { state in
            let made = Self.addTopics(for: campaigns, to: &state, phases: configuration.phases, loops: loops, now: time.now())
            for key in made { recordSaid(key, in: &state) }
            for campaign in campaigns {
                guard let key = state.campaignTopicKeys[campaign.id] else { continue }
                for project in campaign.projects where made.contains("project:" + project.slug) {
                    state.topics[key]?.markDirty(project: project.slug)
                }
            }
            startCadence(&state)
        }
    }

    deinit {
        cadence.cancel()
    }

    /// Starts the once-a-second check that publishes a campaign's opening and closing.
    package func start() {
        running.store(true, ordering: .relaxed)
        scheduleStateCheck()
    }

    package func stop() {
        running.store(false, ordering: .relaxed)
    }

    private func scheduleStateCheck() {
        queue.asyncAfter(deadline: .now() + 1) { [weak self] in
            guard let self, self.running.load(ordering: .relaxed) else { return }
            self.checkCampaignStates()
            self.scheduleStateCheck()
        }
    }

    // MARK: changes

    /// Applies a committed change (from the writer) and schedules its deltas. Returns the count of writes applied so
    /// far, this one included (the `applied` marker of its acknowledgement).
    @discardableResult
    package func apply(_ change: TallyChange) -> UInt64 {
        state.withLock { state in
            state.board.apply(change)
            state.applied += 1
            if let key = state.campaignTopicKeys[change.campaignID] { state.topics[key]?.markDirty(project: change.projectSlug) }
            if let key = state.projectTopicKeys[change.projectSlug] { state.topics[key]?.markDirty() }
            startCadence(&state)
            return state.applied
        }
    }

    /// Whether acknowledgements carry the `applied` marker.
    package var includesAppliedCount: Bool { configuration.includeAppliedCount }

    /// The current tally of one project.
    package func projectTally(_ slug: String) -> ProjectTally? {
        guard let (campaign, _) = catalog.project(slug) else { return nil }
        return state.withLock { $0.board.campaigns[campaign.id]?.projects[slug] ?? .empty }
    }

    package func campaignTally(_ id: String) -> CampaignTally? {
        state.withLock { $0.board.campaigns[id] }
    }

    package func watchers(_ topic: String) -> Int {
        state.withLock { $0.topics[topic]?.watchers ?? 0 }
    }

    // MARK: subscriptions (on the subscriber's loop)

    package enum SubscribeError: Error { case unknownTopic }

    private func phase(of connection: WebSocketConnection) -> Int {
        Int(connection.id % UInt64(configuration.phases))
    }

    /// Subscribes `connection` and sends what it needs: nothing if `since` is current, the missed deltas if its group
    /// still keeps them, else a snapshot. `since` counts only with the epoch of this run and group. A resume on a topic
    /// the connection already watches (`alreadyWatching`) leaves the watcher count alone.
    /// Returns the sequence number of the connection's group after the call.
    @discardableResult
    package func subscribe(_ connection: WebSocketConnection, topic key: String, since requested: UInt64?, epoch: String?,
                           alreadyWatching: Bool = false) throws(SubscribeError) -> UInt64 {
        let phase = phase(of: connection)
        let since = epoch == epochs[phase] ? requested : nil
        enum Reply { case upToDate(UInt64), replay(UInt64, [PreparedMessage]), snapshot(UInt64, Snapshot) }
        let reply: Reply? = state.withLock { state -> Reply? in
            guard var topic = state.topics[key] else { return nil }
            if !alreadyWatching {
                connection.join(topic.phases[phase].group)
                topic.watchers += 1
                topic.markDirty()
                markWatchersChanged(topic, in: &state)
                startCadence(&state)
            }
            let group = topic.phases[phase]
            let reply: Reply
            if let since, since == group.seq {
                reply = .upToDate(group.seq)
            } else if let since, since < group.seq, let first = group.history.first, first.seq <= since + 1 {
                reply = .replay(group.seq, group.history.filter { $0.seq > since }.map(\.message))
            } else {
                reply = .snapshot(group.seq, snapshot(of: topic, phase: phase, in: state))
            }
            state.topics[key] = topic
            return reply
        }
        switch reply {
        case nil:
            throw .unknownTopic
        case .upToDate(let seq):
            return seq
        case .replay(let seq, let messages):
            for message in messages { connection.send(message, policy: .close) }
            return seq
        case .snapshot(let seq, let snapshot):
            connection.send(PreparedMessage(opcode: .text, payload: encode(snapshot, type: "snapshot")), policy: .close)
            return seq
        }
    }

    /// Unsubscribes (on the connection's loop); also used for every topic of a closing connection.
    package func unsubscribe(_ connection: WebSocketConnection, topic key: String) {
        let phase = phase(of: connection)
        state.withLock { state in
            guard var topic = state.topics[key] else { return }
            connection.leave(topic.phases[phase].group)
            topic.watchers = max(0, topic.watchers - 1)
            topic.markDirty()
            markWatchersChanged(topic, in: &state)
            state.topics[key] = topic
            startCadence(&state)
        }
    }

    /// A project's watcher count is also part of its campaign's board.
    private func markWatchersChanged(_ topic: Topic, in state: inout State) {
        if case .project(let campaign, let slug) = topic.kind, let key = state.campaignTopicKeys[campaign] {
            state.topics[key]?.markDirty(project: slug)
        }
    }

    // MARK: publishing

    /// Starts the cadence if it is parked; its first tick is now, so the first change after a quiet round goes out
    /// at once (to the group whose turn it is; the others within the interval).
    private func startCadence(_ state: inout State) {
        guard !state.cadenceRunning else { return }
        state.cadenceRunning = true
        state.idleTicks = 0
        state.tick = 0
        state.cadenceStart = .now
        cadence.schedule(deadline: .now(), repeating: .nanoseconds(period), leeway: .milliseconds(1))
    }

    /// Time between two ticks: the interval shared out among the groups.
    private var period: Int { Self.nanoseconds(configuration.interval) / configuration.phases }

    private static func nanoseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
    }

    /// A timer event: runs every tick due by now. A late timer (the core was busy) fires once for several periods;
    /// running each missed tick keeps every group on its turn instead of skipping it for a whole round.
    private func tick() {
        let deltas: [(BroadcastGroup, UInt64, PreparedMessage)] = state.withLock { state in
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

    /// Numbers, encodes and records a delta for every topic whose group `phase` has changes — under the lock, so a
    /// client resuming from the seq just before finds it in the history; the caller broadcasts them outside it.
    private func sendDeltas(phase: Int, in state: inout State, to out: inout [(BroadcastGroup, UInt64, PreparedMessage)]) {
            for key in Array(state.topics.keys) where state.topics[key]!.phases[phase].dirty {
                var topic = state.topics[key]!
                topic.phases[phase].seq += 1
                let whole = snapshot(of: topic, phase: phase, in: state, delta: true)
                let message = PreparedMessage(opcode: .text, payload: encode(whole, type: "delta", since: topic.phases[phase].said))
                topic.phases[phase].said.totals = whole.totals
                for (slug, entry) in whole.projects { topic.phases[phase].said.projects[slug] = entry }
                topic.phases[phase].history.append((topic.phases[phase].seq, message))
                if topic.phases[phase].history.count > configuration.history {
                    topic.phases[phase].history.removeFirst(topic.phases[phase].history.count - configuration.history)
                }
                topic.phases[phase].dirty = false
                topic.phases[phase].dirtyProjects = []
                out.append((topic.phases[phase].group, topic.number, message))
                state.topics[key] = topic
            }
    }

    private func checkCampaignStates() {
        let now = time.now()
        state.withLock { state in
            for campaign in catalog.campaigns {
                let current = campaign.state(at: now)
                if state.states[campaign.id] != current {
                    state.states[campaign.id] = current
                    if let key = state.campaignTopicKeys[campaign.id] { state.topics[key]?.markDirty() }
                    for project in campaign.projects {
                        if let key = state.projectTopicKeys[project.slug] { state.topics[key]?.markDirty() }
                    }
                    startCadence(&state)
                }
            }
        }
    }

    // MARK: encoding

    private struct Snapshot {
        var topic: String
        var seq: UInt64
        var epoch: String
        var kind: Topic.Kind
        var totals: Totals
        var projects: [(String, TallyBody)]
        var applied: UInt64?
    }

    /// A group's view of the topic: whole (a snapshot), or for a delta of a campaign only the projects that changed
    /// since the group's last delta.
    private func snapshot(of topic: Topic, phase: Int, in state: State, delta: Bool = false) -> Snapshot {
        let group = topic.phases[phase]
        let applied = configuration.includeAppliedCount ? state.applied : nil
        switch topic.kind {
        case .campaign(let id):
            let tally = state.board.campaigns[id]
            let changed: Set<String>? = delta ? group.dirtyProjects : nil
            let projects = (catalog.campaign(id)?.projects ?? []).compactMap { project -> (String, TallyBody)? in
                if let changed, !changed.contains(project.slug) { return nil }
                return (project.slug, TallyBody(tally?.projects[project.slug] ?? .empty,
                                                watchers: state.projectTopicKeys[project.slug].flatMap { state.topics[$0]?.watchers } ?? 0))
            }
            let totals = Totals(state: state.states[id] ?? .closed, watchers: topic.watchers, participants: tally?.participants ?? 0,
                                ratings: tally?.ratings ?? 0, likes: tally?.likes ?? 0)
            return Snapshot(topic: topic.key, seq: group.seq, epoch: epochs[phase], kind: topic.kind, totals: totals,
                            projects: projects, applied: applied)
        case .project(let campaign, let slug):
            let tally = state.board.campaigns[campaign]?.projects[slug] ?? .empty
            let totals = Totals(state: state.states[campaign] ?? .closed, watchers: topic.watchers, participants: tally.participants,
                                ratings: tally.participants, likes: tally.likes)
            return Snapshot(topic: topic.key, seq: group.seq, epoch: epochs[phase], kind: topic.kind, totals: totals,
                            projects: [(slug, TallyBody(tally, watchers: topic.watchers))], applied: applied)
        }
    }

    /// `{"type":"snapshot"|"delta","topic":…,"seq":…,"epoch":…,"data":{…}}` — see docs/PROTOCOL.md. A snapshot has
    /// every field; a delta (`since` what its group was last told) only the fields that changed.
    private func encode(_ snapshot: Snapshot, type: String, since said: Said? = nil) -> [UInt8] {
        var json = JSONWriter(capacity: 128 + snapshot.projects.count * 120)
        json.beginObject()
        json.field("type", type)
        json.field("topic", snapshot.topic)
        json.field("seq", snapshot.seq)
        json.field("epoch", snapshot.epoch)
        json.key("data")
        json.beginObject()
        let totals = snapshot.totals
        let before = said?.totals
        if before?.state != totals.state { json.field("state", totals.state.rawValue) }
        if before?.watchers != totals.watchers { json.field("watchers", totals.watchers) }
        switch snapshot.kind {
        case .campaign(let id):
            if said == nil { json.field("campaign", id) }
            if before?.participants != totals.participants { json.field("participants", totals.participants) }
            if before?.ratings != totals.ratings { json.field("ratings", totals.ratings) }
            if before?.likes != totals.likes { json.field("likes", totals.likes) }
            json.key("projects")
            json.beginObject()
            for (slug, entry) in snapshot.projects {
                let old = said?.projects[slug]
                if old == entry { continue }
                json.key(slug)
                Self.write(entry, since: old, into: &json)
            }
            json.endObject()
        case .project(let campaign, let slug):
            if said == nil {
                json.field("campaign", campaign)
                json.field("project", slug)
            }
            json.key("tally")
            Self.write(snapshot.projects[0].1, since: said?.projects[slug], into: &json)
        }
        json.endObject()
        if let applied = snapshot.applied { json.field("applied", applied) }
        json.endObject()
        return json.bytes
    }

    /// A project's fields; with `old`, only those that differ from it.
    private static func write(_ entry: TallyBody, since old: TallyBody?, into json: inout JSONWriter) {
        json.beginObject()
        if old?.participants != entry.participants { json.field("participants", entry.participants) }
        if old?.counts != entry.counts {
            json.key("counts")
            json.beginArray()
            for count in entry.counts { json.int(count) }
            json.endArray()
        }
        if old == nil || old!.average != entry.average {
            json.key("average")
            json.decimal(entry.average)
        }
        if old?.likes != entry.likes { json.field("likes", entry.likes) }
        if old?.suggestions != entry.suggestions { json.field("suggestions", entry.suggestions) }
        if old?.watchers != entry.watchers { json.field("watchers", entry.watchers) }
        json.endObject()
    }
}

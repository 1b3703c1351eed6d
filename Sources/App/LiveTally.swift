import Dispatch
import Domain
import Synchronization
import Transport
import WebSocket

/// The live board: tallies in memory, and the topics clients watch — `campaign:<id>` (every project of a campaign,
/// the campaign's totals and watchers) and `project:<slug>` (one project).
///
/// A subscriber gets a snapshot carrying the topic's sequence number, then deltas. Changes are coalesced: a topic
/// sends at most one delta per interval (the first change after a quiet interval goes out at once), encoded once
/// and broadcast with `keepNewest` — a congested subscriber gets the newest delta instead of a backlog, sees the gap
/// in the sequence numbers and asks to resume. A client that reconnects sends its last sequence number and gets the
/// deltas it missed, if they are still in the topic's history, or a fresh snapshot.
package final class LiveTally: Sendable {
    package struct Configuration: Sendable {
        /// Smallest time between two deltas of one topic.
        package var interval: Duration = .milliseconds(100)
        /// Deltas kept per topic for clients that resume (64 × 100 ms: a reconnect within ~6 s replays).
        package var history: Int = 64
        /// Copy the client id of the latest action into deltas (`ref`), so benchmarks can time a rating's effect.
        package var includeReferences: Bool = false
        package init() {}
    }

    private struct Topic {
        enum Kind { case campaign(String), project(campaign: String, slug: String) }
        let key: String
        let kind: Kind
        let number: UInt64
        let group: BroadcastGroup
        var seq: UInt64 = 0
        var watchers = 0
        /// Campaign topics: the projects whose entry changed, and whether the totals did.
        var dirtyProjects: Set<String> = []
        var dirty = false
        /// With `includeReferences`: the client id of the earliest action the next delta is the first to reflect.
        var pendingReference: String?
        var history: [(seq: UInt64, message: PreparedMessage)] = []
    }

    private struct State {
        var board: TallyBoard
        var topics: [String: Topic] = [:]
        var states: [String: CampaignState] = [:]
        /// The cadence timer is running: it flushes every interval until a tick finds nothing to send.
        var cadenceRunning = false
        var lastFlush = ContinuousClock.now - .seconds(3600)
    }

    private let catalog: CampaignCatalog
    private let configuration: Configuration
    /// Topic keys by campaign id and by project slug, made once (the hot path looks them up per rating).
    private let campaignTopicKeys: [String: String]
    private let projectTopicKeys: [String: String]
    /// Names this run of the server: sequence numbers restart at every start, so a client resuming with a number
    /// from another run gets a snapshot instead of deltas that would not fit what it has.
    package let epoch: String
    private let state: Mutex<State>
    private let queue = DispatchQueue(label: "lastword.live", qos: .userInitiated)
    private let running = Atomic<Bool>(false)
    /// Ticks every interval while changes flow, so a topic sends at a steady rate (no drift from the time a flush
    /// takes) and at most once per interval. DispatchSourceTimer is thread-safe; it is created and resumed once.
    nonisolated(unsafe) private let cadence: DispatchSourceTimer

    package init(board: TallyBoard, catalog: CampaignCatalog, loops: EventLoopGroup, configuration: Configuration) {
        self.catalog = catalog
        self.configuration = configuration
        var generator = SystemRandomNumberGenerator()
        let random = generator.next() as UInt64
        let hex = String(random, radix: 16)
        epoch = String(repeating: "0", count: 16 - hex.count) + hex
        var initial = State(board: board)
        var campaignKeys: [String: String] = [:]
        var projectKeys: [String: String] = [:]
        var number: UInt64 = 1
        let now = wallClockMilliseconds()
        for campaign in catalog.campaigns {
            let key = "campaign:" + campaign.id
            campaignKeys[campaign.id] = key
            initial.topics[key] = Topic(key: key, kind: .campaign(campaign.id), number: number, group: BroadcastGroup(loops: loops))
            number += 1
            initial.states[campaign.id] = campaign.state(at: now)
            for project in campaign.projects {
                let key = "project:" + project.slug
                projectKeys[project.slug] = key
                initial.topics[key] = Topic(key: key, kind: .project(campaign: campaign.id, slug: project.slug), number: number,
                                            group: BroadcastGroup(loops: loops))
                number += 1
            }
        }
        state = Mutex(initial)
        campaignTopicKeys = campaignKeys
        projectTopicKeys = projectKeys
        cadence = DispatchSource.makeTimerSource(queue: queue)
        cadence.setEventHandler { [weak self] in self?.flush() }
        cadence.schedule(deadline: .distantFuture)
        cadence.resume()
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

    /// Applies committed changes (from the writer) and schedules their deltas.
    package func apply(_ change: TallyChange, reference: String?) {
        state.withLock { state in
            state.board.apply(change)
            if let key = campaignTopicKeys[change.campaignID] {
                state.topics[key]?.dirtyProjects.insert(change.projectSlug)
                state.topics[key]?.dirty = true
                if configuration.includeReferences, let reference, state.topics[key]?.pendingReference == nil {
                    // The earliest action since the topic's last update: a benchmark timing it measures the worst wait.
                    state.topics[key]?.pendingReference = reference
                }
            }
            if let key = projectTopicKeys[change.projectSlug] {
                state.topics[key]?.dirty = true
                if configuration.includeReferences, let reference, state.topics[key]?.pendingReference == nil {
                    state.topics[key]?.pendingReference = reference
                }
            }
            scheduleFlush(&state)
        }
    }

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

    /// Subscribes `connection` and sends what it needs: nothing if `since` is current, the missed deltas if the
    /// history still has them, else a snapshot. `since` counts only with this run's `epoch`. A resume on a topic the
    /// connection already watches (`alreadyWatching`) leaves the watcher count alone.
    /// Returns the topic's sequence number after the call.
    @discardableResult
    package func subscribe(_ connection: WebSocketConnection, topic key: String, since requested: UInt64?, epoch: String?,
                           alreadyWatching: Bool = false) throws(SubscribeError) -> UInt64 {
        let since = epoch == self.epoch ? requested : nil
        enum Reply { case upToDate, replay([PreparedMessage]), snapshot(Snapshot) }
        let reply: Reply? = state.withLock { state -> Reply? in
            guard var topic = state.topics[key] else { return nil }
            if !alreadyWatching {
                connection.join(topic.group)
                topic.watchers += 1
                markWatchersChanged(topic, in: &state)
                topic.dirty = true
            }
            let reply: Reply
            if let since, since == topic.seq {
                reply = .upToDate
            } else if let since, since < topic.seq, let first = topic.history.first, first.seq <= since + 1 {
                reply = .replay(topic.history.filter { $0.seq > since }.map(\.message))
            } else {
                reply = .snapshot(snapshot(of: topic, in: state))
            }
            state.topics[key] = topic
            scheduleFlush(&state)
            return reply
        }
        switch reply {
        case nil:
            throw .unknownTopic
        case .upToDate:
            break
        case .replay(let messages):
            for message in messages { connection.send(message, policy: .close) }
        case .snapshot(let snapshot):
            connection.send(PreparedMessage(opcode: .text, payload: encode(snapshot, type: "snapshot")), policy: .close)
        }
        return state.withLock { $0.topics[key]?.seq ?? 0 }
    }

    /// Unsubscribes (on the connection's loop); also used for every topic of a closing connection.
    package func unsubscribe(_ connection: WebSocketConnection, topic key: String) {
        state.withLock { state in
            guard var topic = state.topics[key] else { return }
            connection.leave(topic.group)
            topic.watchers = max(0, topic.watchers - 1)
            topic.dirty = true
            markWatchersChanged(topic, in: &state)
            state.topics[key] = topic
            scheduleFlush(&state)
        }
    }

    /// A project's watcher count is also part of its campaign's board.
    private func markWatchersChanged(_ topic: Topic, in state: inout State) {
        switch topic.kind {
        case .campaign:
            break
        case .project(let campaign, let slug):
            if let key = campaignTopicKeys[campaign] {
                state.topics[key]?.dirtyProjects.insert(slug)
                state.topics[key]?.dirty = true
            }
        }
    }

    // MARK: publishing

    /// Starts the cadence if it is idle: the first change after a quiet interval goes out at once, later ones on
    /// the next tick.
    private func scheduleFlush(_ state: inout State) {
        guard !state.cadenceRunning else { return }
        state.cadenceRunning = true
        let interval = Self.nanoseconds(configuration.interval)
        let sinceLast = Self.nanoseconds(state.lastFlush.duration(to: .now))
        let first: DispatchTime = sinceLast >= interval ? .now() : .now() + .nanoseconds(interval - sinceLast)
        cadence.schedule(deadline: first, repeating: .nanoseconds(interval), leeway: .milliseconds(1))
    }

    private static func nanoseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
    }

    private struct Snapshot {
        var topic: String
        var seq: UInt64
        var kind: Topic.Kind
        var campaignState: CampaignState
        var watchers: Int
        var participants: Int
        var ratings: Int
        var likes: Int
        /// (slug, tally, watchers)
        var projects: [(String, ProjectTally, Int)]
        var reference: String?
    }

    /// The topic's data: whole (a snapshot), or for a delta only the changed projects of a campaign, with the
    /// pending reference.
    private func snapshot(of topic: Topic, in state: State, delta: Bool = false, only changed: Set<String>? = nil) -> Snapshot {
        let reference = delta ? topic.pendingReference : nil
        switch topic.kind {
        case .campaign(let id):
            let tally = state.board.campaigns[id]
            let projects = (catalog.campaign(id)?.projects ?? []).compactMap { project -> (String, ProjectTally, Int)? in
                if let changed, !changed.contains(project.slug) { return nil }
                return (project.slug, tally?.projects[project.slug] ?? .empty, projectTopicKeys[project.slug].flatMap { state.topics[$0]?.watchers } ?? 0)
            }
            return Snapshot(topic: topic.key, seq: topic.seq, kind: topic.kind, campaignState: state.states[id] ?? .closed,
                            watchers: topic.watchers, participants: tally?.participants ?? 0, ratings: tally?.ratings ?? 0,
                            likes: tally?.likes ?? 0, projects: projects, reference: reference)
        case .project(let campaign, let slug):
            let tally = state.board.campaigns[campaign]?.projects[slug] ?? .empty
            return Snapshot(topic: topic.key, seq: topic.seq, kind: topic.kind, campaignState: state.states[campaign] ?? .closed,
                            watchers: topic.watchers, participants: tally.participants, ratings: tally.participants, likes: tally.likes,
                            projects: [(slug, tally, topic.watchers)], reference: reference)
        }
    }

    /// Numbers, encodes and records every dirty topic's delta under the lock — so a client resuming from the seq
    /// just before sees it in the history — then broadcasts outside it.
    private func flush() {
        let deltas: [(BroadcastGroup, UInt64, PreparedMessage)] = state.withLock { state in
            var out: [(BroadcastGroup, UInt64, PreparedMessage)] = []
            for key in Array(state.topics.keys) where state.topics[key]!.dirty {
                var topic = state.topics[key]!
                topic.seq += 1
                let changed: Set<String>?
                if case .campaign = topic.kind { changed = topic.dirtyProjects } else { changed = nil }
                let message = PreparedMessage(opcode: .text, payload: encode(snapshot(of: topic, in: state, delta: true, only: changed), type: "delta"))
                topic.history.append((topic.seq, message))
                if topic.history.count > configuration.history {
                    topic.history.removeFirst(topic.history.count - configuration.history)
                }
                out.append((topic.group, topic.number, message))
                topic.dirty = false
                topic.dirtyProjects = []
                topic.pendingReference = nil
                state.topics[key] = topic
            }
            if out.isEmpty {
                // A quiet interval: park the cadence until the next change.
                state.cadenceRunning = false
                cadence.schedule(deadline: .distantFuture)
            } else {
                state.lastFlush = .now
            }
            return out
        }
        for (group, number, message) in deltas {
            group.broadcast(message, policy: .keepNewest(topic: number))
        }
    }

    private func checkCampaignStates() {
        let now = wallClockMilliseconds()
        state.withLock { state in
            for campaign in catalog.campaigns {
                let current = campaign.state(at: now)
                if state.states[campaign.id] != current {
                    state.states[campaign.id] = current
                    state.topics["campaign:" + campaign.id]?.dirty = true
                    for project in campaign.projects { state.topics["project:" + project.slug]?.dirty = true }
                    scheduleFlush(&state)
                }
            }
        }
    }

    // MARK: encoding

    /// `{"type":"snapshot"|"delta","topic":…,"seq":…,"data":{…}}` — see docs/PROTOCOL.md.
    private func encode(_ snapshot: Snapshot, type: String) -> [UInt8] {
        var json = JSONWriter(capacity: 128 + snapshot.projects.count * 120)
        json.beginObject()
        json.field("type", type)
        json.field("topic", snapshot.topic)
        json.field("seq", snapshot.seq)
        json.field("epoch", epoch)
        json.key("data")
        json.beginObject()
        json.field("state", snapshot.campaignState.rawValue)
        json.field("watchers", snapshot.watchers)
        switch snapshot.kind {
        case .campaign(let id):
            json.field("campaign", id)
            json.field("participants", snapshot.participants)
            json.field("ratings", snapshot.ratings)
            json.field("likes", snapshot.likes)
            json.key("projects")
            json.beginObject()
            for (slug, tally, watchers) in snapshot.projects {
                json.key(slug)
                Self.write(tally, watchers: watchers, into: &json)
            }
            json.endObject()
        case .project(let campaign, let slug):
            json.field("campaign", campaign)
            json.field("project", slug)
            json.key("tally")
            Self.write(snapshot.projects[0].1, watchers: snapshot.watchers, into: &json)
        }
        json.endObject()
        if let reference = snapshot.reference { json.field("ref", reference) }
        json.endObject()
        return json.bytes
    }

    static func write(_ tally: ProjectTally, watchers: Int?, into json: inout JSONWriter) {
        json.beginObject()
        json.field("participants", tally.participants)
        json.key("counts")
        json.beginArray()
        for count in tally.counts { json.int(count) }
        json.endArray()
        json.key("average")
        json.decimal(tally.average)
        json.field("likes", tally.likes)
        json.field("suggestions", tally.suggestions)
        if let watchers { json.field("watchers", watchers) }
        json.endObject()
    }
}

import Dispatch
import Domain
import LiveTopics
import Synchronization
import Transport

/// The live board: tallies in memory, and what their topics carry — `campaign:<id>` (every project of a campaign,
/// the campaign's totals and watchers) and `project:<slug>` (one project).
///
/// The topics are coalesced topics of the `TopicEngine`, which numbers, times, keeps and resumes them; this type
/// holds the tallies, applies committed changes in commit order, marks what changed, and renders snapshots and
/// deltas. A delta says only what differs from what its group was last told (a delta is half the size of the whole
/// entries, and at 10,000 watchers the bytes on the wire are much of the cost).
package final class LiveTally: Sendable {
    package struct Configuration: Sendable {
        /// Put the count of applied writes into acknowledgements and updates (`applied`), so a benchmark can tell when
        /// a rating's effect reached every watcher.
        package var includeAppliedCount: Bool = false
        package init() {}
    }

    /// A state of a topic that members of a group may know: what its last delta brought them to, or a snapshot
    /// given to one of them since.
    fileprivate struct Said: Equatable {
        var totals: Totals
        var projects: [String: TallyBody]
        var applied: UInt64?
    }

    /// Snapshots given to one group within one interval that are remembered one by one; past this many distinct
    /// states the group's next delta says everything (a burst of new watchers while the tally moves).
    private static let maxKnownStates = 8

    fileprivate struct Totals: Equatable {
        var state: CampaignState
        var watchers: Int
        var participants: Int
        var ratings: Int
        var likes: Int
    }

    fileprivate enum Kind { case campaign(String), project(campaign: String, slug: String) }

    private struct State {
        var board: TallyBoard
        var states: [String: CampaignState] = [:]
        /// Writes applied so far (the `applied` marker).
        var applied: UInt64 = 0
        /// Topic keys by campaign id and by project slug, made once per campaign and project (the hot path looks
        /// them up per rating); they grow when an import adds a campaign or project.
        var campaignTopicKeys: [String: String] = [:]
        var projectTopicKeys: [String: String] = [:]
        var kinds: [String: Kind] = [:]
        /// Per topic and phase group, the states its members may know: the first is what the group's last delta
        /// said (whole), the rest are snapshots given since. Empty: the next delta says everything.
        var known: [String: [[Said]]] = [:]
    }

    private let catalog: CampaignDirectory
    private let time: any TimeSource
    private let configuration: Configuration
    package let topics: TopicEngine
    private let state: Mutex<State>
    private let queue = DispatchQueue(label: "lastword.live", qos: .userInitiated)
    private let running = Atomic<Bool>(false)

    package init(board: TallyBoard, catalog: CampaignDirectory, topics: TopicEngine, time: any TimeSource = SystemTimeSource(),
                 configuration: Configuration) {
        self.catalog = catalog
        self.time = time
        self.configuration = configuration
        self.topics = topics
        state = Mutex(State(board: board))
        addTopics(for: catalog.campaigns)
    }

    /// Names this run of the server and each phase group (see `TopicEngine`).
    package var epochs: [String] { topics.epochs }

    /// Topics for the campaigns and projects that have none yet; returns the keys made, with their parts.
    @discardableResult
    private func addTopics(for campaigns: [CampaignDefinition]) -> [(key: String, parent: TopicPart?)] {
        let now = time.now()
        let made = state.withLock { state -> [(key: String, parent: TopicPart?)] in
            var made: [(key: String, parent: TopicPart?)] = []
            for campaign in campaigns {
                let campaignKey = "campaign:" + campaign.id
                if state.campaignTopicKeys[campaign.id] == nil {
                    state.campaignTopicKeys[campaign.id] = campaignKey
                    state.kinds[campaignKey] = .campaign(campaign.id)
                    state.states[campaign.id] = campaign.state(at: now)
                    made.append((campaignKey, nil))
                }
                for project in campaign.projects where state.projectTopicKeys[project.slug] == nil {
                    let key = "project:" + project.slug
                    state.projectTopicKeys[project.slug] = key
                    state.kinds[key] = .project(campaign: campaign.id, slug: project.slug)
                    made.append((key, TopicPart(topic: campaignKey, part: project.slug)))
                }
            }
            return made
        }
        // What every group of a new topic has been told is the state now: the first delta says only what changed
        // since, and a snapshot says what the group knows (see `CoalescedContent`).
        state.withLock { state in
            for (key, _) in made {
                let now = render(key, kind: state.kinds[key]!, stamp: TopicStamp(seq: 0, epoch: ""), parts: nil,
                                 watchers: TopicWatchers([:]), in: state)
                state.known[key] = Array(repeating: [Said(now)], count: topics.configuration.phases)
            }
        }
        // Outside the lock: the engine calls back into this type under its own.
        for (key, parent) in made { topics.addCoalescedTopic(key, content: self, parent: parent) }
        return made
    }

    /// After `catalog` changed (an import): topics for new campaigns and projects, and every campaign's watchers
    /// told of its new projects at the next delta. Window changes are published by the once-a-second state check.
    package func catalogChanged() {
        let campaigns = catalog.campaigns
        let made = addTopics(for: campaigns)
        for (_, parent) in made {
            if let parent { topics.changed(parent.topic, part: parent.part) }
        }
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

    /// Applies a committed change (from the writer) and marks its topics changed. Returns the count of writes applied
    /// so far, this one included (the `applied` marker of its acknowledgement).
    @discardableResult
    package func apply(_ change: TallyChange) -> UInt64 {
        let (applied, campaignKey, projectKey) = state.withLock { state in
            state.board.apply(change)
            state.applied += 1
            return (state.applied, state.campaignTopicKeys[change.campaignID], state.projectTopicKeys[change.projectSlug])
        }
        if let campaignKey { topics.changed(campaignKey, part: change.projectSlug) }
        if let projectKey { topics.changed(projectKey) }
        return applied
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
        topics.watchers(topic)
    }

    /// Whether `key` is one of the tally's topics.
    package func hasTopic(_ key: String) -> Bool {
        state.withLock { $0.kinds[key] != nil }
    }

    private func checkCampaignStates() {
        let now = time.now()
        let changed = state.withLock { state -> [String] in
            var changed: [String] = []
            for campaign in catalog.campaigns {
                let current = campaign.state(at: now)
                guard state.states[campaign.id] != current else { continue }
                state.states[campaign.id] = current
                if let key = state.campaignTopicKeys[campaign.id] { changed.append(key) }
                for project in campaign.projects {
                    if let key = state.projectTopicKeys[project.slug] { changed.append(key) }
                }
            }
            return changed
        }
        if !changed.isEmpty { topics.changed(changed) }
    }
}

// MARK: what the topics carry

extension LiveTally: CoalescedContent {
    fileprivate struct Rendering {
        var topic: String
        var stamp: TopicStamp
        var kind: Kind
        var totals: Totals
        var projects: [(String, TallyBody)]
        var applied: UInt64?
    }

    /// The state now. It is remembered as something the group's members may know, so the group's next delta says
    /// what moved since either it or the group's last delta (a field may move and move back in between).
    package func snapshot(of topic: String, phase: Int, stamp: TopicStamp, watchers: TopicWatchers) -> [UInt8] {
        state.withLock { state in
            guard let kind = state.kinds[topic] else { return [] }
            let now = render(topic, kind: kind, stamp: stamp, parts: nil, watchers: watchers, in: state)
            var known = state.known[topic]?[phase] ?? []
            let said = Said(now)
            if !known.isEmpty, !known.contains(said) {
                if known.count > Self.maxKnownStates { known = [] } else { known.append(said) }
                state.known[topic]?[phase] = known
            }
            return encode(now, type: "snapshot", since: [])
        }
    }

    package func delta(of topic: String, phase: Int, stamp: TopicStamp, parts: Set<String>, watchers: TopicWatchers) -> [UInt8]? {
        state.withLock { state in
            guard let kind = state.kinds[topic] else { return nil }
            let known = state.known[topic]?[phase] ?? []
            // A campaign's projects: only those marked changed since the group's last delta (the others are as every
            // known state has them), unless it is to say everything.
            let now = render(topic, kind: kind, stamp: stamp, parts: known.isEmpty ? nil : parts, watchers: watchers, in: state)
            let same = !known.isEmpty && known.allSatisfy { said in
                said.totals == now.totals && said.applied == now.applied && now.projects.allSatisfy { said.projects[$0.0] == $0.1 }
            }
            if same { return nil }
            let bytes = encode(now, type: "delta", since: known)
            var base = known.first ?? Said(now)
            base.totals = now.totals
            base.applied = now.applied
            for (slug, entry) in now.projects { base.projects[slug] = entry }
            state.known[topic]?[phase] = [base]
            return bytes
        }
    }

    /// The topic now: for a campaign, its projects in the catalog's order (only `parts`, when given).
    private func render(_ topic: String, kind: Kind, stamp: TopicStamp, parts: Set<String>?, watchers: TopicWatchers,
                        in state: State) -> Rendering {
        let applied = configuration.includeAppliedCount ? state.applied : nil
        switch kind {
        case .campaign(let id):
            let tally = state.board.campaigns[id]
            let projects = (catalog.campaign(id)?.projects ?? []).compactMap { project -> (String, TallyBody)? in
                if let parts, !parts.contains(project.slug) { return nil }
                return (project.slug, TallyBody(tally?.projects[project.slug] ?? .empty,
                                                watchers: state.projectTopicKeys[project.slug].map { watchers[$0] } ?? 0))
            }
            let totals = Totals(state: state.states[id] ?? .closed, watchers: watchers[topic], participants: tally?.participants ?? 0,
                                ratings: tally?.ratings ?? 0, likes: tally?.likes ?? 0)
            return Rendering(topic: topic, stamp: stamp, kind: kind, totals: totals, projects: projects, applied: applied)
        case .project(let campaign, let slug):
            let tally = state.board.campaigns[campaign]?.projects[slug] ?? .empty
            let count = watchers[topic]
            let totals = Totals(state: state.states[campaign] ?? .closed, watchers: count, participants: tally.participants,
                                ratings: tally.participants, likes: tally.likes)
            return Rendering(topic: topic, stamp: stamp, kind: kind, totals: totals,
                             projects: [(slug, TallyBody(tally, watchers: count))], applied: applied)
        }
    }

    /// `{"type":"snapshot"|"delta","topic":…,"seq":…,"epoch":…,"data":{…}}` — see docs/PROTOCOL.md. A snapshot has
    /// every field (`known` is empty); a delta only the fields that differ from a state its group's members may know.
    private func encode(_ snapshot: Rendering, type: String, since known: [Said]) -> [UInt8] {
        var json = JSONWriter(capacity: 128 + snapshot.projects.count * 120)
        json.beginObject()
        json.field("type", type)
        json.field("topic", snapshot.topic)
        json.field("seq", snapshot.stamp.seq)
        json.field("epoch", snapshot.stamp.epoch)
        json.key("data")
        json.beginObject()
        let totals = snapshot.totals
        let whole = known.isEmpty
        func differs<Value: Equatable>(_ field: KeyPath<Totals, Value>) -> Bool {
            whole || known.contains { $0.totals[keyPath: field] != totals[keyPath: field] }
        }
        if differs(\.state) { json.field("state", totals.state.rawValue) }
        if differs(\.watchers) { json.field("watchers", totals.watchers) }
        switch snapshot.kind {
        case .campaign(let id):
            if whole { json.field("campaign", id) }
            if differs(\.participants) { json.field("participants", totals.participants) }
            if differs(\.ratings) { json.field("ratings", totals.ratings) }
            if differs(\.likes) { json.field("likes", totals.likes) }
            json.key("projects")
            json.beginObject()
            for (slug, entry) in snapshot.projects {
                let olds = known.map { $0.projects[slug] }
                if !whole, olds.allSatisfy({ $0 == entry }) { continue }
                json.key(slug)
                Self.write(entry, since: olds, into: &json)
            }
            json.endObject()
        case .project(let campaign, let slug):
            if whole {
                json.field("campaign", campaign)
                json.field("project", slug)
            }
            json.key("tally")
            Self.write(snapshot.projects[0].1, since: known.map { $0.projects[slug] }, into: &json)
        }
        json.endObject()
        if let applied = snapshot.applied { json.field("applied", applied) }
        json.endObject()
        return json.bytes
    }

    /// A project's fields: all of them when `olds` is empty or one of them lacks the project, else those that differ
    /// from one of them.
    private static func write(_ entry: TallyBody, since olds: [TallyBody?], into json: inout JSONWriter) {
        func differs<Value: Equatable>(_ field: KeyPath<TallyBody, Value>) -> Bool {
            olds.isEmpty || olds.contains { $0 == nil || $0![keyPath: field] != entry[keyPath: field] }
        }
        json.beginObject()
        if differs(\.participants) { json.field("participants", entry.participants) }
        if differs(\.counts) {
            json.key("counts")
            json.beginArray()
            for count in entry.counts { json.int(count) }
            json.endArray()
        }
        if differs(\.average) {
            json.key("average")
            json.decimal(entry.average)
        }
        if differs(\.likes) { json.field("likes", entry.likes) }
        if differs(\.suggestions) { json.field("suggestions", entry.suggestions) }
        if differs(\.watchers) { json.field("watchers", entry.watchers) }
        json.endObject()
    }
}

private extension LiveTally.Said {
    init(_ rendering: LiveTally.Rendering) {
        self.init(totals: rendering.totals, projects: Dictionary(rendering.projects, uniquingKeysWith: { $1 }), applied: rendering.applied)
    }
}

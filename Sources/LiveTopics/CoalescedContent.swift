/// What a coalesced topic carries, and how it is said: the engine's client renders the topic's messages; the
/// engine numbers them, decides when they go and to whom, and keeps them for resume.
///
/// The engine calls these under its own lock, one call at a time, so an implementation may keep what each group
/// has been told (its *memo*) without further locking of its own against the engine — but it must never call the
/// engine from inside them, nor call the engine while holding a lock these methods take.
///
/// A snapshot says what the group's members know — the state the group's last delta brought them to — not the
/// newest state: a delta says only what differs from the memo, so a member given the newest state while others
/// were still at the memo could miss a field that moved and moved back before the next delta. The newest state
/// follows within one interval (a new watcher marks its topic changed).
package protocol CoalescedContent: Sendable {
    /// The whole topic as the members of group `phase` know it (if the group was never told anything: the state
    /// now, which becomes its memo), as a snapshot message carrying `stamp`.
    func snapshot(of topic: String, phase: Int, stamp: TopicStamp, watchers: TopicWatchers) -> [UInt8]

    /// Brings group `phase`'s memo to the state now and renders what differs as a delta message carrying `stamp`,
    /// or nil when nothing differs. `parts`: the parts of the topic marked changed since the group's last delta
    /// (empty when the change was to the topic as a whole or its parts are not tracked); parts not in it are
    /// unchanged.
    func delta(of topic: String, phase: Int, stamp: TopicStamp, parts: Set<String>, watchers: TopicWatchers) -> [UInt8]?
}

/// A part of a parent topic: a topic whose watchers are counted in its parent (a project's watchers on its
/// campaign's board) marks that part of the parent changed when they come and go.
package struct TopicPart: Sendable, Equatable {
    package var topic: String
    package var part: String

    package init(topic: String, part: String) {
        self.topic = topic
        self.part = part
    }
}

/// How many watch each coalesced topic, as a content renders it (a board shows its watchers).
package struct TopicWatchers: Sendable {
    let counts: [String: Int]

    package init(_ counts: [String: Int]) {
        self.counts = counts
    }

    package subscript(_ topic: String) -> Int { counts[topic] ?? 0 }
}

import Domain
import LiveTopics
import Storage
import Synchronization

/// The public message board live (`messages`, a coalesced topic): approved public versions as they are published,
/// and the ids of any taken down, coalesced like the tallies — each phase group gets what changed since the latest
/// decision its members know, at most once per interval.
///
/// Only approved texts ever enter it (`ModerationJSON.boardItem`): the board never carries a pending, rejected or
/// withdrawn text, a name, a query code or a contact.
package final class MessageBoardTopic: Sendable {
    package static let key = "messages"
    /// Items a snapshot carries: the newest, as the page's first screen shows them.
    static let snapshotItems = 20
    /// Changes kept for deltas; a group further behind is told to read the board again (`reset`).
    static let keptChanges = 500

    private struct Change {
        var decision: Int64
        var version: PublicVersionRecord
    }

    private struct State {
        /// The latest decision applied.
        var last: Int64
        /// Recent approvals and withdrawals, in decision order.
        var changes: [Change] = []
        /// The latest decision among the changes no longer kept.
        var forgottenUpTo: Int64 = 0
        /// The newest approved items, newest first (for snapshots).
        var newest: [PublicVersionRecord]
        /// Per phase group: the latest decisions its members may know.
        var known: [[Int64]]
    }

    private let state: Mutex<State>
    private let topics: TopicEngine

    package init(store: Store, topics: TopicEngine) throws {
        let last = try store.lastDecision()
        let newest = try store.board(limit: Self.snapshotItems)
        self.topics = topics
        state = Mutex(State(last: last, newest: newest, known: Array(repeating: [last], count: topics.configuration.phases)))
        topics.addCoalescedTopic(Self.key, content: Content(owner: self))
    }

    /// A committed decision on a version (from the writer's completions, in commit order).
    func apply(_ version: PublicVersionRecord) {
        guard let decision = version.decision, version.status == .approved || version.status == .withdrawn else { return }
        state.withLock { state in
            guard decision.id > state.last else { return }
            state.last = decision.id
            state.changes.append(Change(decision: decision.id, version: version))
            if state.changes.count > Self.keptChanges {
                let dropped = state.changes.count - Self.keptChanges
                state.forgottenUpTo = state.changes[dropped - 1].decision
                state.changes.removeFirst(dropped)
            }
            state.newest.removeAll { $0.id == version.id }
            if version.status == .approved {
                state.newest.insert(version, at: 0)
                if state.newest.count > Self.snapshotItems { state.newest.removeLast() }
            }
        }
        topics.changed(Self.key)
    }

    private struct Content: CoalescedContent {
        let owner: MessageBoardTopic

        func snapshot(of topic: String, phase: Int, stamp: TopicStamp, watchers: TopicWatchers) -> [UInt8] {
            owner.state.withLock { state in
                if !state.known[phase].contains(state.last) { state.known[phase].append(state.last) }
                return MessageBoardTopic.message("snapshot", stamp: stamp, published: state.newest, withdrawn: [], reset: false,
                                                 last: state.last)
            }
        }

        func delta(of topic: String, phase: Int, stamp: TopicStamp, parts: Set<String>, watchers: TopicWatchers) -> [UInt8]? {
            owner.state.withLock { state in
                let since = state.known[phase].min() ?? state.last
                guard since < state.last else { return nil }
                state.known[phase] = [state.last]
                // Further back than the changes kept: the page reads the board again.
                if since < state.forgottenUpTo {
                    return MessageBoardTopic.message("delta", stamp: stamp, published: state.newest, withdrawn: [], reset: true,
                                                     last: state.last)
                }
                let changes = state.changes.filter { $0.decision > since }
                return MessageBoardTopic.message(
                    "delta", stamp: stamp,
                    published: changes.filter { $0.version.status == .approved }.map(\.version).reversed(),
                    withdrawn: changes.filter { $0.version.status == .withdrawn }.map(\.version.id), reset: false, last: state.last)
            }
        }
    }

    /// `{"type":…,"topic":"messages","seq":…,"epoch":…,"data":{"published":[BoardItem],"withdrawn":[id],"reset":…,
    /// "last":…}}` — `published` newest first.
    static func message(_ type: String, stamp: TopicStamp, published: [PublicVersionRecord], withdrawn: [Int64], reset: Bool,
                        last: Int64) -> [UInt8] {
        var json = JSONWriter(capacity: 256 + published.count * 512)
        json.beginObject()
        json.field("type", type)
        json.field("topic", key)
        json.field("seq", stamp.seq)
        json.field("epoch", stamp.epoch)
        json.key("data")
        json.beginObject()
        json.key("published")
        json.beginArray()
        for version in published { ModerationJSON.boardItem(version, into: &json) }
        json.endArray()
        json.key("withdrawn")
        json.beginArray()
        for id in withdrawn { json.int(id) }
        json.endArray()
        json.field("reset", reset)
        json.field("last", last)
        json.endObject()
        json.endObject()
        return json.bytes
    }
}

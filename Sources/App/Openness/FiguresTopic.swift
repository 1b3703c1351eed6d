import Dispatch
import Domain
import Foundation
import LiveTopics
import Logging
import Storage
import Synchronization

/// The live openness figures (`figures`, a coalesced topic): the current campaign's figures, overall and per
/// department, worked out from the database on a queue of their own — at most once per `interval` while letters change,
/// and at least once a minute as deadlines pass — and sent to watchers whole when they changed (they are small).
///
/// The count runs over every letter of the period, so it is not done under the topic engine's lock nor on every
/// change: a change marks the figures stale, and the next count picks up everything committed until it starts.
package final class FiguresTopic: Sendable {
    package static let key = "figures"

    private struct State {
        /// The figures object as last counted, and its version (bumped when it differs from the one before).
        var data: [UInt8] = Array("null".utf8)
        var version = 0
        var stale = true
        var scheduled = false
        /// Per phase group: the versions its members may know.
        var known: [[Int]] = []
    }

    /// Counts the figures and renders them (`OpennessService.currentFiguresJSON`).
    private let compute: @Sendable () throws -> [UInt8]
    private let topics: TopicEngine
    private let interval: DispatchTimeInterval
    private let logger: Logger
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "lastword.figures", qos: .utility)
    private let running = Atomic<Bool>(false)

    package init(topics: TopicEngine, intervalMilliseconds: Int, logger: Logger, compute: @escaping @Sendable () throws -> [UInt8]) {
        self.compute = compute
        self.topics = topics
        self.interval = .milliseconds(intervalMilliseconds)
        self.logger = logger
        state.withLock { $0.known = Array(repeating: [0], count: topics.configuration.phases) }
        topics.addCoalescedTopic(Self.key, content: Content(owner: self))
    }

    /// Counts now (on the caller's thread: the figures a first watcher gets, not a change to tell anyone of), then once
    /// a minute and after changes.
    package func start() {
        running.store(true, ordering: .relaxed)
        count(announce: false)
        scheduleMinute()
    }

    package func stop() {
        running.store(false, ordering: .relaxed)
    }

    /// Letters changed (a committed command): the figures are counted again within the interval.
    package func lettersChanged() {
        let schedule = state.withLock { state -> Bool in
            state.stale = true
            guard !state.scheduled else { return false }
            state.scheduled = true
            return true
        }
        if schedule {
            queue.asyncAfter(deadline: .now() + interval) { [weak self] in self?.count() }
        }
    }

    private func scheduleMinute() {
        queue.asyncAfter(deadline: .now() + 60) { [weak self] in
            guard let self, self.running.load(ordering: .relaxed) else { return }
            self.state.withLock { $0.stale = true }
            self.count()
            self.scheduleMinute()
        }
    }

    private func count(announce: Bool = true) {
        guard state.withLock({ state -> Bool in
            state.scheduled = false
            defer { state.stale = false }
            return state.stale
        }) else { return }
        let data: [UInt8]
        do {
            data = try compute()
        } catch {
            logger.error("the figures could not be counted", metadata: ["error": "\(error)"])
            return
        }
        let changed = state.withLock { state -> Bool in
            // computedAt moves on every count: compare without it by comparing the counts' part only.
            guard Self.withoutTime(state.data) != Self.withoutTime(data) else { return false }
            state.data = data
            state.version += 1
            return true
        }
        if changed && announce { topics.changed(Self.key) }
    }

    /// The bytes before `"computedAt"`'s value and after it: two counts of the same data compare equal.
    private static func withoutTime(_ data: [UInt8]) -> ArraySlice<UInt8> {
        let marker = Array(#""computedAt":"#.utf8)
        guard let start = data.firstRange(of: marker)?.upperBound,
              let end = data[start...].firstIndex(of: UInt8(ascii: ",")) else { return data[...] }
        return data[..<start] + data[end...]
    }

    private struct Content: CoalescedContent {
        let owner: FiguresTopic

        func snapshot(of topic: String, phase: Int, stamp: TopicStamp, watchers: TopicWatchers) -> [UInt8] {
            owner.state.withLock { state in
                if !state.known[phase].contains(state.version) { state.known[phase].append(state.version) }
                return FiguresTopic.message("snapshot", stamp: stamp, data: state.data)
            }
        }

        func delta(of topic: String, phase: Int, stamp: TopicStamp, parts: Set<String>, watchers: TopicWatchers) -> [UInt8]? {
            owner.state.withLock { state in
                guard state.known[phase] != [state.version] else { return nil }
                state.known[phase] = [state.version]
                return FiguresTopic.message("delta", stamp: stamp, data: state.data)
            }
        }
    }

    /// `{"type":"snapshot"|"delta","topic":"figures","seq":…,"epoch":…,"data":Figures}` (a delta carries the whole
    /// figures: they are small, and nothing is gained by diffing them).
    static func message(_ type: String, stamp: TopicStamp, data: [UInt8]) -> [UInt8] {
        var json = JSONWriter(capacity: data.count + 96)
        json.beginObject()
        json.field("type", type)
        json.field("topic", key)
        json.field("seq", stamp.seq)
        json.field("epoch", stamp.epoch)
        json.key("data")
        json.raw(data)
        json.endObject()
        return json.bytes
    }
}

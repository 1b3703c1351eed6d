import Dispatch
import HTTP1
import LiveTopics
import Synchronization
import TestSupport
import Testing
import Transport
import WebSocket

/// The topic engine over real sockets: a test endpoint whose sessions watch and subscribe as the client asks, a
/// "database" of numbered messages that the test appends to and then publishes (as the writer commits, then
/// publishes), and clients that read what arrives.
@Suite(.serialized) struct TopicEngineTests {
    // MARK: ordered topics

    @Test func aMessagePublishedToSeveralKeysOfOneWatchArrivesOnceWithTheFirstKeysRendering() throws {
        let fixture = try Fixture()
        defer { fixture.shutdown() }
        let client = try fixture.client()
        try client.watch("inbox", keys: ["inbox:*", "inbox:roads"], since: 0)
        fixture.engine.publish([(key: "inbox:roads", bytes: Array("roads".utf8)), (key: "inbox:*", bytes: Array("all".utf8))], seq: nil)
        fixture.engine.publish([(key: "inbox:*", bytes: Array("second".utf8))], seq: nil)
        #expect(try client.next() == "roads")
        #expect(try client.next() == "second", "the first message came once")
    }

    @Test func twoWatchesOfOneConnectionEachGetTheirOwnView() throws {
        let fixture = try Fixture()
        defer { fixture.shutdown() }
        let client = try fixture.client()
        try client.watch("case:1", keys: ["case:1"], since: 0)
        try client.watch("inbox", keys: ["inbox:*"], since: 0)
        fixture.engine.publish([(key: "case:1", bytes: Array("entry 1".utf8))], seq: 1)
        fixture.engine.publish([(key: "inbox:*", bytes: Array("thread 1 changed".utf8))], seq: nil)
        #expect(try client.next() == "entry 1")
        #expect(try client.next() == "thread 1 changed")
    }

    @Test func aNumberedMessageAtOrBelowWhatAWatchSentIsNotSentAgain() throws {
        let fixture = try Fixture()
        defer { fixture.shutdown() }
        let client = try fixture.client()
        try client.watch("thread:a", keys: ["thread:a"], since: 3)
        for seq in [2, 3, 4, 4, 5] { fixture.engine.publish([(key: "thread:a", bytes: Array("\(seq)".utf8))], seq: Int64(seq)) }
        fixture.engine.publish([(key: "thread:a", bytes: Array("typing".utf8))], seq: nil)
        #expect(try client.next() == "4")
        #expect(try client.next() == "5")
        #expect(try client.next() == "typing", "unnumbered messages are always sent")
    }

    @Test func theExceptedConnectionDoesNotGetWhatItCaused() throws {
        let fixture = try Fixture()
        defer { fixture.shutdown() }
        let typist = try fixture.client()
        let reader = try fixture.client()
        try typist.watch("case:1", keys: ["case:1"], since: 0)
        try reader.watch("case:1", keys: ["case:1"], since: 0)
        let typistID = try typist.connectionID()
        fixture.engine.publish([(key: "case:1", bytes: Array("typing".utf8))], seq: nil, except: typistID)
        fixture.engine.publish([(key: "case:1", bytes: Array("entry".utf8))], seq: 1)
        #expect(try reader.next() == "typing")
        #expect(try reader.next() == "entry")
        #expect(try typist.next() == "entry", "the typist got only the entry")
    }

    @Test func unwatchingAndClosingStopDelivery() throws {
        let fixture = try Fixture()
        defer { fixture.shutdown() }
        let client = try fixture.client()
        try client.watch("thread:a", keys: ["thread:a"], since: 0)
        try client.watch("thread:b", keys: ["thread:b"], since: 0)
        #expect(fixture.engine.orderedWatchers("thread:a") == 1)
        try client.send("unwatch thread:a")
        #expect(try client.next() == "unwatched thread:a")
        #expect(fixture.engine.orderedWatchers("thread:a") == 0)
        fixture.engine.publish([(key: "thread:a", bytes: Array("to a".utf8))], seq: 1)
        fixture.engine.publish([(key: "thread:b", bytes: Array("to b".utf8))], seq: 1)
        #expect(try client.next() == "to b")
        client.close()
        #expect(eventually { fixture.engine.orderedWatchers("thread:b") == 0 }, "a closed connection's watches end")
    }

    /// The race a resume runs: messages are committed (appended to the database) and then published, from another
    /// thread, all the while clients watch with `since` and read the backlog. Each client must get every message
    /// above its `since` exactly once and in order.
    @Test func aWatchMadeWhileMessagesFlowGetsEachMessageAboveSinceOnceAndInOrder() throws {
        let fixture = try Fixture(eventLoops: 2)
        defer { fixture.shutdown() }
        let total = 5_000
        let publisher = BackgroundWork {
            for seq in 1...total {
                fixture.commit(key: "thread:x", seq: Int64(seq))
                fixture.engine.publish([(key: "thread:x", bytes: Array("\(seq)".utf8))], seq: Int64(seq))
            }
        }
        var clients: [(TestWebSocketClient, Int)] = []
        for round in 0..<12 {
            let client = try fixture.client()
            let since = round * 125
            try client.send("watch thread:x thread:x \(since)")
            clients.append((client.socket, since))
        }
        #expect(publisher.wait(seconds: 30))
        for (index, (client, since)) in clients.enumerated() {
            var expected = since + 1
            var caughtUp = false
            while expected <= total {
                let text = try #require(try client.nextEvent().text)
                if text.hasPrefix("caught-up") { caughtUp = true; continue }
                #expect(Int(text) == expected, "client \(index) (since \(since)) got \(text), expected \(expected)")
                guard Int(text) == expected else { break }
                expected += 1
            }
            if !caughtUp { #expect(try client.nextEvent().text?.hasPrefix("caught-up") == true) }
        }
    }

    @Test func aWatcherTooFarBehindIsClosedWith1008InsteadOfLosingAMessage() throws {
        var configuration = TopicEngine.Configuration()
        configuration.maxOrderedBacklogBytes = 64 << 10
        let fixture = try Fixture(configuration: configuration)
        defer { fixture.shutdown() }
        let slow = try fixture.client(receiveBufferSize: 4096)
        try slow.watch("case:1", keys: ["case:1"], since: 0)
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: 16 << 10)
        // The client does not read: the server's socket buffers fill, then its queue passes the limit.
        for seq in 1...400 { fixture.engine.publish([(key: "case:1", bytes: payload)], seq: Int64(seq)) }
        let (messages, close) = try slow.socket.readUntilClose()
        #expect(close?.code == 1008)
        #expect(messages.count < 400)
        // Those that did arrive are a prefix: none skipped.
        #expect(messages.allSatisfy { $0.text?.count == payload.count })
    }

    // MARK: coalesced topics

    @Test func aCoalescedTopicGivesASnapshotThenAtMostOneDeltaPerIntervalNumberedFromIt() throws {
        var configuration = TopicEngine.Configuration()
        configuration.phases = 1
        configuration.interval = .milliseconds(200)
        let fixture = try Fixture(configuration: configuration)
        defer { fixture.shutdown() }
        let counter = Counter()
        fixture.engine.addCoalescedTopic("count", content: counter)
        let client = try fixture.client()
        try client.send("subscribe count - -")
        let snapshot = try client.next()
        #expect(snapshot.hasPrefix("snapshot 0 "), "\(snapshot)")
        let epoch = String(snapshot.split(separator: " ")[2])
        #expect(epoch == fixture.engine.epochs[0])
        // Its own subscription is a change (the watcher count): one delta.
        #expect(try client.next() == "delta 1 value=0 watchers=1")
        let start = ContinuousClock.now
        for _ in 1...50 {
            counter.increment()
            fixture.engine.changed("count")
        }
        var seq = 1
        var deltas = 0
        while true {
            let text = try client.next()
            seq += 1
            deltas += 1
            #expect(text.hasPrefix("delta \(seq) "), "seq goes up by one: \(text)")
            if text == "delta \(seq) value=50 watchers=1" || !text.hasPrefix("delta \(seq) ") { break }
        }
        let elapsed = ContinuousClock.now - start
        // Fifty changes: at most one delta per interval (and one for the interval under way).
        #expect(deltas <= Int(elapsed / .milliseconds(200)) + 1, "\(deltas) deltas in \(elapsed)")
    }

    @Test func aResumeGetsNothingTheMissedDeltasOrASnapshot() throws {
        var configuration = TopicEngine.Configuration()
        configuration.phases = 1
        configuration.interval = .milliseconds(20)
        configuration.history = 3
        let fixture = try Fixture(configuration: configuration)
        defer { fixture.shutdown() }
        let counter = Counter()
        fixture.engine.addCoalescedTopic("count", content: counter)
        let client = try fixture.client()
        try client.send("subscribe count - -")
        _ = try client.next()
        #expect(try client.next() == "delta 1 value=0 watchers=1")
        for value in 1...5 {
            counter.increment()
            fixture.engine.changed("count")
            #expect(try client.next() == "delta \(value + 1) value=\(value) watchers=1")
        }
        let epoch = fixture.engine.epochs[0]
        let other = try fixture.client()
        // Current: nothing but the delta of its own arrival.
        try other.send("subscribe count 6 \(epoch)")
        #expect(try other.next() == "delta 7 value=5 watchers=2")
        // Still in the history (4, 5, 6 are kept): exactly what was missed.
        let third = try fixture.client()
        try third.send("subscribe count 4 \(epoch)")
        #expect(try third.next() == "delta 5 value=4 watchers=1")
        #expect(try third.next() == "delta 6 value=5 watchers=1")
        #expect(try third.next() == "delta 7 value=5 watchers=2")
        #expect(try third.next() == "delta 8 value=5 watchers=3")
        // Older than the history, or another run's epoch: a snapshot.
        let fourth = try fixture.client()
        try fourth.send("subscribe count 1 \(epoch)")
        #expect(try fourth.next().hasPrefix("snapshot 8 "))
        let fifth = try fixture.client()
        try fifth.send("subscribe count 8 another-run")
        #expect(try fifth.next().hasPrefix("snapshot "))
    }

    @Test func deltasOlderThanTheHistorysAgeAreDroppedAndAResumeAfterThemGetsASnapshot() throws {
        var configuration = TopicEngine.Configuration()
        configuration.phases = 1
        configuration.interval = .milliseconds(20)
        configuration.historyMaxAge = .seconds(2)
        let fixture = try Fixture(configuration: configuration)
        defer { fixture.shutdown() }
        let counter = Counter()
        fixture.engine.addCoalescedTopic("count", content: counter)
        let client = try fixture.client()
        try client.send("subscribe count - -")
        _ = try client.next()
        #expect(try client.next() == "delta 1 value=0 watchers=1")
        for value in 1...3 {
            counter.increment()
            fixture.engine.changed("count")
            #expect(try client.next() == "delta \(value + 1) value=\(value) watchers=1")
        }
        let epoch = fixture.engine.epochs[0]
        // Within the age, far under the 64 the count allows: kept, and a resume replays them.
        #expect(fixture.engine.historyCount("count") == 4)
        let early = try fixture.client()
        try early.send("subscribe count 3 \(epoch)")
        #expect(try early.next() == "delta 4 value=3 watchers=1")
        early.close()
        // Its coming and going are the last changes (one delta or two, as they coalesce); then the topic is quiet.
        while try !client.next().hasSuffix("value=3 watchers=1") {}
        #expect(fixture.engine.historyCount("count") >= 5)
        // Nothing else happens, yet the sweep drops the deltas once they are two seconds old.
        #expect(eventually(within: 10) { fixture.engine.historyCount("count") == 0 })
        let late = try fixture.client()
        try late.send("subscribe count 4 \(epoch)")
        #expect(try late.next().hasPrefix("snapshot "))
    }

    @Test func anUnknownTopicIsRefused() throws {
        let fixture = try Fixture()
        defer { fixture.shutdown() }
        let client = try fixture.client()
        try client.send("subscribe nowhere - -")
        #expect(try client.next() == "unknown topic")
    }

    @Test func aChildTopicsWatchersMarkItsPartOfTheParentChanged() throws {
        var configuration = TopicEngine.Configuration()
        configuration.phases = 1
        configuration.interval = .milliseconds(20)
        let fixture = try Fixture(configuration: configuration)
        defer { fixture.shutdown() }
        let parent = Counter()
        fixture.engine.addCoalescedTopic("board", content: parent)
        fixture.engine.addCoalescedTopic("board/one", content: Counter(), parent: TopicPart(topic: "board", part: "one"))
        let watcher = try fixture.client()
        try watcher.send("subscribe board - -")
        _ = try watcher.next()
        #expect(try watcher.next() == "delta 1 value=0 watchers=1")
        let child = try fixture.client()
        try child.send("subscribe board/one - -")
        _ = try child.next()
        #expect(try watcher.next() == "delta 2 value=0 watchers=1 parts=one")
        #expect(parent.partsSeen.withLock { $0 } == [[], ["one"]])
    }
}

// MARK: the fixture

/// A coalesced content that holds one number and says it with the watcher count (and the parts, when given).
private final class Counter: CoalescedContent {
    let value = Atomic<Int>(0)
    let partsSeen = Mutex<[Set<String>]>([])

    func increment() { value.add(1, ordering: .relaxed) }

    func snapshot(of topic: String, phase: Int, stamp: TopicStamp, watchers: TopicWatchers) -> [UInt8] {
        Array("snapshot \(stamp.seq) \(stamp.epoch) value=\(value.load(ordering: .relaxed))".utf8)
    }

    func delta(of topic: String, phase: Int, stamp: TopicStamp, parts: Set<String>, watchers: TopicWatchers) -> [UInt8]? {
        partsSeen.withLock { $0.append(parts) }
        let partsText = parts.isEmpty ? "" : " parts=" + parts.sorted().joined(separator: ",")
        return Array("delta \(stamp.seq) value=\(value.load(ordering: .relaxed)) watchers=\(watchers[topic])\(partsText)".utf8)
    }
}

private final class Database: Sendable {
    let rows = Mutex<[String: [Int64]]>([:])
}

private final class Fixture: Sendable {
    let engine: TopicEngine
    let server: Server
    let port: Int
    /// The "database": numbered messages per key, appended before they are published.
    let database = Database()

    init(eventLoops: Int = 1, configuration: TopicEngine.Configuration = TopicEngine.Configuration()) throws {
        let loops = EventLoopGroup(count: eventLoops)
        engine = TopicEngine(loops: loops, configuration: configuration)
        var router = Router()
        router.webSocket("/topics", TopicsEndpoint(engine: engine, database: database))
        let serverConfiguration = ServerConfiguration.forTesting { $0.eventLoops = eventLoops }
        server = Server(configuration: serverConfiguration, service: router, loops: loops, logger: testLogger(label: "topics-tests"))
        try server.start()
        port = server.boundAddresses[0].port
    }

    func commit(key: String, seq: Int64) {
        database.rows.withLock { $0[key, default: []].append(seq) }
    }

    func client(receiveBufferSize: Int? = nil) throws -> Client {
        Client(socket: try TestWebSocketClient(port: port, path: "/topics", receiveBufferSize: receiveBufferSize))
    }

    func shutdown() { server.shutdown() }
}

private struct Client {
    let socket: TestWebSocketClient

    func send(_ text: String) throws { try socket.send(text: text) }

    func next() throws -> String {
        while true {
            let event = try socket.nextEvent()
            if let text = event.text { return text }
        }
    }

    /// Watches and waits until the backlog is sent.
    func watch(_ name: String, keys: [String], since: Int) throws {
        try send("watch \(name) \(keys.joined(separator: ",")) \(since)")
        let reply = try next()
        #expect(reply.hasPrefix("caught-up \(name)"), "\(reply)")
    }

    func connectionID() throws -> UInt64 {
        try send("id")
        return UInt64(try next())!
    }

    func close() { socket.close() }
}

/// Text commands: `watch NAME KEY,KEY SINCE` (watch, read the database, catch up, say `caught-up NAME LAST`),
/// `unwatch NAME`, `subscribe KEY SINCE|- EPOCH|-`, `id`.
private struct TopicsEndpoint: WebSocketEndpoint {
    let engine: TopicEngine
    let database: Database

    func accept(_ request: HTTPRequest) -> WebSocketAcceptance {
        .accept(Session(engine: engine, database: database))
    }

    final class Session: WebSocketHandler {
        let engine: TopicEngine
        let database: Database
        var coalesced: Set<String> = []

        init(engine: TopicEngine, database: Database) {
            self.engine = engine
            self.database = database
        }

        func webSocket(_ connection: WebSocketConnection, didReceive message: WebSocketMessage) {
            let words = (message.text ?? "").split(separator: " ").map(String.init)
            switch words.first {
            case "watch":
                let keys = words[2].split(separator: ",").map(String.init)
                let since = Int64(words[3])!
                engine.watch(connection, as: words[1], keys: keys, since: since)
                let backlog = database.rows.withLock { database in
                    keys.flatMap { database[$0] ?? [] }.filter { $0 > since }.sorted()
                }
                let last = engine.catchUp(connection, as: words[1], with: backlog.map { (seq: $0, bytes: Array("\($0)".utf8)) })
                connection.send(text: "caught-up \(words[1]) \(last)")
            case "unwatch":
                engine.unwatch(connection, as: words[1])
                connection.send(text: "unwatched \(words[1])")
            case "subscribe":
                do {
                    try engine.subscribe(connection, to: words[1], since: UInt64(words[2]), epoch: words[3] == "-" ? nil : words[3],
                                         alreadyWatching: coalesced.contains(words[1]))
                    coalesced.insert(words[1])
                } catch {
                    connection.send(text: "unknown topic")
                }
            case "id":
                connection.send(text: String(connection.id))
            default:
                connection.send(text: "?")
            }
        }

        func webSocketDidClose(_ connection: WebSocketConnection, code: UInt16?, reason: String) {
            engine.connectionClosed(connection, coalescedTopics: coalesced)
        }
    }
}

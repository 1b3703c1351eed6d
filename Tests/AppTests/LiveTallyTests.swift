@testable import App
import TestSupport
import Domain
import Testing

extension AppIntegrationTests {
    /// Live topics: sequence numbers, resume from history, watchers, coalescing, and the window's state.
    @Suite struct LiveTallyTests {
        typealias Seen = (seq: Int, text: String)

        /// Subscribes `client` to `topic`, reads the snapshot and the delta its own subscription causes (the watcher
        /// count changed); returns that delta's seq and the run's epoch.
        @discardableResult
        static func watch(_ topic: String, with client: LiveClient) throws -> (seq: Int, epoch: String) {
            try client.subscribe(topic)
            let snapshot = try client.next()
            #expect(snapshot["type"] == .string("snapshot"))
            let own = try client.next()
            #expect(own["type"] == .string("delta"))
            let seq = try #require(own["seq"]?.int)
            #expect(seq == (snapshot["seq"]?.int ?? -1) + 1)
            let epoch = try #require(snapshot["epoch"]?.string)
            #expect(own["epoch"] == .string(epoch), "every snapshot and delta carries the run's epoch")
            return (seq, epoch)
        }

        /// Reads deltas of a project topic, each one seq above the last, until its tally has `participants`.
        static func readDeltas(_ client: LiveClient, after seq: Int, until participants: Int) throws -> [Seen] {
            var seen: [Seen] = []
            var last = seq
            while true {
                let (text, json) = try client.nextWithText()
                #expect(json["type"] == .string("delta"))
                let current = try #require(json["seq"]?.int)
                #expect(current == last + 1, "seq goes up by one")
                last = current
                seen.append((current, text))
                if json["data"]?["tally"]?["participants"] == .number(Double(participants)) { return seen }
            }
        }

        /// Sends a ping and reads the pong: the server answers messages in order, so anything it sent in reply to
        /// earlier messages has arrived before. Returns what came before the pong.
        static func drainUntilPong(_ client: LiveClient) throws -> [JSON] {
            try client.send(#"{"type":"ping"}"#)
            var before: [JSON] = []
            while true {
                let message = try client.next()
                if message == .object(["type": .string("pong")]) { return before }
                before.append(message)
            }
        }

        /// A watcher of project:new-schools that has seen three ratings, one delta each: every delta it saw, and the epoch.
        static func watcherWithHistory(_ app: TestApp, slug: String = "new-schools") throws -> (LiveClient, [Seen], String) {
            let watcher = try app.live()
            let (start, epoch) = try watch("project:\(slug)", with: watcher)
            var seen: [Seen] = [(start, "")]
            for participants in 1...3 {
                #expect(try app.rate(slug, id: "r-1", level: participants + 1, as: app.newCitizen()).status == 200)
                seen += try readDeltas(watcher, after: seen.last!.seq, until: participants)
            }
            return (watcher, seen, epoch)
        }

        @Test func resumingFromASeqStillInHistoryReplaysExactlyTheMissedDeltas() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let (watcher, seen, epoch) = try Self.watcherWithHistory(app)
            let since = seen[1].seq

            let resumer = try app.live()
            try resumer.subscribe("project:new-schools", since: UInt64(since), epoch: epoch)
            for missed in seen.filter({ $0.seq > since }) {
                let replayed = try resumer.nextWithText()
                #expect(replayed.json["seq"]?.int == missed.seq)
                #expect(replayed.text == missed.text, "the same delta, byte for byte")
            }
            // Then what its own subscription changed: one more watcher, with the next seq, for both.
            let next = try resumer.next()
            #expect(next["type"] == .string("delta"))
            #expect(next["seq"]?.int == seen.last!.seq + 1)
            #expect(next["data"]?["watchers"] == .number(2))
            #expect(try watcher.next()["seq"]?.int == seen.last!.seq + 1)
        }

        @Test func resumingAWatchedTopicReplaysWhatWasMissedAndKeepsTheWatcherCount() throws {
            // The client saw a gap and subscribes again on the same connection.
            let app = try TestApp()
            defer { app.shutdown() }
            let (watcher, seen, epoch) = try Self.watcherWithHistory(app)
            try watcher.subscribe("project:new-schools", since: UInt64(seen[1].seq), epoch: epoch)
            let replayed = try Self.drainUntilPong(watcher)
            #expect(replayed.compactMap { $0["seq"]?.int } == seen.dropFirst(2).map(\.seq), "the missed deltas and nothing else")
            #expect(app.application.tally.watchers("project:new-schools") == 1)
            #expect(try app.tally("new-schools")["watchers"] == .number(1))
        }

        @Test func resumingWithTheCurrentSeqSendsNothing() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let (watcher, seen, epoch) = try Self.watcherWithHistory(app)
            let current = seen.last!.seq

            // On the same connection: nothing at all.
            try watcher.subscribe("project:new-schools", since: UInt64(current), epoch: epoch)
            #expect(try Self.drainUntilPong(watcher).isEmpty)

            // On a new connection: no snapshot and no replay; the first message is the delta its own subscription causes.
            let resumer = try app.live()
            try resumer.subscribe("project:new-schools", since: UInt64(current), epoch: epoch)
            let first = try resumer.next()
            #expect(first["type"] == .string("delta"))
            #expect(first["seq"]?.int == current + 1)
            #expect(first["data"]?["watchers"] == .number(2))
            #expect(first["data"]?["tally"]?["watchers"] == .number(2), "only the watcher count changed since seq \(current)")
            #expect(first["data"]?["tally"]?["participants"] == nil)
        }

        @Test func resumingFromASeqOlderThanTheHistoryGetsASnapshot() throws {
            let app = try TestApp { $0.liveHistory = 2 }
            defer { app.shutdown() }
            let (watcher, seen, epoch) = try Self.watcherWithHistory(app, slug: "bus-lines")
            var last = seen.last!.seq

            // The history holds the last two deltas: `since` just before them replays both.
            let replayed = try app.live()
            try replayed.subscribe("project:bus-lines", since: UInt64(last - 2), epoch: epoch)
            #expect(try replayed.next()["seq"]?.int == last - 1)
            #expect(try replayed.next()["seq"]?.int == last)
            last += 1
            #expect(try watcher.next()["seq"]?.int == last, "the replayed client's own subscription")

            // One further back is gone: a snapshot with the current seq instead.
            let behind = try app.live()
            try behind.subscribe("project:bus-lines", since: UInt64(last - 3), epoch: epoch)
            let snapshot = try behind.next()
            #expect(snapshot["type"] == .string("snapshot"))
            #expect(snapshot["seq"]?.int == last)
            #expect(snapshot["data"]?["tally"]?["participants"] == .number(3))
            #expect(snapshot["data"]?["watchers"] == .number(3))
        }

        @Test(arguments: [nil, "0000000000000000", "another-run"] as [String?])
        func resumingWithoutThisRunsEpochGetsASnapshot(_ epoch: String?) throws {
            // Sequence numbers restart with the server; a `since` from another run must not be taken for this one's.
            let app = try TestApp()
            defer { app.shutdown() }
            let (_, seen, _) = try Self.watcherWithHistory(app)
            let resumer = try app.live()
            try resumer.subscribe("project:new-schools", since: UInt64(seen[1].seq), epoch: epoch)
            let snapshot = try resumer.next()
            #expect(snapshot["type"] == .string("snapshot"))
            #expect(snapshot["seq"]?.int == seen.last!.seq)
        }

        @Test func resumingWithASeqAheadOfTheServerGetsASnapshot() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let client = try app.live()
            try client.subscribe("campaign:city-2026", since: 1_000_000, epoch: app.application.tally.epochs[0])
            let snapshot = try client.next()
            #expect(snapshot["type"] == .string("snapshot"))
            #expect((snapshot["seq"]?.int ?? .max) < 1_000_000)
        }

        @Test func watchersMoveWhenAnotherClientSubscribesUnsubscribesAndCloses() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let watcher = try app.live()
            try Self.watch("project:bus-lines", with: watcher)
            let board = try app.live()
            try board.subscribe("campaign:city-2026")
            #expect(try board.next()["data"]?["projects"]?["bus-lines"]?["watchers"] == .number(1))

            func expectWatchers(_ count: Int, _ comment: Comment) throws {
                let delta = try watcher.next("delta")
                #expect(delta["data"]?["watchers"] == .number(Double(count)), comment)
                #expect(delta["data"]?["tally"]?["watchers"] == .number(Double(count)), comment)
                let boardDelta = try board.next("delta") { $0["data"]?["projects"]?["bus-lines"] != nil }
                #expect(boardDelta["data"]?["projects"]?["bus-lines"]?["watchers"] == .number(Double(count)), comment)
                #expect(try app.tally("bus-lines")["watchers"] == .number(Double(count)), comment)
            }

            let other = try app.live()
            try other.subscribe("project:bus-lines")
            try expectWatchers(2, "a second client subscribed")
            try other.unsubscribe("project:bus-lines")
            try expectWatchers(1, "it unsubscribed")
            try other.subscribe("project:bus-lines")
            try expectWatchers(2, "it subscribed again")
            other.close()
            try expectWatchers(1, "its connection closed")
            #expect(app.application.tally.watchers("campaign:city-2026") == 1)
        }

        /// A watcher who joins mid-interval is given the state now; if a field then moves back to what the group's
        /// last delta said, the group's next delta must still say it, or the newcomer keeps the moved value.
        @Test func aFieldThatMovesAndMovesBackAfterASnapshotIsInTheNextDelta() throws {
            let app = try TestApp { $0.liveIntervalMilliseconds = 1_000 }
            defer { app.shutdown() }
            let first = try app.live()
            let second = try app.live()
            try first.subscribe("project:bus-lines")
            try second.subscribe("project:bus-lines")
            // Both are counted once the deltas of their arrival are out: the group was last told 2.
            _ = try first.next("delta") { $0["data"]?["watchers"] == .number(2) }
            let newcomer = try app.live()
            try newcomer.subscribe("project:bus-lines")
            #expect(try newcomer.next("snapshot")["data"]?["watchers"] == .number(3), "the snapshot is the state now")
            try second.unsubscribe("project:bus-lines")
            #expect(eventually { app.application.tally.watchers("project:bus-lines") == 2 })
            // Back to 2, which is what the group was last told; the newcomer was told 3.
            let delta = try newcomer.next("delta")
            #expect(delta["data"]?["watchers"] == .number(2))
            #expect(delta["data"]?["tally"]?["watchers"] == .number(2))
        }

        @Test func twoHundredRatingsReachAWatcherAsFewDeltasAtMostOncePerInterval() throws {
            let interval = 100.0
            let app = try TestApp {
                $0.liveIntervalMilliseconds = Int(interval)
                $0.rateLimits = RateLimitPolicy(perIPPerSecond: 10_000, perIPBurst: 10_000, perCitizenPerSecond: 100,
                                                perCitizenBurst: 100, newCitizensPerIPPerHour: 10_000)
            }
            defer { app.shutdown() }
            let watcher = try app.live()
            let subscribed = try Self.watch("project:new-schools", with: watcher).seq
            let ratings = 200
            let citizens = (0..<ratings).map { _ in app.newCitizen() }
            let level = { (index: Int) in index % 5 + 1 }

            // The watcher reads on a thread of its own, so each delta is timed when it arrives.
            let reader = HandOff((client: watcher, arrivals: [(milliseconds: Double, text: String)](), failure: String?.none))
            let start = ContinuousClock.now
            let reading = BackgroundWork {
                do {
                    while true {
                        let (text, json) = try reader.value.client.nextWithText()
                        reader.value.arrivals.append((milliseconds(since: start), text))
                        if json["data"]?["tally"]?["participants"] == .number(Double(ratings)) { return }
                    }
                } catch {
                    reader.value.failure = "\(error)"
                }
            }

            // Bursts of ten pipelined ratings every 50 ms for a second: faster than the interval, and long enough for
            // the interval to matter. (The pause paces the sender; nothing waits on the server by the clock.)
            let bursts = 20, burstSize = ratings / bursts
            let sender = try app.connect()
            var statuses: [Int: Int] = [:]
            for burst in 0..<bursts {
                let due = start + .milliseconds(50 * burst)
                if ContinuousClock.now < due { try? sleepUntil(due) }
                var bytes: [UInt8] = []
                for index in burst * burstSize..<(burst + 1) * burstSize {
                    let body = TestApp.ratingBody(id: "r-\(index)", level: level(index), suggestion: index % 4 == 0 ? "建议 \(index)" : nil)
                    bytes += TestHTTPClient.request("POST", "/api/projects/new-schools/rating", host: app.host, headers: [
                        ("Cookie", citizens[index].cookie), ("Content-Type", "application/json"),
                    ], body: Array(body.utf8))
                }
                try sender.send(bytes)
                for _ in 0..<burstSize {
                    statuses[try sender.readResponse(method: "POST").status, default: 0] += 1
                }
            }
            #expect(statuses == [200: ratings])
            #expect(reading.wait(seconds: 15), "the watcher saw every rating")
            #expect(reader.value.failure == nil)

            let arrivals = reader.value.arrivals
            let deltas = try arrivals.map { try JSON.parse($0.text) }
            let elapsed = try #require(arrivals.last?.milliseconds)
            #expect(deltas.count <= Int(elapsed / interval) + 2, "\(deltas.count) deltas in \(Int(elapsed)) ms")
            #expect(deltas.count >= 3, "ratings over a second come as several deltas, not one at the end: \(deltas.count)")
            for (index, delta) in deltas.enumerated() {
                #expect(delta["type"] == .string("delta"))
                #expect(delta["seq"]?.int == subscribed + 1 + index, "consecutive: a reader that keeps up loses nothing")
            }
            let gaps = zip(arrivals.dropFirst(), arrivals).map { $0.milliseconds - $1.milliseconds }
            #expect(gaps.allSatisfy { $0 >= interval * 0.6 }, "gaps between deltas: \(gaps.map { Int($0) }) ms")

            // The deltas, each saying what changed, add up to the committed total.
            var merged: [String: JSON] = [:]
            for delta in deltas {
                guard case .object(let fields) = delta["data"]?["tally"] ?? .object([:]) else { continue }
                merged.merge(fields) { _, new in new }
            }
            let final = JSON.object(merged)
            let committed = try app.tally("new-schools")
            for field in ["participants", "counts", "average", "suggestions"] {
                #expect(final[field] == committed[field], "\(field): the deltas add up to the committed tally")
            }
            #expect(final["counts"]?.ints == Array(repeating: ratings / 5, count: 5))
            #expect(final["participants"] == .number(Double(ratings)))
            #expect(final["suggestions"] == .number(Double(ratings / 4)))
            #expect(final["average"] == .number(3))
            #expect(try app.storedRows("rating", for: "new-schools") == ratings)
            let counts = try app.readDatabase { db in
                try db.row("""
                    SELECT level1, level2, level3, level4, level5 FROM tally JOIN project p ON p.id = tally.project
                    WHERE p.slug = 'new-schools'
                    """, []).map { row in (0..<5).map { row[$0] as Int } }
            }
            #expect(counts == final["counts"]?.ints)
        }

        @Test func theFirstChangeAfterAQuietIntervalGoesOutAtOnce() throws {
            // With a long interval, the first change (here: the subscriber itself joining the watchers) must not
            // wait for the interval to pass.
            let app = try TestApp { $0.liveIntervalMilliseconds = 3_000 }
            defer { app.shutdown() }
            let watcher = try app.live()
            let began = ContinuousClock.now
            try watcher.subscribe("project:elder-care")
            #expect(try watcher.next()["type"] == .string("snapshot"))
            let delta = try watcher.next()
            #expect(delta["type"] == .string("delta"))
            #expect(delta["data"]?["watchers"] == .number(1))
            #expect(milliseconds(since: began) < 1_500, "sent at once, not after the 3 s interval")
        }

        @Test func phaseGroupsEachGetOneDeltaPerIntervalAtStaggeredTimesWithTheirOwnNumbers() throws {
            // Two groups, 300 ms interval: the cadence visits one group every 150 ms.
            let app = try TestApp { $0.livePhases = 2; $0.liveIntervalMilliseconds = 300 }
            defer { app.shutdown() }
            var groups: [String: [(LiveClient, Int)]] = [:]
            for _ in 0..<4 {
                let watcher = try app.live()
                let (seq, epoch) = try Self.watch("project:new-schools", with: watcher)
                groups[epoch, default: []].append((watcher, seq))
            }
            #expect(groups.count == 2, "watchers fall into both groups (by connection id): \(groups.keys.sorted())")
            #expect(Set(groups.keys.map { $0.split(separator: "-").first ?? "" }).count == 1, "one run, one group suffix each")

            let started = ContinuousClock.now
            #expect(try app.rate("new-schools", id: "phase-1", level: 5, as: app.newCitizen()).status == 200)
            var firstArrival: [String: Duration] = [:]
            for (epoch, members) in groups {
                for (watcher, seq) in members {
                    let seen = try Self.readDeltas(watcher, after: seq, until: 1)
                    let arrived = ContinuousClock.now - started
                    firstArrival[epoch] = min(firstArrival[epoch] ?? arrived, arrived)
                    #expect(!seen.isEmpty, "every group gets the change, numbered in its own sequence")
                }
            }
            // Both groups got the change within one interval (plus slack for a loaded machine).
            for (epoch, arrived) in firstArrival {
                #expect(arrived < .milliseconds(300 + 700), "group \(epoch) got the change \(arrived) after it was acknowledged")
            }
        }

        @Test func acknowledgementsAndDeltasCarryTheAppliedCountWhenItIsOn() throws {
            let app = try TestApp { $0.liveIncludeAppliedCount = true }
            defer { app.shutdown() }
            let watcher = try app.live()
            let start = try Self.watch("project:new-schools", with: watcher).seq
            let ack = try JSON.parse(app.rate("new-schools", id: "count-1", level: 4, as: app.newCitizen()).text)
            guard case .number(let applied) = ack["applied"] else {
                Issue.record("the acknowledgement has no applied count: \(ack)")
                return
            }
            #expect(applied >= 1)
            let delta = try #require(try Self.readDeltas(watcher, after: start, until: 1).last)
            guard case .number(let reflected) = try JSON.parse(delta.text)["applied"] else {
                Issue.record("the delta has no applied count")
                return
            }
            #expect(reflected >= applied, "the delta reflects the acknowledged write")
        }

        @Test func watchersLearnWhenTheWindowClosesAndWritesAreRefusedFromThen() throws {
            // A clock the test moves: the window closes when the test says so, not after a real wait.
            let closes: Int64 = 1_800_000_000_000
            let clock = ManualTimeSource(closes - 60_000)
            let soon = TestCampaign(id: "soon-2026", opens: "2020-01-01T00:00:00Z", closes: iso8601UTC(milliseconds: closes),
                                    slugs: ["soon-road"])
            let app = try TestApp(campaigns: [soon], time: clock)
            defer { app.shutdown() }
            let board = try app.live()
            try board.subscribe("campaign:soon-2026")
            #expect(try board.next()["data"]?["state"] == .string("open"))
            let watcher = try app.live()
            try watcher.subscribe("project:soon-road")
            #expect(try watcher.next()["data"]?["state"] == .string("open"))
            #expect(try app.rate("soon-road", id: "r-1", level: 4, as: app.newCitizen()).status == 200)

            clock.set(closes)
            let closed = try watcher.next("delta") { $0["data"]?["state"] == .string("closed") }
            #expect(closed["data"]?["tally"] == .object([:]), "only the state changed")
            #expect(try board.next("delta") { $0["data"]?["state"] == .string("closed") }["data"]?["projects"] == .object([:]))
            let refused = try app.rate("soon-road", id: "r-2", level: 4, as: app.newCitizen())
            #expect(refused.status == 409)
            #expect(refused.errorCode == "campaign.closed")
            #expect(try app.get("/api/campaigns/soon-2026").json()["campaign"]?["state"] == .string("closed"))
        }
    }
}

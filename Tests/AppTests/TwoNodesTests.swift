@testable import App
import Dispatch
import Foundation
@testable import Storage
import Synchronization
import TestSupport
import Testing

/// Two applications on one PostgreSQL database: two nodes of a cluster, each with its own writer.
@Suite(.enabled(if: TestDatabase.engine == .postgres, "two nodes share a database on PostgreSQL only"))
struct TwoNodesTests {
    /// The office on node A, the citizen's page on node B: the office's typing (never stored, sent as a signal) and
    /// its reply (committed, through the change feed) both reach the page.
    @Test func theOfficesTypingAndReplyOnOneNodeReachTheCitizensPageOnAnother() throws {
        let nodeA = try TestApp()
        defer { nodeA.shutdown() }
        let nodeB = try TestApp { $0.databasePath = nodeA.databasePath }
        defer { nodeB.shutdown() }
        let office = try nodeA.staff("li.wei", departments: ["mayors-office"])
        let citizen = nodeB.newCitizen()
        let code = try nodeB.letter(citizen)
        let id = try nodeA.threadID(code: code)

        let page = try nodeB.live(citizen)
        try page.subscribe("thread:\(code)")
        #expect(try page.next()["entry"]?["seq"] == .number(1))
        #expect(try page.next()["type"] == .string("caught_up"))
        let console = try nodeA.staffLive(office)
        try console.subscribe("case:\(id)")
        _ = try console.next("caught_up")

        try console.send(#"{"type":"typing","topic":"case:\#(id)"}"#)
        let typing = try page.next()
        #expect(typing["type"] == .string("typing"))
        #expect(typing["by"] == .string("staff"))
        try console.send(#"{"type":"post","id":"p-1","topic":"case:\#(id)","body":"我们已派人查看。"}"#)
        #expect(try console.next("ack")["status"] == .string("applied"))
        let entry = try page.next("entry")
        #expect(entry["entry"]?["seq"] == .number(2))
        #expect(entry["entry"]?["body"] == .string("我们已派人查看。"))
    }

    /// Every node samples the history each interval; at the interval's start as their time, one sample is kept.
    @Test func twoNodesSamplingTheSameIntervalLeaveOneSample() throws {
        let nodeA = try TestApp()
        defer { nodeA.shutdown() }
        let nodeB = try TestApp { $0.databasePath = nodeA.databasePath }
        defer { nodeB.shutdown() }
        #expect(try nodeA.rate("new-schools", id: "r1", level: 4, as: nodeA.newCitizen()).status == 200)
        // Node B hears of the rating through the feed.
        _ = eventually(within: 20) { nodeB.application.tally.campaignTally("city-2026")?.ratings == 1 }
        #expect(nodeB.application.tally.campaignTally("city-2026")?.ratings == 1)

        let at = HistorySampler.sampleTime(now: 1_234_567, intervalMilliseconds: 300_000)
        #expect(at == 1_200_000)
        #expect(HistorySampler.sampleTime(now: 1_200_000, intervalMilliseconds: 300_000) == 1_200_000)
        #expect(nodeA.application.history.sample(at: at) == ["city-2026"])
        #expect(nodeB.application.history.sample(at: at) == ["city-2026"])
        let samples = try nodeA.readDatabase { db in
            try db.value(Int.self, "SELECT count(*) FROM campaign_sample WHERE campaign = 'city-2026'")
        }
        #expect(samples == 1)
    }

    /// A node whose feed skipped rows it never read (pruned while it was cut off) reports its live state lost (`serve`
    /// then stops it for its supervisor to start it again) and is not ready meanwhile: the balancer stops sending it
    /// clients, and the operator reads why.
    @Test func aNodeThatMissedChangesOfTheOthersReportsItsLiveStateLostAndIsNotReady() throws {
        let node = try TestApp()
        defer { node.shutdown() }
        let reported = Mutex<[String]>([])
        node.application.liveStateLoss.whenReported { reason in reported.withLock { $0.append(reason) } }
        #expect(try node.get("/readyz").status == 200)
        #expect(node.application.liveStateLoss.reason == nil)
        let head = try #require(try node.readDatabase { db in try db.value(Int64.self, "SELECT seq FROM change_feed_head WHERE id = 1") })
        // Two batches of another node were committed and pruned; a third's row is left.
        _ = try node.application.store.write { db in
            try db.execute("UPDATE change_feed_head SET seq = seq + 3 WHERE id = 1")
            try db.execute("INSERT INTO change_feed (seq, node, at, changes) VALUES (?1, 'elsewhere', 0, '[]')", head + 3)
        }
        // The feed reads every second.
        var readiness = try node.get("/readyz")
        _ = eventually(within: 20) {
            readiness = (try? node.get("/readyz")) ?? readiness
            return readiness.status != 200 && !reported.withLock { $0.isEmpty }
        }
        #expect(readiness.status == 503)
        #expect(readiness.errorCode == "server.not_ready")
        #expect(try readiness.json()["message"]?.string?.contains("rows \(head + 1) to \(head + 2) were pruned") == true)
        let reason = "the change feed's rows \(head + 1) to \(head + 2) were pruned before this node read them"
        #expect(reported.withLock { $0 } == [reason])
        #expect(node.application.liveStateLoss.reason == reason)
        // A handler added later hears of it at once.
        let late = Mutex<String?>(nil)
        node.application.liveStateLoss.whenReported { reason in late.withLock { $0 = reason } }
        #expect(late.withLock { $0 } == reason)
    }

    /// A claim decides from the letter's state. While another node's transaction holds the letter (here: a
    /// transaction that locks its row, then assigns it to li.wei and commits), this node's claim waits for it and
    /// then reads li.wei's claim — refused, naming her — instead of deciding from what it read before and
    /// overwriting her claim when its own UPDATE got the row.
    @Test func aClaimWaitsForAnotherNodesChangeOfTheLetterAndDecidesFromIt() throws {
        let nodeA = try TestApp()
        defer { nodeA.shutdown() }
        let nodeB = try TestApp { $0.databasePath = nodeA.databasePath }
        defer { nodeB.shutdown() }
        let code = try nodeA.letter(nodeA.newCitizen())
        let id = try nodeA.threadID(code: code)
        _ = try nodeA.staff("li.wei", departments: ["mayors-office"])
        let wang = try nodeB.staff("wang.fang", departments: ["mayors-office"])
        let li = try #require(try nodeA.readDatabase { db in try db.value(Int64.self, "SELECT id FROM staff_user WHERE name = 'li.wei'") })

        let other = try Store(configuration: StorageConfiguration(path: nodeA.databasePath, postgresPoolSize: 2))
        let locked = DispatchSemaphore(value: 0), proceed = DispatchSemaphore(value: 0), committed = DispatchSemaphore(value: 0)
        let otherFailure = Mutex<String?>(nil)
        Thread {
            do {
                try other.write { db in
                    _ = try db.rows("SELECT id FROM thread WHERE id = ?1 FOR UPDATE", id)
                    locked.signal()
                    _ = proceed.wait(timeout: .now() + 30)
                    try db.execute("UPDATE thread SET status = 'assigned', assignee = ?1 WHERE id = ?2", li, id)
                }
            } catch {
                otherFailure.withLock { $0 = String(describing: error) }
                locked.signal()
            }
            committed.signal()
        }.start()
        #expect(locked.wait(timeout: .now() + 20) == .success)

        let claim = Mutex<TestHTTPResponse?>(nil), answered = DispatchSemaphore(value: 0)
        // The test's own client, used by this thread alone until it signals.
        nonisolated(unsafe) let client = nodeB
        Thread {
            let response = try? client.post("/api/staff/threads/\(id)/claim", json: #"{"id":"w1"}"#, cookie: wang.cookie)
            claim.withLock { $0 = response }
            answered.signal()
        }.start()
        // Node B's writer is waiting for the row (PostgreSQL shows it waiting on a lock), and has not answered.
        var waiting = 0
        _ = eventually(within: 20) {
            waiting = (try? other.read { db in
                try db.value(Int.self, """
                    SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
                    """)
            }) ?? nil ?? 0
            return waiting > 0
        }
        #expect(waiting == 1)
        #expect(claim.withLock { $0 } == nil)

        proceed.signal()
        #expect(committed.wait(timeout: .now() + 20) == .success)
        #expect(otherFailure.withLock { $0 } == nil)
        #expect(answered.wait(timeout: .now() + 20) == .success)
        let response = try #require(claim.withLock { $0 })
        #expect(response.status == 409)
        #expect(response.errorCode == "thread.claimed")
        #expect(try response.json()["message"]?.string?.contains("li.wei") == true)
        let assignee = try nodeA.readDatabase { db in
            try db.value(String.self, "SELECT u.name FROM thread t JOIN staff_user u ON u.id = t.assignee WHERE t.id = ?1", [id.sqlValue])
        }
        #expect(assignee == "li.wei")
    }
}

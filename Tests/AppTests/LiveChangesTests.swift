@testable import App
import Dispatch
import Domain
import Storage
import Synchronization
import TestSupport
import Testing

/// A second node on the test's database: a `Store` and a writer of its own, as another LastWord process on the same
/// database would have. What its writer commits reaches this test's `TestApp` only through `LiveChanges.apply`.
final class OtherNode {
    let store: Store
    let writer: StoreWriter

    init(_ app: TestApp) throws {
        store = try Store(configuration: StorageConfiguration(path: app.databasePath))
        writer = store.makeWriter()
    }

    deinit { writer.shutdown() }

    /// Commits `command` and waits for its receipt (nil, and a recorded issue, unless it was applied).
    func commit(_ command: WriteCommand) -> WriteReceipt? {
        let outcome = wait { done in writer.submit(command, completion: done) }
        guard case .applied(let receipt) = outcome else {
            Issue.record("the other node did not apply \(command): \(outcome)")
            return nil
        }
        return receipt
    }

    func commit(_ command: OfficeCommand) -> OfficeReceipt? {
        let outcome = wait { done in writer.submit(command, completion: done) }
        guard case .applied(let receipt) = outcome else {
            Issue.record("the other node did not apply \(command): \(outcome)")
            return nil
        }
        return receipt
    }

    private func wait<Outcome: Sendable>(_ submit: (@escaping @Sendable (Outcome) -> Void) -> Void) -> Outcome {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Outcome?>(nil)
        submit { outcome in
            result.withLock { $0 = outcome }
            done.signal()
        }
        done.wait()
        return result.withLock { $0! }
    }
}

extension AppIntegrationTests {
    /// `LiveChanges`: a change committed elsewhere (another node's writer) applied to this node's live state.
    /// These play the change feed by hand: another store's writer commits, and the test applies the receipts. On
    /// PostgreSQL the feed itself applies them (another store on the same database is another node), so the "nothing
    /// before apply" half cannot hold there; Tests/cluster checks the feed end to end, across real nodes.
    @Suite(.enabled(if: TestDatabase.engine == .sqlite, "on PostgreSQL the change feed applies another node's changes by itself"))
    struct LiveChangesTests {
        /// Sends a ping and returns what came before the pong: the server answers a connection's messages in order,
        /// and anything published to it before the ping was queued on its loop first.
        static func beforePong(_ client: LiveClient) throws -> [JSON] {
            try client.send(#"{"type":"ping"}"#)
            var before: [JSON] = []
            while true {
                let message = try client.next()
                if message["type"] == .string("pong") { return before }
                before.append(message)
            }
        }

        @Test func aRemoteWriteMovesTheTallyAndReachesTheBoardAndTheCitizensOnlyPage() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let board = try app.live()
            defer { board.close() }
            try board.subscribe("campaign:city-2026")
            #expect(try board.next()["type"] == .string("snapshot"))
            let citizen = app.newCitizen()
            let page = try app.live(citizen)
            defer { page.close() }
            #expect(try Self.beforePong(page).isEmpty, "the page is open (and joined its citizen's channel)")

            let other = try OtherNode(app)
            let rate = WriteCommand.rate(citizen: citizen.id, project: "bus-lines", level: .init(rawValue: 4)!, suggestion: nil,
                                         clientID: try ClientActionID(validating: "remote-1"), at: SystemTimeSource().now())
            let receipt = try #require(other.commit(rate))
            #expect(try app.tally("bus-lines")["participants"] == .number(0), "committed elsewhere: not live here yet")
            #expect(try Self.beforePong(page).isEmpty)

            #expect(app.application.changes.apply(.write(rate, receipt), origin: .remote) == nil,
                    "no applied count unless live.includeAppliedCount is on")
            #expect(try app.tally("bus-lines")["participants"] == .number(1))
            let delta = try board.next("delta") { $0["data"]?["projects"]?["bus-lines"]?["participants"] == .number(1) }
            #expect(delta["data"]?["projects"]?["bus-lines"]?["counts"]?.ints == [0, 0, 0, 1, 0])
            // Nobody here has the acknowledgement: the citizen's single page is told.
            #expect(try page.next() == .object([
                "type": .string("mine"), "action": .string("rate"), "project": .string("bus-lines"), "level": .number(4),
                "suggestion": .null, "liked": .null,
            ]))

            // A write taken here over that page: the page has its ack, and is told nothing more.
            let like = WriteCommand.like(citizen: citizen.id, project: "bus-lines", liked: true,
                                         clientID: try ClientActionID(validating: "local-1"), at: SystemTimeSource().now())
            let liked = try #require(other.commit(like))
            app.application.changes.apply(.write(like, liked), origin: .local(fromPage: true))
            #expect(try Self.beforePong(page).isEmpty, "a page's own write is not sent back to it as mine")
            #expect(try app.tally("bus-lines")["likes"] == .number(1), "but the tally moved")
        }

        @Test func aRemoteStaffReplyReachesTheLettersWatcher() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            try app.addStaff("li.wei", departments: ["mayors-office"])
            let staff = try #require(try app.application.store.users().first { $0.name == "li.wei" }).principal
            let citizen = app.newCitizen()
            let code = try app.letter(citizen)
            let id = try app.threadID(code: code)
            let page = try app.live(citizen)
            defer { page.close() }
            try page.subscribe("thread:\(code)")
            _ = try page.next("caught_up")

            let other = try OtherNode(app)
            let reply = OfficeCommand.staffMessage(staff: staff, thread: id, clientID: "m-remote", body: "我们已派人查看。", note: false,
                                                   at: SystemTimeSource().now())
            let receipt = try #require(other.commit(reply))
            #expect(try Self.beforePong(page).isEmpty, "committed elsewhere: not published here yet")

            #expect(app.application.changes.apply(.office(reply, receipt), origin: .remote) == nil)
            let entry = try page.next("entry")
            #expect(entry["topic"] == .string("thread:\(code)"))
            #expect(entry["entry"]?["body"] == .string("我们已派人查看。"))
            #expect(entry["entry"]?["kind"] == .string("staff"))
            #expect(entry["entry"]?["seq"] == .number(2))
        }

        @Test func aScreeningWordAddedOnAnotherNodeIsEnforcedHereOnceApplied() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            try app.addStaff("boss", role: .admin, departments: [])
            let admin = try #require(try app.application.store.users().first { $0.name == "boss" }).principal
            let other = try OtherNode(app)
            let add = OfficeCommand.admin(admin: admin, change: .addWordRule(word: "假药", action: .block), at: SystemTimeSource().now())
            let receipt = try #require(other.commit(add))
            let letter = #"{"id":"l-1","kind":"complaint","subject":"药店","body":"有人卖假药"}"#
            let citizen = app.newCitizen()
            #expect(try app.post("/api/threads", json: letter, cookie: citizen.cookie).status == 201,
                    "this node screens with the words it read")

            app.application.changes.apply(.office(add, receipt), origin: .remote)
            let refused = try app.post("/api/threads", json: letter.replacing("l-1", with: "l-2"), cookie: citizen.cookie)
            #expect(refused.errorCode == "thread.blocked")
        }
    }
}

import Dispatch
@testable import Storage
import Synchronization
import TestSupport
import Testing

/// The change feed between nodes, on a real PostgreSQL.
@Suite(.enabled(if: TestPostgres.isAvailable, "needs PostgreSQL: set LASTWORD_TEST_POSTGRES_URL or install Debian's postgresql"))
struct ChangeFeedTests {
    /// Rows the node never read (another node's, pruned while this one was cut off) are reported once reading reaches
    /// past them: the node's live state is suspect, and `/readyz` says so through `changeFeedProblem`.
    @Test func rowsPrunedBeforeTheNodeReadThemAreReported() throws {
        let test = try TestStore(.postgres)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }
        _ = try test.store.loadTallyBoard()
        let head = try #require(try test.store.read { db in try db.value(Int64.self, "SELECT seq FROM change_feed_head WHERE id = 1") })
        let gaps = Mutex<[ClosedRange<Int64>]>([])
        let reported = DispatchSemaphore(value: 0)
        test.store.startChangeFeed(onRemote: { _ in }, onGap: { first, last in
            gaps.withLock { $0.append(first...last) }
            reported.signal()
        })
        #expect(test.store.changeFeedProblem == nil)

        // Another node committed three batches after this one's start; the first two rows are gone.
        _ = try test.store.write { db in
            try db.execute("UPDATE change_feed_head SET seq = seq + 3 WHERE id = 1")
            try db.execute("INSERT INTO change_feed (seq, node, at, changes) VALUES (?1, 'elsewhere', 0, '[]')", head + 3)
        }
        // The feed reads every second (and on a NOTIFY, which this insert did not send).
        #expect(reported.wait(timeout: .now() + 20) == .success)
        #expect(gaps.withLock { $0 } == [(head + 1)...(head + 2)])
        #expect(test.store.changeFeedProblem
            == "the change feed's rows \(head + 1) to \(head + 2) were pruned before this node read them: its live tallies may be off until it is restarted")
    }
}

import Dispatch
import Foundation
import PostgresClient
import Synchronization
import Transport

/// The bus between nodes on one PostgreSQL: every batch a node's writer commits with a live change (a rating, a
/// message, a decision…) is a row of `change_feed`, numbered 1, 2, 3 … in commit order, and a `NOTIFY` on commit.
/// Every node listens, reads the rows it has not applied, in order, and applies the other nodes' changes to its live
/// state (`onRemote`); its own batches' completions (which apply and acknowledge) wait for their turn in the same
/// order. So every node applies every change once, in one order, and a thread's messages reach a watcher on any node
/// in their order.
///
/// Numbers are dense: a batch takes the next one by `UPDATE change_feed_head … RETURNING`, whose row lock is held to
/// its COMMIT, so the next batch (of any node) takes its number after this one committed, and a rolled-back batch
/// gives its number back. A gap in what a node reads therefore means rows it has not seen yet, never rows that will
/// not come — except rows pruned after `retention` (a node away longer than that catches up from the database's
/// state instead: see `onGap`).
///
/// A notification is only a wake-up (its payload is the number): rows are read by number, so a notification lost
/// with a dropped connection costs nothing — the listener reconnects, listens again and reads from where it was;
/// and a read every `pollInterval` covers what no notification announced.
///
/// Signals: what is shown live but never stored (someone typing) goes to the other nodes as a bare NOTIFY on a
/// channel of its own (`signal`), best effort: a signal lost with a dropped connection is not sent again.
///
/// Threading: everything runs on the writer's completion queue (`attach(queue:)`), where the writer's own
/// completions run, so local and remote changes are applied one at a time in feed order.
package final class ChangeFeed: @unchecked Sendable {
    // @unchecked Sendable: the mutable state below is touched only on `queue` (attach happens before start).
    static let channel = "lastword_changes"
    static let signalChannel = "lastword_signals"
    /// A signal's payload, at most (PostgreSQL's limit for a NOTIFY is 8,000 bytes, the node's name included).
    package static let maxSignalBytes = 7_000

    /// This process's name in the feed (its rows' `node`): random per start, so a restarted node never mistakes its
    /// predecessor's rows for batches it is waiting for.
    package let node: String
    private let url: String
    private let loop: EventLoop
    private var queue: DispatchQueue!
    /// How long a row is kept (default an hour): a node away longer catches up from the database's state.
    let retention: Duration
    let pollInterval: Duration
    /// A local batch waits at most this long for the rows before it (the listener cannot reach PostgreSQL): then it
    /// is answered anyway, out of order, rather than holding its clients.
    let waitLimit: Duration

    // On `queue`:
    private var applied: Int64 = -1
    private var pending: [Int64: @Sendable () -> Void] = [:]
    private var pendingSince: [Int64: ContinuousClock.Instant] = [:]
    /// Local batches answered ahead of their turn (waitLimit): their rows are skipped when reached.
    private var answeredAhead: Set<Int64> = []
    /// Rows read but not yet applied (a local row waits for its batch's completions to be handed over).
    private var fetched: [Int64: Row] = [:]
    private var connection: PostgresConnection?
    private var fetching = false
    private var fetchAgain = false
    private var started = false
    private var stopped = false
    private var timer: DispatchSourceTimer?
    private var lastPrune = ContinuousClock.now
    private var onRemote: (@Sendable ([CommittedChange]) -> Void)?
    private var onGap: (@Sendable (Int64, Int64) -> Void)?
    private var onSignal: (@Sendable (String) -> Void)?

    /// The feed's rows this node never read (pruned first), once that happened: its live state may be off until it
    /// restarts (`Store.changeFeedProblem`, which fails `/readyz`).
    let missedRows = Mutex<ClosedRange<Int64>?>(nil)

    /// This node's numbers between the writer's `recordChanges` and their hand-over on the queue (`committed`): a
    /// row read in between is this node's batch about to be answered, never another node's. `open`: the number of
    /// the writer's transaction in progress.
    private let own = Mutex<(waiting: Set<Int64>, open: Int64?)>(([], nil))

    private struct Row {
        var node: String
        var changes: String
    }

    private static let decoder = JSONDecoder()
    private static let encoder = JSONEncoder()

    init(url: String, loop: EventLoop, retention: Duration = .seconds(3_600), pollInterval: Duration = .seconds(1),
         waitLimit: Duration = .seconds(5)) {
        self.url = url
        self.loop = loop
        self.retention = retention
        self.pollInterval = pollInterval
        self.waitLimit = waitLimit
        node = (0..<12).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement()! }.reduce("") { $0 + String($1) }
    }

    /// The writer's completion queue, where everything here runs.
    func attach(queue: DispatchQueue) {
        self.queue = queue
    }

    /// Starts reading after `seq` (the feed's head when the live state was loaded: `Store.loadTallyBoard`).
    /// `onRemote`: another node's changes, in feed order, on the completion queue. `onGap`: rows between the two
    /// numbers were pruned before this node read them; the live state should be loaded again.
    /// `onSignal`: another node's `signal`, on the completion queue.
    package func start(after seq: Int64, onRemote: @escaping @Sendable ([CommittedChange]) -> Void,
                       onGap: @escaping @Sendable (Int64, Int64) -> Void,
                       onSignal: @escaping @Sendable (String) -> Void = { _ in }) {
        queue.async { [self] in
            guard !started else { return }
            started = true
            if applied < 0 { applied = seq }
            self.onRemote = onRemote
            self.onGap = onGap
            self.onSignal = onSignal
            let timer = DispatchSource.makeTimerSource(queue: queue)
            let period = Int(pollInterval.components.seconds * 1_000 + pollInterval.components.attoseconds / 1_000_000_000_000_000)
            timer.schedule(deadline: .now(), repeating: .milliseconds(max(period, 50)))
            timer.setEventHandler { [weak self] in self?.tick() }
            self.timer = timer
            timer.resume()
        }
    }

    package func stop() {
        guard let queue else { return } // never attached to a writer: nothing started
        queue.sync {
            stopped = true
            timer?.cancel()
            timer = nil
            connection?.close()
            connection = nil
            // What still waits is answered: the process is stopping.
            for seq in pending.keys.sorted() { pending[seq]!() }
            pending.removeAll()
        }
    }

    // MARK: the writer's side

    /// Inside the writer's transaction: the number it took.
    func expect(_ seq: Int64) {
        own.withLock { own in
            own.waiting.insert(seq)
            own.open = seq
        }
    }

    /// After COMMIT: `answer` runs (applies and acknowledges) when the feed reaches `seq`.
    func committed(seq: Int64, _ answer: @escaping @Sendable () -> Void) {
        own.withLock { $0.open = nil }
        queue.async { [self] in
            // Cleared here, on the queue, together with the hand-over: a read that meets this row before it must
            // wait for it (`drain`), not apply it as another node's.
            own.withLock { _ = $0.waiting.remove(seq) }
            if !started || stopped || seq <= applied {
                // Not reading yet (start-up's demo data), stopping, or already passed: at once — and its row, when
                // reading reaches it, is skipped, not applied a second time.
                if seq > applied { answeredAhead.insert(seq) }
                answer()
                return
            }
            pending[seq] = answer
            pendingSince[seq] = .now
            drain()
            if pending[seq] != nil { fetch() }
        }
    }

    /// The writer's transaction failed after it took a number: if its COMMIT happened after all, the row is applied as
    /// another node's would be (its clients were told to retry, and their retries are duplicates).
    func batchFailed() {
        own.withLock { own in
            if let open = own.open { own.waiting.remove(open) }
            own.open = nil
        }
        queue?.async { [self] in drain() }
    }

    // MARK: reading

    private func tick() {
        if stopped { return }
        let now = ContinuousClock.now
        // Local batches that waited too long are answered now, ahead of rows this node cannot read.
        for (seq, since) in pendingSince.sorted(by: { $0.key < $1.key }) where now - since > waitLimit {
            pendingSince[seq] = nil
            if let answer = pending.removeValue(forKey: seq) {
                answeredAhead.insert(seq)
                answer()
            }
        }
        fetch()
        if now - lastPrune > .seconds(60) {
            lastPrune = now
            prune()
        }
    }

    private func withConnection(_ body: @escaping @Sendable (PostgresConnection) -> Void) {
        if let connection, connection.isOpen {
            body(connection)
            return
        }
        connection = nil
        PostgresConnection.connect(url: url, on: loop) { [weak self] result in
            guard let self else { return }
            self.queue.async {
                guard case .success(let made) = result, !self.stopped else {
                    if case .success(let made) = result { made.close() }
                    self.fetching = false
                    return
                }
                self.connection = made
                made.onNotification { [weak self] notification in
                    guard let self else { return }
                    if notification.channel == Self.signalChannel {
                        self.queue.async { self.received(signal: notification.payload) }
                    } else {
                        self.queue.async { self.fetch() }
                    }
                }
                made.query("LISTEN \(Self.channel)") { _ in }
                made.query("LISTEN \(Self.signalChannel)") { _ in }
                body(made)
            }
        }
    }

    private func fetch() {
        guard started, !stopped else { return }
        if fetching {
            fetchAgain = true
            return
        }
        fetching = true
        fetchAgain = false
        let after = max(applied, fetched.keys.max() ?? applied)
        withConnection { [weak self] connection in
            connection.query("SELECT seq, node, changes FROM change_feed WHERE seq > $1 ORDER BY seq LIMIT 500",
                             [.int(after)]) { [weak self] result in
                guard let self else { return }
                self.queue.async {
                    self.fetching = false
                    if case .success(let rows) = result {
                        for row in rows.rows {
                            guard let seq = row.int(0), let node = row.string(1), let changes = row.string(2) else { continue }
                            self.fetched[seq] = Row(node: node, changes: changes)
                        }
                        self.drain()
                        if rows.rows.count == 500 { self.fetchAgain = true }
                    }
                    if self.fetchAgain { self.fetch() }
                }
            }
        }
    }

    // MARK: signals

    /// Sends `payload` to the other nodes' `onSignal`, without waiting; dropped when over `maxSignalBytes`, before the
    /// feed started or after it stopped.
    package func signal(_ payload: String) {
        guard payload.utf8.count <= Self.maxSignalBytes, let queue else { return }
        queue.async { [self] in
            guard started, !stopped else { return }
            withConnection { [node] connection in
                connection.query("SELECT pg_notify($1, $2)", [.text(Self.signalChannel), .text(node + "\n" + payload)]) { _ in }
            }
        }
    }

    private func received(signal: String) {
        guard started, !stopped, let newline = signal.firstIndex(of: "\n") else { return }
        // This node's own signals come back too (it listens on the channel it sends on).
        guard signal[..<newline] != node else { return }
        onSignal?(String(signal[signal.index(after: newline)...]))
    }

    /// Applies what is next, in order, as far as it can.
    private func drain() {
        while true {
            let next = applied + 1
            if let answer = pending.removeValue(forKey: next) {
                pendingSince[next] = nil
                fetched[next] = nil
                applied = next
                answer()
                continue
            }
            if answeredAhead.remove(next) != nil {
                fetched[next] = nil
                applied = next
                continue
            }
            if let row = fetched[next] {
                if row.node == node && own.withLock({ $0.waiting.contains(next) }) {
                    // This node's batch, committed a moment ago: its completions are about to be handed over.
                    return
                }
                fetched[next] = nil
                applied = next
                if let changes = try? Self.decoder.decode([CommittedChange].self, from: Data(row.changes.utf8)) {
                    onRemote?(changes)
                }
                continue
            }
            // Rows pruned before this node read them: what is left starts later.
            if let first = fetched.keys.min(), first > next, pending.isEmpty {
                missedRows.withLock { missed in
                    missed = (missed?.lowerBound ?? next)...(first - 1)
                }
                onGap?(next, first - 1)
                applied = first - 1
                continue
            }
            return
        }
    }

    private func prune() {
        let cutoff = Int64(Date().timeIntervalSince1970 * 1_000) - Int64(retention.components.seconds) * 1_000
        withConnection { connection in
            connection.query("DELETE FROM change_feed WHERE at < $1", [.int(cutoff)]) { _ in }
        }
    }

    /// Encodes a batch's live changes for its row.
    static func encode(_ changes: [CommittedChange]) throws -> String {
        String(decoding: try encoder.encode(changes), as: UTF8.self)
    }
}

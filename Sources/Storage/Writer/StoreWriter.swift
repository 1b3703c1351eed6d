import Dispatch
import Domain
import Foundation
import GRDB
import Synchronization

/// The single writer, with group commit: ratings, likes and withdrawals (`WriteCommand`), and the direct line's
/// threads, messages, status changes, sessions and audit entries (`OfficeCommand`), in one queue and one order.
///
/// `submit` appends the command to a bounded queue and returns. One dedicated thread takes everything that queued up
/// while the previous transaction was being written (up to `maxBatch`) and writes it as one transaction: one WAL sync
/// for the whole batch instead of one per command. Each command runs inside its own SAVEPOINT, so a command the
/// database refuses is undone alone. Completions run only after COMMIT returned, so an acknowledged write is on disk.
///
/// The database is a `WriterDatabase` (SQLite's through GRDB today): the writer begins, commits and rolls back its
/// transactions and savepoints through its `WriterConnection`, with the same statements in every engine.
///
/// The writer validates against the database, at the command's time `at`: the project exists, its campaign's window
/// is open, and the (citizen, client id) pair is new or names the same action (then the original receipt comes back
/// as `.duplicate`).
///
/// Threading: completions run on the writer's completion queue, one at a time, in commit order. While a batch's
/// completions run, the writer is already writing the next batch: the time a COMMIT waits for the disk is used for
/// the previous batch's acknowledgements and live updates instead of being lost. At most two batches' completions
/// wait at once (a writer ahead of its completions waits), so their memory is bounded. Keep completions short (hand
/// the outcome to your own queue). Refusals decided at submission (`overloaded`, `shuttingDown`) call the
/// completion synchronously inside `submit`, on the caller's thread.
package final class StoreWriter: Sendable {
    private let core: Core

    convenience init(database: any DatabaseWriter, configuration: StorageConfiguration, observer: (any WriterObserver)? = nil) {
        self.init(writerDatabase: GRDBWriterDatabase(database: database), configuration: configuration, observer: observer)
    }

    /// `feed`: PostgreSQL's change feed — each batch's completions run once the feed reached the batch, in the order
    /// of every node's commits (see `ChangeFeed`); nil on SQLite, where they run at once in this writer's order.
    init(writerDatabase: any WriterDatabase, configuration: StorageConfiguration, observer: (any WriterObserver)? = nil,
         feed: ChangeFeed? = nil) {
        core = Core(database: writerDatabase, maxBatch: configuration.maxBatch, maxQueue: configuration.maxQueue, observer: observer,
                    feed: feed)
        feed?.attach(queue: core.completions)
        let core = core
        let thread = Thread { core.run() }
        thread.name = "lastword.writer"
        thread.qualityOfService = .userInitiated
        thread.start()
    }

    deinit {
        core.requestStop()
    }

    /// Queues a command; `completion` receives its outcome once (see the type's notes on threading).
    package func submit(_ command: WriteCommand, completion: @escaping @Sendable (WriteOutcome) -> Void) {
        core.submit(command, completion: completion)
    }

    /// Queues an office command (threads, messages, sessions); `completion` receives its outcome once, after COMMIT,
    /// on the completion queue, in commit order with every other command.
    package func submit(_ command: OfficeCommand, completion: @escaping @Sendable (OfficeOutcome) -> Void) {
        core.enqueue(.office(command, completion)) { error in completion(.rejected(error)) }
    }

    /// An import changed campaigns or projects (a new window, a new project): commands queued from now on look them
    /// up in the database again instead of in the writer's cache.
    package func forgetProjects() {
        core.state.withLock { $0.projectsChanged = true }
    }

    /// Finishes the queued commands, then stops the thread. Later submits are answered `rejected(.shuttingDown)`.
    /// Blocks until the queue is drained, the thread has stopped and every completion has run. Called from a
    /// completion (which cannot wait for itself) it returns at once; the thread still drains the queue, then stops.
    package func shutdown() {
        core.requestStop()
        core.waitUntilFinished()
    }

    package var statistics: WriterStatistics {
        core.state.withLock { state in
            var statistics = state.statistics
            statistics.queueDepth = state.queueDepth
            return statistics
        }
    }
}

extension StoreWriter {
    enum Pending: Sendable {
        case tally(WriteCommand, @Sendable (WriteOutcome) -> Void)
        case office(OfficeCommand, @Sendable (OfficeOutcome) -> Void)
    }

    /// What one command of a batch came to.
    enum Answer: Sendable {
        case tally(WriteOutcome)
        case office(OfficeOutcome)

        static func failed(_ pending: Pending, _ error: DomainError) -> Answer {
            switch pending {
            case .tally: .tally(.rejected(error))
            case .office: .office(.rejected(error))
            }
        }
    }

    /// What a committed transaction came to: each command's outcome, the last failure it met, and what it taught the
    /// writer's cache.
    struct TransactionResult {
        var outcomes: [Answer]
        var failure: String?
        var citizens: [String: Int64]
        var projects: [String: WriterProject?]
        /// The change feed's number the batch took (PostgreSQL, a batch with a live change); nil otherwise.
        var feedSeq: Int64?
    }

    fileprivate struct State: Sendable {
        /// Waiting commands are `queue[head...]`; taken ones are dropped when the queue empties or compacts.
        var queue: [Pending] = []
        var head = 0
        var stopping = false
        var finished = false
        /// The writer thread found nothing to do and waits on `wakeUp`; the next submitter signals it.
        var writerSleeping = false
        var writerThread: pthread_t?
        var statistics = WriterStatistics()
        /// An import changed campaigns or projects: the next batch looks projects up afresh.
        var projectsChanged = false

        var queueDepth: Int { queue.count - head }
    }

    fileprivate final class Core: Sendable {
        let database: any WriterDatabase
        let maxBatch: Int
        let maxQueue: Int
        /// Told about every transaction (the metrics' histograms); nil: nothing is timed.
        let observer: (any WriterObserver)?
        let state = Mutex(State())
        let wakeUp = DispatchSemaphore(value: 0)
        /// Signalled when the thread exits; each waiter passes the signal on to the next one.
        let finished = DispatchSemaphore(value: 0)
        /// Runs each batch's completions, in commit order, while the writer writes the next batch.
        let completions = DispatchQueue(label: "lastword.writer.completions", qos: .userInitiated)
        private static let completionsKey = DispatchSpecificKey<Bool>()
        /// A slot per batch from the moment the writer takes it until its completions have run: two, so the writer
        /// writes one batch while the previous one's completions run, and takes no more while both are busy.
        let completionSlots = DispatchSemaphore(value: 2)
        let feed: ChangeFeed?

        init(database: any WriterDatabase, maxBatch: Int, maxQueue: Int, observer: (any WriterObserver)?, feed: ChangeFeed?) {
            self.feed = feed
            self.database = database
            self.maxBatch = maxBatch
            self.maxQueue = maxQueue
            self.observer = observer
            completions.setSpecific(key: Self.completionsKey, value: true)
        }

        func submit(_ command: WriteCommand, completion: @escaping @Sendable (WriteOutcome) -> Void) {
            enqueue(.tally(command, completion)) { error in completion(.rejected(error)) }
        }

        func enqueue(_ pending: Pending, refuse: (DomainError) -> Void) {
            enum Admission { case queued(wake: Bool), refused(DomainError) }
            let admission = state.withLock { state -> Admission in
                if state.stopping { return .refused(.shuttingDown) }
                guard state.queueDepth < maxQueue else {
                    state.statistics.overloaded += 1
                    return .refused(.overloaded)
                }
                state.queue.append(pending)
                state.statistics.largestQueueDepth = max(state.statistics.largestQueueDepth, state.queueDepth)
                let wake = state.writerSleeping
                state.writerSleeping = false
                return .queued(wake: wake)
            }
            switch admission {
            case .queued(let wake):
                if wake { wakeUp.signal() }
            case .refused(let error):
                if error == .shuttingDown { state.withLock { $0.statistics.rejected += 1 } }
                refuse(error)
            }
        }

        func requestStop() {
            let wake = state.withLock { state -> Bool in
                state.stopping = true
                let wake = state.writerSleeping
                state.writerSleeping = false
                return wake
            }
            if wake { wakeUp.signal() }
        }

        func waitUntilFinished() {
            // A completion cannot wait for the queue it runs on (nor the writer thread for itself).
            if DispatchQueue.getSpecific(key: Self.completionsKey) == true { return }
            let mustWait = state.withLock { state -> Bool in
                if let writer = state.writerThread, pthread_equal(writer, pthread_self()) != 0 { return false }
                return true
            }
            guard mustWait else { return }
            if !state.withLock({ $0.finished }) {
                finished.wait()
                finished.signal()
            }
            // Every completion handed over before the thread stopped has run.
            completions.sync {}
        }

        /// One transaction for `batch` (see `WriterDatabase.runTransaction`).
        private func runTransaction(_ batch: [Pending], cache: WriterCache, careful: Bool = false) throws -> TransactionResult {
            try database.runTransaction(batch, cache: cache, careful: careful)
        }

        func run() {
            state.withLock { $0.writerThread = pthread_self() }
            // Owned by this thread alone: what committed transactions taught the writer.
            var cache = WriterCache()
            while true {
                // The batch about to be taken needs a slot; it is given back when the batch's completions have run.
                completionSlots.wait()
                enum Next { case batch([Pending], queued: Int), sleep, exit }
                let next = state.withLock { state -> Next in
                    guard state.queueDepth > 0 else {
                        if state.stopping {
                            state.finished = true
                            return .exit
                        }
                        state.writerSleeping = true
                        return .sleep
                    }
                    let queued = state.queueDepth
                    let end = min(state.queue.count, state.head + maxBatch)
                    let batch = Array(state.queue[state.head..<end])
                    state.head = end
                    if state.head == state.queue.count {
                        state.queue.removeAll(keepingCapacity: true)
                        state.head = 0
                    } else if state.head >= 4 * maxBatch && state.head * 2 >= state.queue.count {
                        state.queue.removeFirst(state.head)
                        state.head = 0
                    }
                    return .batch(batch, queued: queued)
                }
                switch next {
                case .batch(let batch, let queued):
                    if state.withLock({ state in defer { state.projectsChanged = false }; return state.projectsChanged }) {
                        cache.projects.removeAll()
                    }
                    process(batch, queued: queued, cache: &cache)
                case .sleep:
                    completionSlots.signal()
                    wakeUp.wait()
                case .exit:
                    completionSlots.signal()
                    finished.signal()
                    return
                }
            }
        }

        /// Writes one batch as one transaction, then answers every command in order. `queued`: the commands that were
        /// waiting when it was taken, the batch included (for the observer).
        private func process(_ batch: [Pending], queued: Int, cache: inout WriterCache) {
            var outcomes: [Answer]
            var committed = true
            var failure: String?
            var feedSeq: Int64?
            let started = observer == nil ? nil : ContinuousClock.now
            do {
                let result: TransactionResult
                do {
                    result = try runTransaction(batch, cache: cache)
                } catch let refused as FastPathRefused {
                    // Nothing was committed or answered: run the batch again, each command in its own savepoint.
                    failure = refused.description
                    result = try runTransaction(batch, cache: cache, careful: true)
                }
                outcomes = result.outcomes
                feedSeq = result.feedSeq
                failure = result.failure ?? failure
                // The executor (and its view of the cache) is gone: the cache is mutated in place, not copied.
                cache.adopt(citizens: result.citizens)
                cache.projects.merge(result.projects) { _, new in new }
            } catch {
                // BEGIN, COMMIT or a statement the database could not recover from failed: the transaction is rolled
                // back and nothing of this batch is stored, including writes a later command of the batch was a
                // duplicate of. The clients retry with the same ids.
                committed = false
                failure = String(describing: error)
                outcomes = batch.map { Answer.failed($0, .storageFailure) }
                // Its feed number, if it took one: a COMMIT that failed may still have happened.
                feed?.batchFailed()
            }
            if let observer, let started {
                observer.writerRan(WriterBatchReport(commands: batch.count, queued: queued, duration: ContinuousClock.now - started,
                                                     committed: committed))
            }
            state.withLock { state in
                if committed {
                    state.statistics.transactions += 1
                    state.statistics.largestBatch = max(state.statistics.largestBatch, batch.count)
                    state.statistics.consecutiveFailedTransactions = 0
                } else {
                    state.statistics.failedTransactions += 1
                    state.statistics.consecutiveFailedTransactions += 1
                }
                if let failure { state.statistics.lastFailure = failure }
                state.statistics.commands += batch.count
                for outcome in outcomes {
                    switch outcome {
                    case .tally(.applied), .office(.applied): state.statistics.applied += 1
                    case .tally(.duplicate), .office(.duplicate): state.statistics.duplicates += 1
                    case .tally(.rejected), .office(.rejected): state.statistics.rejected += 1
                    }
                }
            }
            // The next batch is written while these run (see the type's notes on threading); the slot this batch took
            // is given back once they have.
            let answered = outcomes
            let answer: @Sendable () -> Void = { [completionSlots] in
                for (pending, outcome) in zip(batch, answered) {
                    switch (pending, outcome) {
                    case (.tally(_, let completion), .tally(let outcome)): completion(outcome)
                    case (.office(_, let completion), .office(let outcome)): completion(outcome)
                    case (.tally(_, let completion), .office): completion(.rejected(.storageFailure))
                    case (.office(_, let completion), .tally): completion(.rejected(.storageFailure))
                    }
                }
                completionSlots.signal()
            }
            if let feed, let feedSeq {
                feed.committed(seq: feedSeq, answer)
            } else {
                completions.async(execute: answer)
            }
        }
    }
}

extension WriterDatabase {
    /// One transaction for `batch`: its outcomes, and what it taught the cache (adopted only once it committed).
    ///
    /// Written once for every engine. It is a requirement of `WriterDatabase`, so each database's witness calls it
    /// with its own concrete connection and statements, and the compiler specializes it (and `CommandExecutor`) for
    /// them: SQLite's `RawStatement`s are called directly, as before this code was generic.
    func runTransaction(_ batch: [StoreWriter.Pending], cache: WriterCache, careful: Bool) throws
        -> StoreWriter.TransactionResult
    {
        try withWriterConnection { connection in
            try connection.begin()
            do {
                var outcomes: [StoreWriter.Answer] = []
                outcomes.reserveCapacity(batch.count)
                var executor = try CommandExecutor(connection, cache: cache, careful: careful)
                for pending in batch {
                    switch pending {
                    case .tally(let command, _):
                        outcomes.append(.tally(try executor.execute(command)))
                    case .office(let command, _):
                        outcomes.append(.office(try executor.execute(command)))
                    }
                }
                try executor.finish()
                let feedSeq = recordsChanges ? try recordChanges(Self.liveChanges(batch, outcomes), on: connection) : nil
                // The database may have ended the transaction by itself (SQLite does after some errors): then there
                // is nothing to commit.
                guard connection.isInsideTransaction else {
                    throw SQLError(kind: .other, message: "the transaction was rolled back by the database")
                }
                try connection.commit()
                return StoreWriter.TransactionResult(
                    outcomes: outcomes, failure: executor.lastFailure, citizens: executor.newCitizens,
                    projects: executor.lookedUpProjects, feedSeq: feedSeq)
            } catch {
                // The first error is the one reported, as GRDB's `inTransaction` did. (A rollback that fails as well
                // leaves the transaction open, which GRDB refuses when the connection is handed back, as before.)
                try? connection.rollback()
                throw error
            }
        }
    }
}

extension WriterDatabase {
    /// SQLite keeps no feed: one node.
    var recordsChanges: Bool { false }

    func recordChanges(_ changes: [CommittedChange], on connection: Connection) throws -> Int64? { nil }

    /// The applied commands of a batch that other nodes must hear of, in order.
    static func liveChanges(_ batch: [StoreWriter.Pending], _ outcomes: [StoreWriter.Answer]) -> [CommittedChange] {
        var changes: [CommittedChange] = []
        for (pending, outcome) in zip(batch, outcomes) {
            let change: CommittedChange
            switch (pending, outcome) {
            case (.tally(let command, _), .tally(.applied(let receipt))): change = .write(command, receipt)
            case (.office(let command, _), .office(.applied(let receipt))): change = .office(command, receipt)
            default: continue
            }
            if change.isLive { changes.append(change) }
        }
        return changes
    }
}

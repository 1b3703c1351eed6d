import Domain
import Logging
import Storage
import Synchronization

/// Deletes the writer's receipts once they are older than the retention, so the table that makes retries count once
/// stays bounded by the retention times the rate limits instead of growing with every action ever taken.
///
/// Runs on its own utility queue: once at start, then every `interval`. Each pass deletes in chunks of `chunk`
/// rows, each its own short transaction on the writer connection, so the rating writer waits for at most one chunk
/// at a time.
final class ReceiptPruner: Sendable {
    private let store: Store
    private let retentionMilliseconds: Int64
    private let chunk: Int
    private let logger: Logger
    private let time: any TimeSource
    private let task: Mutex<PeriodicTask?> = Mutex(nil)

    init(store: Store, time: any TimeSource, retentionMilliseconds: Int64, intervalMilliseconds: Int, chunk: Int = 5_000, logger: Logger) {
        self.time = time
        precondition(retentionMilliseconds >= 0 && intervalMilliseconds > 0 && chunk > 0, "retention, interval and chunk must be positive")
        self.store = store
        self.retentionMilliseconds = retentionMilliseconds
        self.chunk = chunk
        self.logger = logger
        let periodic = PeriodicTask(label: "lastword.receipts", intervalMilliseconds: intervalMilliseconds) { [weak self] in
            self?.prune()
        }
        task.withLock { $0 = periodic }
    }

    func start() {
        task.withLock { $0 }?.start()
    }

    /// No pass starts after this returns; one in progress finishes its current chunk first.
    func stop() {
        task.withLock { $0 }?.stop()
    }

    private var isStopped: Bool { task.withLock { $0 }?.isStopped ?? true }

    private func prune() {
        let cutoff = time.now() - retentionMilliseconds
        var total = 0
        do {
            while !isStopped {
                let deleted = try store.pruneReceipts(appliedBefore: cutoff, limit: chunk)
                total += deleted
                if deleted < chunk { break }
            }
        } catch {
            logger.error("pruning receipts failed", metadata: ["error": "\(error)"])
        }
        if total > 0 {
            logger.info("receipts pruned", metadata: ["count": "\(total)", "appliedBefore": "\(cutoff)"])
        }
    }
}

/// Counters of the `StoreWriter`, for logs and the benchmark.
package struct WriterStatistics: Sendable, Equatable {
    /// Transactions committed.
    package var transactions = 0
    /// Transactions that failed (the database refused BEGIN or COMMIT); their commands were answered `storageFailure`.
    package var failedTransactions = 0
    /// Commands the writer thread processed (in committed or failed transactions).
    package var commands = 0
    package var applied = 0
    package var duplicates = 0
    /// Commands refused by the writer thread or at submission (invalid id or suggestion, window, unknown project…),
    /// not counting `overloaded`.
    package var rejected = 0
    /// Commands refused at submission because the queue was full.
    package var overloaded = 0
    /// The most commands committed in one transaction.
    package var largestBatch = 0
    /// Commands waiting now.
    package var queueDepth = 0
    /// The deepest the queue has been.
    package var largestQueueDepth = 0
    /// Transactions that failed one after another, up to now (0 after a commit): the database refuses writes.
    package var consecutiveFailedTransactions = 0
    /// The last database error the writer met (a refused command or a failed transaction), for the log.
    package var lastFailure: String?

    package init() {}

    /// Commands per transaction.
    package var averageBatch: Double {
        let total = transactions + failedTransactions
        return total == 0 ? 0 : Double(commands) / Double(total)
    }
}

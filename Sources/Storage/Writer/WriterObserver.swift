/// Told about every transaction the single writer ran, on the writer's thread, once per batch (never per command):
/// keep it short — the application records three histogram observations.
package protocol WriterObserver: Sendable {
    func writerRan(_ batch: WriterBatchReport)
}

/// One transaction of the writer, for the metrics.
package struct WriterBatchReport: Sendable, Equatable {
    /// Commands in the transaction.
    package var commands: Int
    /// Commands waiting when the writer took the batch, the batch included.
    package var queued: Int
    /// From BEGIN to the return of COMMIT (both attempts when the fast path was refused and the batch ran again).
    package var duration: Duration
    /// False when the database failed BEGIN or COMMIT and nothing of the batch was stored.
    package var committed: Bool

    package init(commands: Int, queued: Int, duration: Duration, committed: Bool) {
        self.commands = commands
        self.queued = queued
        self.duration = duration
        self.committed = committed
    }
}

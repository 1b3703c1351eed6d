import CoreMetrics
import Storage

/// The writer's histograms, recorded through swift-metrics once per transaction on the writer's thread.
struct WriterMetrics: WriterObserver {
    private let queued: Recorder
    private let batch: Recorder
    private let commit: CoreMetrics.Timer

    init(factory: any MetricsFactory) {
        queued = Recorder(label: MetricsCatalog.writerQueuedAtBatch.name, dimensions: [], aggregate: true, factory: factory)
        batch = Recorder(label: MetricsCatalog.writerBatch.name, dimensions: [], aggregate: true, factory: factory)
        commit = CoreMetrics.Timer(label: MetricsCatalog.writerCommit.name, dimensions: [], factory: factory)
    }

    func writerRan(_ report: WriterBatchReport) {
        queued.record(report.queued)
        // A failed transaction committed nothing: its size and time are not a commit's (it counts in
        // lastword_writer_failed_transactions_total instead).
        guard report.committed else { return }
        batch.record(report.commands)
        let (seconds, attoseconds) = report.duration.components
        commit.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

import Dispatch
import Synchronization

/// Runs a piece of upkeep on its own utility queue: once at start, then every `interval` after the previous run
/// ended (so a slow run never overlaps the next). The receipt pruner, the history sampler and the catalog watcher
/// are its clients; none of them is on the path of a rating.
final class PeriodicTask: Sendable {
    private let queue: DispatchQueue
    private let interval: DispatchTimeInterval
    private let body: @Sendable () -> Void
    private let stopped = Mutex(false)

    init(label: String, intervalMilliseconds: Int, body: @escaping @Sendable () -> Void) {
        precondition(intervalMilliseconds > 0, "the interval must be positive")
        queue = DispatchQueue(label: label, qos: .utility)
        interval = .milliseconds(intervalMilliseconds)
        self.body = body
    }

    func start() {
        schedule(after: .now())
    }

    /// No run starts after this returns; one in progress finishes first.
    func stop() {
        stopped.withLock { $0 = true }
        queue.sync {}
    }

    /// Whether `stop()` was called: a long run checks it between chunks of work.
    var isStopped: Bool { stopped.withLock { $0 } }

    private func schedule(after deadline: DispatchTime) {
        queue.asyncAfter(deadline: deadline) { [self] in
            guard !isStopped else { return }
            body()
            schedule(after: .now() + interval)
        }
    }
}

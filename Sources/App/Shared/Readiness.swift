import Storage

/// Whether this node should be sent traffic (`GET /readyz`): it can take writes now. Liveness (`/healthz`) only says
/// the process answers; readiness also fails while the database cannot be written (file or directory not writable,
/// the disk nearly full, the writer's last transaction failed) or the writer is falling behind (its queue over half
/// full, where new writes would soon be refused with `server.busy`), and on a cluster once the node missed changes
/// of the others (`Store.changeFeedProblem`): a balancer then takes it out until it is restarted.
struct Readiness: Sendable {
    let store: Store
    let writer: StoreWriter
    let maxQueue: Int
    let minimumFreeBytes: Int64

    /// Why not ready, in the operator's words, or nil.
    func problem() -> String? {
        let statistics = writer.statistics
        if statistics.consecutiveFailedTransactions > 0 {
            return "the database refused the last \(statistics.consecutiveFailedTransactions) transaction(s): "
                + (statistics.lastFailure ?? "no reason given")
        }
        if statistics.queueDepth * 2 > maxQueue {
            return "the writer is behind: \(statistics.queueDepth) writes waiting (database.writerMaxQueue is \(maxQueue))"
        }
        if let problem = store.changeFeedProblem { return problem }
        return store.writabilityProblem(minimumFreeBytes: minimumFreeBytes)
    }
}

import Synchronization

/// Raised once when this node's live state can no longer be trusted: on PostgreSQL, rows of the change feed were
/// pruned before the node read them (it was cut off longer than the feed keeps them), so its tallies, boards and
/// threads may lack other nodes' changes that no watcher of this node will ever be sent. Patching the state in place
/// would race the node's own batches; a node is stateless apart from its connections, so `serve` stops it instead
/// (its WebSockets close with 1001 and their clients resume on another node through the balancer) and exits with
/// `exitStatus`, and its supervisor (systemd's `Restart=on-failure`) starts it again with the state read afresh.
package final class LiveStateLoss: Sendable {
    /// EX_TEMPFAIL (sysexits.h): a temporary failure, start again.
    package static let exitStatus: Int32 = 75

    private let state = Mutex<(reason: String?, handlers: [@Sendable (String) -> Void])>((nil, []))

    package init() {}

    /// Why the live state was lost, once it was.
    package var reason: String? {
        state.withLock { $0.reason }
    }

    /// The first report counts: the handlers run once, on the caller's thread.
    package func report(_ reason: String) {
        let handlers: [@Sendable (String) -> Void] = state.withLock { state in
            guard state.reason == nil else { return [] }
            state.reason = reason
            defer { state.handlers.removeAll() }
            return state.handlers
        }
        for handler in handlers { handler(reason) }
    }

    /// `handler` runs once when the loss is reported, or at once if it was already.
    package func whenReported(_ handler: @escaping @Sendable (String) -> Void) {
        let reason: String? = state.withLock { state in
            if state.reason == nil { state.handlers.append(handler) }
            return state.reason
        }
        if let reason { handler(reason) }
    }
}

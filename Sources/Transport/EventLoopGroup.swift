import Synchronization

/// The event loops of a server; new connections are spread over them round-robin.
package final class EventLoopGroup: Sendable {
    package let loops: [EventLoop]
    private let nextIndex = Atomic<Int>(0)

    /// `count` loops; 0 means one per CPU this process may run on.
    package init(count: Int = 0, readiness: ReadinessMode = .loopEpoll) {
        let n = count > 0 ? count : availableCPUCount()
        loops = (0..<n).map { EventLoop(index: $0, readiness: readiness) }
    }

    /// Stops every loop's poller and sweep; call once no connection is left (Server.shutdown does, for the loops it made).
    package func shutdown() {
        for loop in loops {
            loop.queue.sync {
                loop.stopSweeping()
                loop.poller.stop()
            }
        }
    }

    /// WebSocket traffic of every loop, added up.
    package var traffic: WebSocketTraffic {
        loops.reduce(WebSocketTraffic()) { $0 + $1.traffic.snapshot }
    }

    package func next() -> EventLoop {
        let index = nextIndex.add(1, ordering: .relaxed).oldValue
        return loops[index % loops.count]
    }
}

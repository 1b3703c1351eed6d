import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Work started on a thread of its own, to be waited for. Not on a dispatch queue: on Linux the global queues and
/// Swift's cooperative pool share one pool of worker threads as wide as the machine, which the server's loops and
/// async routes need too; blocking work there (a shutdown that waits, a send that blocks) starves them.
package final class BackgroundWork: Sendable {
    private let done = DispatchSemaphore(value: 0)

    private final class Body: Sendable {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    package init(_ work: @escaping @Sendable () -> Void) {
        let done = self.done
        let body = Unmanaged.passRetained(Body {
            work()
            done.signal()
        })
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { argument in
            Unmanaged<Body>.fromOpaque(argument!).takeRetainedValue().run()
            return nil
        }, body.toOpaque())
        precondition(created == 0, "pthread_create failed: \(created)")
        pthread_detach(thread)
    }

    /// Whether the work finished within `seconds`.
    package func wait(seconds: Double = 10) -> Bool {
        done.wait(timeout: .now() + seconds) == .success
    }
}

/// Polls a server-internal condition (a counter, a row the wire does not show) until it holds or `seconds` pass.
/// Anything a client can observe is waited for by reading, not with this.
package func eventually(within seconds: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        usleep(2_000)
    }
    return condition()
}

#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Where the application reads the wall-clock time, in milliseconds since 1970 UTC. Injected, so that campaign
/// windows, session expiry, lock-outs, rate limits and working-day deadlines are tested with a clock the test moves.
package protocol TimeSource: Sendable {
    func now() -> Int64
}

/// The system's real-time clock.
package struct SystemTimeSource: TimeSource {
    package init() {}

    package func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

/// A clock that moves only when told (tests).
package final class ManualTimeSource: TimeSource {
    private let current: Atomic<Int64>

    package init(_ start: Int64) {
        current = Atomic(start)
    }

    package func now() -> Int64 { current.load(ordering: .relaxed) }

    package func set(_ milliseconds: Int64) { current.store(milliseconds, ordering: .relaxed) }

    package func advance(milliseconds: Int64) { current.add(milliseconds, ordering: .relaxed) }
}

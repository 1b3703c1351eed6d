import CLinux
import Dispatch

/// Keeps glibc's allocator from holding on to memory the server no longer uses.
///
/// glibc gives each thread that allocates while another holds an arena's lock an arena of its own, up to eight per
/// core; Dispatch's worker threads come and go, so a server ends up with many arenas, each keeping the free pages of
/// its busiest moment. A soak of churning clients measured 16 arenas holding 36.6 MB of which 21.5 MB were in use
/// (docs/RELIABILITY.md). Two measures bound that: fewer arenas (the event loops' and the writer's threads still
/// rarely meet on one), and a periodic `malloc_trim`, which gives free pages inside every arena back to the kernel.
/// (Fixing glibc's mmap threshold was tried and dropped: it did not stop the soak's growth, docs/RELIABILITY.md.)
package enum AllocatorHygiene {
    /// Limits the arenas; call early, before the threads that would make more of them are busy (arenas made before
    /// stay).
    package static func limitArenas(_ arenas: Int) {
        _ = lw_malloc_limit_arenas(Int32(clamping: max(1, arenas)))
    }

    /// Trims the allocator every `seconds` on a utility queue until the returned timer is cancelled. A trim walks
    /// every arena under its lock: a few milliseconds each minute, off the event loops.
    package static func trimPeriodically(every seconds: Int) -> DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        timer.schedule(deadline: .now() + .seconds(seconds), repeating: .seconds(seconds), leeway: .seconds(1))
        timer.setEventHandler { _ = lw_malloc_trim() }
        timer.resume()
        return timer
    }

    /// Trims once now.
    package static func trim() {
        _ = lw_malloc_trim()
    }

    /// The heap over every arena (glibc's mallinfo2): bytes in live blocks, and free bytes the arenas still hold.
    /// What the process allocates, apart from what the kernel counts in its resident memory (code, stacks, mapped
    /// files, pages not yet given back).
    package static func usage() -> (inUse: Int, freeHeld: Int) {
        var inUse: UInt64 = 0
        var freeHeld: UInt64 = 0
        lw_malloc_usage(&inUse, &freeHeld)
        return (Int(clamping: inUse), Int(clamping: freeHeld))
    }
}

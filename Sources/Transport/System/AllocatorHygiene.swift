import CLinux
import Dispatch

/// Keeps glibc's allocator from holding on to memory the server no longer uses.
///
/// glibc gives each thread that allocates while another holds an arena's lock an arena of its own, up to eight per
/// core; Dispatch's worker threads come and go, so a server ends up with many arenas, each keeping the free pages of
/// its busiest moment. A soak of churning clients measured 16 arenas holding 36.6 MB of which 21.5 MB were in use
/// (docs/RELIABILITY.md). Two measures bound that: fewer arenas (the event loops' and the writer's threads still
/// rarely meet on one), and a periodic `malloc_trim`, which gives free pages inside every arena back to the kernel.
///
/// A third: glibc maps a large block on its own, but once such a block is freed it raises that threshold to the
/// block's size (up to 32 MiB), so every later block below it is carved from an arena, where it leaves holes that
/// long-lived small blocks then pin (in the soak's server it had risen to 1.2 MiB). `fixMmapThreshold` keeps the
/// threshold where it is set. It did not stop the soak's arenas growing (docs/RELIABILITY.md), and a large
/// buffer copied again and again then faults in fresh pages each time, so `serve` does not call it.
package enum AllocatorHygiene {
    /// The threshold `serve` fixes, glibc's own starting value: blocks of 128 KiB or more (large responses, bulk reads)
    /// are mapped and unmapped on their own, a few microseconds each; the hot paths' buffers are far smaller.
    package static let mmapThresholdBytes = 128 * 1024

    /// Fixes the size from which blocks are mapped on their own (glibc's M_MMAP_THRESHOLD), so that freeing a large
    /// block no longer moves it. Call early, before large blocks come and go.
    package static func fixMmapThreshold(_ bytes: Int = mmapThresholdBytes) {
        _ = lw_malloc_fix_mmap_threshold(Int32(clamping: max(4096, bytes)))
    }

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

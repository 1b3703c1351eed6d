/// Counts events per key in hour-long windows and refuses more than `limit` per window. A key's window starts at its
/// first event and lasts one hour; the next event after that starts a new window. So in any window at most `limit`
/// are allowed, and in any sliding hour at most `2 × limit`.
///
/// An expired window is the same as no window, so the table keeps only the keys of the last hour or so: each time it
/// has doubled since the last sweep (from `sweepFloor` keys), the expired windows are dropped, at an amortized
/// constant cost per new key. `maxKeys` bounds it under a flood of keys: expired windows go first, then the oldest,
/// down to 7/8 of `maxKeys`.
package struct HourlyCounter<Key: Hashable & Sendable>: Sendable {
    /// Milliseconds in a window.
    package static var windowMilliseconds: Int64 { 3_600_000 }

    package let limit: Int
    package let maxKeys: Int
    private var windows: [Key: Window] = [:]
    /// The table's size at which expired windows are next dropped.
    private var sweepAt = Self.sweepFloor
    /// Keys below which the table is never swept.
    package static var sweepFloor: Int { 1_024 }

    private struct Window: Sendable {
        var start: Int64
        var count: Int
    }

    package init(limit: Int, maxKeys: Int) {
        precondition(limit >= 1, "an hourly counter must allow at least one event")
        precondition(maxKeys >= 1, "an hourly counter must hold at least one key")
        self.limit = limit
        self.maxKeys = maxKeys
    }

    /// Keys currently tracked.
    package var count: Int { windows.count }

    /// Counts an event for `key`: nil if allowed (and counted), else the whole seconds until the key's window ends
    /// (at least 1). A refused event is not counted.
    package mutating func record(_ key: Key, nowMilliseconds now: Int64) -> Int? {
        if windows[key] == nil {
            if windows.count >= maxKeys {
                evict(now: now)
            } else if windows.count >= sweepAt {
                dropExpired(now: now)
            }
            windows[key] = Window(start: now, count: 1)
            return nil
        }
        // Static, with the limit passed in: a method on `self` would read `self` while its dictionary is modified in
        // place, and Swift would copy the whole table on every call.
        return Self.recordExisting(&windows[key]!, now: now, limit: limit)
    }

    private static func recordExisting(_ window: inout Window, now: Int64, limit: Int) -> Int? {
        if now - window.start >= windowMilliseconds {
            window = Window(start: now, count: 0)
        }
        if window.count < limit {
            window.count += 1
            return nil
        }
        let remaining = window.start + windowMilliseconds - now
        return max(1, Int((Double(remaining) / 1000).rounded(.up)))
    }

    /// Drops the expired windows; the next sweep comes when the table has doubled from what is left.
    private mutating func dropExpired(now: Int64) {
        windows = windows.filter { now - $0.value.start < Self.windowMilliseconds }
        sweepAt = max(Self.sweepFloor, 2 * windows.count)
    }

    private mutating func evict(now: Int64) {
        let target = maxKeys - maxKeys / 8 - 1
        dropExpired(now: now)
        guard windows.count > target else { return }
        let oldestFirst = windows.sorted { $0.value.start < $1.value.start }
        for (key, _) in oldestFirst.prefix(windows.count - max(0, target)) {
            windows[key] = nil
        }
    }
}

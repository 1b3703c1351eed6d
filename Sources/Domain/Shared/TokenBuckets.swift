/// One token bucket per key: a key may spend `burst` tokens at once, and tokens come back at `ratePerSecond`.
///
/// A bucket that has refilled to `burst` is the same as no bucket, so the table keeps only the keys active lately:
/// each time it has doubled since the last sweep (from `sweepFloor` keys), the full buckets are dropped, so memory
/// follows the keys of the last few refill periods, not every key ever seen, at an amortized constant cost per new
/// key. `maxKeys` bounds it under a flood of distinct keys: when the table is full the full buckets go first, then
/// the least recently used (that forgives their keys a little: the limiter fails open rather than refusing everyone
/// new), down to 7/8 of `maxKeys`.
package struct TokenBuckets<Key: Hashable & Sendable>: Sendable {
    package let ratePerSecond: Double
    package let burst: Int
    package let maxKeys: Int
    private var buckets: [Key: Bucket] = [:]
    /// The table's size at which full buckets are next dropped.
    private var sweepAt = Self.sweepFloor
    /// Keys below which the table is never swept (a sweep of a small table would cost more than it frees).
    package static var sweepFloor: Int { 1_024 }

    private struct Bucket: Sendable {
        var tokens: Double
        var updatedAt: Int64
    }

    package init(ratePerSecond: Double, burst: Int, maxKeys: Int) {
        precondition(ratePerSecond > 0 && ratePerSecond.isFinite, "a token bucket needs a positive rate")
        precondition(burst >= 1, "a token bucket must hold at least one token")
        precondition(maxKeys >= 1, "a token bucket table must hold at least one key")
        self.ratePerSecond = ratePerSecond
        self.burst = burst
        self.maxKeys = maxKeys
    }

    /// Keys currently tracked.
    package var count: Int { buckets.count }

    /// Takes a token for `key`: nil if allowed, else the whole seconds to wait until a token is back (at least 1).
    /// Time that goes backwards counts as no time.
    package mutating func take(_ key: Key, nowMilliseconds now: Int64) -> Int? {
        if buckets[key] == nil {
            if buckets.count >= maxKeys {
                evict(now: now)
            } else if buckets.count >= sweepAt {
                dropFull(now: now)
            }
            buckets[key] = Bucket(tokens: Double(burst) - 1, updatedAt: now)
            return nil
        }
        // Static helpers with the parameters copied out: a method on `self` here would read `self` while its
        // dictionary is being modified in place, and Swift would copy the whole table on every call.
        return Self.takeExisting(&buckets[key]!, now: now, ratePerSecond: ratePerSecond, burst: burst)
    }

    /// Whether `key` could take a token now, without taking one: nil if it could, else the whole seconds to wait.
    package func wait(_ key: Key, nowMilliseconds now: Int64) -> Int? {
        guard let bucket = buckets[key] else { return nil }
        let tokens = Self.refilled(bucket, now: now, ratePerSecond: ratePerSecond, burst: burst)
        guard tokens < 1 else { return nil }
        return max(1, Int(((1 - tokens) / ratePerSecond).rounded(.up)))
    }

    private static func takeExisting(_ bucket: inout Bucket, now: Int64, ratePerSecond: Double, burst: Int) -> Int? {
        bucket.tokens = refilled(bucket, now: now, ratePerSecond: ratePerSecond, burst: burst)
        bucket.updatedAt = max(bucket.updatedAt, now)
        if bucket.tokens >= 1 {
            bucket.tokens -= 1
            return nil
        }
        let seconds = ((1 - bucket.tokens) / ratePerSecond).rounded(.up)
        return max(1, Int(seconds))
    }

    private static func refilled(_ bucket: Bucket, now: Int64, ratePerSecond: Double, burst: Int) -> Double {
        let elapsed = Double(max(0, now - bucket.updatedAt)) / 1000
        return min(Double(burst), bucket.tokens + elapsed * ratePerSecond)
    }

    /// Drops the buckets that have refilled; the next sweep comes when the table has doubled from what is left.
    /// `filter` makes a new table sized for what remains (removing keys would keep the old capacity).
    private mutating func dropFull(now: Int64) {
        let full = Double(burst)
        let rate = ratePerSecond, burst = burst
        buckets = buckets.filter { Self.refilled($0.value, now: now, ratePerSecond: rate, burst: burst) < full }
        sweepAt = max(Self.sweepFloor, 2 * buckets.count)
    }

    private mutating func evict(now: Int64) {
        let target = maxKeys - maxKeys / 8 - 1
        dropFull(now: now)
        guard buckets.count > target else { return }
        let oldestFirst = buckets.sorted { $0.value.updatedAt < $1.value.updatedAt }
        for (key, _) in oldestFirst.prefix(buckets.count - max(0, target)) {
            buckets[key] = nil
        }
    }
}

/// Counts failed sign-ins per user name and per address, locks those that fail too often, and says how long to
/// delay each failure's answer. Pure value: the caller passes the time in (milliseconds) and does the waiting.
///
/// A lock starts a fresh count: after it ends, the key has its full number of attempts again (and is locked again
/// after as many failures). Names are compared lower-cased, as sign-in compares them.
package struct LoginThrottle: Sendable {
    package let policy: LoginThrottlePolicy
    private var entries: [Key: Entry] = [:]

    private enum Key: Hashable, Sendable {
        case name(String)
        case address(String)
    }

    private struct Entry: Sendable {
        /// Times of the recent failures, oldest first; at most the key's limit.
        var failures: [Int64] = []
        var lockedUntil: Int64?
        var lastFailure: Int64 = .min
    }

    package init(policy: LoginThrottlePolicy) {
        precondition(policy.maxFailuresPerName >= 1 && policy.maxFailuresPerAddress >= 1,
                     "a login throttle must allow at least one failure")
        precondition(policy.windowMilliseconds > 0 && policy.lockMilliseconds > 0,
                     "a login throttle needs a positive window and lock time")
        precondition(policy.baseDelayMilliseconds >= 0 && policy.maxDelayMilliseconds >= policy.baseDelayMilliseconds,
                     "a login throttle's delays must be 0 ≤ base ≤ max")
        precondition(policy.maxTrackedKeys >= 1, "a login throttle must track at least one key")
        self.policy = policy
    }

    /// Names and addresses currently tracked.
    package var trackedKeys: Int { entries.count }

    /// Before checking a password: throws `authLocked(retryAfterSeconds:)` while the name or the address is locked
    /// (the longer wait if both are, in whole seconds, at least 1).
    package mutating func admit(name: String, address: String?, now: Int64) throws(DomainError) {
        var until: Int64?
        for key in Self.keys(name: name, address: address) {
            if let lockedUntil = entries[key]?.lockedUntil, lockedUntil > now {
                until = max(until ?? lockedUntil, lockedUntil)
            }
        }
        guard let until else { return }
        let seconds = (until - now + 999) / 1000
        throw .authLocked(retryAfterSeconds: Int(max(1, seconds)))
    }

    /// After a failed attempt: how long to delay the answer (ms), from the name's failures in the window counting this
    /// one: `base`, `2 × base`, `4 × base`, … up to `max`. Locks the name or the address when its failures in the
    /// window reach its limit.
    package mutating func recordFailure(name: String, address: String?, now: Int64) -> Int64 {
        let nameKey = Key.name(name.lowercased())
        let nameFailures = count(nameKey, limit: policy.maxFailuresPerName, now: now)
        if let address {
            _ = count(.address(address), limit: policy.maxFailuresPerAddress, now: now)
        }
        var delay = policy.baseDelayMilliseconds
        var doublings = nameFailures - 1
        while doublings > 0 && delay < policy.maxDelayMilliseconds {
            delay *= 2
            doublings -= 1
        }
        return min(delay, policy.maxDelayMilliseconds)
    }

    /// After a success: the name's failures are forgotten. The address's are not, so a script that knows one
    /// password cannot use it to clear the way for guessing others.
    package mutating func recordSuccess(name: String, address: String?) {
        entries[.name(name.lowercased())] = nil
    }

    /// Records a failure of `key` and returns its failures in the window, this one included; locks the key (and
    /// clears its count) when they reach `limit`.
    private mutating func count(_ key: Key, limit: Int, now: Int64) -> Int {
        if entries[key] == nil, entries.count >= policy.maxTrackedKeys { evict(now: now) }
        var entry = entries.removeValue(forKey: key) ?? Entry()
        if let lockedUntil = entry.lockedUntil, lockedUntil <= now { entry.lockedUntil = nil }
        entry.failures.removeAll { now - $0 >= policy.windowMilliseconds }
        entry.failures.append(now)
        if entry.failures.count > limit { entry.failures.removeFirst(entry.failures.count - limit) }
        entry.lastFailure = max(entry.lastFailure, now)
        let failures = entry.failures.count
        if failures >= limit {
            entry.lockedUntil = now + policy.lockMilliseconds
            entry.failures = []
        }
        entries[key] = entry
        return failures
    }

    /// Cuts the table to 7/8 of `maxTrackedKeys`: first keys with no lock and no failure in the window (the same as
    /// not being tracked), then unlocked keys by oldest failure, then locked ones. Under a flood of distinct keys
    /// this fails open for the oldest, rather than refusing everyone new.
    private mutating func evict(now: Int64) {
        let target = policy.maxTrackedKeys - policy.maxTrackedKeys / 8 - 1
        let window = policy.windowMilliseconds
        entries = entries.filter { _, entry in
            (entry.lockedUntil.map { $0 > now } ?? false) || entry.failures.contains { now - $0 < window }
        }
        guard entries.count > target else { return }
        let order = entries.sorted { left, right in
            let leftLocked = left.value.lockedUntil.map { $0 > now } ?? false
            let rightLocked = right.value.lockedUntil.map { $0 > now } ?? false
            if leftLocked != rightLocked { return !leftLocked }
            return left.value.lastFailure < right.value.lastFailure
        }
        for (key, _) in order.prefix(entries.count - max(0, target)) {
            entries[key] = nil
        }
    }

    private static func keys(name: String, address: String?) -> [Key] {
        [.name(name.lowercased())] + (address.map { [.address($0)] } ?? [])
    }
}

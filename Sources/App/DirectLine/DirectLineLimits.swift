import Domain
import Synchronization
import Transport

/// Rate limits of the direct line (`directLine.*` in config/lastword.yaml): new threads per citizen and per address,
/// messages per citizen and per address, and wrong query codes per address (so codes cannot be guessed: at 49.5
/// bits and 30 wrong codes a minute, finding one thread among a million takes on the order of 10^3 years; a right
/// code costs nothing, so citizens opening their own letters are never slowed).
package struct DirectLineLimitPolicy: Sendable, Equatable {
    package var threadsPerCitizenPerHour = 5
    package var threadsPerIPPerHour = 30
    package var messagesPerCitizenPerMinute = 20
    package var messagesPerIPPerMinute = 120
    package var codeLookupsPerIPPerMinute = 30
    package init() {}
}

package final class DirectLineLimits: Sendable {
    package let policy: DirectLineLimitPolicy
    private let threadsPerCitizen: Mutex<TokenBuckets<CitizenID>>
    private let threadsPerIP: Mutex<TokenBuckets<IPAddress>>
    private let messagesPerCitizen: Mutex<TokenBuckets<CitizenID>>
    private let messagesPerIP: Mutex<TokenBuckets<IPAddress>>
    private let lookupsPerIP: Mutex<TokenBuckets<IPAddress>>
    private static let maxKeys = 100_000

    package init(policy: DirectLineLimitPolicy) {
        self.policy = policy
        func buckets<Key>(_ count: Int, per seconds: Double) -> Mutex<TokenBuckets<Key>> {
            Mutex(TokenBuckets(ratePerSecond: Double(max(count, 1)) / seconds, burst: max(count, 1), maxKeys: Self.maxKeys))
        }
        threadsPerCitizen = buckets(policy.threadsPerCitizenPerHour, per: 3_600)
        threadsPerIP = buckets(policy.threadsPerIPPerHour, per: 3_600)
        messagesPerCitizen = buckets(policy.messagesPerCitizenPerMinute, per: 60)
        messagesPerIP = buckets(policy.messagesPerIPPerMinute, per: 60)
        lookupsPerIP = buckets(policy.codeLookupsPerIPPerMinute, per: 60)
    }

    func admitThread(citizen: CitizenID, ip: IPAddress?, now: Int64) throws(DomainError) {
        if let ip, let wait = threadsPerIP.withLock({ $0.take(ip, nowMilliseconds: now) }) { throw .rateLimited(retryAfterSeconds: wait) }
        if let wait = threadsPerCitizen.withLock({ $0.take(citizen, nowMilliseconds: now) }) { throw .rateLimited(retryAfterSeconds: wait) }
    }

    func admitMessage(citizen: CitizenID, ip: IPAddress?, now: Int64) throws(DomainError) {
        if let ip, let wait = messagesPerIP.withLock({ $0.take(ip, nowMilliseconds: now) }) { throw .rateLimited(retryAfterSeconds: wait) }
        if let wait = messagesPerCitizen.withLock({ $0.take(citizen, nowMilliseconds: now) }) { throw .rateLimited(retryAfterSeconds: wait) }
    }

    /// Refuses a code lookup from an address that has used up its wrong codes; takes nothing.
    func checkLookup(ip: IPAddress?, now: Int64) throws(DomainError) {
        if let ip, let wait = lookupsPerIP.withLock({ $0.wait(ip, nowMilliseconds: now) }) { throw .rateLimited(retryAfterSeconds: wait) }
    }

    /// A lookup with a wrong code: it counts against the address.
    func chargeFailedLookup(ip: IPAddress?, now: Int64) {
        if let ip { _ = lookupsPerIP.withLock { $0.take(ip, nowMilliseconds: now) } }
    }
}

import Domain
import Synchronization
import Transport
#if canImport(Glibc)
import Glibc
#endif

/// The integrity rules a citizen can read on the policy page: per-IP and per-citizen rate limits and a cap on new
/// citizen ids per IP per hour. A refused action gets `limit.*` and changes nothing.
package final class Integrity: Sendable {
    package let policy: RateLimitPolicy
    private let perIP: Mutex<TokenBuckets<IPAddress>>
    private let perCitizen: Mutex<TokenBuckets<CitizenID>>
    private let newCitizens: Mutex<HourlyCounter<IPAddress>>

    /// Buckets kept at most (each ~100 bytes); idle ones are evicted first.
    private static let maxKeys = 100_000

    package init(policy: RateLimitPolicy) {
        self.policy = policy
        perIP = Mutex(TokenBuckets(ratePerSecond: policy.perIPPerSecond, burst: policy.perIPBurst, maxKeys: Self.maxKeys))
        perCitizen = Mutex(TokenBuckets(ratePerSecond: policy.perCitizenPerSecond, burst: policy.perCitizenBurst, maxKeys: Self.maxKeys))
        newCitizens = Mutex(HourlyCounter(limit: policy.newCitizensPerIPPerHour, maxKeys: Self.maxKeys))
    }

    /// One rating or like from `citizen` at `ip`.
    package func admitAction(ip: IPAddress?, citizen: CitizenID, now: Int64) throws(DomainError) {
        if let ip, let wait = perIP.withLock({ $0.take(ip, nowMilliseconds: now) }) {
            throw DomainError.rateLimited(retryAfterSeconds: wait)
        }
        if let wait = perCitizen.withLock({ $0.take(citizen, nowMilliseconds: now) }) {
            throw DomainError.rateLimited(retryAfterSeconds: wait)
        }
    }

    /// A new citizen id for `ip`.
    package func admitNewCitizen(ip: IPAddress?, now: Int64) throws(DomainError) {
        guard let ip else { return }
        if let wait = newCitizens.withLock({ $0.record(ip, nowMilliseconds: now) }) {
            throw DomainError.tooManyNewCitizens(retryAfterSeconds: wait)
        }
    }
}



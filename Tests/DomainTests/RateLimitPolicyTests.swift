import Domain
import Foundation
import Testing

@Suite struct RateLimitPolicyTests {
    @Test func theDefaultIsValidAndLetsACrowdShareOneAddress() throws {
        let policy = RateLimitPolicy.default
        try policy.validate()
        // A hundred citizens behind one carrier address, each rating and liking 3 projects at once.
        var ip = policy.makeIPBuckets(for: String.self)
        var citizens = policy.makeCitizenBuckets()
        var refused = 0
        for citizen in 0..<100 {
            let id = CitizenID(bytes: [UInt8](repeating: UInt8(citizen), count: 16))
            for action in 0..<6 {
                let at = Int64(citizen * 600 + action * 100)     // spread over one minute
                if ip.take("100.64.0.1", nowMilliseconds: at) != nil || citizens.take(id, nowMilliseconds: at) != nil {
                    refused += 1
                }
            }
        }
        #expect(refused == 0)
    }

    @Test func theDefaultStopsOneScriptedCitizen() {
        var citizens = RateLimitPolicy.default.makeCitizenBuckets()
        // A thousand requests within 999 ms: the burst passes, and less than one token has come back.
        let allowed = (0..<1_000).filter { citizens.take(Fixtures.citizenA, nowMilliseconds: Int64($0)) == nil }.count
        #expect(allowed == RateLimitPolicy.default.perCitizenBurst)
        #expect(citizens.take(Fixtures.citizenA, nowMilliseconds: 1_000) == nil)
    }

    @Test func theNewCitizenCapFollowsThePolicy() {
        var counter = RateLimitPolicy.default.makeNewCitizenCounter(for: String.self)
        let allowed = (0..<1_000).filter { counter.record("100.64.0.1", nowMilliseconds: Int64($0)) == nil }.count
        #expect(allowed == RateLimitPolicy.default.newCitizensPerIPPerHour)
    }

    @Test func refusesAPolicyThatWouldRefuseEverything() {
        var policy = RateLimitPolicy.default
        policy.perCitizenBurst = 0
        #expect(throws: DomainError.self) { try policy.validate() }
        policy = .default
        policy.perIPPerSecond = 0
        #expect(throws: DomainError.self) { try policy.validate() }
    }

    @Test func roundTripsThroughJSON() throws {
        let data = try JSONEncoder().encode(RateLimitPolicy.default)
        #expect(try JSONDecoder().decode(RateLimitPolicy.self, from: data) == .default)
    }
}

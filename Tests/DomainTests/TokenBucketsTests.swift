import Domain
import Testing

@Suite struct TokenBucketsTests {
    @Test func allowsABurstThenRefusesWithTheSecondsToWait() {
        var buckets = TokenBuckets<String>(ratePerSecond: 1, burst: 3, maxKeys: 10)
        #expect(buckets.take("ip", nowMilliseconds: 0) == nil)
        #expect(buckets.take("ip", nowMilliseconds: 0) == nil)
        #expect(buckets.take("ip", nowMilliseconds: 0) == nil)
        #expect(buckets.take("ip", nowMilliseconds: 0) == 1)
        #expect(buckets.take("ip", nowMilliseconds: 999) == 1)     // 0.999 tokens: wait rounds up to a whole second
        #expect(buckets.take("ip", nowMilliseconds: 1_000) == nil)
        #expect(buckets.take("ip", nowMilliseconds: 1_000) == 1)
    }

    @Test func aRefusalTakesNoToken() {
        var buckets = TokenBuckets<String>(ratePerSecond: 1, burst: 1, maxKeys: 10)
        #expect(buckets.take("ip", nowMilliseconds: 0) == nil)
        for _ in 0..<100 { #expect(buckets.take("ip", nowMilliseconds: 500) == 1) }
        #expect(buckets.take("ip", nowMilliseconds: 1_000) == nil)
    }

    @Test func refillsAtTheRateUpToTheBurstOnly() {
        var buckets = TokenBuckets<String>(ratePerSecond: 2, burst: 4, maxKeys: 10)
        for _ in 0..<4 { #expect(buckets.take("k", nowMilliseconds: 0) == nil) }
        // An hour later the bucket holds 4 tokens, not 7,200.
        for _ in 0..<4 { #expect(buckets.take("k", nowMilliseconds: 3_600_000) == nil) }
        #expect(buckets.take("k", nowMilliseconds: 3_600_000) == 1)
        #expect(buckets.take("k", nowMilliseconds: 3_600_500) == nil)  // 2 per second: one token per 500 ms
    }

    @Test func slowRatesWaitLonger() {
        var buckets = TokenBuckets<String>(ratePerSecond: 0.1, burst: 1, maxKeys: 10)
        #expect(buckets.take("k", nowMilliseconds: 0) == nil)
        #expect(buckets.take("k", nowMilliseconds: 0) == 10)
        #expect(buckets.take("k", nowMilliseconds: 4_000) == 6)
    }

    @Test func keysAreIndependent() {
        var buckets = TokenBuckets<String>(ratePerSecond: 1, burst: 1, maxKeys: 10)
        #expect(buckets.take("a", nowMilliseconds: 0) == nil)
        #expect(buckets.take("a", nowMilliseconds: 0) == 1)
        #expect(buckets.take("b", nowMilliseconds: 0) == nil)
    }

    @Test func timeGoingBackwardsAddsNoTokens() {
        var buckets = TokenBuckets<String>(ratePerSecond: 1, burst: 1, maxKeys: 10)
        #expect(buckets.take("k", nowMilliseconds: 10_000) == nil)
        #expect(buckets.take("k", nowMilliseconds: 0) == 1)
        #expect(buckets.take("k", nowMilliseconds: 10_999) == 1)
        #expect(buckets.take("k", nowMilliseconds: 11_000) == nil)
    }

    @Test func memoryStaysBoundedUnderAFloodOfKeys() {
        var buckets = TokenBuckets<Int>(ratePerSecond: 1, burst: 5, maxKeys: 1_000)
        for key in 0..<100_000 {
            #expect(buckets.take(key, nowMilliseconds: Int64(key / 100)) == nil)
            #expect(buckets.count <= 1_000)
        }
    }

    @Test func evictsRefilledBucketsBeforeActiveOnes() {
        var buckets = TokenBuckets<String>(ratePerSecond: 1, burst: 2, maxKeys: 8)
        // "busy" has spent its tokens just now; seven idle keys spent one token long ago and are full again.
        for index in 0..<7 { _ = buckets.take("idle-\(index)", nowMilliseconds: 0) }
        _ = buckets.take("busy", nowMilliseconds: 100_000)
        _ = buckets.take("busy", nowMilliseconds: 100_000)
        #expect(buckets.take("busy", nowMilliseconds: 100_000) == 1)
        #expect(buckets.count == 8)
        #expect(buckets.take("newcomer", nowMilliseconds: 100_000) == nil)   // table full: a sweep runs
        #expect(buckets.count == 2)                                          // only the non-full buckets remain
        #expect(buckets.take("busy", nowMilliseconds: 100_000) == 1)         // "busy" was not forgiven
    }

    @Test func theTableFollowsTheKeysActiveLatelyNotEveryKeyEverSeen() {
        // A hundred new keys a second for ten minutes, each taking one token of five refilled at one a second (full
        // again a second later), far below the cap: the table stays near the sweep floor instead of growing to
        // 60,000 keys, and a key that spent its burst just now is still limited.
        var buckets = TokenBuckets<Int>(ratePerSecond: 1, burst: 5, maxKeys: 1_000_000)
        var largest = 0
        for key in 0..<60_000 {
            #expect(buckets.take(key, nowMilliseconds: Int64(key) * 10) == nil)
            largest = max(largest, buckets.count)
        }
        #expect(largest <= 2 * TokenBuckets<Int>.sweepFloor, "the table held \(largest) keys")
        for _ in 0..<4 { _ = buckets.take(59_999, nowMilliseconds: 600_000) }
        #expect(buckets.take(59_999, nowMilliseconds: 600_000) == 1)
    }
}

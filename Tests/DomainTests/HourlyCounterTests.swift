import Domain
import Testing

@Suite struct HourlyCounterTests {
    static let hour: Int64 = 3_600_000

    @Test func allowsTheLimitWithinAnHourThenSaysWhenTheWindowEnds() {
        var counter = HourlyCounter<String>(limit: 3, maxKeys: 10)
        #expect(counter.record("ip", nowMilliseconds: 0) == nil)
        #expect(counter.record("ip", nowMilliseconds: 1_000) == nil)
        #expect(counter.record("ip", nowMilliseconds: 2_000) == nil)
        #expect(counter.record("ip", nowMilliseconds: 3_000) == 3_597)
        #expect(counter.record("ip", nowMilliseconds: Self.hour - 1) == 1)
        #expect(counter.record("ip", nowMilliseconds: Self.hour) == nil)     // a new window starts
        #expect(counter.record("ip", nowMilliseconds: Self.hour + 1) == nil)
    }

    @Test func refusalsAreNotCounted() {
        var counter = HourlyCounter<String>(limit: 1, maxKeys: 10)
        #expect(counter.record("ip", nowMilliseconds: 0) == nil)
        for minute in 1..<60 { #expect(counter.record("ip", nowMilliseconds: Int64(minute) * 60_000) != nil) }
        #expect(counter.record("ip", nowMilliseconds: Self.hour) == nil)
    }

    @Test func keysAreIndependent() {
        var counter = HourlyCounter<String>(limit: 1, maxKeys: 10)
        #expect(counter.record("a", nowMilliseconds: 0) == nil)
        #expect(counter.record("a", nowMilliseconds: 0) == 3_600)
        #expect(counter.record("b", nowMilliseconds: 0) == nil)
    }

    @Test func memoryStaysBoundedAndExpiredWindowsGoFirst() {
        var counter = HourlyCounter<Int>(limit: 2, maxKeys: 100)
        for key in 0..<10_000 {
            #expect(counter.record(key, nowMilliseconds: Int64(key) * 1_000) == nil)
            #expect(counter.count <= 100)
        }
        // A key counted a moment ago is still limited after sweeps made room for others.
        var fresh = HourlyCounter<String>(limit: 1, maxKeys: 4)
        for index in 0..<3 { _ = fresh.record("old-\(index)", nowMilliseconds: 0) }
        _ = fresh.record("recent", nowMilliseconds: Self.hour)
        #expect(fresh.record("newcomer", nowMilliseconds: Self.hour) == nil)
        #expect(fresh.record("recent", nowMilliseconds: Self.hour) != nil)
    }

    @Test func theTableFollowsTheLastHoursKeysNotEveryKeyEverSeen() {
        // A new key every second for ten hours, far below the cap: the table holds about the last hour's keys (the
        // sweeps come each time it doubles), and a key seen within the hour is still limited.
        var counter = HourlyCounter<Int>(limit: 1, maxKeys: 1_000_000)
        var largest = 0
        for second in 0..<36_000 {
            #expect(counter.record(second, nowMilliseconds: Int64(second) * 1_000) == nil)
            largest = max(largest, counter.count)
        }
        #expect(largest <= 2 * 3_600 + 1, "the table held \(largest) keys")
        #expect(counter.record(35_000, nowMilliseconds: 36_000_000) != nil)
    }
}

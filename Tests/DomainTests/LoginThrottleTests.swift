import Domain
import Testing

@Suite struct LoginThrottleTests {
    static let minute: Int64 = 60_000

    static func fail(_ throttle: inout LoginThrottle, _ name: String, _ address: String?, times: Int, at now: Int64)
        -> [Int64]
    {
        (0..<times).map { _ in throttle.recordFailure(name: name, address: address, now: now) }
    }

    static func isAdmitted(_ throttle: inout LoginThrottle, _ name: String, _ address: String?, at now: Int64) -> Bool {
        do {
            try throttle.admit(name: name, address: address, now: now)
            return true
        } catch {
            return false
        }
    }

    @Test func theDefaultsAreTheDocumentedOnes() {
        let policy = LoginThrottlePolicy()
        #expect(policy.maxFailuresPerName == 5)
        #expect(policy.maxFailuresPerAddress == 20)
        #expect(policy.windowMilliseconds == 15 * Self.minute)
        #expect(policy.lockMilliseconds == 15 * Self.minute)
    }

    @Test func locksANameAfterFiveFailures() {
        var throttle = LoginThrottle(policy: LoginThrottlePolicy())
        for index in 0..<4 {
            #expect(Self.isAdmitted(&throttle, "li.wei", "10.0.0.1", at: Int64(index) * 1_000))
            _ = throttle.recordFailure(name: "li.wei", address: "10.0.0.1", now: Int64(index) * 1_000)
        }
        #expect(Self.isAdmitted(&throttle, "li.wei", "10.0.0.1", at: 4_000))
        _ = throttle.recordFailure(name: "li.wei", address: "10.0.0.1", now: 4_000)
        #expect(throws: DomainError.authLocked(retryAfterSeconds: 900)) {
            try throttle.admit(name: "li.wei", address: "10.0.0.1", now: 4_000)
        }
        // The name is locked from any address; the address is not (one person's 5 failures are not 20).
        #expect(!Self.isAdmitted(&throttle, "li.wei", "10.0.0.2", at: 5_000))
        #expect(!Self.isAdmitted(&throttle, "li.wei", nil, at: 5_000))
        #expect(Self.isAdmitted(&throttle, "wang.fang", "10.0.0.1", at: 5_000))
    }

    @Test func namesAreComparedIgnoringCase() {
        var throttle = LoginThrottle(policy: LoginThrottlePolicy())
        for name in ["Li.Wei", "LI.WEI", "li.wei", "lI.wEi", "Li.wei"] {
            _ = throttle.recordFailure(name: name, address: nil, now: 0)
        }
        #expect(!Self.isAdmitted(&throttle, "li.wei", nil, at: 1))
        #expect(!Self.isAdmitted(&throttle, "LI.WEI", nil, at: 1))
    }

    @Test func retryAfterCountsDownAndTheLockEndsOnTime() {
        var throttle = LoginThrottle(policy: LoginThrottlePolicy())
        _ = Self.fail(&throttle, "li.wei", nil, times: 5, at: 10_000)
        let unlock = 10_000 + 15 * Self.minute
        #expect(throws: DomainError.authLocked(retryAfterSeconds: 600)) {
            try throttle.admit(name: "li.wei", address: nil, now: unlock - 10 * Self.minute)
        }
        #expect(throws: DomainError.authLocked(retryAfterSeconds: 1)) {
            try throttle.admit(name: "li.wei", address: nil, now: unlock - 1)
        }
        #expect(throws: DomainError.authLocked(retryAfterSeconds: 2)) {
            try throttle.admit(name: "li.wei", address: nil, now: unlock - 1_001)
        }
        #expect(Self.isAdmitted(&throttle, "li.wei", nil, at: unlock))
    }

    @Test func afterALockTheNameHasItsFullAttemptsAgain() {
        var throttle = LoginThrottle(policy: LoginThrottlePolicy())
        _ = Self.fail(&throttle, "li.wei", nil, times: 5, at: 0)
        let later = 15 * Self.minute
        _ = Self.fail(&throttle, "li.wei", nil, times: 4, at: later)
        #expect(Self.isAdmitted(&throttle, "li.wei", nil, at: later))
        _ = throttle.recordFailure(name: "li.wei", address: nil, now: later)
        #expect(!Self.isAdmitted(&throttle, "li.wei", nil, at: later))
    }

    @Test func onlyFailuresWithinTheWindowCount() {
        var throttle = LoginThrottle(policy: LoginThrottlePolicy())
        for minute in 0..<4 { _ = throttle.recordFailure(name: "li.wei", address: nil, now: Int64(minute) * Self.minute) }
        // At 15:00 the failure of minute 0 has left the window: this is the 4th recent failure, not the 5th.
        _ = throttle.recordFailure(name: "li.wei", address: nil, now: 15 * Self.minute)
        #expect(Self.isAdmitted(&throttle, "li.wei", nil, at: 15 * Self.minute))
        // Minutes 1, 2, 3, 15 and now: five within 15 minutes.
        _ = throttle.recordFailure(name: "li.wei", address: nil, now: 15 * Self.minute + 1)
        #expect(!Self.isAdmitted(&throttle, "li.wei", nil, at: 15 * Self.minute + 1))
    }

    @Test func locksAnAddressThatFailsForManyNames() {
        var throttle = LoginThrottle(policy: LoginThrottlePolicy())
        for index in 0..<19 {
            _ = throttle.recordFailure(name: "user-\(index)", address: "203.0.113.9", now: Int64(index))
        }
        #expect(Self.isAdmitted(&throttle, "user-19", "203.0.113.9", at: 19))
        _ = throttle.recordFailure(name: "user-19", address: "203.0.113.9", now: 19)
        #expect(throws: DomainError.authLocked(retryAfterSeconds: 900)) {
            try throttle.admit(name: "someone-new", address: "203.0.113.9", now: 19)
        }
        // The names themselves failed once each: from another address they may still try.
        #expect(Self.isAdmitted(&throttle, "user-3", "198.51.100.1", at: 20))
        #expect(Self.isAdmitted(&throttle, "user-3", nil, at: 20))
    }

    @Test func whenNameAndAddressAreBothLockedTheLongerWaitIsGiven() {
        var throttle = LoginThrottle(policy: LoginThrottlePolicy())
        _ = Self.fail(&throttle, "li.wei", nil, times: 5, at: 0)
        for index in 0..<20 { _ = throttle.recordFailure(name: "u\(index)", address: "a", now: 5 * Self.minute) }
        #expect(throws: DomainError.authLocked(retryAfterSeconds: 900)) {
            try throttle.admit(name: "li.wei", address: "a", now: 5 * Self.minute)
        }
    }

    @Test func successForgetsTheNamesFailuresButNotTheAddresss() {
        var throttle = LoginThrottle(policy: LoginThrottlePolicy())
        _ = Self.fail(&throttle, "li.wei", "10.0.0.1", times: 4, at: 0)
        _ = Self.fail(&throttle, "other", "10.0.0.1", times: 4, at: 0)
        throttle.recordSuccess(name: "LI.WEI", address: "10.0.0.1")
        // li.wei starts over: four more failures do not lock, and the delay starts from the base again.
        #expect(Self.fail(&throttle, "li.wei", "10.0.0.1", times: 4, at: 1) == [250, 500, 1_000, 2_000])
        #expect(Self.isAdmitted(&throttle, "li.wei", nil, at: 2))
        // The address has 12 failures: 8 more lock it.
        _ = Self.fail(&throttle, "third", "10.0.0.1", times: 4, at: 3)
        _ = Self.fail(&throttle, "fourth", "10.0.0.1", times: 3, at: 3)
        #expect(Self.isAdmitted(&throttle, "fifth", "10.0.0.1", at: 3))
        _ = throttle.recordFailure(name: "fifth", address: "10.0.0.1", now: 3)
        #expect(!Self.isAdmitted(&throttle, "fifth", "10.0.0.1", at: 3))
    }

    @Test func theDelayDoublesPerRecentFailureOfTheNameUpToTheMaximum() {
        var policy = LoginThrottlePolicy()
        policy.maxFailuresPerName = 10
        policy.maxFailuresPerAddress = 100
        var throttle = LoginThrottle(policy: policy)
        #expect(Self.fail(&throttle, "li.wei", "a", times: 7, at: 0) == [250, 500, 1_000, 2_000, 4_000, 4_000, 4_000])
        // Another name from the same address starts at the base: the delay follows the name.
        #expect(throttle.recordFailure(name: "wang.fang", address: "a", now: 0) == 250)
        // Once the earlier failures leave the window, the delay is short again.
        #expect(throttle.recordFailure(name: "li.wei", address: "a", now: 15 * Self.minute) == 250)
    }

    @Test func theDefaultsLockOnTheFifthFailureAnsweredAfterFourSeconds() {
        var throttle = LoginThrottle(policy: LoginThrottlePolicy())
        #expect(Self.fail(&throttle, "li.wei", nil, times: 5, at: 0) == [250, 500, 1_000, 2_000, 4_000])
    }

    @Test func memoryStaysBoundedUnderAFloodOfNamesAndAddresses() {
        var policy = LoginThrottlePolicy()
        policy.maxTrackedKeys = 1_000
        var throttle = LoginThrottle(policy: policy)
        for index in 0..<20_000 {
            _ = throttle.recordFailure(name: "name-\(index)", address: "addr-\(index % 3_000)", now: Int64(index))
            #expect(throttle.trackedKeys <= 1_000)
        }
    }

    @Test func aFloodForgetsIdleKeysBeforeLockedOnes() {
        var policy = LoginThrottlePolicy()
        policy.maxTrackedKeys = 16
        var throttle = LoginThrottle(policy: policy)
        _ = Self.fail(&throttle, "target", nil, times: 5, at: 0)          // locked until 15:00
        for index in 0..<100 {                                             // newer failures, never locked
            _ = throttle.recordFailure(name: "spray-\(index)", address: nil, now: 1 + Int64(index))
        }
        #expect(throttle.trackedKeys <= 16)
        #expect(!Self.isAdmitted(&throttle, "target", nil, at: 200))
    }

    @Test func expiredKeysAreDroppedFirst() {
        var policy = LoginThrottlePolicy()
        policy.maxTrackedKeys = 8
        var throttle = LoginThrottle(policy: policy)
        for index in 0..<8 { _ = throttle.recordFailure(name: "old-\(index)", address: nil, now: 0) }
        #expect(throttle.trackedKeys == 8)
        // An hour later nothing of those is remembered in effect: the sweep drops them all.
        _ = throttle.recordFailure(name: "new", address: nil, now: 60 * Self.minute)
        #expect(throttle.trackedKeys == 1)
    }
}

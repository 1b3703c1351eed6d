import Domain
import Storage

/// The office's promises applied to letters and follow-ups: when each is due, in working days on the configured
/// calendar (config/calendar/), and whether it is due soon or overdue now.
package struct ResponseClock: Sendable {
    package var working: WorkingClock
    package var limits: ResponseLimits
    package var time: any TimeSource
    /// The IANA name of `working`'s zone (`calendar.timeZone`), as the figures name it.
    package var zoneName: String

    package init(working: WorkingClock, limits: ResponseLimits, time: any TimeSource, zoneName: String = "Asia/Shanghai") {
        self.working = working
        self.limits = limits
        self.time = time
        self.zoneName = zoneName
    }

    /// The years between `from` (nil: now) and now, or the period's end if it is past, that no calendar file covers:
    /// there working days are counted Monday to Friday, without public holidays.
    package func uncoveredYears(from: Int64?, to: Int64?) -> [Int] {
        let now = time.now()
        let end = min(now, (to ?? now + 1) - 1)
        return working.calendar.uncoveredYears(from: working.date(of: min(from ?? now, end)), through: working.date(of: end))
    }

    /// A calendar of weekends only in China Standard Time, with the default limits (tests that are not about it).
    package static func weekendsOnly(time: any TimeSource) -> ResponseClock {
        ResponseClock(working: WorkingClock(calendar: WorkingCalendar(), zone: FixedOffset.china), limits: ResponseLimits(), time: time)
    }

    package enum Standing: String, Sendable {
        case ok, soon, overdue
    }

    package struct Deadline: Sendable, Equatable {
        /// What is due: the first response (`response`), the answer (`answer`) or a follow-up's record (`followUp`).
        package var what: String
        package var at: Int64
        package var standing: Standing
    }

    /// What a letter owes now, or nil when it owes nothing (answered, closed, invalid).
    package func deadline(for thread: ThreadRecord, now: Int64? = nil) -> Deadline? {
        switch thread.status {
        case .closed, .invalid: return nil
        case .new, .assigned, .answered: break
        }
        guard thread.firstAnswerAt == nil else { return nil }
        if thread.firstResponseAt == nil {
            return deadline("response", working.deadline(arrivedAt: thread.createdAt, workingDays: limits.firstResponseWorkingDays), now: now)
        }
        return deadline("answer", working.deadline(arrivedAt: thread.createdAt, workingDays: limits.answerWorkingDays), now: now)
    }

    /// An open follow-up's deadline; nil once recorded.
    package func deadline(for followUp: FollowUpRecord, now: Int64? = nil) -> Deadline? {
        guard followUp.isOpen else { return nil }
        return deadline("followUp", working.deadline(arrivedAt: followUp.openedAt, workingDays: limits.followUpWorkingDays), now: now)
    }

    /// What a letter still owes: a first response (nobody has taken it up), or the answer.
    package enum Owed: Sendable {
        case response, answer
    }

    /// How many of these letters are overdue at `now`; `arrivals` are their arrival times, oldest first, and they all
    /// owe `owed`. A later arrival never has an earlier deadline, so the overdue letters are the oldest ones and are
    /// found by bisection: a few deadlines per count, however many letters wait.
    package func overdueCount(arrivals: [Int64], owing owed: Owed, now: Int64) -> Int {
        let days = owed == .response ? limits.firstResponseWorkingDays : limits.answerWorkingDays
        var low = 0
        var high = arrivals.count
        while low < high {
            let middle = (low + high) / 2
            if now > working.deadline(arrivedAt: arrivals[middle], workingDays: days) { low = middle + 1 } else { high = middle }
        }
        return low
    }

    private func deadline(_ what: String, _ at: Int64, now: Int64?) -> Deadline {
        let now = now ?? time.now()
        let standing: Standing = now > at ? .overdue : (at - now <= limits.dueSoonMilliseconds ? .soon : .ok)
        return Deadline(what: what, at: at, standing: standing)
    }
}

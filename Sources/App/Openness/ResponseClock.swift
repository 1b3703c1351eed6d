import Domain
import Storage

/// The office's promises applied to letters and follow-ups: when each is due, in working days on the configured
/// calendar (config/calendar/), and whether it is due soon or overdue now.
package struct ResponseClock: Sendable {
    package var working: WorkingClock
    package var limits: ResponseLimits
    package var time: any TimeSource

    package init(working: WorkingClock, limits: ResponseLimits, time: any TimeSource) {
        self.working = working
        self.limits = limits
        self.time = time
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

    private func deadline(_ what: String, _ at: Int64, now: Int64?) -> Deadline {
        let now = now ?? time.now()
        let standing: Standing = now > at ? .overdue : (at - now <= limits.dueSoonMilliseconds ? .soon : .ok)
        return Deadline(what: what, at: at, standing: standing)
    }
}

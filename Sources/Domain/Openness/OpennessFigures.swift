/// What the public is told about how the office keeps its promise, computed from the same threads staff work on
/// (PROTOCOL.md "Openness figures"). Pure: the caller reads the facts and the clock, this counts.
///
/// Definitions, as the figures page states them:
/// - **received**: letters in the period; **invalid**: those marked invalid (spam, abuse, tests), counted apart;
///   **valid** = received − invalid.
/// - **answered**: valid letters staff have replied to; **reply rate** = answered ÷ valid.
/// - **first response**: the first time staff took the letter up (claimed, assigned, routed on, or answered);
///   **time to answer**: to the first reply. Both in working days (`WorkingClock`), as medians.
/// - **within the limit**: of the valid letters that were answered or whose answer limit has passed, the share
///   answered by their deadline.
/// - **overdue**: valid letters not answered past their answer deadline, or not taken up past their first-response
///   deadline.
/// - **satisfaction**: citizens' ratings of the answers, per level, and their count.
package struct OpennessFigures: Sendable, Equatable {
    package var received = 0
    package var invalid = 0
    package var answered = 0
    package var answeredWithinLimit = 0
    /// Answered, or past the answer limit: the letters the share within the limit is of.
    package var due = 0
    package var overdue = 0
    package var medianFirstResponseWorkingDays: Double?
    package var medianAnswerWorkingDays: Double?
    /// Ratings at each level, 1 to 5.
    package var satisfaction = [0, 0, 0, 0, 0]

    package init() {}

    package var valid: Int { received - invalid }
    /// answered ÷ valid; nil with no valid letter.
    package var replyRate: Double? { valid == 0 ? nil : Double(answered) / Double(valid) }
    /// answered within the limit ÷ due; nil with none due.
    package var shareWithinLimit: Double? { due == 0 ? nil : Double(answeredWithinLimit) / Double(due) }
    package var rated: Int { satisfaction.reduce(0, +) }
    /// The mean rating, 1 to 5; nil with none.
    package var averageSatisfaction: Double? {
        rated == 0 ? nil : Double(satisfaction.enumerated().reduce(0) { $0 + ($1.offset + 1) * $1.element }) / Double(rated)
    }
}

/// One letter, as the figures need it.
package struct ThreadFacts: Sendable, Equatable {
    package var department: String
    package var status: ThreadStatus
    package var receivedAt: Int64
    package var firstResponseAt: Int64?
    package var firstAnswerAt: Int64?
    package var satisfaction: SatisfactionLevel?

    package init(department: String, status: ThreadStatus, receivedAt: Int64, firstResponseAt: Int64? = nil,
                 firstAnswerAt: Int64? = nil, satisfaction: SatisfactionLevel? = nil) {
        self.department = department
        self.status = status
        self.receivedAt = receivedAt
        self.firstResponseAt = firstResponseAt
        self.firstAnswerAt = firstAnswerAt
        self.satisfaction = satisfaction
    }
}

/// The promises the figures are measured against (`directLine.limits` in config/lastword.yaml).
package struct ResponseLimits: Sendable, Equatable {
    /// Working days to take a letter up.
    package var firstResponseWorkingDays = 1
    /// Working days to answer it (Lu'an's rule: feedback within 5 working days).
    package var answerWorkingDays = 5
    /// Working days to contact a citizen who rated an answer 1 or 2, and record the outcome.
    package var followUpWorkingDays = 3
    /// A deadline this close counts as due soon (the console highlights it).
    package var dueSoonMilliseconds: Int64 = 24 * 3_600_000

    package init() {}
}

extension OpennessFigures {
    /// The figures of `threads` at `now`.
    package static func compute(_ threads: some Sequence<ThreadFacts>, clock: WorkingClock, limits: ResponseLimits,
                                now: Int64) -> OpennessFigures {
        var tally = Tally()
        for thread in threads { tally.add(thread, clock: clock, limits: limits, now: now) }
        return tally.figures
    }

    /// Per department, and overall under the key nil — in one pass, without copying the letters per department.
    package static func byDepartment(_ threads: some Sequence<ThreadFacts>, clock: WorkingClock, limits: ResponseLimits,
                                     now: Int64) -> (overall: OpennessFigures, departments: [String: OpennessFigures]) {
        var overall = Tally()
        var departments: [String: Tally] = [:]
        for thread in threads {
            overall.add(thread, clock: clock, limits: limits, now: now)
            departments[thread.department, default: Tally()].add(thread, clock: clock, limits: limits, now: now)
        }
        return (overall.figures, departments.mapValues(\.figures))
    }

    /// The counts so far, and the working days the medians are taken of.
    private struct Tally {
        var counts = OpennessFigures()
        var firstResponses: [Double] = []
        var answers: [Double] = []

        mutating func add(_ thread: ThreadFacts, clock: WorkingClock, limits: ResponseLimits, now: Int64) {
            counts.received += 1
            if thread.status == .invalid {
                counts.invalid += 1
                return
            }
            if let level = thread.satisfaction { counts.satisfaction[level.rawValue - 1] += 1 }
            let answerDeadline = clock.deadline(arrivedAt: thread.receivedAt, workingDays: limits.answerWorkingDays)
            let responseDeadline = clock.deadline(arrivedAt: thread.receivedAt, workingDays: limits.firstResponseWorkingDays)
            if let at = thread.firstResponseAt ?? thread.firstAnswerAt {
                firstResponses.append(clock.elapsedWorkingDays(from: thread.receivedAt, to: at))
            }
            if let answeredAt = thread.firstAnswerAt {
                counts.answered += 1
                counts.due += 1
                if answeredAt <= answerDeadline { counts.answeredWithinLimit += 1 }
                answers.append(clock.elapsedWorkingDays(from: thread.receivedAt, to: answeredAt))
            } else if now > answerDeadline {
                counts.due += 1
                counts.overdue += 1
            } else if thread.firstResponseAt == nil, now > responseDeadline {
                counts.overdue += 1
            }
        }

        var figures: OpennessFigures {
            var figures = counts
            figures.medianFirstResponseWorkingDays = OpennessFigures.median(firstResponses)
            figures.medianAnswerWorkingDays = OpennessFigures.median(answers)
            return figures
        }
    }

    /// The middle value (the mean of the two middle ones for an even count); nil for none.
    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}

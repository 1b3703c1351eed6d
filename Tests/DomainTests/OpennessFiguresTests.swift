import Domain
import Testing

/// The openness figures of eight letters, worked out by hand on the 2026 calendar (China Standard Time), at Friday
/// 23 January 2026, 12:00.
@Suite struct OpennessFiguresTests {
    static let clock = WorkingCalendarTests.clock
    static func at(_ text: String) -> Int64 { WorkingCalendarTests.at(text) }
    static let now = at("2026-01-23 12:00")

    static let threads: [ThreadFacts] = [
        // 1. Answered in 2 working days (taken up after 6 hours), rated 5.
        ThreadFacts(department: "a", status: .answered, receivedAt: at("2026-01-12 09:00"), firstResponseAt: at("2026-01-12 15:00"),
                    firstAnswerAt: at("2026-01-14 09:00"), satisfaction: .verySatisfied),
        // 2. Friday 16:00 → answered the Monday after next at 10:00: 8 + 24 + 4 × 24 + 10 hours = 5.75, past its limit
        //    (the end of Friday the 16th); taken up on Monday the 12th at 10:00 (0.75); rated 2.
        ThreadFacts(department: "a", status: .answered, receivedAt: at("2026-01-09 16:00"), firstResponseAt: at("2026-01-12 10:00"),
                    firstAnswerAt: at("2026-01-19 10:00"), satisfaction: .dissatisfied),
        // 3. Taken up after 2 hours, never answered: its limit ended with the 20th, so it is due and overdue.
        ThreadFacts(department: "a", status: .assigned, receivedAt: at("2026-01-13 09:00"), firstResponseAt: at("2026-01-13 11:00")),
        // 4. Invalid: counted apart.
        ThreadFacts(department: "a", status: .invalid, receivedAt: at("2026-01-14 10:00")),
        // 5. Answered the same day after 6 hours without being claimed first (the answer is the first response); rated 4.
        ThreadFacts(department: "b", status: .answered, receivedAt: at("2026-01-21 10:00"), firstAnswerAt: at("2026-01-21 16:00"),
                    satisfaction: .satisfied),
        // 6. Not taken up by the end of Thursday the 22nd: overdue on its first response (its answer is not due yet).
        ThreadFacts(department: "b", status: .new, receivedAt: at("2026-01-21 09:00")),
        // 7. Arrived this morning: nothing due.
        ThreadFacts(department: "b", status: .new, receivedAt: at("2026-01-23 09:00")),
        // 8. Answered after one working day, then closed; rated 1.
        ThreadFacts(department: "b", status: .closed, receivedAt: at("2026-01-05 09:00"), firstResponseAt: at("2026-01-06 09:00"),
                    firstAnswerAt: at("2026-01-06 09:00"), satisfaction: .veryDissatisfied),
    ]

    @Test func theOverallFiguresAreTheWorkedOutOnes() throws {
        let figures = OpennessFigures.compute(Self.threads, clock: Self.clock, limits: ResponseLimits(), now: Self.now)
        #expect(figures.received == 8)
        #expect(figures.invalid == 1)
        #expect(figures.valid == 7)
        #expect(figures.answered == 4)
        #expect(figures.replyRate == 4.0 / 7.0)
        #expect(figures.due == 5, "four answered and one past its limit")
        #expect(figures.answeredWithinLimit == 3, "all but letter 2")
        #expect(figures.shareWithinLimit == 0.6)
        #expect(figures.overdue == 2, "letter 3 on its answer, letter 6 on its first response")
        // First responses 2/24, 0.25, 0.25, 0.75, 1.0 → 0.25; answers 0.25, 1.0, 2.0, 5.75 → 1.5.
        #expect(abs(try #require(figures.medianFirstResponseWorkingDays) - 0.25) < 1e-9)
        #expect(abs(try #require(figures.medianAnswerWorkingDays) - 1.5) < 1e-9)
        #expect(figures.satisfaction == [1, 1, 0, 1, 1])
        #expect(figures.rated == 4)
        #expect(figures.averageSatisfaction == 3.0)
    }

    @Test func perDepartmentTheyAddUpToTheOverallCounts() {
        let (overall, departments) = OpennessFigures.byDepartment(Self.threads, clock: Self.clock, limits: ResponseLimits(), now: Self.now)
        let a = departments["a"]!, b = departments["b"]!
        #expect((a.received, a.invalid, a.answered, a.due, a.answeredWithinLimit, a.overdue) == (4, 1, 2, 3, 1, 1))
        #expect((b.received, b.invalid, b.answered, b.due, b.answeredWithinLimit, b.overdue) == (4, 0, 2, 2, 2, 1))
        #expect(a.received + b.received == overall.received)
        #expect(a.overdue + b.overdue == overall.overdue)
        #expect(zip(a.satisfaction, b.satisfaction).map(+) == overall.satisfaction)
    }

    @Test func noLettersGiveNoRatesRatherThanZero() {
        let figures = OpennessFigures.compute([], clock: Self.clock, limits: ResponseLimits(), now: Self.now)
        #expect(figures.received == 0)
        #expect(figures.replyRate == nil)
        #expect(figures.shareWithinLimit == nil)
        #expect(figures.medianAnswerWorkingDays == nil)
        #expect(figures.averageSatisfaction == nil)
    }

    @Test func longerLimitsMakeFewerLettersLate() {
        var limits = ResponseLimits()
        limits.answerWorkingDays = 10
        let figures = OpennessFigures.compute(Self.threads, clock: Self.clock, limits: limits, now: Self.now)
        #expect(figures.answeredWithinLimit == 4)
        #expect(figures.due == 4, "letter 3's limit now ends on the 27th")
        #expect(figures.overdue == 1, "only letter 6, on its first response")
    }
}

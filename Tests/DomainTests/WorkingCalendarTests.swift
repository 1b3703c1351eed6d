import Domain
import Testing

/// Dates, working days and deadlines, on the 2026 calendar of the State Council's General Office (written out here
/// as the file config/calendar/2026.yaml has it).
@Suite struct WorkingCalendarTests {
    static func date(_ text: String) -> CivilDate { CivilDate(iso: text)! }

    static let calendar2026: WorkingCalendar = {
        var holidays: Set<CivilDate> = []
        for (from, to) in [("2026-01-01", "2026-01-03"), ("2026-02-15", "2026-02-23"), ("2026-04-04", "2026-04-06"),
                           ("2026-05-01", "2026-05-05"), ("2026-06-19", "2026-06-21"), ("2026-09-25", "2026-09-27"),
                           ("2026-10-01", "2026-10-07")] {
            var day = date(from)
            while day <= date(to) { holidays.insert(day); day = day.adding(days: 1) }
        }
        let workdays = Set(["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"].map(date))
        return WorkingCalendar(holidays: holidays, workdays: workdays, years: [2026])
    }()

    @Test func theYearsWithoutAPublishedCalendarAreNamed() {
        let calendar = Self.calendar2026
        #expect(calendar.uncoveredYears(from: Self.date("2026-03-01"), through: Self.date("2026-12-31")) == [])
        #expect(calendar.uncoveredYears(from: Self.date("2026-12-20"), through: Self.date("2027-01-20")) == [2027])
        #expect(calendar.uncoveredYears(from: Self.date("2025-12-31"), through: Self.date("2028-01-01")) == [2025, 2027, 2028])
        #expect(calendar.uncoveredYears(from: Self.date("2027-01-01"), through: Self.date("2026-01-01")) == [], "an empty span")
    }

    // MARK: civil dates

    @Test(arguments: [
        ("1970-01-01", 0, Weekday.thursday), ("2000-02-29", 11_016, .tuesday), ("2026-01-01", 20_454, .thursday),
        ("2026-12-06", 20_793, .sunday), ("1969-12-31", -1, .wednesday), ("2100-03-01", 47_541, .monday),
    ] as [(String, Int, Weekday)])
    func datesCountDaysFrom1970AndKnowTheirWeekday(_ text: String, _ days: Int, _ weekday: Weekday) throws {
        let date = try #require(CivilDate(iso: text))
        #expect(date.days == days)
        #expect(date.weekday == weekday)
        #expect(date.description == text, "and back")
    }

    @Test(arguments: ["2026-02-29", "2026-13-01", "2026-04-31", "2026-1-5", "26-01-05", "2026/01/05", "", "2026-01-0x"])
    func aDateThatDoesNotExistOrIsNotWrittenYYYYMMDDIsNone(_ text: String) {
        #expect(CivilDate(iso: text) == nil)
    }

    @Test func everyDayOfFourCenturiesRoundTrips() {
        for days in stride(from: -146_097, through: 146_097, by: 1) {
            let date = CivilDate(days: days)
            let (year, month, day) = date.components
            guard CivilDate(year: year, month: month, day: day)?.days == days else {
                Issue.record("\(days) → \(year)-\(month)-\(day) does not come back")
                return
            }
        }
    }

    // MARK: working days

    @Test(arguments: [
        ("2026-01-02", false, "a holiday on a Friday"),
        ("2026-01-04", true, "a Sunday worked for New Year's Day"),
        ("2026-01-05", true, "a Monday"),
        ("2026-01-10", false, "a Saturday"),
        ("2026-02-14", true, "a Saturday worked for the Spring Festival"),
        ("2026-02-16", false, "a Monday of the Spring Festival"),
        ("2026-02-24", true, "the first working day after it"),
        ("2026-04-06", false, "Qingming, a Monday"),
        ("2026-05-09", true, "a Saturday worked for Labour Day"),
        ("2026-06-19", false, "the Dragon Boat Festival, a Friday"),
        ("2026-09-20", true, "a Sunday worked for National Day"),
        ("2026-10-08", true, "a Thursday after National Day"),
        ("2026-10-10", true, "a Saturday worked for National Day"),
        ("2026-10-11", false, "a Sunday"),
    ] as [(String, Bool, String)])
    func aDayIsWorkedPerTheWeekAndThePublishedCalendar(_ text: String, _ working: Bool, _ why: String) {
        #expect(Self.calendar2026.isWorkingDay(Self.date(text)) == working, "\(text): \(why)")
    }

    @Test(arguments: [
        ("2026-01-09", 1, "2026-01-12", "Friday + 1 → Monday"),
        ("2026-01-10", 1, "2026-01-12", "Saturday + 1 → Monday"),
        ("2026-01-09", 5, "2026-01-16", "Friday + 5 → the next Friday"),
        ("2025-12-31", 1, "2026-01-04", "New Year's Eve + 1 → the Sunday worked after the holiday"),
        ("2026-02-13", 1, "2026-02-14", "Friday + 1 → the make-up Saturday"),
        ("2026-02-14", 1, "2026-02-24", "the make-up Saturday + 1 → over the whole Spring Festival"),
        ("2026-02-12", 5, "2026-02-26", "five working days across the Spring Festival"),
        ("2026-09-30", 1, "2026-10-08", "the eve of National Day + 1 → after the week off"),
        ("2026-09-24", 5, "2026-10-09", "five working days across the Mid-Autumn and National Day holidays"),
        ("2026-04-03", 0, "2026-04-03", "zero: the day itself when it is worked"),
        ("2026-04-04", 0, "2026-04-07", "zero: else the next working day"),
    ] as [(String, Int, String, String)])
    func theNthWorkingDayAfterADayStepsOverWeekendsAndHolidaysAndTakesMakeUpDays(_ from: String, _ count: Int, _ expected: String, _ why: String) {
        #expect(Self.calendar2026.workingDay(count, after: Self.date(from)) == Self.date(expected), "\(why)")
    }

    @Test func workingDaysOf2026ComeToTheYearsTotal() {
        // 261 weekdays (52 weeks and a Thursday) − 19 holidays on weekdays (2 + 6 + 1 + 3 + 1 + 1 + 5) + 6 make-up days.
        let count = Self.calendar2026.workingDays(from: Self.date("2026-01-01"), through: Self.date("2026-12-31"))
        #expect(count == 248)
        #expect(Self.calendar2026.workingDays(from: Self.date("2026-02-14"), through: Self.date("2026-02-28")) == 6,
                "Saturday the 14th, the 24th to the 27th, and Saturday the 28th")
        #expect(Self.calendar2026.workingDays(from: Self.date("2026-02-28"), through: Self.date("2026-02-14")) == 0)
    }

    // MARK: instants

    static let clock = WorkingClock(calendar: calendar2026, zone: FixedOffset.china)

    /// An instant in China Standard Time: "2026-01-09 16:00".
    static func at(_ text: String) -> Int64 {
        let parts = text.split(separator: " ")
        let day = date(String(parts[0]))
        let time = parts[1].split(separator: ":").map { Int64($0)! }
        return Int64(day.days) * 86_400_000 + (time[0] * 60 + time[1]) * 60_000 - 8 * 3_600_000
    }

    @Test func anInstantFallsOnTheDateOfTheOfficesZone() {
        #expect(Self.clock.date(of: Self.at("2026-01-09 00:30")) == Self.date("2026-01-09"), "UTC is still the 8th")
        #expect(Self.clock.date(of: Self.at("2026-01-09 23:59")) == Self.date("2026-01-09"))
        #expect(Self.clock.startOfDay(Self.date("2026-01-09")) == Self.at("2026-01-09 00:00"))
    }

    @Test(arguments: [
        ("2026-01-09 16:00", 1, "2026-01-13 00:00", "Friday afternoon: by the end of Monday"),
        ("2026-01-10 09:00", 1, "2026-01-13 00:00", "Saturday: by the end of Monday"),
        ("2026-01-12 08:00", 1, "2026-01-14 00:00", "Monday morning: by the end of Tuesday"),
        ("2026-01-09 16:00", 5, "2026-01-17 00:00", "Friday + 5: by the end of the next Friday"),
        ("2026-02-13 10:00", 1, "2026-02-15 00:00", "Friday before the Spring Festival: by the end of the make-up Saturday"),
        ("2026-02-14 10:00", 1, "2026-02-25 00:00", "on the make-up Saturday: by the end of the first day after the festival"),
        ("2026-09-30 23:59", 5, "2026-10-14 00:00", "National Day's eve + 5: the 8th, 9th, 10th (Saturday), 12th and 13th"),
    ] as [(String, Int, String, String)])
    func aLimitRunsOutAtMidnightAfterItsLastWorkingDay(_ arrived: String, _ days: Int, _ due: String, _ why: String) {
        #expect(Self.clock.deadline(arrivedAt: Self.at(arrived), workingDays: days) == Self.at(due), "\(why)")
    }

    @Test(arguments: [
        ("2026-01-09 16:00", "2026-01-12 10:00", 0.75, "Friday 16:00 → Monday 10:00: 8 h + 10 h"),
        ("2026-01-12 09:00", "2026-01-12 15:00", 0.25, "six hours of one Monday"),
        ("2026-01-10 09:00", "2026-01-11 21:00", 0.0, "a weekend counts for nothing"),
        ("2026-02-13 12:00", "2026-02-24 12:00", 2.0, "Friday noon → noon after the festival: ½ + the make-up Saturday + ½"),
        ("2026-01-12 10:00", "2026-01-12 09:00", 0.0, "an end before the start"),
    ] as [(String, String, Double, String)])
    func timeTakenCountsOnlyTheHoursOfWorkingDays(_ from: String, _ to: String, _ expected: Double, _ why: String) {
        let elapsed = Self.clock.elapsedWorkingDays(from: Self.at(from), to: Self.at(to))
        #expect(abs(elapsed - expected) < 1e-9, "\(why): \(elapsed)")
    }

    @Test func aZoneWhoseOffsetChangesStillStartsItsDaysAtLocalMidnight() {
        // A zone one hour further east from 2026-03-29 01:00 UTC on (a daylight-saving change, as in Europe).
        struct Shifting: ZoneOffsets {
            let change = Int64(CivilDate(iso: "2026-03-29")!.days) * 86_400_000 + 3_600_000
            func offsetSeconds(at instant: Int64) -> Int { instant < change ? 3_600 : 7_200 }
        }
        let clock = WorkingClock(calendar: Self.calendar2026, zone: Shifting())
        let monday = CivilDate(iso: "2026-03-30")!
        #expect(clock.startOfDay(monday) == Int64(monday.days) * 86_400_000 - 7_200_000)
        #expect(clock.date(of: clock.startOfDay(monday)) == monday)
        #expect(clock.date(of: clock.startOfDay(monday) - 1) == monday.adding(days: -1))
    }
}

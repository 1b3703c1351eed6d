/// The UTC offset of the office's time zone at an instant. The application answers from the tz database; tests give
/// a fixed offset. (China has kept +08:00 since 1991; the type allows a zone with daylight saving all the same.)
package protocol ZoneOffsets: Sendable {
    /// Seconds east of UTC in force at `instant` (milliseconds since 1970).
    func offsetSeconds(at instant: Int64) -> Int
}

/// A zone that is always `seconds` east of UTC.
package struct FixedOffset: ZoneOffsets {
    package var seconds: Int
    package init(seconds: Int) { self.seconds = seconds }
    package func offsetSeconds(at instant: Int64) -> Int { seconds }
    /// China Standard Time, UTC+8.
    package static let china = FixedOffset(seconds: 8 * 3_600)
}

/// Working days applied to instants: when a limit runs out, and how much working time something took.
///
/// **Deadlines.** A limit of N working days on a letter counts from the day after the one it arrived (in the
/// office's time zone) and ends at midnight after the N-th working day: a letter that arrives on Friday at 16:00
/// with one working day to answer is due by Monday 24:00; one that arrives on a Saturday, too; one that arrives
/// before a week-long holiday, at the end of the first working day after it.
///
/// **Durations.** The time a letter waited is counted in working days as the hours of working days it spanned,
/// over 24: from Friday 16:00 to Monday 10:00 is 8 + 10 hours = 0.75 working days; a weekend or a holiday in
/// between counts for nothing. The medians of the figures are of these.
package struct WorkingClock: Sendable {
    package var calendar: WorkingCalendar
    package var zone: any ZoneOffsets

    package init(calendar: WorkingCalendar, zone: any ZoneOffsets) {
        self.calendar = calendar
        self.zone = zone
    }

    private static let day: Int64 = 86_400_000

    /// The civil date at `instant` in the office's zone.
    package func date(of instant: Int64) -> CivilDate {
        let local = instant + Int64(zone.offsetSeconds(at: instant)) * 1_000
        return CivilDate(days: Int(floorDivide(local, Self.day)))
    }

    /// The instant the day `date` starts (local midnight).
    package func startOfDay(_ date: CivilDate) -> Int64 {
        let midnight = Int64(date.days) * Self.day
        // The offset at the guess, then again at the result: right across an offset change that is not at midnight.
        let guess = midnight - Int64(zone.offsetSeconds(at: midnight)) * 1_000
        return midnight - Int64(zone.offsetSeconds(at: guess)) * 1_000
    }

    /// When a limit of `workingDays` (≥ 1) on something that arrived at `instant` runs out.
    package func deadline(arrivedAt instant: Int64, workingDays: Int) -> Int64 {
        let last = calendar.workingDay(max(workingDays, 1), after: date(of: instant))
        return startOfDay(last.adding(days: 1))
    }

    /// The working time from `start` to `end`, in working days (0 when `end` is not after `start`).
    package func elapsedWorkingDays(from start: Int64, to end: Int64) -> Double {
        guard end > start else { return 0 }
        var total: Int64 = 0
        var day = date(of: start)
        let last = date(of: end)
        while day <= last {
            if calendar.isWorkingDay(day) {
                let opens = max(start, startOfDay(day))
                let closes = min(end, startOfDay(day.adding(days: 1)))
                if closes > opens { total += closes - opens }
            }
            day = day.adding(days: 1)
        }
        return Double(total) / Double(Self.day)
    }

    private func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }
}

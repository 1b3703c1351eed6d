/// Which days the office works: every day but the weekend, except public holidays, plus the make-up working days
/// (调休上班) that move a weekend day into the week — the calendar the State Council's General Office publishes each
/// year (config/calendar/). Dates are civil dates in the office's time zone; `WorkingClock` turns instants into them.
package struct WorkingCalendar: Sendable, Equatable {
    package var weekend: Set<Weekday>
    /// Days off that would otherwise be working days (a holiday on a weekend changes nothing, but may be listed).
    package var holidays: Set<CivilDate>
    /// Weekend days worked to make up for a holiday.
    package var workdays: Set<CivilDate>
    /// The years the published calendars cover. Outside them only the weekend is known, and the figures say so.
    package var years: Set<Int>

    package init(weekend: Set<Weekday> = [.saturday, .sunday], holidays: Set<CivilDate> = [], workdays: Set<CivilDate> = [],
                 years: Set<Int> = []) {
        self.weekend = weekend
        self.holidays = holidays
        self.workdays = workdays
        self.years = years
    }

    package func isWorkingDay(_ date: CivilDate) -> Bool {
        if workdays.contains(date) { return true }
        if holidays.contains(date) { return false }
        return !weekend.contains(date.weekday)
    }

    /// Whether a published calendar covers `date`'s year (else holidays are unknown for it).
    package func covers(_ date: CivilDate) -> Bool { years.contains(date.year) }

    /// The years from `from`'s through `through`'s that no published calendar covers, in order: there working days
    /// are Monday to Friday, public holidays and make-up days unknown.
    package func uncoveredYears(from: CivilDate, through: CivilDate) -> [Int] {
        guard from.year <= through.year else { return [] }
        return (from.year...through.year).filter { !years.contains($0) }
    }

    /// The `count`-th working day after `date` (`date` itself not counted; `count` ≥ 1). With `count` 0: `date` if
    /// it is a working day, else the next one.
    package func workingDay(_ count: Int, after date: CivilDate) -> CivilDate {
        precondition(count >= 0, "a count of working days is not negative")
        var day = date
        if count == 0 {
            while !isWorkingDay(day) { day = day.adding(days: 1) }
            return day
        }
        var left = count
        // A year has at least 240 working days on any published calendar: the loop ends within count × 2 + 30 days.
        while left > 0 {
            day = day.adding(days: 1)
            if isWorkingDay(day) { left -= 1 }
        }
        return day
    }

    /// Working days in `from...through` (both included); 0 when `through` is before `from`.
    package func workingDays(from: CivilDate, through: CivilDate) -> Int {
        guard from <= through else { return 0 }
        var count = 0
        var day = from
        while day <= through {
            if isWorkingDay(day) { count += 1 }
            day = day.adding(days: 1)
        }
        return count
    }

    /// Several years' calendars as one (their holidays and make-up days together).
    package func merged(with other: WorkingCalendar) -> WorkingCalendar {
        WorkingCalendar(weekend: weekend, holidays: holidays.union(other.holidays), workdays: workdays.union(other.workdays),
                        years: years.union(other.years))
    }
}

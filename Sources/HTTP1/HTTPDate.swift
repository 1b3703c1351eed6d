/// IMF-fixdate (RFC 9110 §5.6.7), the format of Date, Last-Modified and Expires:
/// `Sun, 06 Nov 1994 08:49:37 GMT`. Computed from the Unix time with integer arithmetic, no
/// Foundation and no time zone database: IMF-fixdate is always UTC.
package enum HTTPDate {
    private static let dayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The IMF-fixdate of `secondsSince1970` (POSIX time, leap seconds not counted, as RFC 9110
    /// §5.6.7 assumes). Years are written with four digits; the format has no room for years past
    /// 9999, which print with more.
    package static func format(secondsSince1970: Int) -> String {
        let (days, secondOfDay) = floorDivide(secondsSince1970, 86_400)
        let (year, month, day) = civilDate(daysSince1970: days)
        // 1970-01-01 was a Thursday.
        let weekday = floorDivide(days + 4, 7).remainder

        var text = ""
        text.reserveCapacity(29)
        text += dayNames[weekday]
        text += ", "
        append(day, width: 2, to: &text)
        text += " "
        text += monthNames[month - 1]
        text += " "
        append(year, width: 4, to: &text)
        text += " "
        append(secondOfDay / 3600, width: 2, to: &text)
        text += ":"
        append(secondOfDay / 60 % 60, width: 2, to: &text)
        text += ":"
        append(secondOfDay % 60, width: 2, to: &text)
        text += " GMT"
        return text
    }

    /// The proleptic Gregorian date of a day counted from 1970-01-01, after Howard Hinnant's
    /// `civil_from_days`: days are shifted to an era of 400 years starting on 0000-03-01, so that the
    /// leap day is the last day of a year and needs no special case.
    static func civilDate(daysSince1970: Int) -> (year: Int, month: Int, day: Int) {
        let (era, dayOfEra) = floorDivide(daysSince1970 + 719_468, 146_097)                   // [0, 146096]
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365  // [0, 399]
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)          // [0, 365], from March 1
        let shiftedMonth = (5 * dayOfYear + 2) / 153                                             // [0, 11], 0 = March
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// Division rounding toward negative infinity, with a remainder in [0, divisor).
    private static func floorDivide(_ value: Int, _ divisor: Int) -> (quotient: Int, remainder: Int) {
        let remainder = value % divisor
        return remainder < 0 ? (value / divisor - 1, remainder + divisor) : (value / divisor, remainder)
    }

    private static func append(_ value: Int, width: Int, to text: inout String) {
        let digits = String(value)
        if digits.utf8.count < width { text += String(repeating: "0", count: width - digits.utf8.count) }
        text += digits
    }
}

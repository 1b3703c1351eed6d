/// An instant to the second in UTC, written `20260506T120000Z` (ISO 8601's basic format): what names backup files
/// and the database a restore set aside. It sorts as text in time order and needs no character a file name
/// cannot hold.
package struct UTCStamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Seconds since 1970-01-01T00:00:00Z.
    package let seconds: Int64

    /// The second that holds `milliseconds` (since 1970 UTC).
    package init(milliseconds: Int64) {
        seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
    }

    /// `YYYYMMDDTHHMMSSZ`; nil for anything else, or a date or time that does not exist.
    package init?(_ text: some StringProtocol) {
        let characters = Array(text.utf8)
        guard characters.count == 16, characters[8] == UInt8(ascii: "T"), characters[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in characters[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
              let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
              hour < 24, minute < 60, second < 60,
              let date = CivilDate(year: year, month: month, day: day) else { return nil }
        seconds = Int64(date.days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// Milliseconds since 1970 UTC at the start of this second.
    package var milliseconds: Int64 { seconds * 1000 }

    package var description: String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let date = CivilDate(days: Int(days))
        let ofDay = Int(seconds - days * 86_400)
        func digits(_ value: Int, _ count: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, count - text.count)) + text
        }
        let (year, month, day) = date.components
        return digits(year, 4) + digits(month, 2) + digits(day, 2) + "T"
            + digits(ofDay / 3600, 2) + digits(ofDay / 60 % 60, 2) + digits(ofDay % 60, 2) + "Z"
    }

    package static func < (lhs: UTCStamp, rhs: UTCStamp) -> Bool { lhs.seconds < rhs.seconds }
}

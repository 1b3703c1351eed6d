import Domain
import Foundation

/// A year's working-day calendar (config/calendar/YYYY.yaml): its public holidays and make-up working days, read
/// strictly — a date that does not exist, a date outside the file's year or an unknown key is refused naming the file
/// and the entry.
package enum CalendarFile {
    package static func load(yaml: String, file: String) throws(CampaignFileError) -> WorkingCalendar {
        let root = try DirectLineFiles.mapping(yaml, file: file, keys: ["year", "holidays", "workdays"])
        guard let year = root["year"] as? Int, (2000...2200).contains(year) else {
            throw CampaignFileError(file: file, keyPath: "year", problem: "must be the calendar's year, like 2026")
        }
        func date(_ value: Any?, at path: String) throws(CampaignFileError) -> CivilDate {
            // YAML reads an unquoted 2026-01-01 as a timestamp at midnight UTC; a quoted one as text.
            var parsed: CivilDate?
            if let text = value as? String { parsed = CivilDate(iso: text) }
            if let moment = value as? Date { parsed = CivilDate(days: Int((moment.timeIntervalSince1970 / 86_400).rounded(.down))) }
            guard let parsed else { throw CampaignFileError(file: file, keyPath: path, problem: "must be a date written YYYY-MM-DD") }
            guard parsed.year == year else {
                throw CampaignFileError(file: file, keyPath: path, problem: "\(parsed) is not in \(year), the year of this file")
            }
            return parsed
        }
        var holidays: Set<CivilDate> = []
        let holidayList = root["holidays"] as? [Any] ?? []
        if root["holidays"] != nil, root["holidays"] as? [Any] == nil {
            throw CampaignFileError(file: file, keyPath: "holidays", problem: "must be a list of {from, to, name}")
        }
        for (index, item) in holidayList.enumerated() {
            let path = "holidays[\(index)]"
            guard let entry = item as? [String: Any], Set(entry.keys).isSubset(of: ["from", "to", "name"]), entry["from"] != nil else {
                throw CampaignFileError(file: file, keyPath: path, problem: "must be {from: YYYY-MM-DD, to: YYYY-MM-DD, name: {zh, en}}")
            }
            let from = try date(entry["from"], at: path + ".from")
            let to = try entry["to"].map { value throws(CampaignFileError) in try date(value, at: path + ".to") } ?? from
            guard from <= to, to.days - from.days < 31 else {
                throw CampaignFileError(file: file, keyPath: path, problem: "to must be on or after from, and a holiday at most 31 days long")
            }
            var day = from
            while day <= to {
                holidays.insert(day)
                day = day.adding(days: 1)
            }
        }
        var workdays: Set<CivilDate> = []
        if root["workdays"] != nil, root["workdays"] as? [Any] == nil {
            throw CampaignFileError(file: file, keyPath: "workdays", problem: "must be a list of dates (YYYY-MM-DD)")
        }
        for (index, item) in (root["workdays"] as? [Any] ?? []).enumerated() {
            let day = try date(item, at: "workdays[\(index)]")
            guard !holidays.contains(day) else {
                throw CampaignFileError(file: file, keyPath: "workdays[\(index)]", problem: "\(day) is also listed as a holiday")
            }
            workdays.insert(day)
        }
        return WorkingCalendar(holidays: holidays, workdays: workdays, years: [year])
    }
}

/// The tz database's offsets for a zone (Foundation's `TimeZone`), as `WorkingClock` asks for them.
package struct TimeZoneOffsets: ZoneOffsets {
    private let zone: TimeZone

    /// nil for a name the tz database does not know.
    package init?(identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        self.zone = zone
    }

    package func offsetSeconds(at instant: Int64) -> Int {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant) / 1000))
    }
}

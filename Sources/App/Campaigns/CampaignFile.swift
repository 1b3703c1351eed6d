import Domain
import Storage
import Yams

/// A campaign as operators write it, in YAML under config/campaigns/ (see config/campaigns/demo.yaml and
/// docs/CAMPAIGNS.md): times as ISO 8601 with their UTC offset, labels optional (the national scale's wording by
/// default). Read strictly: an unknown key, a missing one or a value of the wrong kind is refused with the file, the
/// line and the key path, because a key the reader skipped is a figure citizens see wrong (`{zh: 12,480个, …}`, whose
/// comma ends the value, once showed "12").
package enum CampaignFile {
    /// Parses and validates a campaign file. `file` names it in errors (the call sites pass its path), as in
    /// `demo.yaml:25: projects[0].figures[0].value: unknown key "480个"; …`.
    package static func load(yaml: String, file: String) throws(CampaignFileError) -> CampaignDefinition {
        try read(yaml: yaml, file: file).definition
    }

    /// `load`, with the reader that knows the line of every key path, for errors found after the file was read.
    static func read(yaml: String, file: String) throws(CampaignFileError) -> (definition: CampaignDefinition, reader: CampaignFileReader) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw CampaignFileError(yamlError: error, yaml: yaml, file: file)
                ?? CampaignFileError(file: file, problem: "cannot be read as YAML")
        }
        var reader = CampaignFileReader(file: file, yaml: yaml)
        let definition = try reader.campaign(root)
        do {
            try definition.check()
        } catch {
            throw reader.error(for: error)
        }
        return (definition, reader)
    }

    /// Imports a campaign that `load` read from `yaml`, and says a refusal in the file's terms: a slug that belongs
    /// to another campaign is named by its key path and line, not as a Swift value.
    package static func importCampaign(
        _ definition: CampaignDefinition, yaml: String, file: String, into store: Store
    ) throws(CampaignFileError) -> ImportSummary {
        do {
            return try store.importCampaign(definition)
        } catch let error as DomainError {
            throw Self.error(importing: error, definition: definition, yaml: yaml, file: file)
        } catch let error as StorageError {
            throw CampaignFileError(file: file, problem: "not imported: \(error.description)")
        } catch {
            throw CampaignFileError(file: file, problem: "not imported: the database failed: \(error)")
        }
    }

    private static func error(importing error: DomainError, definition: CampaignDefinition, yaml: String, file: String) -> CampaignFileError {
        guard case .slugBelongsToAnotherCampaign(let slug, let owner) = error else {
            return CampaignFileError(file: file, problem: "not imported: \(error.message)")
        }
        let path = definition.projects.firstIndex { $0.slug == slug }.map { "projects[\($0)].slug" } ?? "projects"
        // Read again only to find the line: this file was read once already, so it reads the same way.
        let line = (try? read(yaml: yaml, file: file))?.reader.line(of: path)
        return CampaignFileError(
            file: file, line: line, keyPath: path,
            problem: "\"\(slug)\" already belongs to campaign \"\(owner)\"; a slug is the URL of a printed QR code, "
                + "so it stays with its campaign: give this project another slug")
    }
}

/// ISO 8601 date-times with an explicit offset ("2026-11-01T09:00:00+08:00", "2026-11-01T01:00Z"), without Foundation.
enum ISO8601Instant {
    static func milliseconds(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for index in range {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) else { return nil }
                value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
            }
            return value
        }
        guard bytes.count >= 17, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "), bytes[13] == UInt8(ascii: ":"),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16) else { return nil }
        var index = 16
        var second = 0
        var milliseconds = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ":") {
            guard let s = number(17..<19) else { return nil }
            second = s
            index = 19
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                // A fraction of a second: its first three digits are milliseconds, the rest is below our resolution.
                index += 1
                var digits = 0
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                    if digits < 3 { milliseconds = milliseconds * 10 + Int(bytes[index] - UInt8(ascii: "0")) }
                    digits += 1
                    index += 1
                }
                guard digits > 0 else { return nil }
                for _ in digits..<max(digits, 3) { milliseconds *= 10 }
            }
        }
        guard index < bytes.count else { return nil }   // the offset is required
        var offsetMinutes = 0
        if bytes[index] == UInt8(ascii: "Z") {
            guard index + 1 == bytes.count else { return nil }
        } else if bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            guard index + 6 == bytes.count, bytes[index + 3] == UInt8(ascii: ":"),
                  let oh = number(index + 1..<index + 3), let om = number(index + 4..<index + 6), oh < 24, om < 60 else { return nil }
            offsetMinutes = (oh * 60 + om) * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
        } else {
            return nil
        }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61,
              day <= daysInMonth(year: year, month: month) else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        return seconds * 1000 + Int64(milliseconds)
    }

    private static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

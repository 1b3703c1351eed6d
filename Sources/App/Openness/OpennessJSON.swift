import Foundation
import Domain
import Storage

/// The openness figures, follow-ups and their CSV (docs/PROTOCOL.md, "Openness figures").
enum OpennessJSON {
    /// The period figures are of: `from..<to` in milliseconds (nil: unbounded), and the campaign it is, if one.
    struct Period: Sendable, Equatable {
        var from: Int64?
        var to: Int64?
        var campaign: String?
    }

    /// What the working days of a set of figures were counted with: the zone, the years with a published calendar,
    /// and the years of the period so far without one (counted Monday to Friday, holidays unknown).
    struct CalendarNote: Sendable, Equatable {
        var timeZone: String
        var years: [Int]
        var uncoveredYears: [Int]
    }

    /// The figures object (without the outer braces' type/topic): period, limits, overall and per department.
    static func figures(_ overall: OpennessFigures, departments: [(DepartmentRecord, OpennessFigures)], period: Period,
                        limits: ResponseLimits, calendar: CalendarNote, computedAt: Int64, into json: inout JSONWriter) {
        json.beginObject()
        json.key("period")
        json.beginObject()
        json.key("from")
        if let from = period.from { json.int(from) } else { json.null() }
        json.key("to")
        if let to = period.to { json.int(to) } else { json.null() }
        json.field("campaign", period.campaign)
        json.endObject()
        json.key("limits")
        json.beginObject()
        json.field("firstResponseWorkingDays", limits.firstResponseWorkingDays)
        json.field("answerWorkingDays", limits.answerWorkingDays)
        json.field("followUpWorkingDays", limits.followUpWorkingDays)
        json.endObject()
        json.key("calendar")
        json.beginObject()
        json.field("timeZone", calendar.timeZone)
        json.key("years")
        json.beginArray()
        for year in calendar.years { json.int(Int64(year)) }
        json.endArray()
        json.key("uncoveredYears")
        json.beginArray()
        for year in calendar.uncoveredYears { json.int(Int64(year)) }
        json.endArray()
        json.endObject()
        json.field("computedAt", computedAt)
        json.key("overall")
        counts(overall, into: &json)
        json.key("departments")
        json.beginArray()
        for (department, figures) in departments {
            json.beginObject()
            json.field("id", department.id)
            json.key("name")
            json.beginObject()
            json.field("zh", department.name.zh)
            json.field("en", department.name.en)
            json.endObject()
            json.key("figures")
            counts(figures, into: &json)
            json.endObject()
        }
        json.endArray()
        json.endObject()
    }

    static func counts(_ figures: OpennessFigures, into json: inout JSONWriter) {
        json.beginObject()
        json.field("received", figures.received)
        json.field("invalid", figures.invalid)
        json.field("valid", figures.valid)
        json.field("answered", figures.answered)
        json.key("replyRate")
        json.decimal(figures.replyRate)
        json.key("medianFirstResponseWorkingDays")
        json.decimal(figures.medianFirstResponseWorkingDays)
        json.key("medianAnswerWorkingDays")
        json.decimal(figures.medianAnswerWorkingDays)
        json.field("due", figures.due)
        json.field("answeredWithinLimit", figures.answeredWithinLimit)
        json.key("shareWithinLimit")
        json.decimal(figures.shareWithinLimit)
        json.field("overdue", figures.overdue)
        json.key("satisfaction")
        json.beginArray()
        for count in figures.satisfaction { json.int(count) }
        json.endArray()
        json.field("rated", figures.rated)
        json.key("averageSatisfaction")
        json.decimal(figures.averageSatisfaction)
        json.endObject()
    }

    /// The figures as CSV: a header, then one line for all departments and one per department.
    static func csv(_ overall: OpennessFigures, departments: [(DepartmentRecord, OpennessFigures)]) -> String {
        var lines = [[
            "department", "department_zh", "department_en", "received", "invalid", "valid", "answered", "reply_rate",
            "median_first_response_working_days", "median_answer_working_days", "due", "answered_within_limit",
            "share_within_limit", "overdue", "satisfaction_1", "satisfaction_2", "satisfaction_3", "satisfaction_4",
            "satisfaction_5", "average_satisfaction",
        ].joined(separator: ",")]
        func row(_ id: String, _ zh: String, _ en: String, _ f: OpennessFigures) -> String {
            func number(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "" }
            return ([CSV.field(id), CSV.field(zh), CSV.field(en), "\(f.received)", "\(f.invalid)", "\(f.valid)", "\(f.answered)",
                     number(f.replyRate), number(f.medianFirstResponseWorkingDays), number(f.medianAnswerWorkingDays), "\(f.due)",
                     "\(f.answeredWithinLimit)", number(f.shareWithinLimit), "\(f.overdue)"]
                    + f.satisfaction.map(String.init) + [number(f.averageSatisfaction)]).joined(separator: ",")
        }
        lines.append(row("*", "全部", "All", overall))
        for (department, figures) in departments {
            lines.append(row(department.id, department.name.zh, department.name.en, figures))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// `FollowUp`.
    static func followUp(_ followUp: FollowUpRecord, clock: ResponseClock, into json: inout JSONWriter) {
        json.beginObject()
        json.field("kind", followUp.kind.rawValue)
        json.key("id")
        if let id = followUp.id { json.int(id) } else { json.null() }
        json.key("thread")
        if let thread = followUp.thread { json.int(thread) } else { json.null() }
        json.field("code", followUp.code)
        json.field("subject", followUp.subject)
        json.key("citizen")
        if let citizen = followUp.citizen { json.int(citizen) } else { json.null() }
        json.field("project", followUp.project)
        json.field("suggestion", followUp.suggestion)
        json.field("department", followUp.department)
        json.field("level", followUp.level)
        json.field("openedAt", followUp.openedAt)
        json.key("due")
        if let deadline = clock.deadline(for: followUp) {
            json.beginObject()
            json.field("what", deadline.what)
            json.field("at", deadline.at)
            json.field("standing", deadline.standing.rawValue)
            json.endObject()
        } else {
            json.null()
        }
        json.key("contacted")
        if let contacted = followUp.contacted { json.bool(contacted) } else { json.null() }
        json.field("outcome", followUp.outcome)
        json.field("recordedBy", followUp.recordedBy)
        json.key("recordedAt")
        if let at = followUp.recordedAt { json.int(at) } else { json.null() }
        json.endObject()
    }
}

/// RFC 4180 fields.
enum CSV {
    /// A field, quoted when it holds a comma, a quote or a line break (quotes doubled). A field that a spreadsheet
    /// would take for a formula (`=`, `+`, `-`, `@` first) is prefixed with a quote mark (OWASP's CSV injection advice).
    static func field(_ text: String) -> String {
        var text = text
        if let first = text.first, "=+-@\t\r".contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

import Dispatch
import Domain
import Foundation
import HTTP1
import Storage
import Transport

/// The HTTP API of issue 10 (docs/PROTOCOL.md, "Moderation and the public board", "Openness figures"): staff's
/// public versions, the moderators' queue and decisions, the public message board and moderation log, the figures
/// (JSON and CSV) and the campaign report, citizens' ratings of answers, follow-ups. Handlers run off the event loops;
/// every write goes through its service and is acknowledged after commit.
struct ModerationRoutes: Sendable {
    let services: LiveServices
    let store: Store
    let maxJSONBodySize: Int

    private static let queue = DispatchQueue(label: "lastword.moderation", qos: .userInitiated, attributes: .concurrent)
    /// Items in a page of the public board and log: by default, and at most.
    static let defaultPage = 20
    static let maxPage = 100

    func install(on router: inout Router) {
        let routes = self
        func route(_ method: String, _ pattern: String,
                   _ handler: @escaping @Sendable (ModerationRoutes, HTTPRequest, HTTPResponder) throws(HTTPError) -> Void) {
            router.addResponder(method, pattern) { request, responder in
                Self.queue.async {
                    do throws(HTTPError) { try handler(routes, request, responder) } catch { responder.respond(error.response) }
                }
            }
        }

        // Staff: a letter's public versions.
        route("GET", "/api/staff/threads/:id/public") { routes, request, responder throws(HTTPError) in
            let staff = try routes.staff(request)
            let id = try routes.number(request, "id", DomainError.caseNotFound)
            _ = try routes.domain { () throws(DomainError) in try routes.services.directLine.staffThread(id, staff: staff) }
            guard let versions = try? routes.store.publicVersions(thread: id), let history = try? routes.store.publicHistory(thread: id) else {
                throw HTTPError(DomainError.storageFailure)
            }
            var json = JSONWriter()
            json.beginObject()
            json.key("versions")
            json.beginArray()
            for version in versions { ModerationJSON.version(version, into: &json) }
            json.endArray()
            json.key("history")
            Self.history(history, into: &json)
            json.endObject()
            responder.respond(.json(200, json.bytes, headers: ["Cache-Control": "no-store"]))
        }
        route("POST", "/api/staff/threads/:id/public") { routes, request, responder throws(HTTPError) in
            let staff = try routes.staff(request)
            let id = try routes.number(request, "id", DomainError.caseNotFound)
            let body = try APIRoutes.readBody(request, limit: routes.maxJSONBodySize)
            try routes.domain { () throws(DomainError) in
                try routes.services.moderation.submit(thread: id, clientID: body.id, question: body.question, answer: body.answer,
                                                      staff: staff) { outcome in
                    responder.respond(Self.versionResponse(outcome, created: 201))
                }
            }
        }

        // Moderators: the queue, holds and decisions.
        route("GET", "/api/moderation/queue") { routes, request, responder throws(HTTPError) in
            let staff = try routes.staff(request)
            try routes.domain { () throws(DomainError) in try routes.services.directLine.access.check(staff, .seeModerationQueue, department: nil) }
            guard let (items, state) = try? routes.store.moderationQueue() else { throw HTTPError(DomainError.storageFailure) }
            var json = JSONWriter(capacity: 1024 + items.count * 600)
            json.beginObject()
            json.key("items")
            json.beginArray()
            for item in items { ModerationJSON.version(item, into: &json) }
            json.endArray()
            ModerationJSON.queueState(state, into: &json)
            json.endObject()
            responder.respond(.json(200, json.bytes, headers: ["Cache-Control": "no-store"]))
        }
        for (action, release) in [("open", false), ("close", true)] {
            route("POST", "/api/moderation/items/:id/" + action) { routes, request, responder throws(HTTPError) in
                let staff = try routes.staff(request)
                let id = try routes.number(request, "id", DomainError.publicVersionNotFound)
                routes.services.moderation.hold(version: id, release: release, moderator: staff) { outcome in
                    responder.respond(Self.versionResponse(outcome, created: 200))
                }
            }
        }
        for action in ["approve", "reject", "withdraw"] {
            route("POST", "/api/moderation/items/:id/" + action) { routes, request, responder throws(HTTPError) in
                let staff = try routes.staff(request)
                let id = try routes.number(request, "id", DomainError.publicVersionNotFound)
                let body = try APIRoutes.readBody(request, limit: routes.maxJSONBodySize)
                try routes.domain { () throws(DomainError) in
                    let decision = try ModerationService.decision(action, question: body.question, answer: body.answer,
                                                                  category: body.category, note: body.note)
                    try routes.services.moderation.decide(version: id, clientID: body.id, decision: decision, moderator: staff) { outcome in
                        responder.respond(Self.versionResponse(outcome, created: 200))
                    }
                }
            }
        }
        route("GET", "/api/moderation/items/:id") { routes, request, responder throws(HTTPError) in
            let staff = try routes.staff(request)
            try routes.domain { () throws(DomainError) in try routes.services.directLine.access.check(staff, .seeModerationQueue, department: nil) }
            let id = try routes.number(request, "id", DomainError.publicVersionNotFound)
            guard let version = try? routes.store.publicVersion(id: id) else { throw HTTPError(DomainError.publicVersionNotFound) }
            guard let history = try? routes.store.publicHistory(thread: version.thread),
                  let revisions = try? routes.store.publicVersions(thread: version.thread) else {
                throw HTTPError(DomainError.storageFailure)
            }
            var json = JSONWriter()
            json.beginObject()
            json.key("version")
            ModerationJSON.version(version, into: &json)
            json.key("revisions")
            json.beginArray()
            for revision in revisions { ModerationJSON.version(revision, into: &json) }
            json.endArray()
            json.key("history")
            Self.history(history, into: &json)
            json.endObject()
            responder.respond(.json(200, json.bytes, headers: ["Cache-Control": "no-store"]))
        }

        // The public: the message board and the moderation log.
        route("GET", "/api/messages") { routes, request, responder throws(HTTPError) in
            let limit = try routes.limit(request)
            let before = try routes.cursor(request)
            let department = request.query("department").flatMap { $0.isEmpty ? nil : $0 }
            let project = request.query("project").flatMap { $0.isEmpty ? nil : $0 }
            guard var items = try? routes.store.board(department: department, project: project, before: before, limit: limit + 1) else {
                throw HTTPError(DomainError.storageFailure)
            }
            var next: String?
            if items.count > limit {
                items.removeLast(items.count - limit)
                next = items.last.flatMap { item in item.publishedAt.map { PageCursor(at: $0, id: item.id).text } }
            }
            var json = JSONWriter(capacity: 512 + items.count * 600)
            json.beginObject()
            json.key("items")
            json.beginArray()
            for item in items { ModerationJSON.boardItem(item, into: &json) }
            json.endArray()
            json.field("next", next)
            json.endObject()
            responder.respond(.json(200, json.bytes))
        }
        route("GET", "/api/moderation/log") { routes, request, responder throws(HTTPError) in
            let limit = try routes.limit(request)
            var before: Int64?
            if let raw = request.query("before"), !raw.isEmpty {
                guard let value = Int64(raw) else { throw HTTPError(DomainError.invalidRequest("before must be the next value of a previous page")) }
                before = value
            }
            guard var entries = try? routes.store.moderationLog(before: before, limit: limit + 1) else {
                throw HTTPError(DomainError.storageFailure)
            }
            var next: String?
            if entries.count > limit {
                entries.removeLast(entries.count - limit)
                next = entries.last.map { String($0.id) }
            }
            var json = JSONWriter()
            json.beginObject()
            json.key("entries")
            json.beginArray()
            for entry in entries {
                json.beginObject()
                json.field("action", entry.action.rawValue)
                json.field("category", entry.category?.rawValue)
                json.key("reason")
                if let reason = entry.category?.publicReason {
                    json.beginObject()
                    json.field("zh", reason.zh)
                    json.field("en", reason.en)
                    json.endObject()
                } else {
                    json.null()
                }
                json.field("department", entry.department)
                json.field("kind", entry.kind.rawValue)
                json.field("at", entry.at)
                json.endObject()
            }
            json.endArray()
            json.field("next", next)
            json.endObject()
            responder.respond(.json(200, json.bytes))
        }

        // The figures and the report.
        route("GET", "/api/figures") { routes, request, responder throws(HTTPError) in
            let period = try routes.period(request)
            guard let body = try? routes.services.openness.figuresJSON(period) else { throw HTTPError(DomainError.storageFailure) }
            responder.respond(.json(200, body))
        }
        route("GET", "/api/figures.csv") { routes, request, responder throws(HTTPError) in
            let period = try routes.period(request)
            guard let (overall, departments) = try? routes.services.openness.figures(period) else {
                throw HTTPError(DomainError.storageFailure)
            }
            let name = "figures-" + (period.campaign ?? "all") + ".csv"
            responder.respond(HTTPResponse(status: 200, contentType: "text/csv; charset=utf-8",
                                           body: Array(OpennessJSON.csv(overall, departments: departments).utf8),
                                           headers: ["Content-Disposition": "attachment; filename=\"\(name)\""]))
        }
        route("GET", "/api/report") { routes, request, responder throws(HTTPError) in
            let period = try routes.period(request)
            guard let campaignID = period.campaign, let campaign = routes.services.catalog.campaign(campaignID) else {
                throw HTTPError(DomainError.invalidRequest("the report is of a campaign: name it with campaign"))
            }
            guard let (overall, departments) = try? routes.services.openness.figures(period),
                  let suggestions = try? routes.store.suggestionCounts(campaign: campaignID) else {
                throw HTTPError(DomainError.storageFailure)
            }
            let tally = routes.services.tally.campaignTally(campaignID)
            var json = JSONWriter(capacity: 8192)
            json.beginObject()
            json.key("campaign")
            json.beginObject()
            json.field("id", campaign.id)
            json.key("title")
            json.beginObject()
            json.field("zh", campaign.title.zh)
            json.field("en", campaign.title.en)
            json.endObject()
            json.field("opensAt", campaign.opensAt)
            json.field("closesAt", campaign.closesAt)
            json.field("timeZone", campaign.timeZone)
            json.field("state", campaign.state(at: routes.services.time.now()).rawValue)
            json.field("participants", tally?.participants ?? 0)
            json.field("ratings", tally?.ratings ?? 0)
            json.field("likes", tally?.likes ?? 0)
            json.endObject()
            json.key("projects")
            json.beginArray()
            for project in campaign.projects {
                let counts = tally?.projects[project.slug] ?? .empty
                json.beginObject()
                json.field("slug", project.slug)
                json.key("title")
                json.beginObject()
                json.field("zh", project.title.zh)
                json.field("en", project.title.en)
                json.endObject()
                json.key("department")
                json.beginObject()
                json.field("zh", project.department.zh)
                json.field("en", project.department.en)
                json.endObject()
                json.field("participants", counts.participants)
                json.key("counts")
                json.beginArray()
                for count in counts.counts { json.int(count) }
                json.endArray()
                json.key("average")
                json.decimal(counts.average)
                json.field("likes", counts.likes)
                json.field("suggestions", counts.suggestions)
                json.endObject()
            }
            json.endArray()
            json.key("suggestions")
            json.beginObject()
            json.field("received", suggestions.received)
            json.field("answered", suggestions.answered)
            json.endObject()
            json.key("figures")
            OpennessJSON.figures(overall, departments: departments, period: period, limits: routes.services.directLine.clock.limits,
                                 calendar: routes.services.openness.calendarNote(period), computedAt: routes.services.time.now(), into: &json)
            json.endObject()
            responder.respond(.json(200, json.bytes))
        }

        // Citizens rate the answer; staff follow up.
        route("POST", "/api/threads/:code/satisfaction") { routes, request, responder throws(HTTPError) in
            let body = try APIRoutes.readBody(request, limit: routes.maxJSONBodySize)
            let citizen: CitizenID
            switch routes.services.cookies.citizen(in: request.headers) {
            case .valid(let id): citizen = id
            case .invalid: throw HTTPError(DomainError.invalidCitizen)
            case .none: throw HTTPError(DomainError.missingCitizen)
            }
            try routes.domain { () throws(DomainError) in
                try routes.services.openness.rateAnswer(code: request.parameters["code"] ?? "", level: body.level, citizen: citizen,
                                                        ip: request.peer?.ip, limits: routes.services.directLine.limits) { outcome in
                    switch outcome {
                    case .applied(let receipt), .duplicate(let receipt):
                        responder.respond(.json(200, DirectLineJSON.wrapped("thread") { json in
                            if let thread = receipt.thread { DirectLineJSON.thread(thread, staff: false, into: &json) } else { json.null() }
                        }))
                    case .rejected(let error):
                        responder.respond(HTTPError(error).response)
                    }
                }
            }
        }
        route("GET", "/api/staff/followups") { routes, request, responder throws(HTTPError) in
            let staff = try routes.staff(request)
            let state = request.query("state") ?? "open"
            guard state == "open" || state == "recorded" else {
                throw HTTPError(DomainError.invalidRequest("state must be open or recorded"))
            }
            let list = try routes.domain { () throws(DomainError) in try routes.services.openness.followUps(staff: staff, open: state == "open") }
            var json = JSONWriter(capacity: 512 + list.count * 300)
            json.beginObject()
            json.key("followUps")
            json.beginArray()
            for item in list { OpennessJSON.followUp(item, clock: routes.services.directLine.clock, into: &json) }
            json.endArray()
            json.endObject()
            responder.respond(.json(200, json.bytes, headers: ["Cache-Control": "no-store"]))
        }
        route("POST", "/api/staff/followups/letter/:id") { routes, request, responder throws(HTTPError) in
            let staff = try routes.staff(request)
            let id = try routes.number(request, "id", DomainError.followUpNotFound)
            let body = try APIRoutes.readBody(request, limit: routes.maxJSONBodySize)
            try routes.domain { () throws(DomainError) in
                try routes.services.openness.record(.letter(id: id), contacted: body.contacted, outcome: body.outcome, staff: staff) { outcome in
                    responder.respond(Self.followUpResponse(outcome, clock: routes.services.directLine.clock))
                }
            }
        }
        route("POST", "/api/staff/followups/rating") { routes, request, responder throws(HTTPError) in
            let staff = try routes.staff(request)
            let body = try APIRoutes.readBody(request, limit: routes.maxJSONBodySize)
            try routes.domain { () throws(DomainError) in
                guard let citizen = body.citizen, let project = body.project, let ratedAt = body.ratedAt else {
                    throw .invalidRequest("a rating's follow-up is named by citizen, project and ratedAt, as the list gives them")
                }
                try routes.services.openness.record(.rating(citizen: Int64(citizen), project: project, ratedAt: Int64(ratedAt)),
                                                    contacted: body.contacted, outcome: body.outcome, staff: staff) { outcome in
                    responder.respond(Self.followUpResponse(outcome, clock: routes.services.directLine.clock))
                }
            }
        }
    }

    // MARK: helpers

    private func domain<T>(_ body: () throws(DomainError) -> T) throws(HTTPError) -> T {
        do { return try body() } catch { throw HTTPError(error) }
    }

    private func staff(_ request: HTTPRequest) throws(HTTPError) -> StaffPrincipal {
        try domain { () throws(DomainError) in try services.staffSessions.session(in: request.headers) }.principal
    }

    private func number(_ request: HTTPRequest, _ name: String, _ missing: DomainError) throws(HTTPError) -> Int64 {
        guard let id = Int64(request.parameters[name] ?? "") else { throw HTTPError(missing) }
        return id
    }

    private func limit(_ request: HTTPRequest) throws(HTTPError) -> Int {
        guard let raw = request.query("limit"), !raw.isEmpty else { return Self.defaultPage }
        guard let limit = Int(raw), (1...Self.maxPage).contains(limit) else {
            throw HTTPError(DomainError.invalidRequest("limit must be a whole number from 1 to \(Self.maxPage)"))
        }
        return limit
    }

    private func cursor(_ request: HTTPRequest) throws(HTTPError) -> PageCursor? {
        guard let raw = request.query("before"), !raw.isEmpty else { return nil }
        guard let cursor = PageCursor(raw) else { throw HTTPError(DomainError.invalidRequest("before must be the next value of a previous page")) }
        return cursor
    }

    /// `campaign=ID` (its window), or `from=YYYY-MM-DD&to=YYYY-MM-DD` (whole days in the office's zone, `to` included),
    /// or neither (the current campaign's window).
    private func period(_ request: HTTPRequest) throws(HTTPError) -> OpennessJSON.Period {
        let from = request.query("from").flatMap { $0.isEmpty ? nil : $0 }
        let to = request.query("to").flatMap { $0.isEmpty ? nil : $0 }
        if from != nil || to != nil {
            let clock = services.directLine.clock.working
            var period = OpennessJSON.Period(from: nil, to: nil, campaign: nil)
            if let from {
                guard let day = CivilDate(iso: from) else { throw HTTPError(DomainError.invalidRequest("from must be a date written YYYY-MM-DD")) }
                period.from = clock.startOfDay(day)
            }
            if let to {
                guard let day = CivilDate(iso: to) else { throw HTTPError(DomainError.invalidRequest("to must be a date written YYYY-MM-DD")) }
                period.to = clock.startOfDay(day.adding(days: 1))
            }
            if let start = period.from, let end = period.to, end <= start {
                throw HTTPError(DomainError.invalidRequest("to must be on or after from"))
            }
            return period
        }
        let campaign = request.query("campaign").flatMap { $0.isEmpty ? nil : $0 }
        return try domain { () throws(DomainError) in try services.openness.period(campaign: campaign) }
    }

    static func versionResponse(_ outcome: OfficeOutcome, created: Int) -> HTTPResponse {
        DirectLineRoutes.response(outcome, created: created) { receipt in
            DirectLineJSON.wrapped("version") { json in
                if let version = receipt.publicVersion { ModerationJSON.version(version, into: &json) } else { json.null() }
            }
        }
    }

    static func followUpResponse(_ outcome: OfficeOutcome, clock: ResponseClock) -> HTTPResponse {
        DirectLineRoutes.response(outcome, created: 200) { receipt in
            DirectLineJSON.wrapped("followUp") { json in
                if let followUp = receipt.followUp { OpennessJSON.followUp(followUp, clock: clock, into: &json) } else { json.null() }
            }
        }
    }

    /// An item's audit history: `[{"at","actor","action","detail":{…}}]` (the detail as stored: texts before and after).
    static func history(_ records: [AuditRecord], into json: inout JSONWriter) {
        json.beginArray()
        for record in records {
            json.beginObject()
            json.field("at", record.at)
            json.field("actor", record.actor)
            json.field("action", record.action)
            json.key("detail")
            if let detail = record.detail, !detail.isEmpty { json.raw(Array(detail.utf8)) } else { json.null() }
            json.endObject()
        }
        json.endArray()
    }
}

import Dispatch
import Domain
import HTTP1
import Storage
import Transport

/// The direct line's HTTP API (docs/PROTOCOL.md, "HTTP API (direct line)"): citizens' threads by query code, staff
/// login and sessions, the console's inbox and actions. Every handler runs off the event loops (session checks and
/// reads touch the database; a login hashes), and every write goes through `DirectLineService`, acknowledged after
/// commit.
struct DirectLineRoutes: Sendable {
    let services: LiveServices
    let store: Store
    let maxJSONBodySize: Int

    /// Letters in a page of the inbox: by default, and at most.
    static let defaultInboxPage = 50
    static let maxInboxPage = 200

    /// Where these handlers run: concurrent, off the loops and off the cooperative pool.
    private static let queue = DispatchQueue(label: "lastword.directline", qos: .userInitiated, attributes: .concurrent)

    func install(on router: inout Router) {
        let routes = self
        // `counting`: a refusal the handler throws is counted against this action (its completion counts the rest).
        func route(_ method: String, _ pattern: String, counting action: CountedAction? = nil,
                   _ handler: @escaping @Sendable (DirectLineRoutes, HTTPRequest, HTTPResponder) throws(HTTPError) -> Void) {
            router.addResponder(method, pattern) { request, responder in
                Self.queue.async {
                    do throws(HTTPError) { try handler(routes, request, responder) } catch {
                        if let action { routes.services.actions.refused(action, code: error.code) }
                        responder.respond(error.response)
                    }
                }
            }
        }
        // Citizens.
        route("GET", "/api/departments") { routes, _, responder throws(HTTPError) in
            responder.respond(.json(200, try routes.departments()))
        }
        route("POST", "/api/threads", counting: .thread) { routes, request, responder throws(HTTPError) in
            let citizen = try routes.citizen(request)
            let message = try APIRoutes.readBody(request, limit: routes.maxJSONBodySize)
            try routes.domain { () throws(DomainError) in
                try routes.services.directLine.open(message.letter, citizen: citizen, ip: request.peer?.ip) { outcome in
                    routes.services.actions.record(.thread, outcome)
                    responder.respond(Self.response(outcome, created: 201) { receipt in
                        DirectLineJSON.wrapped("thread") { DirectLineJSON.thread(receipt.thread!, staff: false, into: &$0) }
                    })
                }
            }
        }
        route("GET", "/api/threads/mine") { routes, request, responder throws(HTTPError) in
            let citizen = try routes.citizen(request)
            guard let threads = try? routes.store.threads(citizen: citizen) else { throw HTTPError(DomainError.storageFailure) }
            responder.respond(.json(200, DirectLineJSON.threads(threads, staff: false), headers: ["Cache-Control": "no-store"]))
        }
        route("GET", "/api/threads/:code") { routes, request, responder throws(HTTPError) in
            let (thread, entries) = try routes.domain { () throws(DomainError) in
                try routes.services.directLine.lookup(code: request.parameters["code"] ?? "", ip: request.peer?.ip)
            }
            responder.respond(.json(200, DirectLineJSON.threadWithEntries(thread, entries: entries, staff: false),
                                    headers: ["Cache-Control": "no-store"]))
        }
        route("POST", "/api/threads/:code/messages", counting: .message) { routes, request, responder throws(HTTPError) in
            let citizen = try routes.citizen(request)
            let message = try APIRoutes.readBody(request, limit: routes.maxJSONBodySize)
            try routes.domain { () throws(DomainError) in
                try routes.services.directLine.post(clientID: message.id, body: message.body, code: request.parameters["code"] ?? "", citizen: citizen,
                                                    ip: request.peer?.ip) { outcome in
                    routes.services.actions.record(.message, outcome)
                    responder.respond(Self.entryResponse(outcome, staff: false))
                }
            }
        }

        // Staff sessions.
        route("POST", "/api/staff/login") { routes, request, responder throws(HTTPError) in
            let message = try APIRoutes.readBody(request, limit: routes.maxJSONBodySize)
            guard let name = message.name, let password = message.password else {
                throw HTTPError(DomainError.invalidRequest("login needs name and password"))
            }
            let address = request.peer.map { "\($0.ip)" }
            switch routes.services.staffSessions.login(name: name, password: password, address: address) {
            case .success(let user, let cookie):
                responder.respond(.json(200, DirectLineJSON.wrapped("user") { DirectLineJSON.user(user, into: &$0) },
                                        headers: ["Set-Cookie": cookie, "Cache-Control": "no-store"]))
            case .failure(let error, let delay):
                let response = HTTPError(error).response
                if delay > 0 {
                    Self.queue.asyncAfter(deadline: .now() + .milliseconds(Int(delay))) { responder.respond(response) }
                } else {
                    responder.respond(response)
                }
            }
        }
        route("POST", "/api/staff/logout") { routes, request, responder throws(HTTPError) in
            if let session = try? routes.staff(request) { routes.services.staffSessions.logout(session) }
            responder.respond(HTTPResponse(status: 204, headers: ["Set-Cookie": routes.services.staffSessions.clearingCookie]))
        }
        route("GET", "/api/staff/me") { routes, request, responder throws(HTTPError) in
            let session = try routes.staff(request)
            responder.respond(.json(200, DirectLineJSON.wrapped("user") { DirectLineJSON.user(session.user, into: &$0) },
                                    headers: ["Cache-Control": "no-store"]))
        }
        route("POST", "/api/staff/password") { routes, request, responder throws(HTTPError) in
            let session = try routes.staff(request)
            let message = try APIRoutes.readBody(request, limit: routes.maxJSONBodySize)
            guard let current = message.current, let new = message.new else {
                throw HTTPError(DomainError.invalidRequest("a password change needs current and new"))
            }
            let cookie = try routes.domain { () throws(DomainError) in
                try routes.services.staffSessions.changePassword(session, current: current, new: new)
            }
            responder.respond(HTTPResponse(status: 204, headers: ["Set-Cookie": cookie]))
        }

        // The console.
        route("GET", "/api/staff/threads") { routes, request, responder throws(HTTPError) in
            let staff = try routes.staff(request).principal
            try routes.domain { () throws(DomainError) in try routes.services.directLine.access.check(staff, .seeInbox, department: nil) }
            var filter = ThreadFilter()
            if let raw = request.query("status"), !raw.isEmpty {
                guard let status = ThreadStatus(rawValue: raw) else {
                    throw HTTPError(DomainError.invalidRequest("status must be one of new, assigned, answered, closed, invalid"))
                }
                filter.status = status
            }
            if let raw = request.query("kind"), !raw.isEmpty {
                guard let kind = ThreadKind(rawValue: raw) else {
                    throw HTTPError(DomainError.invalidRequest("kind must be one of enquiry, complaint, suggestion, help"))
                }
                filter.kind = kind
            }
            if let department = request.query("department"), !department.isEmpty { filter.department = department }
            if request.query("assigned") == "me" { filter.assignee = staff.name }
            if let raw = request.query("held"), !raw.isEmpty {
                guard raw == "true" || raw == "false" else { throw HTTPError(DomainError.invalidRequest("held must be true or false")) }
                filter.heldOnly = raw == "true"
            }
            if let raw = request.query("sort"), !raw.isEmpty {
                guard raw == "due" || raw == "changed" else {
                    throw HTTPError(DomainError.invalidRequest("sort must be changed (the latest change first) or due (what is due first)"))
                }
                filter.byDue = raw == "due"
            }
            filter.limit = Self.defaultInboxPage
            if let raw = request.query("limit"), !raw.isEmpty {
                guard let limit = Int(raw), (1...Self.maxInboxPage).contains(limit) else {
                    throw HTTPError(DomainError.invalidRequest("limit must be a whole number from 1 to \(Self.maxInboxPage)"))
                }
                filter.limit = limit
            }
            if let raw = request.query("before"), !raw.isEmpty {
                guard !filter.byDue else { throw HTTPError(DomainError.invalidRequest("sort=due lists one page; it has no before")) }
                guard let cursor = InboxCursor(raw) else {
                    throw HTTPError(DomainError.invalidRequest("before must be the next value of a previous page"))
                }
                filter.before = cursor
            }
            let departments = routes.services.directLine.visibleDepartments(staff)
            // One more than the page, to know whether another follows.
            let page = filter.limit
            filter.limit += 1
            guard var threads = try? routes.store.threads(filter, departments: departments) else {
                throw HTTPError(DomainError.storageFailure)
            }
            var next: String?
            if threads.count > page {
                threads.removeLast(threads.count - page)
                if !filter.byDue { next = threads.last.map { InboxCursor(after: $0).text } }
            }
            responder.respond(.json(200, DirectLineJSON.threads(threads, staff: true, clock: routes.services.directLine.clock, next: .some(next)),
                                    headers: ["Cache-Control": "no-store"]))
        }
        route("GET", "/api/staff/threads/:id") { routes, request, responder throws(HTTPError) in
            let staff = try routes.staff(request).principal
            let id = try routes.threadID(request)
            let (thread, entries) = try routes.domain { () throws(DomainError) in
                try routes.services.directLine.staffView(thread: id, staff: staff)
            }
            responder.respond(.json(200, DirectLineJSON.threadWithEntries(thread, entries: entries, staff: true,
                                                                          clock: routes.services.directLine.clock),
                                    headers: ["Cache-Control": "no-store"]))
        }
        for (path, note) in [("messages", false), ("notes", true)] {
            route("POST", "/api/staff/threads/:id/" + path, counting: .message) { routes, request, responder throws(HTTPError) in
                let staff = try routes.staff(request).principal
                let id = try routes.threadID(request)
                let message = try APIRoutes.readBody(request, limit: routes.maxJSONBodySize)
                try routes.domain { () throws(DomainError) in
                    try routes.services.directLine.reply(clientID: message.id, body: message.body, thread: id, note: note, staff: staff) { outcome in
                        routes.services.actions.record(.message, outcome)
                        responder.respond(Self.entryResponse(outcome, staff: true))
                    }
                }
            }
        }
        for action in ["claim", "assign", "route", "status"] {
            route("POST", "/api/staff/threads/:id/" + action) { routes, request, responder throws(HTTPError) in
                let staff = try routes.staff(request).principal
                let id = try routes.threadID(request)
                let message = try APIRoutes.readBody(request, limit: routes.maxJSONBodySize)
                let threadAction = try routes.domain { () throws(DomainError) in
                    try Self.threadAction(action, message: message, staff: staff)
                }
                try routes.domain { () throws(DomainError) in
                    try routes.services.directLine.act(threadAction, clientID: message.id, thread: id, staff: staff) { outcome in
                        responder.respond(Self.response(outcome, created: 200) { receipt in
                            DirectLineJSON.wrapped("thread") {
                                DirectLineJSON.thread(receipt.thread!, staff: true, clock: routes.services.directLine.clock, into: &$0)
                            }
                        })
                    }
                }
            }
        }
        route("GET", "/api/staff/users") { routes, request, responder throws(HTTPError) in
            let staff = try routes.staff(request).principal
            try routes.domain { () throws(DomainError) in try routes.services.directLine.access.check(staff, .listUsers, department: nil) }
            guard let users = try? routes.store.users() else { throw HTTPError(DomainError.storageFailure) }
            // With a department: only those who may handle its letters (whom an assignment may name).
            let department = request.query("department").flatMap { $0.isEmpty ? nil : $0 }
            let access = routes.services.directLine.access
            var json = JSONWriter()
            json.beginObject()
            json.key("users")
            json.beginArray()
            for user in users where !user.disabled {
                if let department {
                    let principal = StaffPrincipal(userID: user.id, name: user.name, role: user.role, departments: Set(user.departments))
                    guard access.allows(principal, .reply, department: department) else { continue }
                }
                DirectLineJSON.user(user, into: &json)
            }
            json.endArray()
            json.endObject()
            responder.respond(.json(200, json.bytes, headers: ["Cache-Control": "no-store"]))
        }
        route("GET", "/api/staff/canned") { routes, request, responder throws(HTTPError) in
            let staff = try routes.staff(request).principal
            try routes.domain { () throws(DomainError) in try routes.services.directLine.access.check(staff, .readCanned, department: nil) }
            let department = request.query("department").flatMap { $0.isEmpty ? nil : $0 }
            guard let replies = try? routes.store.cannedReplies(department: department) else { throw HTTPError(DomainError.storageFailure) }
            var json = JSONWriter()
            json.beginObject()
            json.key("replies")
            json.beginArray()
            for reply in replies { Self.canned(reply, into: &json) }
            json.endArray()
            json.endObject()
            responder.respond(.json(200, json.bytes, headers: ["Cache-Control": "no-store"]))
        }
        route("POST", "/api/admin/canned") { routes, request, responder throws(HTTPError) in
            let staff = try routes.staff(request).principal
            let message = try APIRoutes.readBody(request, limit: routes.maxJSONBodySize)
            guard let department = message.department, let title = message.title, let body = message.body else {
                throw HTTPError(DomainError.invalidRequest("a canned reply needs department, title and body"))
            }
            routes.services.writer.submit(.addCannedReply(staff: staff, department: department, title: title, body: body,
                                                          at: routes.services.time.now())) { outcome in
                responder.respond(Self.response(outcome, created: 201) { receipt in
                    DirectLineJSON.wrapped("reply") { Self.canned(receipt.cannedReply!, into: &$0) }
                })
            }
        }
        route("DELETE", "/api/admin/canned/:id") { routes, request, responder throws(HTTPError) in
            let staff = try routes.staff(request).principal
            guard let id = Int64(request.parameters["id"] ?? "") else { throw HTTPError(DomainError.invalidRequest("the id must be a number")) }
            routes.services.writer.submit(.deleteCannedReply(staff: staff, id: id, at: routes.services.time.now())) { outcome in
                if case .rejected(let error) = outcome { return responder.respond(HTTPError(error).response) }
                responder.respond(HTTPResponse(status: 204))
            }
        }
    }

    // MARK: helpers

    private func domain<T>(_ body: () throws(DomainError) -> T) throws(HTTPError) -> T {
        do { return try body() } catch { throw HTTPError(error) }
    }

    private func citizen(_ request: HTTPRequest) throws(HTTPError) -> CitizenID {
        switch services.cookies.citizen(in: request.headers) {
        case .valid(let id): return id
        case .invalid:
            throw HTTPError(401, code: DomainError.invalidCitizen.code,
                            message: "Your visitor cookie is not valid; reload the page to get a new one.",
                            headers: ["Set-Cookie": services.cookies.clearingCookie])
        case .none: throw HTTPError(DomainError.missingCitizen)
        }
    }

    private func staff(_ request: HTTPRequest) throws(HTTPError) -> StaffSessions.Session {
        try domain { () throws(DomainError) in try services.staffSessions.session(in: request.headers) }
    }

    private func threadID(_ request: HTTPRequest) throws(HTTPError) -> Int64 {
        guard let id = Int64(request.parameters["id"] ?? "") else { throw HTTPError(DomainError.caseNotFound) }
        return id
    }

    private func departments() throws(HTTPError) -> [UInt8] {
        guard let departments = try? store.departments() else { throw HTTPError(DomainError.storageFailure) }
        var json = JSONWriter()
        json.beginObject()
        json.key("departments")
        json.beginArray()
        for department in departments {
            json.beginObject()
            json.field("id", department.id)
            json.key("name")
            json.beginObject()
            json.field("zh", department.name.zh)
            json.field("en", department.name.en)
            json.endObject()
            json.field("triage", department.triage)
            // Where its names are changed: the departments file, or /admin (who added it is not public).
            json.field("source", department.addedBy == nil ? "file" : "console")
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.bytes
    }

    static func canned(_ reply: CannedReply, into json: inout JSONWriter) {
        json.beginObject()
        json.field("id", reply.id)
        json.field("department", reply.department)
        json.field("title", reply.title)
        json.field("body", reply.body)
        json.endObject()
    }

    /// The action a status route names.
    static func threadAction(_ route: String, message: ClientMessage, staff: StaffPrincipal) throws(DomainError) -> ThreadAction {
        switch route {
        case "claim": return .claim(by: staff.name)
        case "assign":
            guard let user = message.user, !user.isEmpty else { throw .invalidRequest("assign needs user, a user name") }
            return .assign(to: user)
        case "route":
            guard let department = message.department, !department.isEmpty else {
                throw .invalidRequest("route needs department, a department id")
            }
            return .route(to: department, note: message.note)
        default:
            switch message.status {
            case "closed": return .close
            case "invalid": return .markInvalid(reason: message.reason ?? "")
            case "assigned": return .reopen
            case "new": return .reinstate
            default: throw .invalidRequest("status must be closed, invalid (with a reason), assigned (reopen) or new (reinstate)")
            }
        }
    }

    static func response(_ outcome: OfficeOutcome, created: Int, _ body: (OfficeReceipt) -> [UInt8]) -> HTTPResponse {
        switch outcome {
        case .applied(let receipt): .json(created, body(receipt))
        case .duplicate(let receipt): .json(200, body(receipt))
        case .rejected(let error): HTTPError(error).response
        }
    }

    static func entryResponse(_ outcome: OfficeOutcome, staff: Bool) -> HTTPResponse {
        response(outcome, created: 201) { receipt in
            DirectLineJSON.wrapped("entry") { json in
                if let entry = receipt.entries.first { DirectLineJSON.entry(entry, staff: staff, into: &json) } else { json.null() }
            }
        }
    }
}

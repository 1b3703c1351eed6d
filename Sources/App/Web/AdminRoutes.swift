import Dispatch
import Domain
import HTTP1
import Storage
import Transport

/// An admin's console API (docs/PROTOCOL.md, "Administration"): accounts, departments added in the console, and
/// screening words beside the screening file's. Canned replies are in DirectLineRoutes. Every change goes through
/// the single writer and is in the audit log; a password is hashed here, off the writer.
struct AdminRoutes: Sendable {
    let services: LiveServices
    let store: Store
    let maxJSONBodySize: Int
    let hasher: PasswordHasher

    private static let queue = DispatchQueue(label: "lastword.admin", qos: .userInitiated, attributes: .concurrent)

    func install(on router: inout Router) {
        let routes = self
        // Whoever may not `action` is refused before the body is read: a password in it would otherwise be hashed (scrypt:
        // tens of milliseconds and 32 MiB) for anyone signed in, before the writer refuses them.
        func route(_ method: String, _ pattern: String, _ action: DirectLineAction,
                   _ handler: @escaping @Sendable (AdminRoutes, HTTPRequest, StaffPrincipal, HTTPResponder) throws(HTTPError) -> Void) {
            router.addResponder(method, pattern) { request, responder in
                Self.queue.async {
                    do throws(HTTPError) {
                        let admin = try routes.domain { () throws(DomainError) in try routes.services.staffSessions.session(in: request.headers) }
                        try routes.domain { () throws(DomainError) in try routes.services.directLine.access.check(admin.principal, action, department: nil) }
                        try handler(routes, request, admin.principal, responder)
                    } catch {
                        responder.respond(error.response)
                    }
                }
            }
        }

        route("GET", "/api/admin/users", .manageUsers) { routes, _, admin, responder throws(HTTPError) in
            guard let users = try? routes.store.users() else { throw HTTPError(DomainError.storageFailure) }
            var json = JSONWriter()
            json.beginObject()
            json.key("users")
            json.beginArray()
            for user in users {
                json.beginObject()
                json.field("name", user.name)
                json.field("displayName", user.displayName)
                json.field("role", user.role.rawValue)
                json.key("departments")
                json.beginArray()
                for department in user.departments { json.string(department) }
                json.endArray()
                json.field("disabled", user.disabled)
                json.field("createdAt", user.createdAt)
                json.endObject()
            }
            json.endArray()
            json.endObject()
            responder.respond(.json(200, json.bytes, headers: ["Cache-Control": "no-store"]))
        }
        route("POST", "/api/admin/users", .manageUsers) { routes, request, admin, responder throws(HTTPError) in
            let body = try APIRoutes.readBody(request, limit: routes.maxJSONBodySize)
            let change = try routes.domain { () throws(DomainError) -> AdminChange in
                guard let name = body.name, let raw = body.role, let password = body.password else {
                    throw .invalidRequest("a new account needs name, role and password")
                }
                guard let role = StaffRole(rawValue: raw) else { throw .invalidRequest("role must be staff, moderator or admin") }
                if let problem = PasswordPolicy.problem(with: password, userName: name) { throw .invalidRequest(problem) }
                return .addUser(name: name, displayName: body.displayName, role: role, departments: body.departments ?? [],
                                passwordHash: routes.hasher.hash(password))
            }
            routes.submit(change, admin: admin, created: 201, responder: responder)
        }
        route("POST", "/api/admin/users/:name/disable", .manageUsers) { routes, request, admin, responder throws(HTTPError) in
            routes.submit(.setDisabled(name: request.parameters["name"] ?? "", disabled: true), admin: admin, responder: responder)
        }
        route("POST", "/api/admin/users/:name/enable", .manageUsers) { routes, request, admin, responder throws(HTTPError) in
            routes.submit(.setDisabled(name: request.parameters["name"] ?? "", disabled: false), admin: admin, responder: responder)
        }
        route("POST", "/api/admin/users/:name/password", .manageUsers) { routes, request, admin, responder throws(HTTPError) in
            let body = try APIRoutes.readBody(request, limit: routes.maxJSONBodySize)
            let name = request.parameters["name"] ?? ""
            let change = try routes.domain { () throws(DomainError) -> AdminChange in
                guard let password = body.password else { throw .invalidRequest("a new password needs password") }
                if let problem = PasswordPolicy.problem(with: password, userName: name) { throw .invalidRequest(problem) }
                return .setPassword(name: name, passwordHash: routes.hasher.hash(password))
            }
            routes.submit(change, admin: admin, responder: responder)
        }
        route("POST", "/api/admin/departments", .manageDepartments) { routes, request, admin, responder throws(HTTPError) in
            let body = try APIRoutes.readBody(request, limit: routes.maxJSONBodySize)
            guard let id = body.department, let zh = body.nameZH, let en = body.nameEN else {
                throw HTTPError(DomainError.invalidRequest("a department needs department (its id), nameZh and nameEn"))
            }
            routes.submit(.putDepartment(id: id, name: LocalizedText(zh: zh, en: en)), admin: admin, responder: responder)
        }
        route("GET", "/api/admin/word-rules", .manageWordRules) { routes, _, admin, responder throws(HTTPError) in
            guard let added = try? routes.store.wordRules() else { throw HTTPError(DomainError.storageFailure) }
            let file = routes.services.directLine.screening.file
            var json = JSONWriter()
            json.beginObject()
            json.key("rules")
            json.beginArray()
            for (word, action) in file.blocked.map({ ($0, "block") }) + file.held.map({ ($0, "hold") }) {
                json.beginObject()
                json.field("word", word)
                json.field("action", action)
                json.field("source", "file")
                json.endObject()
            }
            for rule in added {
                json.beginObject()
                json.field("word", rule.word)
                json.field("action", rule.action.rawValue)
                json.field("source", "console")
                json.field("addedBy", rule.addedBy)
                json.field("addedAt", rule.addedAt)
                json.endObject()
            }
            json.endArray()
            json.endObject()
            responder.respond(.json(200, json.bytes, headers: ["Cache-Control": "no-store"]))
        }
        route("POST", "/api/admin/word-rules", .manageWordRules) { routes, request, admin, responder throws(HTTPError) in
            let body = try APIRoutes.readBody(request, limit: routes.maxJSONBodySize)
            guard let word = body.word, let raw = body.action, let action = WordRule.Action(rawValue: raw) else {
                throw HTTPError(DomainError.invalidRequest("a word rule needs word and action (block or hold)"))
            }
            routes.submit(.addWordRule(word: word, action: action), admin: admin, created: 201, responder: responder)
        }
        route("DELETE", "/api/admin/word-rules/:word", .manageWordRules) { routes, request, admin, responder throws(HTTPError) in
            routes.submit(.removeWordRule(word: request.parameters["word"] ?? ""), admin: admin, responder: responder)
        }
    }

    private func domain<T>(_ body: () throws(DomainError) -> T) throws(HTTPError) -> T {
        do { return try body() } catch { throw HTTPError(error) }
    }

    private func submit(_ change: AdminChange, admin: StaffPrincipal, created: Int = 200, responder: HTTPResponder) {
        let changes = services.changes
        let command = OfficeCommand.admin(admin: admin, change: change, at: services.time.now())
        services.writer.submit(command) { outcome in
            // New screening words take effect before the admin hears they were added.
            if case .applied(let receipt) = outcome { changes.apply(.office(command, receipt), origin: .local(fromPage: false)) }
            responder.respond(DirectLineRoutes.response(outcome, created: created) { receipt in
                DirectLineJSON.wrapped("user") { json in
                    if let user = receipt.user { DirectLineJSON.user(user, into: &json) } else { json.null() }
                }
            })
        }
    }
}

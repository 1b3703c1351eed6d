import App
import Domain
import Foundation
import Storage
import TestSupport
import Testing

/// A staff member signed in on a `TestApp`: the session cookie.
struct TestStaff {
    var name: String
    var cookie: String
}

extension TestApp {
    /// Creates an account directly in the store (as `lastword user add` does) and returns its password.
    @discardableResult
    func addStaff(_ name: String, role: StaffRole = .staff, departments: [String] = ["works"], password: String = "correct horse 1") throws -> String {
        try application.store.addUser(name: name, displayName: name.uppercased(), role: role, departments: departments,
                                      passwordHash: PasswordHasher.forTesting.hash(password), at: application.staffSessions.now())
        return password
    }

    func login(_ name: String, password: String = "correct horse 1") throws -> TestHTTPResponse {
        try post("/api/staff/login", json: #"{"name":\#(quoted(name)),"password":\#(quoted(password))}"#, cookie: nil)
    }

    /// Creates and signs in a staff member.
    func staff(_ name: String, role: StaffRole = .staff, departments: [String] = ["works"]) throws -> TestStaff {
        try addStaff(name, role: role, departments: departments)
        let response = try login(name)
        guard response.status == 200, let setCookie = response.header("Set-Cookie") else {
            throw TestClientError.malformed("login of \(name) failed: \(response.status) \(response.body)")
        }
        return TestStaff(name: name, cookie: Self.cookieHeader(fromSetCookie: setCookie))
    }

    /// A citizen writes a letter; returns its query code.
    func letter(_ citizen: TestCitizen, id: String = "t-1", subject: String = "路灯坏了", body: String = "小区门口的路灯坏了两周",
                kind: String = "complaint") throws -> String {
        let response = try post("/api/threads", json: #"{"id":\#(quoted(id)),"kind":"\#(kind)","subject":\#(quoted(subject)),"body":\#(quoted(body))}"#,
                                cookie: citizen.cookie)
        guard response.status == 201 || response.status == 200, case .string(let code) = try response.json()["thread"]?["code"] else {
            throw TestClientError.malformed("letter refused: \(response.status) \(response.body)")
        }
        return code
    }

    func threadID(code: String) throws -> Int64 {
        try readDatabase { db in try db.value(Int64.self, "SELECT id FROM thread WHERE code = ?1", [code.sqlValue]) } ?? -1
    }

    func staffLive(_ staff: TestStaff) throws -> LiveClient {
        try LiveClient(TestWebSocketClient(port: port, path: "/ws", headers: [("Cookie", staff.cookie)]))
    }
}

extension StaffSessions {
    /// The test's clock, through the sessions (which read it).
    func now() -> Int64 { SystemTimeSource().now() }
}

extension AppIntegrationTests {
    @Suite struct DirectLineTests {
        // MARK: sign-in

        @Test func aLoginSetsAStrictHttpOnlySessionCookieAndWrongNamesAndPasswordsGetTheSameAnswer() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            try app.addStaff("li.wei")
            let ok = try app.login("li.wei")
            #expect(ok.status == 200)
            let cookie = try #require(ok.header("Set-Cookie"))
            #expect(cookie.hasPrefix("lw_staff="))
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"))
            #expect(try ok.json()["user"]?["role"] == .string("staff"))
            let me = try app.get("/api/staff/me", cookie: TestApp.cookieHeader(fromSetCookie: cookie))
            #expect(try me.json()["user"]?["name"] == .string("li.wei"))

            let wrongPassword = try app.login("li.wei", password: "not the password")
            let unknownUser = try app.login("nobody", password: "correct horse 1")
            try app.application.store.setDisabled(name: "li.wei", true, at: 0)
            let disabled = try app.login("li.wei")
            for response in [wrongPassword, unknownUser, disabled] {
                #expect(response.status == 401)
                #expect(response.errorCode == "auth.failed")
                #expect(try response.json()["message"] == .string("The user name or the password is wrong."))
                #expect(response.header("Set-Cookie") == nil)
            }
            #expect(try app.get("/api/staff/me").errorCode == "auth.required")
            #expect(try app.get("/api/staff/me", cookie: "lw_staff=forged-token").status == 401)
        }

        @Test func fiveFailuresLockTheNameEvenForTheRightPasswordUntilTheLockEnds() throws {
            let clock = ManualTimeSource(1_800_000_000_000)
            let app = try TestApp(time: clock) { $0.staffSessions.throttle.baseDelayMilliseconds = 1 }
            defer { app.shutdown() }
            try app.addStaff("li.wei")
            for _ in 0..<5 { #expect(try app.login("li.wei", password: "guess guess").status == 401) }
            let locked = try app.login("li.wei")
            #expect(locked.status == 429)
            #expect(locked.errorCode == "auth.locked")
            #expect(locked.header("Retry-After") == "900")
            clock.advance(milliseconds: 15 * 60_000 + 1)
            #expect(try app.login("li.wei").status == 200)
        }

        @Test func aSessionEndsWhenIdleAtItsMaximumAgeAtLogoutAndWhenTheUserIsDisabled() throws {
            let clock = ManualTimeSource(1_800_000_000_000)
            let app = try TestApp(time: clock) {
                $0.staffSessions.idleMilliseconds = 10 * 60_000
                $0.staffSessions.maxMilliseconds = 60 * 60_000
            }
            defer { app.shutdown() }
            let staff = try app.staff("li.wei")
            clock.advance(milliseconds: 9 * 60_000)
            #expect(try app.get("/api/staff/me", cookie: staff.cookie).status == 200)
            clock.advance(milliseconds: 10 * 60_000 + 1)
            #expect(try app.get("/api/staff/me", cookie: staff.cookie).errorCode == "auth.required", "idle for more than 10 minutes")

            let second = try app.staff("wang.fang")
            for _ in 0..<7 {
                clock.advance(milliseconds: 9 * 60_000)
                _ = try app.get("/api/staff/me", cookie: second.cookie)
            }
            #expect(try app.get("/api/staff/me", cookie: second.cookie).errorCode == "auth.required", "older than an hour")

            let third = try app.staff("zhao.lei")
            let logout = try app.request("POST", "/api/staff/logout", headers: [("Cookie", third.cookie)])
            #expect(logout.status == 204)
            #expect(logout.header("Set-Cookie")?.contains("Max-Age=0") == true)
            #expect(try app.get("/api/staff/me", cookie: third.cookie).status == 401, "revoked at logout")

            let fourth = try app.staff("chen.jie")
            let live = try app.staffLive(fourth)
            try live.subscribe("inbox")
            #expect(try live.next()["type"] == .string("subscribed"))
            try app.application.store.setDisabled(name: "chen.jie", true, at: clock.now())
            #expect(try app.get("/api/staff/me", cookie: fourth.cookie).status == 401, "disabled: its sessions end")
            try live.subscribe("inbox")
            #expect(try live.next()["error"] == .string("auth.required"), "over the WebSocket too")
        }

        @Test func aPasswordChangeEndsEveryOtherSession() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let first = try app.staff("li.wei")
            let secondLogin = try app.login("li.wei")
            let second = TestApp.cookieHeader(fromSetCookie: try #require(secondLogin.header("Set-Cookie")))
            let change = try app.post("/api/staff/password", json: #"{"current":"correct horse 1","new":"battery staple 2"}"#,
                                      cookie: first.cookie)
            #expect(change.status == 204)
            let renewed = TestApp.cookieHeader(fromSetCookie: try #require(change.header("Set-Cookie")))
            #expect(try app.get("/api/staff/me", cookie: second).status == 401)
            #expect(try app.get("/api/staff/me", cookie: first.cookie).status == 401)
            #expect(try app.get("/api/staff/me", cookie: renewed).status == 200)
            #expect(try app.login("li.wei", password: "battery staple 2").status == 200)
            let weak = try app.post("/api/staff/password", json: #"{"current":"battery staple 2","new":"short"}"#, cookie: renewed)
            #expect(weak.status == 400)
        }

        // MARK: threads

        @Test func aLetterGoesToTheMayorsOfficeAndOnlyItsCodeOpensIt() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let citizen = app.newCitizen()
            let code = try app.letter(citizen)
            #expect(code.count == 10)
            let opened = try app.get("/api/threads/\(code.lowercased())")
            #expect(opened.status == 200, "a code is read case-insensitively")
            let thread = try opened.json()["thread"]
            #expect(thread?["department"] == .string("mayors-office"))
            #expect(thread?["status"] == .string("new"))
            #expect(thread?["contact"] == nil, "contact details are for staff only")
            #expect(try app.get("/api/threads/23456789AB").errorCode == "thread.not_found")
            let other = app.newCitizen()
            let intruding = try app.post("/api/threads/23456789AB/messages", json: #"{"id":"m-1","body":"hi"}"#, cookie: other.cookie)
            #expect(intruding.errorCode == "thread.not_found")
            let mine = try app.get("/api/threads/mine", cookie: other.cookie).json()
            #expect(mine["threads"] == .array([]), "another citizen's list does not show it")
        }

        @Test func wrongCodesAreRateLimitedPerAddressAndARightCodeCostsNothing() throws {
            let app = try TestApp { $0.directLineLimits.codeLookupsPerIPPerMinute = 3 }
            defer { app.shutdown() }
            let code = try app.letter(app.newCitizen())
            // A citizen opening their own letter again and again (and a page reconnecting) is never slowed.
            for _ in 0..<10 { #expect(try app.get("/api/threads/\(code)").status == 200) }
            let page = try app.live()
            for _ in 0..<5 {
                try page.subscribe("thread:\(code)")
                _ = try page.next("caught_up")
            }
            // Wrong codes count: three, then the address waits.
            for _ in 0..<3 { #expect(try app.get("/api/threads/23456789AB").status == 404) }
            let limited = try app.get("/api/threads/23456789AB")
            #expect(limited.status == 429)
            #expect(limited.header("Retry-After") != nil)
            #expect(try app.get("/api/threads/\(code)").status == 429, "an address out of wrong codes waits for any")
            try page.subscribe("thread:23456789AB")
            let refused = try page.next("error")
            #expect(refused["error"] == .string("limit.rate"))
            #expect(refused["retryAfter"]?.int.map { $0 >= 1 } == true)
        }

        @Test func onlySomeoneWhoMayAnswerALetterCanBeAssignedItAndAClaimDoesNotTakeAColleaguesLetter() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let triage = try app.staff("li.wei", departments: ["mayors-office"])
            try app.addStaff("wang.fang", departments: ["transport"])
            try app.addStaff("zhao.lei", departments: ["works"])
            try app.addStaff("mod.one", role: .moderator, departments: [])
            try app.addStaff("boss", role: .admin, departments: [])
            let code = try app.letter(app.newCitizen())
            let id = try app.threadID(code: code)
            #expect(try app.post("/api/staff/threads/\(id)/route", json: #"{"id":"r1","department":"transport"}"#,
                                 cookie: triage.cookie).status == 200)
            // Whom the console may offer: those who may answer letters of transport.
            let users = try app.get("/api/staff/users?department=transport", cookie: triage.cookie).json()
            let names = Set((users["users"]?.array ?? []).compactMap { $0["name"]?.string })
            #expect(names == ["li.wei", "wang.fang"], "transport's staff and the triage department; not works, a moderator or an admin")
            for (index, name) in ["zhao.lei", "mod.one", "boss"].enumerated() {
                let refused = try app.post("/api/staff/threads/\(id)/assign", json: #"{"id":"a-\#(index)","user":"\#(name)"}"#,
                                           cookie: triage.cookie)
                #expect(refused.status == 400, "\(name)")
                #expect(refused.errorCode == "assign.not_eligible", "\(name)")
            }
            #expect(try app.post("/api/staff/threads/\(id)/assign", json: #"{"id":"a-ok","user":"wang.fang"}"#,
                                 cookie: triage.cookie).status == 200)
            // li.wei's claim would take wang.fang's letter: refused, naming her.
            let claim = try app.post("/api/staff/threads/\(id)/claim", json: #"{"id":"c1"}"#, cookie: triage.cookie)
            #expect(claim.status == 409)
            #expect(claim.errorCode == "thread.claimed")
            #expect(try claim.json()["message"]?.string?.contains("wang.fang") == true)
            let assignee = try app.readDatabase { db in
                try db.value(String.self, "SELECT u.name FROM thread t JOIN staff_user u ON u.id = t.assignee WHERE t.id = ?1", [id.sqlValue])
            }
            #expect(assignee == "wang.fang")
        }

        @Test func aModeratorLookingOnNeitherMarksALetterReadNorTypesAsTheOffice() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let moderator = try app.staff("mod.one", role: .moderator, departments: [])
            let office = try app.staff("li.wei", departments: ["mayors-office"])
            let citizen = app.newCitizen()
            let code = try app.letter(citizen)
            let id = try app.threadID(code: code)
            let page = try app.live(citizen)
            try page.subscribe("thread:\(code)")
            _ = try page.next("caught_up")
            let watching = try app.staffLive(moderator)
            try watching.subscribe("case:\(id)")
            _ = try watching.next("caught_up")
            try watching.send(#"{"type":"read","id":"rd1","topic":"case:\#(id)","seq":1}"#)
            #expect(try watching.next("error")["error"] == .string("auth.forbidden"))
            try watching.send(#"{"type":"typing","topic":"case:\#(id)"}"#)
            // The server handles a connection's messages in order: once the pong is back, the typing was handled.
            try watching.send(#"{"type":"ping"}"#)
            _ = try watching.next("pong")
            // The office member who may answer replies: that is the first thing the citizen's page hears.
            #expect(try app.post("/api/staff/threads/\(id)/messages", json: #"{"id":"m1","body":"收到"}"#, cookie: office.cookie).status == 201)
            let first = try page.next()
            #expect(first["type"] == .string("entry"), "no typing or read mark came from the moderator: \(first)")
            // Their typing and reading do reach the citizen.
            let console = try app.staffLive(office)
            try console.subscribe("case:\(id)")
            _ = try console.next("caught_up")
            try console.send(#"{"type":"typing","topic":"case:\#(id)"}"#)
            #expect(try page.next("typing")["by"] == .string("staff"))
            try console.send(#"{"type":"read","id":"rd2","topic":"case:\#(id)","seq":1}"#)
            #expect(try page.next("read")["by"] == .string("staff"))
            let staffRead = try app.readDatabase { db in try db.value(Int.self, "SELECT staff_read_seq FROM thread WHERE id = ?1", [id.sqlValue]) }
            #expect(staffRead == 1)
        }

        @Test func theCitizensPageHearsWhenTheLetterMovesToAnotherDepartment() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let office = try app.staff("li.wei", departments: ["mayors-office"])
            let citizen = app.newCitizen()
            let code = try app.letter(citizen)
            let id = try app.threadID(code: code)
            let page = try app.live(citizen)
            try page.subscribe("thread:\(code)")
            _ = try page.next("caught_up")
            #expect(try app.post("/api/staff/threads/\(id)/route", json: #"{"id":"r1","department":"works","note":"路灯归市政"}"#,
                                 cookie: office.cookie).status == 200)
            let moved = try page.next("thread")
            #expect(moved["thread"]?["department"] == .string("works"))
            #expect(moved["thread"]?["status"] == .string("new"))
            #expect(moved["thread"]?["assignee"] == nil, "the citizen's view names nobody")
        }

        @Test func aConsolesPingKeepsItsSessionAliveAndSaysWhenItHasEnded() throws {
            let clock = ManualTimeSource(1_800_000_000_000)
            let app = try TestApp(time: clock) {
                $0.staffSessions.idleMilliseconds = 10 * 60_000
                $0.staffSessions.maxMilliseconds = 60 * 60_000
            }
            defer { app.shutdown() }
            let staff = try app.staff("li.wei", departments: ["mayors-office"])
            let console = try app.staffLive(staff)
            try console.subscribe("inbox")
            _ = try console.next("subscribed")
            // Pinging every 5 minutes for 40 minutes keeps a 10-minute idle session alive.
            for _ in 0..<8 {
                clock.advance(milliseconds: 5 * 60_000)
                try console.send(#"{"type":"ping"}"#)
                #expect(try console.next()["type"] == .string("pong"))
                // The touch is written by the writer; wait for it before moving the clock on.
                #expect(eventually { (try? app.readDatabase { db in
                    try db.value(Int64.self, "SELECT max(last_seen_at) FROM staff_session")
                }) == clock.now() })
            }
            #expect(try app.get("/api/staff/me", cookie: staff.cookie).status == 200)
            // Past the absolute lifetime (an hour) the ping says so instead of pong.
            clock.advance(milliseconds: 25 * 60_000)
            try console.send(#"{"type":"ping"}"#)
            let ended = try console.next()
            #expect(ended["type"] == .string("error"))
            #expect(ended["error"] == .string("auth.required"))
        }

        @Test func anAdminsCannedReplyIsAddedOnceHoweverOftenSentAndADeletedOneIsNotFound() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let admin = try app.staff("boss", role: .admin, departments: [])
            let body = #"{"department":"works","title":"已转交","body":"您好，您反映的问题已转交相关部门办理。"}"#
            let first = try app.post("/api/admin/canned", json: body, cookie: admin.cookie)
            #expect(first.status == 201)
            let again = try app.post("/api/admin/canned", json: body, cookie: admin.cookie)
            #expect(again.status == 200, "a retry")
            let id = try #require(try first.json()["reply"]?["id"]?.int)
            #expect(try again.json()["reply"]?["id"]?.int == id)
            let list = try app.get("/api/staff/canned?department=works", cookie: admin.cookie).json()
            #expect(list["replies"]?.array?.count == 1)
            #expect(try app.request("DELETE", "/api/admin/canned/\(id)", headers: [("Cookie", admin.cookie)]).status == 204)
            let gone = try app.request("DELETE", "/api/admin/canned/\(id)", headers: [("Cookie", admin.cookie)])
            #expect(gone.status == 404)
            #expect(gone.errorCode == "canned.not_found")
        }

        @Test func theInboxComesInPagesWithHeldLettersAndPreviews() throws {
            let app = try TestApp {
                $0.directLineLimits.threadsPerCitizenPerHour = 100
                $0.directLineLimits.threadsPerIPPerHour = 100
            }
            defer { app.shutdown() }
            let office = try app.staff("li.wei", departments: ["mayors-office"])
            let citizen = app.newCitizen()
            var codes: [String] = []
            for index in 1...7 {
                // Letter 4 has a word config holds for review.
                let body = index == 4 ? "第\(index)封：楼下有人说要制造爆炸" : "第\(index)封：小区路灯坏了"
                codes.append(try app.letter(citizen, id: "t-\(index)", subject: "来信\(index)", body: body))
            }
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try app.get("/api/staff/threads?limit=3" + (cursor.map { "&before=\($0)" } ?? ""), cookie: office.cookie).json()
                let threads = page["threads"]?.array ?? []
                #expect(threads.count <= 3)
                seen += threads.compactMap { $0["code"]?.string }
                cursor = page["next"]?.string
                if cursor != nil { #expect(threads.count == 3) }
            } while cursor != nil
            #expect(seen == codes.reversed(), "every letter once, newest first, over three pages")
            let held = try app.get("/api/staff/threads?held=true", cookie: office.cookie).json()
            #expect((held["threads"]?.array ?? []).compactMap { $0["code"]?.string } == [codes[3]])
            #expect(held["threads"]?[0]?["held"] == .string("爆炸"))
            #expect(held["threads"]?[0]?["preview"] == .string("第4封：楼下有人说要制造爆炸"))
            #expect(try app.get("/api/staff/threads?limit=0", cookie: office.cookie).errorCode == "request.invalid")
            #expect(try app.get("/api/staff/threads?before=yesterday", cookie: office.cookie).errorCode == "request.invalid")
        }

        @Test func badLettersAreRefusedWithTheFieldAndChangeNothing() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let citizen = app.newCitizen()
            let cases: [(String, String)] = [
                (#"{"id":"a","kind":"rant","subject":"s","body":"b"}"#, "thread.invalid"),
                (#"{"id":"b","kind":"enquiry","subject":"   ","body":"b"}"#, "thread.invalid"),
                (#"{"id":"c","kind":"enquiry","subject":"\#(String(repeating: "长", count: 61))","body":"b"}"#, "thread.invalid"),
                (#"{"id":"d","kind":"enquiry","subject":"s","body":"\#(String(repeating: "x", count: 2001))"}"#, "thread.invalid"),
                (#"{"id":"e","kind":"enquiry","subject":"s","body":"b","project":"no-such"}"#, "project.not_found"),
                (#"{"id":"f","kind":"enquiry","subject":"s","body":"这里有禁词"}"#, "thread.blocked"),
                (#"{"kind":"enquiry","subject":"s","body":"b"}"#, "request.invalid_id"),
                (#"{"id":"g","kind":"enquiry","subject":1,"body":"b"}"#, "request.invalid"),
            ]
            for (body, code) in cases {
                let response = try app.post("/api/threads", json: body, cookie: citizen.cookie)
                #expect(response.errorCode == code, "\(body)")
                #expect(response.status >= 400 && response.status < 500)
            }
            #expect(try app.readDatabase { db in try db.value(Int.self, "SELECT count(*) FROM thread") } == 0)
            let held = try app.letter(citizen, id: "h", body: "楼下有爆炸声")
            #expect(try app.readDatabase { db in try db.value(String.self, "SELECT held FROM thread WHERE code = ?1", [held.sqlValue]) } == "爆炸")
            let duplicate = try app.post("/api/threads", json: #"{"id":"i","kind":"enquiry","subject":"again","body":"楼下有爆炸声"}"#,
                                         cookie: citizen.cookie)
            #expect(duplicate.errorCode == "thread.duplicate")
            let retried = try app.post("/api/threads", json: #"{"id":"h","kind":"complaint","subject":"路灯坏了","body":"楼下有爆炸声"}"#,
                                       cookie: citizen.cookie)
            #expect(retried.status == 200, "the same id again is the same letter")
            #expect(try retried.json()["thread"]?["code"] == .string(held))
        }

        @Test func claimReplyCloseAndTheRefusedTransitions() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let citizen = app.newCitizen()
            let code = try app.letter(citizen)
            let id = try app.threadID(code: code)
            let office = try app.staff("li.wei", departments: ["mayors-office"])
            func act(_ path: String, _ body: String) throws -> TestHTTPResponse {
                try app.post("/api/staff/threads/\(id)/\(path)", json: body, cookie: office.cookie)
            }
            #expect(try act("claim", #"{"id":"a1"}"#).json()["thread"]?["status"] == .string("assigned"))
            let reply = try act("messages", #"{"id":"a2","body":"已转交市政局处理。"}"#)
            #expect(reply.status == 201)
            #expect(try reply.json()["entry"]?["seq"] == .number(3), "1 the letter, 2 the claim, 3 the reply")
            #expect(try app.get("/api/threads/\(code)").json()["thread"]?["status"] == .string("answered"))
            let note = try act("notes", #"{"id":"a3","body":"市民情绪激动"}"#)
            #expect(note.status == 201)
            let citizenView = try app.get("/api/threads/\(code)").json()
            #expect(citizenView["entries"]?.array?.contains { $0["kind"] == .string("note") } == false, "notes stay internal")
            #expect(try act("status", #"{"id":"a4","status":"closed"}"#).json()["thread"]?["status"] == .string("closed"))
            #expect(try act("status", #"{"id":"a5","status":"invalid","reason":"重复"}"#).errorCode == "thread.invalid_transition")
            #expect(try act("messages", #"{"id":"a6","body":"再说一句"}"#).errorCode == "thread.invalid_transition")
            let closedWrite = try app.post("/api/threads/\(code)/messages", json: #"{"id":"c1","body":"还没修好"}"#, cookie: citizen.cookie)
            #expect(closedWrite.errorCode == "thread.invalid_transition")
            #expect(try act("status", #"{"id":"a7","status":"assigned"}"#).json()["thread"]?["status"] == .string("assigned"), "reopened")
            #expect(try act("status", #"{"id":"a8","status":"invalid"}"#).errorCode == "thread.invalid", "invalid needs a reason")
            #expect(try act("route", #"{"id":"a9","department":"nowhere"}"#).errorCode == "department.not_found")
            #expect(try act("assign", #"{"id":"b1","user":"nobody"}"#).errorCode == "user.not_found")
            let routed = try act("route", #"{"id":"b2","department":"works","note":"请市政局处理"}"#).json()["thread"]
            #expect(routed?["department"] == .string("works"))
            #expect(routed?["assignee"] == .null)
            #expect(routed?["status"] == .string("new"))
        }

        /// PROTOCOL.md's "Roles and actions" table, walked: every role tries every staff action on a thread of
        /// another department, over HTTP; what the table forbids is refused (403, or 404 for a thread the role may
        /// not even see) and changes nothing.
        @Test func everyForbiddenRoleAndActionPairIsRefusedOverHTTP() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let citizen = app.newCitizen()
            let code = try app.letter(citizen)
            let id = try app.threadID(code: code)
            // Issue 10's actions need an answered letter whose writer agreed to publication, a public version waiting for a
            // moderator and a follow-up (its answer rated 1).
            let triage = try app.staff("office", departments: ["mayors-office"])
            let (published, publishable) = try app.answeredLetter(app.newCitizen(), office: triage, id: "t-pub")
            let version = try #require(try app.submitPublic(publishable, office: triage).json()["version"]?["id"]?.int)
            #expect(try app.post("/api/threads/\(published)/satisfaction", json: #"{"level":1}"#, cookie: app.newCitizen().cookie).status == 200)
            let followUp = try #require((try app.get("/api/staff/followups", cookie: triage.cookie).json()["followUps"]?.array ?? [])
                .first { $0["kind"] == .string("letter") }?["id"]?.int)
            let people: [(TestStaff?, Set<String>)] = [
                (nil, []),
                (try app.staff("works.staff", departments: ["works"]), ["inbox", "canned", "users", "followups"]),
                (try app.staff("moderator", role: .moderator, departments: []),
                 ["inbox", "read", "canned", "users", "queue", "moderate", "followups"]),
                (try app.staff("admin2", role: .admin, departments: []),
                 ["inbox", "read", "canned", "users", "manage", "queue", "followups", "accounts", "words", "departments"]),
                (triage, ["inbox", "read", "reply", "note", "claim", "assign", "route", "status", "canned", "users", "public", "followups",
                          "record"]),
            ]
            for (person, allowed) in people {
                let cookie = person?.cookie
                let who = person?.name ?? "no session"
                let tag = who.filter { $0.isLetter || $0.isNumber }
                let actions: [(String, () throws -> TestHTTPResponse)] = [
                    ("inbox", { try app.get("/api/staff/threads", cookie: cookie) }),
                    ("read", { try app.get("/api/staff/threads/\(id)", cookie: cookie) }),
                    ("reply", { try app.post("/api/staff/threads/\(id)/messages", json: #"{"id":"r-\#(tag)","body":"答复"}"#, cookie: cookie) }),
                    ("note", { try app.post("/api/staff/threads/\(id)/notes", json: #"{"id":"n-\#(tag)","body":"备注"}"#, cookie: cookie) }),
                    ("claim", { try app.post("/api/staff/threads/\(id)/claim", json: #"{"id":"c-\#(tag)"}"#, cookie: cookie) }),
                    ("assign", { try app.post("/api/staff/threads/\(id)/assign", json: #"{"id":"a-\#(tag)","user":"office"}"#, cookie: cookie) }),
                    ("route", { try app.post("/api/staff/threads/\(id)/route", json: #"{"id":"o-\#(tag)","department":"transport"}"#, cookie: cookie) }),
                    ("status", { try app.post("/api/staff/threads/\(id)/status", json: #"{"id":"s-\#(tag)","status":"closed"}"#, cookie: cookie) }),
                    ("canned", { try app.get("/api/staff/canned", cookie: cookie) }),
                    ("users", { try app.get("/api/staff/users", cookie: cookie) }),
                    ("manage", { try app.post("/api/admin/canned", json: #"{"department":"works","title":"t-\#(tag)","body":"b"}"#, cookie: cookie) }),
                    ("public", { try app.submitPublic(publishable, office: TestStaff(name: who, cookie: cookie ?? ""), id: "p-\(tag)") }),
                    ("queue", { try app.get("/api/moderation/queue", cookie: cookie) }),
                    ("moderate", { try app.post("/api/moderation/items/\(version)/approve", json: #"{"id":"m-\#(tag)"}"#, cookie: cookie) }),
                    ("followups", { try app.get("/api/staff/followups", cookie: cookie) }),
                    ("record", { try app.post("/api/staff/followups/letter/\(followUp)", json: #"{"contacted":true,"outcome":"已联系"}"#,
                                              cookie: cookie) }),
                    ("accounts", { try app.get("/api/admin/users", cookie: cookie) }),
                    ("words", { try app.post("/api/admin/word-rules", json: #"{"word":"词\#(tag)","action":"hold"}"#, cookie: cookie) }),
                    ("departments", { try app.post("/api/admin/departments", json: #"{"department":"d-\#(tag.lowercased())","nameZh":"甲","nameEn":"A"}"#,
                                                   cookie: cookie) }),
                ]
                // Everything a refused request could have changed.
                let state = [
                    "SELECT id, status, department, assignee, last_seq FROM thread ORDER BY id",
                    "SELECT id, status FROM public_version ORDER BY id",
                    "SELECT count(*) FROM follow_up WHERE recorded_at IS NOT NULL",
                    "SELECT count(*) FROM word_rule", "SELECT count(*) FROM department", "SELECT count(*) FROM staff_user",
                    "SELECT count(*) FROM canned_reply",
                ]
                for (action, run) in actions where !allowed.contains(action) {
                    let before = try app.readDatabase { db in try state.map { try db.rows($0, []).map(\.values) } }
                    let response = try run()
                    let expected: Set<Int> = person == nil ? [401] : [403, 404]
                    #expect(expected.contains(response.status), "\(who) may not \(action): got \(response.status)")
                    let after = try app.readDatabase { db in try state.map { try db.rows($0, []).map(\.values) } }
                    #expect(before == after, "\(who) \(action) changed nothing")
                }
            }
            // And what the table allows works (the triage office runs the whole life of a letter above).
            let moderator = people[2].0!
            #expect(try app.get("/api/staff/threads/\(id)", cookie: moderator.cookie).status == 200)
            let admin = people[3].0!
            #expect(try app.post("/api/admin/canned", json: #"{"department":"works","title":"收到","body":"您的来信已收到。"}"#,
                                 cookie: admin.cookie).status == 201)
        }

        @Test func everyForbiddenActionIsRefusedOverTheWebSocket() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let citizen = app.newCitizen()
            let code = try app.letter(citizen)
            let id = try app.threadID(code: code)
            let anonymous = try app.live()
            try anonymous.subscribe("inbox")
            #expect(try anonymous.next()["error"] == .string("auth.required"))
            try anonymous.subscribe("case:\(id)")
            #expect(try anonymous.next()["error"] == .string("auth.required"))

            let otherDepartment = try app.staffLive(try app.staff("works.staff", departments: ["works"]))
            try otherDepartment.subscribe("case:\(id)")
            #expect(try otherDepartment.next()["error"] == .string("thread.not_found"), "a thread of another department is not there")

            for role in [StaffRole.moderator, .admin] {
                let live = try app.staffLive(try app.staff("\(role.rawValue).x", role: role, departments: []))
                try live.subscribe("case:\(id)")
                _ = try live.next("caught_up")
                try live.send(#"{"type":"post","id":"p-1","topic":"case:\#(id)","body":"答复"}"#)
                #expect(try live.next()["error"] == .string("auth.forbidden"), "\(role) may read but not reply")
            }
            // A citizen's page may not post on a thread it has not subscribed to by code.
            let page = try app.live(citizen)
            try page.send(#"{"type":"post","id":"p-2","topic":"thread:23456789AB","body":"hi"}"#)
            #expect(try page.next()["error"] == .string("request.invalid"))
            #expect(try app.readDatabase { db in try db.value(Int.self, "SELECT last_seq FROM thread") } == 1)
        }

        // MARK: the live conversation

        @Test func aStaffReplyReachesTheCitizensPageLiveAfterTypingAndTheInboxSeesNewLetters() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let office = try app.staff("li.wei", departments: ["mayors-office"])
            let console = try app.staffLive(office)
            try console.subscribe("inbox")
            _ = try console.next("subscribed")

            let citizen = app.newCitizen()
            let code = try app.letter(citizen)
            let arrived = try console.next("thread")
            #expect(arrived["thread"]?["code"] == .string(code), "the inbox hears of a new letter without a reload")
            guard case .number(let number) = arrived["thread"]?["id"] else { Issue.record("no id"); return }
            let id = Int(number)

            let page = try app.live(citizen)
            try page.subscribe("thread:\(code)")
            #expect(try page.next()["entry"]?["seq"] == .number(1))
            #expect(try page.next()["type"] == .string("caught_up"))
            try console.subscribe("case:\(id)")
            _ = try console.next("caught_up")

            try console.send(#"{"type":"typing","topic":"case:\#(id)"}"#)
            let typing = try page.next()
            #expect(typing["type"] == .string("typing"))
            #expect(typing["by"] == .string("staff"))
            try console.send(#"{"type":"post","id":"p-1","topic":"case:\#(id)","body":"我们已派人查看。"}"#)
            let ack = try console.next("ack")
            #expect(ack["status"] == .string("applied"))
            #expect(ack["entry"]?["seq"] == .number(2))
            let entry = try page.next("entry")
            #expect(entry["entry"]?["body"] == .string("我们已派人查看。"))
            #expect(entry["entry"]?["kind"] == .string("staff"))
            #expect(entry["entry"]?["author"] == .null, "the citizen does not see which staff member")

            try page.send(#"{"type":"read","topic":"thread:\#(code)","seq":2}"#)
            let read = try console.next("read")
            #expect(read["by"] == .string("citizen"))
            #expect(read["seq"] == .number(2))

            try page.send(#"{"type":"post","id":"c-1","topic":"thread:\#(code)","body":"谢谢！"}"#)
            #expect(try page.next("ack")["entry"]?["seq"] == .number(3))
            #expect(try console.next("entry")["entry"]?["body"] == .string("谢谢！"))
            try page.send(#"{"type":"post","id":"c-1","topic":"thread:\#(code)","body":"谢谢！"}"#)
            #expect(try page.next("ack")["status"] == .string("duplicate"), "a retry is applied once")
            #expect(try app.readDatabase { db in try db.value(Int.self, "SELECT count(*) FROM thread_entry") } == 3)
        }

        @Test func aPageThatReconnectsGetsExactlyTheEntriesItMissedInOrderOnce() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let office = try app.staff("li.wei", departments: ["mayors-office"])
            let citizen = app.newCitizen()
            let code = try app.letter(citizen)
            let id = try app.threadID(code: code)
            let first = try app.live(citizen)
            try first.subscribe("thread:\(code)")
            _ = try first.next("caught_up")
            first.close()
            for index in 1...5 {
                let reply = try app.post("/api/staff/threads/\(id)/messages", json: #"{"id":"m-\#(index)","body":"第\#(index)条"}"#,
                                         cookie: office.cookie)
                #expect(reply.status == 201)
            }
            // Resume from seq 1 while more replies commit: every entry arrives once, in order.
            let again = try app.live(citizen)
            let shared = HandOff(app)
            let writer = Thread {
                for index in 6...10 {
                    _ = try? shared.value.post("/api/staff/threads/\(id)/messages", json: #"{"id":"m-\#(index)","body":"第\#(index)条"}"#,
                                      cookie: office.cookie)
                }
            }
            writer.start()
            try again.subscribe("thread:\(code)", since: 1)
            var seen: [Int] = []
            while seen.count < 10 {
                let message = try again.next()
                if message["type"] == .string("entry"), case .number(let seq) = message["entry"]?["seq"] { seen.append(Int(seq)) }
            }
            #expect(seen == Array(2...11), "entries 2…11 (1 is the letter), each once and in order")
        }

        /// A citizen's page sends a message and loses its connection before the acknowledgement; it comes back, catches
        /// up from its last seq and sends the message again with the same id. Whether or not the first one committed,
        /// the message is stored once and the office's open case shows it once.
        @Test(arguments: [false, true])
        func aMessageSentAgainAfterAReconnectIsStoredAndDeliveredOnce(waitForTheFirstToCommit: Bool) throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let office = try app.staff("li.wei", departments: ["mayors-office"])
            let citizen = app.newCitizen()
            let code = try app.letter(citizen)
            let id = try app.threadID(code: code)
            let console = try app.staffLive(office)
            try console.subscribe("case:\(id)")
            _ = try console.next("caught_up")

            let post = #"{"type":"post","id":"m-1","topic":"thread:\#(code)","body":"补充：晚上九点后完全不亮"}"#
            let first = try app.live(citizen)
            try first.subscribe("thread:\(code)")
            let caughtUp = try first.next("caught_up")
            try first.send(post)
            if waitForTheFirstToCommit {
                // The office has it, so it committed; the page never reads its acknowledgement.
                _ = try console.next("entry")
            }
            first.close()

            let again = try app.live(citizen)
            try again.subscribe("thread:\(code)", since: UInt64(caughtUp["seq"]?.int ?? 1))
            try again.send(post)
            let ack = try again.next("ack")
            #expect(ack["entry"]?["body"] == .string("补充：晚上九点后完全不亮"))
            #expect([.string("applied"), .string("duplicate")].contains(ack["status"]))
            let seq = try #require(ack["entry"]?["seq"]?.int)
            #expect(seq == 2, "the letter is 1; the message, however often sent, is 2")

            // The office: the entry once (if it was not read above), then nothing more of it before a marker reply.
            if !waitForTheFirstToCommit { #expect(try console.next("entry")["entry"]?["seq"] == .number(2)) }
            #expect(try app.post("/api/staff/threads/\(id)/messages", json: #"{"id":"r-1","body":"收到"}"#, cookie: office.cookie).status == 201)
            let next = try console.next("entry")
            #expect(next["entry"]?["seq"] == .number(3), "no second copy of seq 2 came before the reply")
            let stored = try app.readDatabase { db in
                try db.value(Int.self, "SELECT count(*) FROM thread_entry WHERE thread = ?1 AND client_id = 'm-1'", [id.sqlValue])
            }
            #expect(stored == 1)
        }

        @Test func aSuggestionWithARatingBecomesALetterToTheProjectsDepartmentLive() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let works = try app.staff("works.staff", departments: ["works"])
            let console = try app.staffLive(works)
            try console.subscribe("inbox")
            _ = try console.next("subscribed")
            let citizen = app.newCitizen()
            let rated = try app.rate("new-schools", id: "r-1", level: 2, suggestion: "放学时段加开班次", as: citizen)
            #expect(rated.status == 200)
            let arrived = try console.next("thread")
            #expect(arrived["thread"]?["kind"] == .string("suggestion"))
            #expect(arrived["thread"]?["department"] == .string("works"))
            #expect(arrived["thread"]?["project"] == .string("new-schools"))
            #expect(arrived["thread"]?["code"] == (try rated.json()["thread"]))
            // The same suggestion again (a revised rating) adds nothing; a new one joins the same letter.
            #expect(try app.rate("new-schools", id: "r-2", level: 3, suggestion: "放学时段加开班次", as: citizen).status == 200)
            #expect(try app.rate("new-schools", id: "r-3", level: 3, suggestion: "另外希望增加绿化", as: citizen).status == 200)
            let counts = try app.readDatabase { db in
                (try db.value(Int.self, "SELECT count(*) FROM thread"), try db.value(Int.self, "SELECT count(*) FROM thread_entry"))
            }
            #expect(counts.0 == 1)
            #expect(counts.1 == 2)
        }
    }
}

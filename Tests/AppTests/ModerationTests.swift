import App
import Domain
import Foundation
import Storage
import TestSupport
import Testing

extension TestApp {
    /// A letter whose writer agreed to publication, answered by `office`: its code and thread id.
    func answeredLetter(_ citizen: TestCitizen, office: TestStaff, id: String = "t-1", publish: Bool = true,
                        body: String = "小区门口的路灯坏了两周，电话13800138000") throws -> (code: String, thread: Int64) {
        let response = try post("/api/threads", json: #"""
            {"id":\#(quoted(id)),"kind":"complaint","subject":"路灯坏了","body":\#(quoted(body)),"publish":\#(publish),
             "contact":"13800138000"}
            """#, cookie: citizen.cookie)
        guard response.status == 201, case .string(let code) = try response.json()["thread"]?["code"] else {
            throw TestClientError.malformed("letter refused: \(response.status) \(response.body)")
        }
        let thread = try threadID(code: code)
        let reply = try post("/api/staff/threads/\(thread)/messages", json: #"{"id":"a-\#(id)","body":"已安排维修，三日内修好。"}"#,
                             cookie: office.cookie)
        guard reply.status == 201 else { throw TestClientError.malformed("reply refused: \(reply.status) \(reply.body)") }
        return (code, thread)
    }

    func submitPublic(_ thread: Int64, office: TestStaff, id: String = "p-1", question: String = "小区门口的路灯坏了两周。",
                      answer: String = "已安排维修，三日内修好。") throws -> TestHTTPResponse {
        try post("/api/staff/threads/\(thread)/public",
                 json: #"{"id":\#(quoted(id)),"question":\#(quoted(question)),"answer":\#(quoted(answer))}"#, cookie: office.cookie)
    }
}

extension AppIntegrationTests {
    @Suite struct ModerationTests {
        @Test func aPublicVersionGoesThroughTheQueueToTheBoardAsTheModeratorEditedIt() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let office = try app.staff("li.wei", departments: ["mayors-office"])
            let moderator = try app.staff("mod.one", role: .moderator, departments: [])
            let second = try app.staff("mod.two", role: .moderator, departments: [])
            let (_, thread) = try app.answeredLetter(app.newCitizen(), office: office)

            // The moderators' queue and the public board, live.
            let queue = try app.staffLive(moderator)
            try queue.subscribe("moderation")
            _ = try queue.next("subscribed")
            let board = try app.live()
            try board.subscribe("messages")
            _ = try board.next("snapshot")

            let submitted = try app.submitPublic(thread, office: office, question: "小区门口的路灯坏了两周，电话13800138000")
            #expect(submitted.status == 201)
            let version = try #require(try submitted.json()["version"]?["id"]?.int)
            let arrived = try queue.next("queue")
            #expect(arrived["event"] == .string("submitted"))
            #expect(arrived["depth"] == .number(1))
            #expect(arrived["item"]?["id"] == .number(Double(version)))
            #expect(arrived["oldestSubmittedAt"]?.int != nil)

            // One moderator opens it; the other cannot decide it meanwhile.
            #expect(try app.post("/api/moderation/items/\(version)/open", json: "{}", cookie: moderator.cookie).status == 200)
            #expect(try queue.next("queue")["item"]?["hold"]?["by"] == .string("mod.one"))
            let refused = try app.post("/api/moderation/items/\(version)/approve", json: #"{"id":"d-2"}"#, cookie: second.cookie)
            #expect(refused.status == 409)
            #expect(refused.errorCode == "moderation.locked")

            // Approved with the phone number edited out.
            let approved = try app.post("/api/moderation/items/\(version)/approve",
                                        json: #"{"id":"d-1","question":"小区门口的路灯坏了两周。"}"#, cookie: moderator.cookie)
            #expect(approved.status == 200)
            #expect(try approved.json()["version"]?["decision"]?["action"] == .string("edited"))
            #expect(try queue.next("queue")["depth"] == .number(0))
            let published = try board.next("delta")
            let item = try #require(published["data"]?["published"]?[0])
            #expect(item["question"] == .string("小区门口的路灯坏了两周。"))
            #expect(item["answer"] == .string("已安排维修，三日内修好。"))
            #expect(!published.description.contains("13800138000"))

            let list = try app.get("/api/messages").json()
            #expect(list["items"]?.array?.count == 1)
            #expect(list["items"]?[0]?["id"] == .number(Double(version)))
            let log = try app.get("/api/moderation/log").json()
            #expect(log["entries"]?[0]?["action"] == .string("edited"))
            #expect(log["entries"]?[0]?["department"] == .string("mayors-office"))
            // The record keeps both texts: the one submitted and the one published.
            let history = try app.get("/api/moderation/items/\(version)", cookie: moderator.cookie).json()["history"]?.array ?? []
            let decision = try #require(history.last)
            #expect(decision["actor"] == .string("mod.one"))
            #expect(decision["detail"]?["before"]?["question"] == .string("小区门口的路灯坏了两周，电话13800138000"))
            #expect(decision["detail"]?["after"]?["question"] == .string("小区门口的路灯坏了两周。"))
            // The original text is kept.
            let original = try app.readDatabase { db in try db.value(String.self, "SELECT question FROM public_version WHERE id = ?1", [version.sqlValue]) }
            #expect(original == "小区门口的路灯坏了两周，电话13800138000")
        }

        @Test func aPublicVersionNeedsTheWritersConsentAndAnAnswerFirst() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let office = try app.staff("li.wei", departments: ["mayors-office"])
            let (_, privateThread) = try app.answeredLetter(app.newCitizen(), office: office, publish: false)
            #expect(try app.submitPublic(privateThread, office: office).errorCode == "public.no_consent")
            let response = try app.post("/api/threads", json: #"{"id":"t-2","kind":"enquiry","subject":"问","body":"请问几点开门","publish":true}"#,
                                        cookie: app.newCitizen().cookie)
            let unanswered = try app.threadID(code: try #require(try response.json()["thread"]?["code"]?.string))
            #expect(try app.submitPublic(unanswered, office: office).errorCode == "public.not_answered")
            #expect(try app.readDatabase { db in try db.value(Int.self, "SELECT count(*) FROM public_version") } == 0)
        }

        @Test func rejectedItGoesBackToItsAuthorWhoRevisesAndSubmitsAgain() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let office = try app.staff("li.wei", departments: ["mayors-office"])
            let moderator = try app.staff("mod.one", role: .moderator, departments: [])
            let (_, thread) = try app.answeredLetter(app.newCitizen(), office: office)
            let console = try app.staffLive(office)
            try console.subscribe("case:\(thread)")
            _ = try console.next("caught_up")

            let first = try #require(try app.submitPublic(thread, office: office).json()["version"]?["id"]?.int)
            _ = try console.next("public")
            // A category from the list and a note are required.
            #expect(try app.post("/api/moderation/items/\(first)/reject", json: #"{"id":"r-0","category":"bad","note":"x"}"#,
                                 cookie: moderator.cookie).errorCode == "request.invalid")
            let rejected = try app.post("/api/moderation/items/\(first)/reject",
                                        json: #"{"id":"r-1","category":"incomplete","note":"请写明修好的日期"}"#, cookie: moderator.cookie)
            #expect(rejected.status == 200)
            let told = try console.next("public")
            #expect(told["version"]?["status"] == .string("rejected"))
            #expect(told["version"]?["decision"]?["note"] == .string("请写明修好的日期"))
            #expect(told["version"]?["decision"]?["category"] == .string("incomplete"))
            // Revised: a second revision; a third while it waits supersedes it.
            let second = try app.submitPublic(thread, office: office, id: "p-2", answer: "已安排维修，12月9日前修好。")
            #expect(try second.json()["version"]?["revision"] == .number(2))
            let third = try app.submitPublic(thread, office: office, id: "p-3", answer: "已安排维修，12月8日前修好。")
            #expect(try third.json()["version"]?["revision"] == .number(3))
            let statuses = try app.readDatabase { db in
                try db.values(String.self, "SELECT status FROM public_version WHERE thread = ?1 ORDER BY revision", [thread.sqlValue])
            }
            #expect(statuses == ["rejected", "superseded", "pending"])
            // The same request again is the same revision.
            #expect(try app.submitPublic(thread, office: office, id: "p-3", answer: "已安排维修，12月8日前修好。").status == 200)
            // The public log says what was decided, never the note.
            let log = try app.get("/api/moderation/log")
            #expect(try log.json()["entries"]?[0]?["category"] == .string("incomplete"))
            #expect(!log.text.contains("请写明"))
        }

        @Test func aWithdrawnItemLeavesTheBoardLive() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let office = try app.staff("li.wei", departments: ["mayors-office"])
            let moderator = try app.staff("mod.one", role: .moderator, departments: [])
            let (_, thread) = try app.answeredLetter(app.newCitizen(), office: office)
            let version = try #require(try app.submitPublic(thread, office: office).json()["version"]?["id"]?.int)
            #expect(try app.post("/api/moderation/items/\(version)/approve", json: #"{"id":"d-1"}"#, cookie: moderator.cookie).status == 200)
            let board = try app.live()
            try board.subscribe("messages")
            #expect(try board.next("snapshot")["data"]?["published"]?.array?.count == 1)
            // Approved items cannot be approved again, nor rejected.
            #expect(try app.post("/api/moderation/items/\(version)/reject", json: #"{"id":"d-2","category":"other","note":"x"}"#,
                                 cookie: moderator.cookie).errorCode == "moderation.invalid_transition")
            #expect(try app.post("/api/moderation/items/\(version)/withdraw",
                                 json: #"{"id":"d-3","category":"consent-withdrawn","note":"来信人要求撤下"}"#, cookie: moderator.cookie).status == 200)
            #expect(try board.next("delta")["data"]?["withdrawn"] == .array([.number(Double(version))]))
            #expect(try app.get("/api/messages").json()["items"]?.array?.isEmpty == true)
        }

        @Test func nobodyButAModeratorDecidesAndNoModeratorWritesPublicVersions() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let office = try app.staff("li.wei", departments: ["mayors-office"])
            let admin = try app.staff("boss", role: .admin, departments: [])
            let moderator = try app.staff("mod.one", role: .moderator, departments: [])
            let (_, thread) = try app.answeredLetter(app.newCitizen(), office: office)
            let version = try #require(try app.submitPublic(thread, office: office).json()["version"]?["id"]?.int)
            for person in [office, admin] {
                for action in ["open", "approve"] {
                    let refused = try app.post("/api/moderation/items/\(version)/\(action)", json: #"{"id":"x-1"}"#, cookie: person.cookie)
                    #expect(refused.errorCode == "auth.forbidden", "\(person.name) \(action)")
                }
            }
            #expect(try app.get("/api/moderation/queue", cookie: office.cookie).errorCode == "auth.forbidden")
            #expect(try app.get("/api/moderation/queue", cookie: admin.cookie).status == 200, "an admin may look")
            #expect(try app.submitPublic(thread, office: moderator, id: "m-1").errorCode == "auth.forbidden")
            #expect(try app.submitPublic(thread, office: admin, id: "m-2").errorCode == "auth.forbidden")
            let live = try app.staffLive(office)
            try live.subscribe("moderation")
            #expect(try live.next("error")["error"] == .string("auth.forbidden"))
        }

        // MARK: satisfaction, follow-ups, figures

        @Test func aCitizenRatesTheAnswerAndALowRatingOpensAFollowUpTheDepartmentRecords() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let office = try app.staff("li.wei", departments: ["mayors-office"])
            let citizen = app.newCitizen()
            let unanswered = try app.letter(citizen, id: "t-0", subject: "问", body: "请问几点开门")
            #expect(try app.post("/api/threads/\(unanswered)/satisfaction", json: #"{"level":3}"#, cookie: citizen.cookie).errorCode
                    == "thread.invalid_transition", "nothing to rate before an answer")
            let (code, thread) = try app.answeredLetter(citizen, office: office)
            let inbox = try app.staffLive(office)
            try inbox.subscribe("inbox")
            _ = try inbox.next("subscribed")
            #expect(try app.post("/api/threads/\(code)/satisfaction", json: #"{"level":9}"#, cookie: citizen.cookie).errorCode == "rating.invalid_level")
            #expect(try app.post("/api/threads/\(code)/satisfaction", json: #"{"level":3}"#, cookie: nil).errorCode == "citizen.missing")
            let rated = try app.post("/api/threads/\(code)/satisfaction", json: #"{"level":2}"#, cookie: citizen.cookie)
            #expect(rated.status == 200)
            #expect(try rated.json()["thread"]?["satisfaction"] == .number(2))
            let opened = try inbox.next("followup")
            #expect(opened["followUp"]?["kind"] == .string("letter"))
            #expect(opened["followUp"]?["level"] == .number(2))
            #expect(opened["followUp"]?["due"]?["what"] == .string("followUp"))
            // Changing the rating does not open a second one.
            #expect(try app.post("/api/threads/\(code)/satisfaction", json: #"{"level":1}"#, cookie: citizen.cookie).status == 200)
            let list = try app.get("/api/staff/followups", cookie: office.cookie).json()["followUps"]?.array ?? []
            let letters = list.filter { $0["kind"] == .string("letter") }
            #expect(letters.count == 1)
            let id = try #require(letters.first?["id"]?.int)
            #expect(try app.post("/api/staff/followups/letter/\(id)", json: #"{"contacted":true}"#, cookie: office.cookie).errorCode
                    == "request.invalid")
            let recorded = try app.post("/api/staff/followups/letter/\(id)", json: #"{"contacted":true,"outcome":"已电话联系，市民表示理解。"}"#,
                                        cookie: office.cookie)
            #expect(recorded.status == 200)
            #expect(try recorded.json()["followUp"]?["recordedBy"] == .string("li.wei"))
            #expect(try app.get("/api/staff/followups", cookie: office.cookie).json()["followUps"]?.array?.contains {
                $0["kind"] == .string("letter") } == false)
            // Closed: no more rating.
            #expect(try app.post("/api/staff/threads/\(thread)/status", json: #"{"id":"c-1","status":"closed"}"#, cookie: office.cookie).status == 200)
            #expect(try app.post("/api/threads/\(code)/satisfaction", json: #"{"level":5}"#, cookie: citizen.cookie).errorCode == "thread.invalid_transition")
        }

        @Test func aProjectRatedOneOrTwoIsAFollowUpOfItsDepartmentUntilRecorded() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let works = try app.staff("zhao.lei", departments: ["works"])
            let transport = try app.staff("qian.yu", departments: ["transport"])
            let inbox = try app.staffLive(works)
            try inbox.subscribe("inbox")
            _ = try inbox.next("subscribed")
            #expect(try app.rate("new-schools", id: "r-1", level: 1, suggestion: "校门口太挤", as: app.newCitizen()).status == 200)
            // Its department's inbox hears of it at once.
            let told = try inbox.next("followup")
            #expect(told["followUp"]?["kind"] == .string("rating"))
            #expect(told["followUp"]?["project"] == .string("new-schools"))
            #expect(told["followUp"]?["department"] == .string("works"))
            #expect(try app.rate("bus-lines", id: "r-2", level: 4, as: app.newCitizen()).status == 200)
            let list = try app.get("/api/staff/followups", cookie: works.cookie).json()["followUps"]?.array ?? []
            let ratings = list.filter { $0["kind"] == .string("rating") }
            #expect(ratings.count == 1, "only the low rating, of works (测试局)")
            let item = try #require(ratings.first)
            #expect(item["project"] == .string("new-schools"))
            #expect(item["suggestion"] == .string("校门口太挤"))
            #expect(try app.get("/api/staff/followups", cookie: transport.cookie).json()["followUps"]?.array?.isEmpty == true)
            let body = #"{"citizen":\#(item["citizen"]!.int!),"project":"new-schools","ratedAt":\#(item["openedAt"]!.int!),"contacted":false,"outcome":"匿名评价，已转学校改进接送秩序。"}"#
            #expect(try app.post("/api/staff/followups/rating", json: body, cookie: transport.cookie).errorCode == "followup.not_found")
            #expect(try app.post("/api/staff/followups/rating", json: body, cookie: works.cookie).status == 200)
            #expect(try app.post("/api/staff/followups/rating", json: body, cookie: works.cookie).status == 200, "a retry")
            #expect(try app.get("/api/staff/followups", cookie: works.cookie).json()["followUps"]?.array?.isEmpty == true)
            let recorded = try app.get("/api/staff/followups?state=recorded", cookie: works.cookie).json()["followUps"]?.array ?? []
            #expect(recorded.count == 1)
        }

        @Test func theFiguresCountLettersAnswersAndRatingsAndMoveLive() throws {
            let app = try TestApp { $0.figuresIntervalMilliseconds = 100 }
            defer { app.shutdown() }
            let office = try app.staff("li.wei", departments: ["mayors-office"])
            let watcher = try app.live()
            try watcher.subscribe("figures")
            let first = try watcher.next("snapshot")
            #expect(first["data"]?["overall"]?["received"] != nil)
            let before = first["data"]?["overall"]?["received"]?.int ?? 0
            let (code, _) = try app.answeredLetter(app.newCitizen(), office: office)
            #expect(try app.post("/api/threads/\(code)/satisfaction", json: #"{"level":4}"#, cookie: app.newCitizen().cookie).status == 200)
            let moved = try watcher.next("delta") { $0["data"]?["overall"]?["satisfaction"]?[3] == .number(1) }
            let overall = try #require(moved["data"]?["overall"])
            #expect(overall["received"]?.int == before + 1)
            #expect(overall["answered"]?.int.map { $0 >= 1 } == true)
            #expect(overall["replyRate"] != nil)
            let departments = moved["data"]?["departments"]?.array ?? []
            #expect(departments.contains { $0["id"] == .string("mayors-office") && $0["figures"]?["answered"]?.int == 1 })
            // The same figures over HTTP, and as CSV.
            let json = try app.get("/api/figures").json()
            #expect(json["overall"]?["answered"] == overall["answered"])
            let csv = try app.get("/api/figures.csv")
            #expect(csv.header("Content-Type")?.hasPrefix("text/csv") == true)
            let lines = csv.text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            #expect(lines.first?.hasPrefix("department,department_zh,department_en,received") == true)
            #expect(lines.count == 2 + 3, "the header, all, and the three departments")
            #expect(try app.get("/api/figures?from=2026-13-01").errorCode == "request.invalid")
            #expect(try app.get("/api/figures?campaign=nope").errorCode == "campaign.not_found")
        }

        @Test(arguments: [
            (Int64(1_781_064_000_000), [Int]()),       // 2026-06-10: the 2026 file covers it
            (Int64(1_799_121_600_000), [2027]),        // 2027-01-05: no file for 2027 yet
        ])
        func theFiguresSayWhichYearsTheirWorkingDaysLackAPublishedCalendarFor(_ now: Int64, _ uncovered: [Int]) throws {
            let app = try TestApp(campaigns: [], time: ManualTimeSource(now))
            defer { app.shutdown() }
            let calendar = try app.get("/api/figures").json()["calendar"]
            #expect(calendar?["timeZone"] == .string("Asia/Shanghai"))
            #expect(calendar?["years"]?.array?.compactMap(\.int) == [2026])
            #expect(calendar?["uncoveredYears"]?.array?.compactMap(\.int) == uncovered)
        }
    }
}

import App
import Domain
import Foundation
import TestSupport
import Testing

extension AppIntegrationTests {
    /// No citizen text, contact or id reaches a public page, a public API answer or a public live topic unless a
    /// moderator approved that text (issue 10, "Privacy"). A unique marker goes into every private field; everything
    /// the public can read — every public route, the public live topics while it all happens — is collected, and no
    /// marker may appear in it. The one approved text must (else the collection saw nothing).
    @Suite struct PrivacyTests {
        /// A marker per private field, unique to this run.
        static let run = String(UInt64.random(in: 0 ... .max), radix: 36).uppercased()
        static func marker(_ field: String) -> String { "PRIV\(field)\(run)" }

        @Test func noPrivateFieldEverReachesAPublicSurface() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let office = try app.staff("li.wei", departments: ["mayors-office"])
            let works = try app.staff("zhao.lei", departments: ["works"])
            let moderator = try app.staff("mod.one", role: .moderator, departments: [])

            // The public watches from the start: every public live topic, on one connection.
            let public1 = try app.live()
            for topic in ["campaign:city-2026", "project:new-schools", "project:bus-lines", "messages", "figures"] {
                try public1.subscribe(topic)
            }
            var seen: [String] = []
            func drain(_ client: LiveClient) throws {
                // Ping: the server answers in order, so everything sent before the pong has arrived.
                try client.send(#"{"type":"ping"}"#)
                while true {
                    let (text, json) = try client.nextWithText()
                    if json["type"] == .string("pong") { return }
                    seen.append(text)
                }
            }

            // 1. A letter with a marker in every field a citizen writes, agreeing to publication.
            let citizen = app.newCitizen()
            let letter = try app.post("/api/threads", json: #"""
                {"id":"t-1","kind":"complaint","subject":"\#(Self.marker("SUBJECT"))","body":"\#(Self.marker("BODY")) 路灯坏了",
                 "contact":"\#(Self.marker("CONTACT"))","publish":true,"project":"new-schools"}
                """#, cookie: citizen.cookie)
            #expect(letter.status == 201)
            let code = try #require(try letter.json()["thread"]?["code"]?.string)
            let thread = try app.threadID(code: code)
            // A message, an internal note, a route with a note, a reply.
            #expect(try app.post("/api/threads/\(code)/messages", json: #"{"id":"m-1","body":"\#(Self.marker("MESSAGE"))"}"#,
                                 cookie: citizen.cookie).status == 201)
            #expect(try app.post("/api/staff/threads/\(thread)/notes", json: #"{"id":"n-1","body":"\#(Self.marker("NOTE"))"}"#,
                                 cookie: office.cookie).status == 201)
            #expect(try app.post("/api/staff/threads/\(thread)/route",
                                 json: #"{"id":"r-1","department":"works","note":"\#(Self.marker("ROUTENOTE"))"}"#, cookie: office.cookie).status == 200)
            #expect(try app.post("/api/staff/threads/\(thread)/messages", json: #"{"id":"a-1","body":"\#(Self.marker("REPLY"))"}"#,
                                 cookie: works.cookie).status == 201)
            // 2. A public version rejected (its texts and the moderator's note), then a draft still waiting.
            let rejected = try #require(try app.post("/api/staff/threads/\(thread)/public", json: #"""
                {"id":"p-1","question":"\#(Self.marker("REJECTEDQ"))","answer":"\#(Self.marker("REJECTEDA"))"}
                """#, cookie: works.cookie).json()["version"]?["id"]?.int)
            #expect(try app.post("/api/moderation/items/\(rejected)/reject",
                                 json: #"{"id":"d-1","category":"personal-data","note":"\#(Self.marker("MODNOTE"))"}"#,
                                 cookie: moderator.cookie).status == 200)
            #expect(try app.post("/api/staff/threads/\(thread)/public", json: #"""
                {"id":"p-2","question":"\#(Self.marker("DRAFTQ"))","answer":"\#(Self.marker("DRAFTA"))"}
                """#, cookie: works.cookie).status == 201)
            // 3. Another letter whose public version is approved as edited (the submitted texts stay private), and a
            //    third approved and then withdrawn.
            let other = app.newCitizen()
            let (_, second) = try app.answeredLetter(other, office: office, id: "t-2", body: "\(Self.marker("SECONDBODY")) 公交站没有遮雨棚")
            let approved = try #require(try app.post("/api/staff/threads/\(second)/public", json: #"""
                {"id":"p-3","question":"\#(Self.marker("SUBMITTEDQ"))","answer":"\#(Self.marker("SUBMITTEDA"))"}
                """#, cookie: office.cookie).json()["version"]?["id"]?.int)
            let published = "PUBLISHED\(Self.run) 公交站将加装遮雨棚"
            #expect(try app.post("/api/moderation/items/\(approved)/approve",
                                 json: #"{"id":"d-2","question":"公交站没有遮雨棚","answer":"\#(published)"}"#, cookie: moderator.cookie).status == 200)
            let (_, third) = try app.answeredLetter(app.newCitizen(), office: office, id: "t-3")
            let withdrawn = try #require(try app.post("/api/staff/threads/\(third)/public", json: #"""
                {"id":"p-4","question":"\#(Self.marker("WITHDRAWNQ"))","answer":"\#(Self.marker("WITHDRAWNA"))"}
                """#, cookie: office.cookie).json()["version"]?["id"]?.int)
            // Approved as edited (the edit is public until withdrawn; the submitted texts never are).
            let shownThenWithdrawn = "SHOWNTHENWITHDRAWN\(Self.run)"
            #expect(try app.post("/api/moderation/items/\(withdrawn)/approve",
                                 json: #"{"id":"d-3","question":"路灯","answer":"\#(shownThenWithdrawn)"}"#, cookie: moderator.cookie).status == 200)
            try drain(public1)
            #expect(try app.post("/api/moderation/items/\(withdrawn)/withdraw",
                                 json: #"{"id":"d-4","category":"consent-withdrawn","note":"\#(Self.marker("WITHDRAWNOTE"))"}"#,
                                 cookie: moderator.cookie).status == 200)
            // 4. A rating with a suggestion (it becomes a letter), a low rating of an answer and its follow-up's outcome,
            //    an invalid letter's reason.
            #expect(try app.rate("new-schools", id: "r-1", level: 1, suggestion: Self.marker("SUGGESTION"), as: citizen).status == 200)
            #expect(try app.post("/api/threads/\(code)/satisfaction", json: #"{"level":1}"#, cookie: citizen.cookie).status == 200)
            let followUp = try #require((try app.get("/api/staff/followups", cookie: works.cookie).json()["followUps"]?.array ?? [])
                .first { $0["kind"] == .string("letter") }?["id"]?.int)
            #expect(try app.post("/api/staff/followups/letter/\(followUp)",
                                 json: #"{"contacted":true,"outcome":"\#(Self.marker("OUTCOME"))"}"#, cookie: works.cookie).status == 200)
            let spam = try app.letter(app.newCitizen(), id: "t-9", subject: "广告", body: "\(Self.marker("SPAMBODY")) 代开发票")
            #expect(try app.post("/api/staff/threads/\(try app.threadID(code: spam))/status",
                                 json: #"{"id":"s-1","status":"invalid","reason":"\#(Self.marker("INVALIDREASON"))"}"#,
                                 cookie: office.cookie).status == 200)
            try drain(public1)

            // A late watcher's snapshots too.
            let public2 = try app.live()
            for topic in ["campaign:city-2026", "project:new-schools", "messages", "figures"] { try public2.subscribe(topic) }
            try drain(public2)

            // Every public route, with every filter a page uses.
            let departments = ["mayors-office", "works", "transport"]
            var routes = ["/api/campaigns", "/api/campaigns/city-2026", "/api/projects/new-schools", "/api/projects/bus-lines",
                          "/api/campaigns/city-2026/history", "/api/departments", "/api/policy", "/api/messages",
                          "/api/messages?project=new-schools", "/api/moderation/log", "/api/figures", "/api/figures?campaign=city-2026",
                          "/api/figures.csv", "/api/figures.csv?campaign=city-2026", "/api/report?campaign=city-2026",
                          "/api/session?campaign=city-2026", "/healthz"]
            routes += departments.map { "/api/messages?department=\($0)" }
            for route in routes {
                let response = try app.get(route)
                #expect(response.status == 200, "\(route): \(response.status)")
                seen.append(response.text)
            }

            // Withdrawn: off the board's pages.
            let boardNow = try app.get("/api/messages").text
            #expect(!boardNow.contains(shownThenWithdrawn), "a withdrawn version left the board")
            let everything = seen.joined(separator: "\n")
            let shown = everything.contains(published)
            #expect(shown, "the approved text is public (else the collection saw nothing)")
            for field in ["SUBJECT", "BODY", "CONTACT", "MESSAGE", "NOTE", "ROUTENOTE", "REPLY", "REJECTEDQ", "REJECTEDA", "MODNOTE",
                          "DRAFTQ", "DRAFTA", "SECONDBODY", "SUBMITTEDQ", "SUBMITTEDA", "WITHDRAWNQ", "WITHDRAWNA", "WITHDRAWNOTE",
                          "SUGGESTION", "OUTCOME", "SPAMBODY", "INVALIDREASON"] {
                let leaked = everything.contains(Self.marker(field))
                #expect(!leaked, "\(field) reached a public surface")
            }
            // No citizen's id either, nor a query code.
            for id in [citizen.id.rawValue, other.id.rawValue] {
                let leaked = everything.contains(id)
                #expect(!leaked, "a citizen id reached a public surface")
            }
            let codeLeaked = everything.contains(code)
            #expect(!codeLeaked, "a query code reached a public surface")
        }
    }
}

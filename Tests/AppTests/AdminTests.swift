import App
import Domain
import Foundation
import TestSupport
import Testing

extension AppIntegrationTests {
    /// An admin manages accounts, departments and word rules from the console; nobody else may.
    @Suite struct AdminTests {
        @Test func anAdminAddsDisablesAndResetsAccountsWithThePasswordRulesAndKeepsOneAdmin() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let admin = try app.staff("boss", role: .admin, departments: [])
            let weak = try app.post("/api/admin/users", json: #"{"name":"wang.fang","role":"staff","departments":["works"],"password":"1234567890"}"#,
                                    cookie: admin.cookie)
            #expect(weak.errorCode == "request.invalid")
            #expect(try weak.json()["message"]?.string?.contains("consecutive") == true)
            let added = try app.post("/api/admin/users", json: #"""
                {"name":"wang.fang","displayName":"王芳","role":"staff","departments":["works","transport"],"password":"spring rain on the roof"}
                """#, cookie: admin.cookie)
            #expect(added.status == 201)
            #expect(try added.json()["user"]?["departments"] == .array([.string("transport"), .string("works")]))
            #expect(try app.post("/api/admin/users", json: #"{"name":"wang.fang","role":"staff","departments":["works"],"password":"another long password"}"#,
                                 cookie: admin.cookie).errorCode == "user.exists")
            #expect(try app.post("/api/admin/users", json: #"{"name":"mod.x","role":"moderator","departments":["works"],"password":"another long password"}"#,
                                 cookie: admin.cookie).errorCode == "request.invalid", "moderators take no department")
            #expect(try app.post("/api/admin/users", json: #"{"name":"x","role":"staff","departments":["nowhere"],"password":"another long password"}"#,
                                 cookie: admin.cookie).errorCode == "department.not_found")
            // She signs in; disabled, her session ends; enabled and given a new password, she signs in with it.
            #expect(try app.login("wang.fang", password: "spring rain on the roof").status == 200)
            #expect(try app.post("/api/admin/users/wang.fang/disable", json: "{}", cookie: admin.cookie).status == 200)
            #expect(try app.login("wang.fang", password: "spring rain on the roof").status == 401)
            #expect(try app.post("/api/admin/users/wang.fang/enable", json: "{}", cookie: admin.cookie).status == 200)
            #expect(try app.post("/api/admin/users/wang.fang/password", json: #"{"password":"autumn leaves in the yard"}"#,
                                 cookie: admin.cookie).status == 200)
            #expect(try app.login("wang.fang", password: "autumn leaves in the yard").status == 200)
            // The only active admin cannot be disabled (the first start made "admin"; with it disabled, boss is the last).
            #expect(try app.post("/api/admin/users/admin/disable", json: "{}", cookie: admin.cookie).status == 200)
            let last = try app.post("/api/admin/users/boss/disable", json: "{}", cookie: admin.cookie)
            #expect(last.errorCode == "request.invalid")
            #expect(try last.json()["message"]?.string?.contains("only active admin") == true)
            #expect(try app.post("/api/admin/users/nobody/disable", json: "{}", cookie: admin.cookie).errorCode == "user.not_found")
            let list = try app.get("/api/admin/users", cookie: admin.cookie).json()["users"]?.array ?? []
            #expect(list.contains { $0["name"] == .string("wang.fang") && $0["disabled"] == .bool(false) })
        }

        @Test func anAdminAddsDepartmentsAndWordsThatTakeEffectAtOnce() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let admin = try app.staff("boss", role: .admin, departments: [])
            #expect(try app.post("/api/admin/departments", json: #"{"department":"parks","nameZh":"园林局","nameEn":"Parks Bureau"}"#,
                                 cookie: admin.cookie).status == 200)
            let departments = try app.get("/api/departments").json()["departments"]?.array ?? []
            #expect(departments.contains { $0["id"] == .string("parks") && $0["source"] == .string("console") })
            #expect(departments.contains { $0["id"] == .string("works") && $0["source"] == .string("file") })
            #expect(departments.allSatisfy { $0["addedBy"] == nil }, "who added a department is not public")
            #expect(try app.post("/api/admin/departments", json: #"{"department":"works","nameZh":"改名","nameEn":"Renamed"}"#,
                                 cookie: admin.cookie).errorCode == "request.invalid", "the file's departments are the file's")
            #expect(try app.post("/api/admin/users", json: #"{"name":"yuan.lin","role":"staff","departments":["parks"],"password":"trees along the river"}"#,
                                 cookie: admin.cookie).status == 201)

            let citizen = app.newCitizen()
            func letter(_ id: String, _ body: String) throws -> TestHTTPResponse {
                try app.post("/api/threads", json: #"{"id":"\#(id)","kind":"enquiry","subject":"问","body":"\#(body)"}"#, cookie: citizen.cookie)
            }
            #expect(try letter("t-1", "这家店卖假药").status == 201)
            #expect(try app.post("/api/admin/word-rules", json: #"{"word":"假药","action":"block"}"#, cookie: admin.cookie).status == 201)
            #expect(try letter("t-2", "另一家店也卖假药").errorCode == "thread.blocked", "in force at once")
            let rules = try app.get("/api/admin/word-rules", cookie: admin.cookie).json()["rules"]?.array ?? []
            #expect(rules.contains { $0["word"] == .string("禁词") && $0["source"] == .string("file") })
            #expect(rules.contains { $0["word"] == .string("假药") && $0["source"] == .string("console") && $0["addedBy"] == .string("boss") })
            let encoded = "%E5%81%87%E8%8D%AF"   // 假药
            #expect(try app.request("DELETE", "/api/admin/word-rules/\(encoded)", headers: [("Cookie", admin.cookie)]).status == 200)
            #expect(try letter("t-3", "第三家店卖假药吗").status == 201, "removed: in force no more")
            #expect(try app.request("DELETE", "/api/admin/word-rules/%E7%A6%81%E8%AF%8D", headers: [("Cookie", admin.cookie)]).errorCode
                    == "request.invalid", "a file's word is the file's")
        }

        @Test func nobodyButAnAdminAdministers() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let staff = try app.staff("li.wei", departments: ["mayors-office"])
            let moderator = try app.staff("mod.one", role: .moderator, departments: [])
            for person in [staff, moderator] {
                #expect(try app.get("/api/admin/users", cookie: person.cookie).errorCode == "auth.forbidden")
                #expect(try app.get("/api/admin/word-rules", cookie: person.cookie).errorCode == "auth.forbidden")
                #expect(try app.post("/api/admin/users", json: #"{"name":"x.y","role":"admin","password":"a long and fine password"}"#,
                                     cookie: person.cookie).errorCode == "auth.forbidden")
                #expect(try app.post("/api/admin/word-rules", json: #"{"word":"坏","action":"hold"}"#, cookie: person.cookie).errorCode == "auth.forbidden")
                #expect(try app.post("/api/admin/departments", json: #"{"department":"a","nameZh":"甲","nameEn":"A"}"#,
                                     cookie: person.cookie).errorCode == "auth.forbidden")
                #expect(try app.post("/api/admin/users/li.wei/disable", json: "{}", cookie: person.cookie).errorCode == "auth.forbidden")
            }
            #expect(try app.get("/api/admin/users").errorCode == "auth.required")
        }

        @Test func aNonAdminIsRefusedBeforeTheBodyIsRead() throws {
            // The body of an account request was checked, and its password hashed, before the role: office staff got
            // 400 for a weak password (and made the server run scrypt) where they must get 403.
            let app = try TestApp()
            defer { app.shutdown() }
            let staff = try app.staff("li.wei", departments: ["mayors-office"])
            for (target, body) in [("/api/admin/users", #"{"name":"x.y","role":"admin","password":"1234567890"}"#),
                                   ("/api/admin/users/li.wei/password", #"{"password":"1234567890"}"#),
                                   ("/api/admin/users", "not json"), ("/api/admin/departments", "{}"), ("/api/admin/word-rules", "{}")] {
                let response = try app.post(target, json: body, cookie: staff.cookie)
                #expect(response.errorCode == "auth.forbidden", "\(target) \(body): \(response.status) \(response.text)")
            }
        }
    }
}

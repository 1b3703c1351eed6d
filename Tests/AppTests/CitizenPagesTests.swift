@testable import App
import Domain
import Foundation
import Storage
import TestSupport
import Transport
import Testing

/// What issue 8 found a new user meets: the campaign shown by default, a citizen's own rating in every tab,
/// withdrawals, history, imports while running, bad bodies, foreign origins and pages that do not exist.
extension AppIntegrationTests {
    @Suite struct CitizenPagesTests {
        // MARK: which campaign

        @Test func anOldClosedCampaignDoesNotTakeOverTheDefault() throws {
            // The closed one is listed first in the files, and has the oldest window.
            let app = try TestApp(campaigns: [.closed, .open, .upcoming])
            defer { app.shutdown() }
            let body = try app.get("/api/campaigns").json()
            #expect(body["current"] == .string("city-2026"))
            #expect(body["campaigns"]?.array?.compactMap { $0["id"]?.string } == ["future-2098", "city-2026", "past-2001"],
                    "newest window first")
        }

        @Test func campaignsCarryTheirTotalsAndTheirAddress() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let citizen = app.newCitizen()
            #expect(try app.rate("new-schools", id: "r1", level: 5, as: citizen).status == 200)
            #expect(try app.rate("bus-lines", id: "r2", level: 2, suggestion: "慢", as: citizen).status == 200)
            let list = try app.get("/api/campaigns").json()
            let open = try #require(list["campaigns"]?.array?.first { $0["id"] == .string("city-2026") })
            #expect(open["totals"] == .object([
                "participants": .number(1), "ratings": .number(2), "likes": .number(0), "suggestions": .number(1),
                "average": .number(3.5),
            ]))
            #expect(open["url"] == .string("http://\(app.host)/?campaign=city-2026"))
            let detail = try app.get("/api/campaigns/city-2026").json()
            #expect(detail["tallies"]?["bus-lines"]?["counts"]?.ints == [0, 1, 0, 0, 0])
            #expect(detail["tallies"]?["elder-care"]?["average"] == .null)
            let qr = try app.get("/qr/campaigns/city-2026.svg")
            #expect(qr.status == 200)
            #expect(qr.header("Content-Type")?.hasPrefix("image/svg+xml") == true)
            #expect(try app.get("/qr/campaigns/nope.svg").status == 404)
        }

        // MARK: a citizen's own rating, live in every tab

        @Test func aRatingInOneTabReachesTheCitizensOtherTab() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let citizen = app.newCitizen()
            let tabA = try app.live(citizen)
            let tabB = try app.live(citizen)
            defer { tabA.close(); tabB.close() }
            try tabA.send(#"{"type":"ping"}"#)
            #expect(try tabA.next()["type"] == .string("pong"))
            try tabB.send(#"{"type":"ping"}"#)
            #expect(try tabB.next()["type"] == .string("pong"))

            try tabB.rate("new-schools", id: "b-1", level: 1, suggestion: "太挤")
            #expect(try tabA.next("mine") == .object([
                "type": .string("mine"), "action": .string("rate"), "project": .string("new-schools"), "level": .number(1),
                "suggestion": .string("太挤"), "liked": .null,
            ]))
            #expect(try tabB.next("ack")["status"] == .string("applied"))

            try tabB.send(#"{"type":"like","id":"b-2","project":"new-schools","liked":true}"#)
            let like = try tabA.next("mine")
            #expect(like["action"] == .string("like"))
            #expect(like["liked"] == .bool(true))
            // Tab B has a sibling, so it is told too (before its ack, which `next("ack")` skips to).
            #expect(try tabB.next("ack")["action"] == .string("like"))

            // Over HTTP too: a script or a page without its socket.
            #expect(try app.rate("new-schools", id: "h-1", level: 4, as: citizen).status == 200)
            #expect(try tabA.next("mine")["level"] == .number(4))
            #expect(try tabB.next("mine")["level"] == .number(4))
        }

        @Test func anotherCitizensRatingIsNotSentAsMine() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let me = app.newCitizen()
            let tab = try app.live(me)
            defer { tab.close() }
            try tab.send(#"{"type":"ping"}"#)
            #expect(try tab.next()["type"] == .string("pong"))
            #expect(try app.rate("new-schools", id: "x", level: 2, as: app.newCitizen()).status == 200)
            // A single page of mine: my own write gets its ack and nothing more (a mine would come before the ack).
            try tab.rate("new-schools", id: "m-1", level: 3)
            #expect(try tab.next()["type"] == .string("ack"))
            try tab.send(#"{"type":"ping"}"#)
            #expect(try tab.next()["type"] == .string("pong"))
        }

        // MARK: withdrawing

        @Test func aRatingCanBeWithdrawnOverTheWebSocketAndOverHTTP() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let citizen = app.newCitizen()
            let tab = try app.live(citizen)
            defer { tab.close() }
            try tab.rate("new-schools", id: "r-1", level: 2, suggestion: "再快些")
            #expect(try tab.next("ack")["status"] == .string("applied"))
            try tab.send(#"{"type":"withdraw","id":"w-1","project":"new-schools"}"#)
            #expect(try tab.next("ack") == .object([
                "type": .string("ack"), "id": .string("w-1"), "status": .string("applied"), "action": .string("withdraw"),
                "project": .string("new-schools"), "level": .null, "suggestion": .null, "liked": .null,
            ]))
            let tally = try app.tally("new-schools")
            #expect(tally["participants"] == .number(0))
            #expect(tally["suggestions"] == .number(0))
            try tab.send(#"{"type":"withdraw","id":"w-2","project":"new-schools"}"#)
            #expect(try tab.next("error")["error"] == .string("rating.not_found"))

            #expect(try app.rate("bus-lines", id: "r-2", level: 5, as: citizen).status == 200)
            let withdrawn = try app.request("DELETE", "/api/projects/bus-lines/rating",
                                            headers: [("Cookie", citizen.cookie), ("Content-Type", "application/json")],
                                            body: Array(#"{"id":"w-3"}"#.utf8))
            #expect(withdrawn.status == 200)
            #expect(try withdrawn.json()["action"] == .string("withdraw"))
            #expect(try app.tally("bus-lines")["participants"] == .number(0))
            let again = try app.request("DELETE", "/api/projects/bus-lines/rating",
                                        headers: [("Cookie", citizen.cookie), ("Content-Type", "application/json")],
                                        body: Array(#"{"id":"w-4"}"#.utf8))
            #expect(again.status == 404)
            #expect(try again.json()["error"] == .string("rating.not_found"))
            let session = try app.get("/api/session?campaign=city-2026", cookie: citizen.cookie).json()
            #expect(session["ratings"] == .object([:]))
            #expect(try app.application.store.verify() == [])
        }

        // MARK: history

        @Test func historyListsSamplesAndEndsWithTheStateNow() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let empty = try app.get("/api/campaigns/city-2026/history").json()
            #expect(empty["points"]?.array?.count == 1, "no sample yet: only the state now")
            #expect(app.application.history.sample(at: 1_000).isEmpty, "nothing rated: nothing to sample")

            #expect(try app.rate("new-schools", id: "r1", level: 4, as: app.newCitizen()).status == 200)
            #expect(app.application.history.sample(at: 2_000) == ["city-2026"])
            #expect(app.application.history.sample(at: 3_000).isEmpty, "unchanged since the last sample")
            #expect(try app.rate("new-schools", id: "r2", level: 2, as: app.newCitizen()).status == 200)
            #expect(app.application.history.sample(at: 4_000) == ["city-2026"])

            let history = try app.get("/api/campaigns/city-2026/history").json()
            let points = try #require(history["points"]?.array)
            #expect(points.count == 3)
            #expect(points.prefix(2).map { $0["at"] } == [.number(2_000), .number(4_000)])
            #expect(points.map { $0["participants"] } == [.number(1), .number(2), .number(2)])
            #expect(points[1]["average"] == .number(3))
            #expect(history["projects"]?["new-schools"]?.array?.first?["average"] == .number(4))
            #expect(history["projects"]?["bus-lines"]?.array?.first?["participants"] == .number(0))
            #expect(try app.get("/api/campaigns/nope/history").status == 404)
        }

        // MARK: imports while the server runs

        @Test func aCampaignImportedWhileRunningShowsWithoutARestart() throws {
            let app = try TestApp(campaigns: [.open])
            defer { app.shutdown() }
            // Another process (`lastword campaign import`) on the same database file.
            let other = try Store(configuration: StorageConfiguration(path: app.databasePath))
            let yaml = TestCampaign.openTown.yaml
            _ = try other.importCampaign(try CampaignFile.load(yaml: yaml, file: "town-2026.yaml"))
            #expect(app.application.catalogWatcher.check(), "the revision moved")
            #expect(!app.application.catalogWatcher.check(), "and is now seen")

            let list = try app.get("/api/campaigns").json()
            #expect(list["campaigns"]?.array?.contains { $0["id"] == .string("town-2026") } == true)
            #expect(try app.get("/api/projects/town-park").status == 200)
            let watcher = try app.live()
            defer { watcher.close() }
            try watcher.subscribe("project:town-park")
            #expect(try watcher.next("snapshot")["data"]?["project"] == .string("town-park"))
            #expect(try app.rate("town-park", id: "t1", level: 5, as: app.newCitizen()).status == 200)
            // The first delta may only count the watcher itself; the rating's follows within an interval.
            var participants = try watcher.next("delta")["data"]?["tally"]?["participants"]
            if participants == nil { participants = try watcher.next("delta")["data"]?["tally"]?["participants"] }
            #expect(participants == .number(1))
        }

        @Test func aWindowMovedByAnImportIsEnforcedAtOnce() throws {
            let app = try TestApp(campaigns: [.open])
            defer { app.shutdown() }
            let citizen = app.newCitizen()
            #expect(try app.rate("new-schools", id: "r1", level: 4, as: citizen).status == 200)
            var closedNow = TestCampaign.open
            closedNow.closes = "2021-01-01T00:00:00+08:00"
            let other = try Store(configuration: StorageConfiguration(path: app.databasePath))
            _ = try other.importCampaign(try CampaignFile.load(yaml: closedNow.yaml, file: "city-2026.yaml"))
            #expect(app.application.catalogWatcher.check())
            let refused = try app.rate("new-schools", id: "r2", level: 1, as: citizen)
            #expect(refused.status == 409)
            #expect(try refused.json()["error"] == .string("campaign.closed"))
        }

        // MARK: bad input in the client's terms

        @Test(arguments: [
            (#"{"id":"a","level":4.5}"#, "The field level must be a whole number from 1 to 5."),
            (#"{"id":"a","level":"4"}"#, "The field level must be a whole number from 1 to 5."),
            (#"[]"#, #"The body must be one JSON object, like {"id": "r1", "level": 4, "suggestion": null}."#),
            (#"{"id":7,"level":4}"#, "The field id must be a string."),
        ])
        func aBadBodyIsRefusedInTheClientsTerms(_ body: String, _ message: String) throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let response = try app.post("/api/projects/new-schools/rating", json: body, cookie: app.newCitizen().cookie)
            #expect(response.status == 400)
            #expect(try response.json() == .object(["error": .string("request.invalid"), "message": .string(message)]))
            #expect(try app.tally("new-schools")["participants"] == .number(0))
        }

        @Test func anUnknownCampaignInTheSessionIsNotFound() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let response = try app.get("/api/session?campaign=nope", cookie: app.newCitizen().cookie)
            #expect(response.status == 404)
            #expect(try response.json()["error"] == .string("campaign.not_found"))
        }

        @Test func aRatingFromAnotherSitesPageIsRefused() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let citizen = app.newCitizen()
            func post(origin: String?) throws -> TestHTTPResponse {
                var headers = [("Cookie", citizen.cookie), ("Content-Type", "application/json")]
                if let origin { headers.append(("Origin", origin)) }
                return try app.request("POST", "/api/projects/new-schools/rating", headers: headers,
                                       body: Array(#"{"id":"o-\#(origin?.count ?? 0)","level":4}"#.utf8))
            }
            let foreign = try post(origin: "http://evil.example")
            #expect(foreign.status == 403)
            #expect(try foreign.json()["error"] == .string("http.forbidden_origin"))
            #expect(try app.tally("new-schools")["participants"] == .number(0), "nothing was stored")
            #expect(try post(origin: "http://\(app.host)").status == 200, "the server's own pages")
            #expect(try post(origin: nil).status == 200, "a script sends no Origin")
        }

        @Test func jsonAnswersAreNeverSniffed() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            for target in ["/api/campaigns", "/api/projects/nope", "/api/policy"] {
                #expect(try app.get(target).header("X-Content-Type-Options") == "nosniff", "\(target)")
            }
        }

        // MARK: pages that do not exist

        @Test func aBrowserGetsTheNotFoundPageAndAScriptGetsJSON() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            for target in ["/p/nope", "/poster/nope", "/no-such-page"] {
                let page = try app.get(target, headers: [("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")])
                #expect(page.status == 404, "\(target)")
                #expect(page.header("Content-Type")?.hasPrefix("text/html") == true, "\(target)")
                #expect(String(decoding: page.body, as: UTF8.self).contains("not found page"), "\(target)")
                let script = try app.get(target)
                #expect(script.status == 404)
                #expect(script.header("Content-Type")?.hasPrefix("application/json") == true, "\(target)")
            }
            #expect(try app.get("/p/new-schools", headers: [("Accept", "text/html")]).status == 200)
        }

        // MARK: start-up

        @Test func aMissingCampaignFileStopsStartUpBeforeTheDatabaseIsCreated() throws {
            let directory = try TemporaryDirectory()
            var configuration = ApplicationConfiguration()
            configuration.publicDirectory = directory.path + "/no-public"
            configuration.databasePath = directory.path + "/var/lib/lastword/lastword.sqlite"
            configuration.campaignFiles = [directory.path + "/etc/campaigns/2026.yaml"]
            let loops = EventLoopGroup(count: 1)
            do {
                _ = try Application(configuration: configuration, server: TestApp.serverConfiguration(), loops: loops, logger: TestApp.logger)
                Issue.record("start-up must refuse a missing campaign file")
            } catch let failure as StartupCheck.Failure {
                #expect(failure.problems.count == 2, "\(failure)")
                #expect(failure.description.contains("\n  - \(directory.path)/etc/campaigns/2026.yaml: cannot be opened: No such file or directory"))
                #expect(failure.description.contains("static.directory: \(directory.path)/no-public is not a directory"))
            }
            #expect(access(directory.path + "/var", F_OK) != 0, "nothing was created")
        }

        @Test func aDatabasePathThatCannotBeCreatedIsNamed() throws {
            #expect(StartupCheck.databaseProblem(":memory:") == nil)
            let directory = try TemporaryDirectory()
            try directory.write("file", "not a directory")
            #expect(StartupCheck.databaseProblem(directory.path + "/file/db.sqlite")?.contains("is not a directory") == true)
            #expect(StartupCheck.databaseProblem(directory.path + "/a/b/c.sqlite") == nil, "missing directories are made")
            #expect(StartupCheck.databaseProblem(directory.path)?.contains("is a directory") == true)
        }
    }
}

@Suite struct DomainErrorStatusTests {
    @Test(arguments: [
        (DomainError.unknownProject("x"), 404), (.ratingNotFound("x"), 404), (.campaignClosed, 409),
        (.clientIDReused, 409), (.missingCitizen, 401), (.rateLimited(retryAfterSeconds: 2), 429),
        (.overloaded, 503), (.shuttingDown, 503), (.storageFailure, 503), (.invalidLevel(9), 400),
    ])
    func everyDomainErrorHasItsStatus(_ error: DomainError, _ status: Int) {
        let mapped = HTTPError(error)
        #expect(mapped.status == status)
        #expect(mapped.code == error.code)
    }

    @Test func aRateLimitSaysWhenToRetry() {
        #expect(HTTPError(.rateLimited(retryAfterSeconds: 7)).headers["Retry-After"] == "7")
    }
}

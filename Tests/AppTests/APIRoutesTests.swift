@testable import App
import TestSupport
import Domain
import Testing

extension AppIntegrationTests {
    /// `GET /api/session`: the signed citizen cookie and what this citizen has done (docs/PROTOCOL.md, Identity).
    @Suite struct SessionTests {
        /// The lw_citizen Set-Cookie values of a response.
        static func citizenCookies(_ response: TestHTTPResponse) -> [String] {
            response.headerValues("Set-Cookie").filter { $0.hasPrefix("lw_citizen=") }
        }

        @Test func issuesASignedHttpOnlyCookieOnceAndThenRecognisesIt() throws {
            let app = try TestApp()
            defer { app.shutdown() }

            let first = try app.get("/api/session")
            #expect(first.status == 200)
            #expect(first.header("Cache-Control") == "no-store")
            let setCookie = try #require(Self.citizenCookies(first).first)
            #expect(Self.citizenCookies(first).count == 1)
            let attributes = CitizenCookiesTests.attributes(setCookie)
            #expect(attributes["httponly"] == "")
            #expect(attributes["samesite"] == "Lax")
            #expect(attributes["path"] == "/")
            #expect(attributes["secure"] == nil)
            let body = try first.json()
            let label = try #require(body["citizen"]?.string)
            #expect(body["ratings"] == .object([:]))
            #expect(body["likes"] == .array([]))

            // The value is `id.signature`; the body shows only a short label of the id.
            let cookie = TestApp.cookieHeader(fromSetCookie: setCookie)
            let id = try #require(CitizenID(String(cookie.dropFirst("lw_citizen=".count).prefix { $0 != "." })))
            #expect(label == String(id.rawValue.prefix(6)))
            #expect(!first.text.contains(id.rawValue), "the cookie stays HttpOnly: the body never carries the whole id")

            let again = try app.get("/api/session", cookie: cookie)
            #expect(again.status == 200)
            #expect(Self.citizenCookies(again).isEmpty, "a known citizen gets no new cookie")
            #expect(try again.json()["citizen"]?.string == label)
        }

        @Test func returnsTheCitizensRatingsAndLikes() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let citizen = app.newCitizen()
            #expect(try app.rate("new-schools", id: "r-1", level: 4, suggestion: "  放学时段加开班次 ", as: citizen).status == 200)
            #expect(try app.rate("bus-lines", id: "r-2", level: 2, as: citizen).status == 200)
            #expect(try app.like("elder-care", id: "l-1", liked: true, as: citizen).status == 200)
            #expect(try app.like("bus-lines", id: "l-2", liked: true, as: citizen).status == 200)
            #expect(try app.like("bus-lines", id: "l-3", liked: false, as: citizen).status == 200)

            let body = try app.get("/api/session", cookie: citizen.cookie).json()
            #expect(body["ratings"]?.keys == ["new-schools", "bus-lines"])
            #expect(body["ratings"]?["new-schools"] == .object(["level": .number(4), "suggestion": .string("放学时段加开班次")]))
            #expect(body["ratings"]?["bus-lines"]?["level"] == .number(2))
            #expect((body["ratings"]?["bus-lines"]?["suggestion"] ?? .null) == .null, "no suggestion: null or absent")
            #expect(body["likes"] == .array([.string("elder-care")]))

            let other = try app.get("/api/session", cookie: app.newCitizen().cookie).json()
            #expect(other["ratings"] == .object([:]), "one citizen's session shows nothing of another's")
        }

        @Test func aCampaignParameterLimitsTheSessionToThatCampaign() throws {
            let app = try TestApp(campaigns: [.open, .openTown])
            defer { app.shutdown() }
            let citizen = app.newCitizen()
            #expect(try app.rate("new-schools", id: "r-1", level: 4, as: citizen).status == 200)
            #expect(try app.rate("town-park", id: "r-2", level: 2, as: citizen).status == 200)
            #expect(try app.like("town-park", id: "l-1", liked: true, as: citizen).status == 200)

            let city = try app.get("/api/session?campaign=city-2026", cookie: citizen.cookie).json()
            #expect(city["ratings"]?.keys == ["new-schools"])
            #expect(city["likes"] == .array([]))
            let town = try app.get("/api/session?campaign=town-2026", cookie: citizen.cookie).json()
            #expect(town["ratings"]?.keys == ["town-park"])
            #expect(town["likes"] == .array([.string("town-park")]))
            let all = try app.get("/api/session", cookie: citizen.cookie).json()
            #expect(all["ratings"]?.keys == ["new-schools", "town-park"])
        }

        @Test func refusesATamperedCookieWith401AndClearsIt() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let cookie = app.newCitizen().cookie
            var characters = Array(cookie)
            characters[characters.count - 10] = characters[characters.count - 10] == "A" ? "B" : "A"

            let response = try app.get("/api/session", cookie: String(characters))
            #expect(response.status == 401)
            #expect(response.errorCode == "citizen.invalid")
            let clearing = try #require(Self.citizenCookies(response).first)
            #expect(CitizenCookiesTests.value(of: clearing) == "")
            #expect(CitizenCookiesTests.attributes(clearing)["max-age"] == "0")
            #expect(CitizenCookiesTests.attributes(clearing)["path"] == "/")
        }

        @Test func refusesACookieMadeByAnotherServer() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let other = try TestApp()
            defer { other.shutdown() }
            let foreign = other.newCitizen()
            #expect(try other.get("/api/session", cookie: foreign.cookie).status == 200)

            let response = try app.get("/api/session", cookie: foreign.cookie)
            #expect(response.status == 401)
            #expect(response.errorCode == "citizen.invalid")
            #expect(try app.rate("new-schools", id: "r-1", level: 3, as: foreign).status == 401)
        }

        @Test func cookiesSurviveARestartOnTheSameDatabase() throws {
            // The secret is kept with the data, so a restart does not turn every citizen into a stranger.
            let directory: TemporaryDirectory
            let database: String
            let cookie: String
            do {
                let app = try TestApp()
                directory = app.directory
                database = app.databasePath
                cookie = TestApp.cookieHeader(fromSetCookie: try #require(Self.citizenCookies(try app.get("/api/session")).first))
                app.shutdown()
            }
            let restarted = try TestApp { $0.databasePath = database }
            _ = directory  // a SQLite database stays in the first app's directory
            defer { restarted.shutdown() }
            let response = try restarted.get("/api/session", cookie: cookie)
            #expect(response.status == 200)
            #expect(Self.citizenCookies(response).isEmpty)
        }

        @Test func tooManyNewCitizensFromOneAddressGet429WithRetryAfter() throws {
            let app = try TestApp { $0.rateLimits.newCitizensPerIPPerHour = 2 }
            defer { app.shutdown() }
            let first = try app.get("/api/session")
            #expect(first.status == 200)
            #expect(try app.get("/api/session").status == 200)

            let refused = try app.get("/api/session")
            #expect(refused.status == 429)
            #expect(refused.errorCode == "limit.new_citizens")
            #expect(Self.citizenCookies(refused).isEmpty, "no identity issued")
            let retryAfter = try #require(refused.header("Retry-After").flatMap { Int($0) })
            #expect((1...3600).contains(retryAfter))

            // A citizen who already has a cookie is not new.
            let cookie = TestApp.cookieHeader(fromSetCookie: try #require(Self.citizenCookies(first).first))
            #expect(try app.get("/api/session", cookie: cookie).status == 200)
        }

        @Test func policyReportsTheConfiguredLimits() throws {
            let app = try TestApp {
                $0.rateLimits = RateLimitPolicy(perIPPerSecond: 7, perIPBurst: 70, perCitizenPerSecond: 0.5, perCitizenBurst: 5,
                                                newCitizensPerIPPerHour: 99)
            }
            defer { app.shutdown() }
            let body = try app.get("/api/policy").json()
            #expect(body == .object([
                "perIPPerSecond": .number(7), "perIPBurst": .number(70), "perCitizenPerSecond": .number(0.5),
                "perCitizenBurst": .number(5), "newCitizensPerIPPerHour": .number(99), "maxSuggestionLength": .number(500),
                "cookieMaxAgeDays": .number(400),
            ]))
        }
    }

    /// `POST /api/projects/{slug}/rating` and `/like`: acknowledged after commit, exactly once per client id.
    @Suite struct WriteRouteTests {
        @Test func anAcknowledgedRatingIsAlreadyCommitted() throws {
            let app = try TestApp { $0.synchronousFull = true }
            defer { app.shutdown() }
            let citizen = app.newCitizen()

            let response = try app.rate("new-schools", id: "r-17", level: 4, suggestion: "放学时段加开班次", as: citizen)
            // Straight after the ack, another connection to the file sees the row.
            let stored = try app.storedRating(of: citizen.id, for: "new-schools")
            #expect(stored?.level == 4)
            #expect(stored?.suggestion == "放学时段加开班次")

            #expect(response.status == 200)
            #expect(response.header("Content-Type")?.hasPrefix("application/json") == true)
            // The suggestion became a letter to the project's department, in the same transaction: the ack names it.
            guard case .string(let code) = try response.json()["thread"] else {
                Issue.record("the ack names no suggestion thread")
                return
            }
            #expect(try response.json() == .object([
                "type": .string("ack"), "id": .string("r-17"), "status": .string("applied"), "action": .string("rate"),
                "project": .string("new-schools"), "level": .number(4), "suggestion": .string("放学时段加开班次"), "liked": .null,
                "thread": .string(code),
            ]))
            let letter = try app.get("/api/threads/\(code)").json()
            #expect(letter["thread"]?["kind"] == .string("suggestion"))
            #expect(letter["thread"]?["project"] == .string("new-schools"))
            #expect(letter["entries"]?[0]?["body"] == .string("放学时段加开班次"))
            let tally = try app.tally("new-schools")
            #expect(tally["counts"]?.ints == [0, 0, 0, 1, 0])
            #expect(tally["participants"] == .number(1))
            #expect(tally["suggestions"] == .number(1))
            #expect(tally["average"] == .number(4))
            let participants = try app.readDatabase { db in
                try db.value(Int.self, "SELECT participants FROM campaign_tally WHERE campaign = 'city-2026'")
            }
            #expect(participants == 1)
        }

        @Test func theSameIdAgainIsADuplicateAndChangesNothing() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let citizen = app.newCitizen()
            #expect(try app.rate("new-schools", id: "r-1", level: 5, suggestion: "好", as: citizen).status == 200)
            let before = try app.tally("new-schools")

            let first = try app.readDatabase { db in try db.value(String.self, "SELECT code FROM thread") }
            let again = try app.rate("new-schools", id: "r-1", level: 5, suggestion: "好", as: citizen)
            #expect(again.status == 200)
            #expect(try again.json() == .object([
                "type": .string("ack"), "id": .string("r-1"), "status": .string("duplicate"), "action": .string("rate"),
                "project": .string("new-schools"), "level": .number(5), "suggestion": .string("好"), "liked": .null,
                "thread": first.map(JSON.string) ?? .null,
            ]))
            #expect(try app.readDatabase { db in try db.value(Int.self, "SELECT count(*) FROM thread_entry") } == 1,
                    "a retried rating does not write its suggestion twice")
            #expect(try app.tally("new-schools") == before)
            #expect(try app.storedRows("applied_action", for: "new-schools") == 1)

            #expect(try app.like("new-schools", id: "l-1", liked: true, as: citizen).status == 200)
            let like = try app.like("new-schools", id: "l-1", liked: true, as: citizen)
            #expect(try like.json()["status"] == .string("duplicate"))
            #expect(try like.json()["liked"] == .bool(true))
            #expect(try like.json()["level"] == .null)
            #expect(try app.tally("new-schools")["likes"] == .number(1))
        }

        @Test func afterTheRetentionAReceiptIsPrunedAndItsIdNamesANewAction() throws {
            let app = try TestApp {
                $0.receiptRetentionMilliseconds = 0       // every receipt is past the retention at the next pass
                $0.receiptPruneIntervalMilliseconds = 10
            }
            defer { app.shutdown() }
            let citizen = app.newCitizen()
            #expect(try app.rate("new-schools", id: "r-1", level: 2, suggestion: "多开班次", as: citizen).json()["status"] == .string("applied"))
            #expect(try app.like("new-schools", id: "l-1", liked: true, as: citizen).json()["status"] == .string("applied"))
            let before = try app.tally("new-schools")

            #expect(eventually(within: 10) { (try? app.storedRows("applied_action", for: "new-schools")) == 0 })
            // What the receipts counted is still there.
            #expect(try app.tally("new-schools") == before)
            #expect(try app.storedRating(of: citizen.id, for: "new-schools")?.level == 2)

            // The same id is a new action now, and the same rating again changes nothing.
            #expect(try app.rate("new-schools", id: "r-1", level: 2, suggestion: "多开班次", as: citizen).json()["status"] == .string("applied"))
            #expect(try app.tally("new-schools") == before)
        }

        @Test func theSameRatingSentOnFiveConnectionsAtOnceIsAppliedOnce() throws {
            // A retry racing the original (the page reconnected before the first answer came).
            let app = try TestApp()
            defer { app.shutdown() }
            let citizen = app.newCitizen()
            let request = TestHTTPClient.request("POST", "/api/projects/new-schools/rating", host: app.host, headers: [
                ("Cookie", citizen.cookie), ("Content-Type", "application/json"),
            ], body: Array(TestApp.ratingBody(id: "r-1", level: 3, suggestion: "同时").utf8))
            let clients = try (0..<5).map { _ in try app.connect() }
            for client in clients { try client.send(request) }
            let statuses = try clients.map { try $0.readResponse(method: "POST").json()["status"]?.string ?? "?" }
            #expect(statuses.sorted() == ["applied", "duplicate", "duplicate", "duplicate", "duplicate"])
            let tally = try app.tally("new-schools")
            #expect(tally["participants"] == .number(1))
            #expect(tally["suggestions"] == .number(1))
            #expect(try app.storedRows("applied_action", for: "new-schools") == 1)
        }

        @Test func aSuggestionLosesControlCharactersAndSurroundingWhitespace() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let citizen = app.newCitizen()
            let cleaned = try app.rate("new-schools", id: "r-1", level: 3, suggestion: "\u{7}\u{3000}多开\r\n\t班次\u{1B}[0m \n", as: citizen)
            #expect(try cleaned.json()["suggestion"] == .string("多开\n\t班次[0m"))
            #expect(try app.storedRating(of: citizen.id, for: "new-schools")?.suggestion == "多开\n\t班次[0m")

            let blank = try app.rate("bus-lines", id: "r-2", level: 3, suggestion: " \u{3000}\n\u{0} ", as: citizen)
            #expect(try blank.json()["suggestion"] == .null, "an empty suggestion is none")
            #expect(try app.tally("bus-lines")["suggestions"] == .number(0))
            #expect(try app.storedRating(of: citizen.id, for: "bus-lines").map { $0.suggestion == nil } == true)
        }

        @Test func theSameIdForADifferentActionIs409() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let citizen = app.newCitizen()
            #expect(try app.rate("new-schools", id: "x-1", level: 4, as: citizen).status == 200)
            let before = try app.tally("new-schools")

            for response in [
                try app.rate("new-schools", id: "x-1", level: 2, as: citizen),
                try app.rate("bus-lines", id: "x-1", level: 4, as: citizen),
                try app.rate("new-schools", id: "x-1", level: 4, suggestion: "changed", as: citizen),
                try app.like("new-schools", id: "x-1", liked: true, as: citizen),
            ] {
                #expect(response.status == 409)
                #expect(response.errorCode == "request.id_reused")
            }
            #expect(try app.tally("new-schools") == before)
            #expect(try app.tally("bus-lines")["participants"] == .number(0))
            #expect(try app.storedRating(of: citizen.id, for: "new-schools")?.level == 4)

            // Client ids are per citizen: another citizen may use the same one.
            #expect(try app.rate("new-schools", id: "x-1", level: 2, as: app.newCitizen()).status == 200)
        }

        @Test func ratingAgainWithANewIdMovesTheTallyFromTheOldLevel() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let citizen = app.newCitizen()
            #expect(try app.rate("new-schools", id: "r-1", level: 2, suggestion: "慢", as: citizen).status == 200)
            #expect(try app.rate("new-schools", id: "r-2", level: 5, as: citizen).status == 200)
            let tally = try app.tally("new-schools")
            #expect(tally["counts"]?.ints == [0, 0, 0, 0, 1])
            #expect(tally["participants"] == .number(1))
            #expect(tally["suggestions"] == .number(0), "a rating without a suggestion clears the old one")
            #expect(try app.storedRating(of: citizen.id, for: "new-schools")?.suggestion == nil)
        }

        @Test func aLikeCanBeTakenBack() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let citizen = app.newCitizen()
            let liked = try app.like("elder-care", id: "l-1", liked: true, as: citizen)
            #expect(try liked.json() == .object([
                "type": .string("ack"), "id": .string("l-1"), "status": .string("applied"), "action": .string("like"),
                "project": .string("elder-care"), "level": .null, "suggestion": .null, "liked": .bool(true),
            ]))
            #expect(try app.tally("elder-care")["likes"] == .number(1))
            #expect(try app.like("elder-care", id: "l-2", liked: true, as: citizen).status == 200)
            #expect(try app.tally("elder-care")["likes"] == .number(1), "liking twice counts once")
            #expect(try app.like("elder-care", id: "l-3", liked: false, as: citizen).status == 200)
            #expect(try app.tally("elder-care")["likes"] == .number(0))
            #expect(try app.tally("elder-care")["participants"] == .number(0), "a like is not a rating")
            #expect(try app.storedRows(#""like""#, for: "elder-care") == 0)
        }

        @Test(arguments: [0, 6, -1, 100])
        func aLevelOutsideOneToFiveIs400(_ level: Int) throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let response = try app.rate("new-schools", id: "r-1", level: level, as: app.newCitizen())
            #expect(response.status == 400)
            #expect(response.errorCode == "rating.invalid_level")
            #expect(try app.storedRows("rating", for: "new-schools") == 0)
        }

        @Test func aSuggestionOf501CharactersIs400AndOf500IsAccepted() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let citizen = app.newCitizen()
            let tooLong = try app.rate("new-schools", id: "r-1", level: 3, suggestion: String(repeating: "议", count: 501), as: citizen)
            #expect(tooLong.status == 400)
            #expect(tooLong.errorCode == "rating.suggestion_too_long")
            #expect(try app.storedRows("rating", for: "new-schools") == 0)

            // Characters are Unicode scalars, not bytes (500 Chinese characters are 1,500 bytes), and surrounding
            // whitespace does not count.
            let longest = String(repeating: "议", count: 500)
            let accepted = try app.rate("new-schools", id: "r-2", level: 3, suggestion: "\u{3000} " + longest + "\n", as: citizen)
            #expect(accepted.status == 200)
            #expect(try accepted.json()["suggestion"] == .string(longest))
            #expect(try app.storedRating(of: citizen.id, for: "new-schools")?.suggestion == longest)
        }

        @Test func anUnknownProjectIs404() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let response = try app.rate("no-such-project", id: "r-1", level: 3, as: app.newCitizen())
            #expect(response.status == 404)
            #expect(response.errorCode == "project.not_found")
            let like = try app.like("no-such-project", id: "l-1", liked: true, as: app.newCitizen())
            #expect(like.status == 404)
            #expect(like.errorCode == "project.not_found")
        }

        @Test func writingWithoutACookieIs401CitizenMissing() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            for response in [try app.rate("new-schools", id: "r-1", level: 3, as: nil),
                             try app.like("new-schools", id: "l-1", liked: true, as: nil)] {
                #expect(response.status == 401)
                #expect(response.errorCode == "citizen.missing")
            }
            #expect(try app.tally("new-schools")["participants"] == .number(0))
        }

        @Test func writingWithATamperedCookieIs401AndClearsIt() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            var citizen = app.newCitizen()
            citizen.cookie = CitizenCookiesTests.tampered(citizen.cookie, at: "lw_citizen=".count + 30)
            let response = try app.rate("new-schools", id: "r-1", level: 3, as: citizen)
            #expect(response.status == 401)
            #expect(response.errorCode == "citizen.invalid")
            #expect(SessionTests.citizenCookies(response).first.map { CitizenCookiesTests.attributes($0)["max-age"] } == "0")
            #expect(try app.storedRows("rating", for: "new-schools") == 0)
        }

        @Test func aClosedCampaignIs409AndStoresNothing() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let citizen = app.newCitizen()
            let rating = try app.rate("old-road", id: "r-1", level: 3, as: citizen)
            #expect(rating.status == 409)
            #expect(rating.errorCode == "campaign.closed")
            let like = try app.like("old-road", id: "l-1", liked: true, as: citizen)
            #expect(like.status == 409)
            #expect(like.errorCode == "campaign.closed")
            let tally = try app.tally("old-road")
            #expect(tally["participants"] == .number(0))
            #expect(tally["likes"] == .number(0))
            #expect(try app.storedRows("rating", for: "old-road") == 0)
            #expect(try app.storedRows("applied_action", for: "old-road") == 0)
            #expect(try app.readDatabase { try $0.value(Int.self, "SELECT count(*) FROM citizen") } == 0,
                    "a refused write leaves no trace, not even the citizen")
        }

        @Test func aCampaignNotOpenYetIs409AndStoresNothing() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let citizen = app.newCitizen()
            let rating = try app.rate("future-park", id: "r-1", level: 3, as: citizen)
            #expect(rating.status == 409)
            #expect(rating.errorCode == "campaign.not_open")
            let like = try app.like("future-park", id: "l-1", liked: true, as: citizen)
            #expect(like.status == 409)
            #expect(like.errorCode == "campaign.not_open")
            let tally = try app.tally("future-park")
            #expect(tally["participants"] == .number(0))
            #expect(tally["likes"] == .number(0))
            #expect(try app.storedRows("applied_action", for: "future-park") == 0)
        }

        @Test(arguments: ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"])
        func aBodyThatIsNotJSONByContentTypeIs415(_ contentType: String) throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let citizen = app.newCitizen()
            let response = try app.post("/api/projects/new-schools/rating", json: TestApp.ratingBody(id: "r-1", level: 3),
                                        cookie: citizen.cookie, contentType: contentType)
            #expect(response.status == 415)
            #expect(try app.storedRows("rating", for: "new-schools") == 0)
        }

        @Test func aJSONContentTypeWithACharsetIsAccepted() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let response = try app.post("/api/projects/new-schools/rating", json: TestApp.ratingBody(id: "r-1", level: 3),
                                        cookie: app.newCitizen().cookie, contentType: "application/json; charset=utf-8")
            #expect(response.status == 200)
        }

        @Test(arguments: [
            "not json",
            #"{"id":"r-1","level":"4"}"#,
            #"[{"id":"r-1","level":4}]"#,
        ])
        func aBodyThatIsNotTheRightJSONIs400RequestInvalid(_ body: String) throws {
            // docs/PROTOCOL.md: request.invalid, 400: "not JSON, or a field missing or of the wrong type".
            let app = try TestApp()
            defer { app.shutdown() }
            let response = try app.post("/api/projects/new-schools/rating", json: body, cookie: app.newCitizen().cookie)
            #expect(response.status == 400)
            #expect(response.errorCode == "request.invalid")
            #expect(try app.storedRows("rating", for: "new-schools") == 0)
        }

        @Test func aJSONBodyOverTheConfiguredLimitIs413() throws {
            // server.maxJSONBodySize (http.maxJsonBodyBytes in config/lastword.yaml) bounds what the JSON routes decode.
            let app = try TestApp(maxJSONBodySize: 1_024)
            defer { app.shutdown() }
            let body = TestApp.ratingBody(id: "r-1", level: 3, suggestion: String(repeating: "议", count: 400))
            #expect(body.utf8.count > 1_024)
            let response = try app.post("/api/projects/new-schools/rating", json: body, cookie: app.newCitizen().cookie)
            #expect(response.status == 413)
            #expect(response.errorCode == "http.body_too_large")
            #expect(try app.storedRows("rating", for: "new-schools") == 0)
        }

        @Test(arguments: [#"{"level":4}"#, #"{"id":"","level":4}"#, #"{"id":"has space","level":4}"#,
                          #"{"id":"r/1","level":4}"#, "{\"id\":\"\(String(repeating: "a", count: 65))\",\"level\":4}"])
        func anInvalidClientIdIs400(_ body: String) throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let response = try app.post("/api/projects/new-schools/rating", json: body, cookie: app.newCitizen().cookie)
            #expect(response.status == 400)
            #expect(response.errorCode == "request.invalid_id")
        }

        @Test func aLikeWithoutLikedIs400RequestInvalid() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let response = try app.post("/api/projects/new-schools/like", json: #"{"id":"l-1"}"#, cookie: app.newCitizen().cookie)
            #expect(response.status == 400)
            #expect(response.errorCode == "request.invalid")
        }

        @Test func theCitizenRateLimitIs429WithRetryAfterAndStoresNothing() throws {
            let app = try TestApp {
                $0.rateLimits = RateLimitPolicy(perIPPerSecond: 1000, perIPBurst: 1000, perCitizenPerSecond: 0.01, perCitizenBurst: 3,
                                                newCitizensPerIPPerHour: 1000)
            }
            defer { app.shutdown() }
            let citizen = app.newCitizen()
            for (index, slug) in ["new-schools", "bus-lines", "elder-care"].enumerated() {
                #expect(try app.rate(slug, id: "r-\(index)", level: 3, as: citizen).status == 200)
            }
            let refused = try app.like("new-schools", id: "l-1", liked: true, as: citizen)
            #expect(refused.status == 429)
            #expect(refused.errorCode == "limit.rate")
            let retryAfter = try #require(refused.header("Retry-After").flatMap { Int($0) })
            #expect(retryAfter >= 1)
            #expect(try app.tally("new-schools")["likes"] == .number(0))

            // Another citizen from the same address still gets through: the per-address limit is loose.
            #expect(try app.like("new-schools", id: "l-1", liked: true, as: app.newCitizen()).status == 200)
        }

        @Test func theAddressRateLimitIs429() throws {
            let app = try TestApp {
                $0.rateLimits = RateLimitPolicy(perIPPerSecond: 0.01, perIPBurst: 2, perCitizenPerSecond: 100, perCitizenBurst: 100,
                                                newCitizensPerIPPerHour: 1000)
            }
            defer { app.shutdown() }
            #expect(try app.rate("new-schools", id: "r-1", level: 3, as: app.newCitizen()).status == 200)
            #expect(try app.rate("new-schools", id: "r-1", level: 3, as: app.newCitizen()).status == 200)
            let refused = try app.rate("new-schools", id: "r-1", level: 3, as: app.newCitizen())
            #expect(refused.status == 429)
            #expect(refused.errorCode == "limit.rate")
            #expect(refused.header("Retry-After").flatMap { Int($0) }.map { $0 >= 1 } == true)
            #expect(try app.tally("new-schools")["participants"] == .number(2))
        }

        @Test func aGETOnAWriteRouteIs405() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let response = try app.get("/api/projects/new-schools/rating", cookie: app.newCitizen().cookie)
            #expect(response.status == 405)
            #expect(response.header("Allow") == "POST, DELETE")
        }
    }

    /// The read API: campaigns, projects and their tallies.
    @Suite struct ReadRouteTests {
        @Test func listsEveryCampaignWithItsState() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let campaigns = try #require(try app.get("/api/campaigns").json()["campaigns"]?.array)
            var states: [String: String] = [:]
            for campaign in campaigns { states[campaign["id"]?.string ?? "?"] = campaign["state"]?.string }
            #expect(states == ["city-2026": "open", "future-2098": "upcoming", "past-2001": "closed"])
            let open = try #require(campaigns.first { $0["id"] == .string("city-2026") })
            #expect(open["opensAt"] == .number(1_577_808_000_000))
            #expect(open["timeZone"] == .string("Asia/Shanghai"))
            #expect(open["levelLabels"]?.array?.count == 5)
            #expect(open["levelLabels"]?[0]?["zh"] == .string("非常不满意"), "levelLabels[0] is level 1")
        }

        @Test func aCampaignComesWithItsProjectsInOrder() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let body = try app.get("/api/campaigns/city-2026").json()
            #expect(body["campaign"]?["id"] == .string("city-2026"))
            #expect(body["projects"]?.array?.compactMap { $0["slug"]?.string } == ["new-schools", "bus-lines", "elder-care"])
            #expect(body["projects"]?[1]?["title"]?["en"] == .string(TestCampaign.awkwardTitle))

            let missing = try app.get("/api/campaigns/no-such-campaign")
            #expect(missing.status == 404)
            #expect(missing.errorCode == "campaign.not_found")
        }

        @Test func aProjectComesWithItsCampaignAndAnEmptyTally() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let body = try app.get("/api/projects/elder-care").json()
            #expect(body["campaign"]?["id"] == .string("city-2026"))
            #expect(body["project"]?["slug"] == .string("elder-care"))
            #expect(body["tally"] == .object([
                "participants": .number(0), "counts": .array(Array(repeating: .number(0), count: 5)), "average": .null,
                "likes": .number(0), "suggestions": .number(0), "watchers": .number(0),
            ]), "average is null with no participant")

            let missing = try app.get("/api/projects/no-such-project")
            #expect(missing.status == 404)
            #expect(missing.errorCode == "project.not_found")
        }

        @Test func theAverageHasAtMostThreeDecimals() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            for level in [5, 4, 4] {
                #expect(try app.rate("new-schools", id: "r-1", level: level, as: app.newCitizen()).status == 200)
            }
            #expect(try app.tally("new-schools")["average"] == .number(4.333))
        }
    }
}

@testable import App
import TestSupport
import Domain
import Testing
import WebSocket

extension AppIntegrationTests {
    /// `/ws`: subscribing, rating and liking over one WebSocket (docs/PROTOCOL.md, The live WebSocket).
    @Suite struct LiveSessionTests {
        static let slugs: Set<String> = ["new-schools", "bus-lines", "elder-care"]
        static let tallyKeys: Set<String> = ["participants", "counts", "average", "likes", "suggestions", "watchers"]

        @Test func subscribingToACampaignGetsASnapshotWithItsSeq() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let citizen = app.newCitizen()
            #expect(try app.rate("new-schools", id: "r-1", level: 4, suggestion: "好", as: citizen).status == 200)
            #expect(try app.rate("elder-care", id: "r-2", level: 1, as: citizen).status == 200)
            #expect(try app.like("bus-lines", id: "l-1", liked: true, as: app.newCitizen()).status == 200)

            let watcher = try app.live()
            try watcher.subscribe("campaign:city-2026")
            let snapshot = try watcher.next()
            #expect(snapshot["type"] == .string("snapshot"))
            #expect(snapshot["topic"] == .string("campaign:city-2026"))
            #expect(snapshot["seq"]?.int.map { $0 >= 0 } == true)
            #expect(app.application.tally.epochs.map { JSON.string($0) }.contains(snapshot["epoch"] ?? .null),
                    "the epoch names this run and the connection's phase group")
            #expect(snapshot["epoch"]?.string?.hasPrefix(String(app.application.tally.epochs[0].prefix(16))) == true)
            let data = try #require(snapshot["data"])
            #expect(data["state"] == .string("open"))
            #expect(data["campaign"] == .string("city-2026"))
            #expect(data["watchers"] == .number(1), "the subscriber counts itself")
            #expect(data["participants"] == .number(1), "one citizen rating two projects is one participant")
            #expect(data["ratings"] == .number(2))
            #expect(data["likes"] == .number(1))
            let projects = try #require(data["projects"])
            #expect(projects.keys == Self.slugs, "a snapshot has every project")
            for slug in Self.slugs { #expect(projects[slug]?.keys == Self.tallyKeys, "\(slug)") }
            #expect(projects["new-schools"] == .object([
                "participants": .number(1), "counts": .array([0, 0, 0, 1, 0].map { .number($0) }), "average": .number(4),
                "likes": .number(0), "suggestions": .number(1), "watchers": .number(0),
            ]))
            #expect(projects["bus-lines"]?["average"] == .null)
            #expect(projects["bus-lines"]?["likes"] == .number(1))
        }

        @Test func subscribingToAProjectGetsItsWholeTally() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            #expect(try app.rate("elder-care", id: "r-1", level: 2, as: app.newCitizen()).status == 200)
            let watcher = try app.live()
            try watcher.subscribe("project:elder-care")
            let snapshot = try watcher.next()
            #expect(snapshot["type"] == .string("snapshot"))
            #expect(snapshot["topic"] == .string("project:elder-care"))
            let data = try #require(snapshot["data"])
            #expect(data["state"] == .string("open"))
            #expect(data["campaign"] == .string("city-2026"))
            #expect(data["project"] == .string("elder-care"))
            #expect(data["watchers"] == .number(1))
            #expect(data["tally"]?["counts"]?.ints == [0, 1, 0, 0, 0])
            #expect(data["tally"]?["watchers"] == .number(1))

            let closed = try app.live()
            try closed.subscribe("project:old-road")
            #expect(try closed.next()["data"]?["state"] == .string("closed"))
            try closed.subscribe("campaign:future-2098")
            #expect(try closed.next("snapshot")["data"]?["state"] == .string("upcoming"))
        }

        @Test func aRatingFromAnotherConnectionArrivesAsTheNextDeltaWithOnlyTheChangedProject() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let watcher = try app.live()
            try watcher.subscribe("campaign:city-2026")
            let snapshot = try watcher.next()
            var seq = try #require(snapshot["seq"]?.int)

            let citizen = app.newCitizen()
            let rater = try app.live(citizen)
            try rater.rate("bus-lines", id: "r-1", level: 5, suggestion: "准点")
            #expect(try rater.next()["status"] == .string("applied"))

            // Deltas follow the snapshot one by one (the first may only count the watcher itself), until the rating.
            var delta: JSON
            repeat {
                delta = try watcher.next()
                #expect(delta["type"] == .string("delta"))
                #expect(delta["topic"] == .string("campaign:city-2026"))
                #expect(delta["seq"]?.int == seq + 1, "seq goes up by one: \(delta)")
                seq += 1
            } while delta["data"]?["projects"]?["bus-lines"]?["participants"] != .number(1)
            let data = try #require(delta["data"])
            #expect(data["projects"]?.keys == ["bus-lines"], "a campaign delta carries only the projects that changed")
            // ... and of those only the fields that changed: likes and watchers stay as the snapshot said.
            #expect(data["projects"]?["bus-lines"] == .object([
                "participants": .number(1), "counts": .array([0, 0, 0, 0, 1].map { .number($0) }), "average": .number(5),
                "suggestions": .number(1),
            ]))
            #expect(data["participants"] == .number(1))
            #expect(data["ratings"] == .number(1))
            #expect(data["state"] == nil, "the state did not change")
            #expect(data["campaign"] == nil, "the snapshot named the campaign")
            #expect(data["applied"] == nil && delta["applied"] == nil, "no applied count unless live.includeAppliedCount is on")
        }

        @Test func aProjectDeltaCarriesWhatChangedInTheTally() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let watcher = try app.live()
            try watcher.subscribe("project:new-schools")
            _ = try watcher.next("snapshot")
            #expect(try app.like("new-schools", id: "l-1", liked: true, as: app.newCitizen()).status == 200)
            let delta = try watcher.next("delta") { $0["data"]?["tally"]?["likes"] == .number(1) }
            #expect(delta["data"]?["tally"]?.keys == ["likes"], "a like changes the likes and nothing else")
            #expect(delta["data"]?["project"] == nil, "the snapshot named the project")
        }

        @Test func subscribingToAnUnknownTopicIsTopicNotFound() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let client = try app.live()
            for (topic, id) in [("campaign:no-such-campaign", "s-1"), ("project:no-such-project", "s-2"), ("bogus", "s-3"),
                                ("project:", "s-4"), ("campaign:city-2026 ", "s-5")] {
                try client.send(#"{"type":"subscribe","id":"\#(id)","topic":\#(quoted(topic))}"#)
                let error = try client.next()
                #expect(error["type"] == .string("error"))
                #expect(error["error"] == .string("topic.not_found"), "\(topic)")
                #expect(error["id"] == .string(id), "the error echoes the request's id")
                #expect(error["message"]?.string?.isEmpty == false)
            }
            try client.send(#"{"type":"subscribe","topic":"project:nope"}"#)
            #expect(try client.next()["id"] == .null, "without an id, the error's id is null")
            try client.send(#"{"type":"subscribe"}"#)
            #expect(try client.next()["error"] == .string("request.invalid"))
        }

        @Test func aTopicBeyondTheLimitIsLimitTopics() throws {
            let app = try TestApp { $0.maxTopicsPerConnection = 2 }
            defer { app.shutdown() }
            let client = try app.live()
            try client.subscribe("project:new-schools")
            _ = try client.next("snapshot")
            try client.subscribe("project:bus-lines")
            _ = try client.next("snapshot")

            try client.send(#"{"type":"subscribe","id":"s-3","topic":"project:elder-care"}"#)
            let error = try client.next("error")
            #expect(error["error"] == .string("limit.topics"))
            #expect(error["id"] == .string("s-3"))
            #expect(app.application.tally.watchers("project:elder-care") == 0, "the refused topic is not watched")

            // Subscribing again to a watched topic is a resume, not a new topic.
            try client.subscribe("project:bus-lines")
            #expect(try client.next("snapshot")["topic"] == .string("project:bus-lines"))
            #expect(app.application.tally.watchers("project:bus-lines") == 1, "a resume does not count the watcher twice")

            try client.unsubscribe("project:new-schools")
            try client.subscribe("project:elder-care")
            #expect(try client.next("snapshot")["topic"] == .string("project:elder-care"))
        }

        @Test func aBinaryMessageClosesWith1003() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let client = try app.live()
            try client.socket.send(binary: Array(#"{"type":"ping"}"#.utf8))
            let (messages, close) = try client.socket.readUntilClose()
            #expect(messages.isEmpty)
            #expect(close?.code == 1003)
        }

        @Test func anInvalidMessageIsRequestInvalidAndTheConnectionStaysUsable() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let client = try app.live()
            for text in ["not json", #"{"type":1}"#, "{}", #"{"type":"rate","level":4.5}"#, #"{"type":"ping","x":[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]}"#] {
                try client.send(text)
                let error = try client.next()
                #expect(error["type"] == .string("error"), "\(text)")
                #expect(error["error"] == .string("request.invalid"), "\(text)")
                #expect(error["id"] == .null)
            }
            try client.send(#"{"type":"dance","id":"d-1"}"#)
            let unknown = try client.next()
            #expect(unknown["error"] == .string("request.unknown_type"))
            #expect(unknown["id"] == .string("d-1"))

            try client.send(#"{"type":"ping"}"#)
            #expect(try client.next() == .object(["type": .string("pong")]))
            try client.subscribe("project:new-schools")
            #expect(try client.next()["type"] == .string("snapshot"))
        }

        @Test func aRatingOverTheWebSocketIsAcknowledgedAfterCommitAndOnceOnly() throws {
            let app = try TestApp { $0.synchronousFull = true }
            defer { app.shutdown() }
            let citizen = app.newCitizen()
            let client = try app.live(citizen)
            try client.rate("new-schools", id: "r-17", level: 4, suggestion: "放学时段加开班次")
            let ack = try client.next()
            let stored = try app.storedRating(of: citizen.id, for: "new-schools")
            #expect(stored?.level == 4, "committed before the ack was sent")
            #expect(stored?.suggestion == "放学时段加开班次")
            let code = try app.readDatabase { db in try db.value(String.self, "SELECT code FROM thread") }
            #expect(ack == .object([
                "type": .string("ack"), "id": .string("r-17"), "status": .string("applied"), "action": .string("rate"),
                "project": .string("new-schools"), "level": .number(4), "suggestion": .string("放学时段加开班次"), "liked": .null,
                "thread": code.map(JSON.string) ?? .null,
            ]))

            try client.rate("new-schools", id: "r-17", level: 4, suggestion: "放学时段加开班次")
            #expect(try client.next()["status"] == .string("duplicate"))
            try client.rate("new-schools", id: "r-17", level: 1)
            let reused = try client.next()
            #expect(reused["error"] == .string("request.id_reused"))
            #expect(reused["id"] == .string("r-17"), "the error says which request it refuses")

            try client.send(#"{"type":"like","id":"l-18","project":"new-schools","liked":true}"#)
            #expect(try client.next() == .object([
                "type": .string("ack"), "id": .string("l-18"), "status": .string("applied"), "action": .string("like"),
                "project": .string("new-schools"), "level": .null, "suggestion": .null, "liked": .bool(true),
            ]))
            let tally = try app.tally("new-schools")
            #expect(tally["participants"] == .number(1))
            #expect(tally["likes"] == .number(1))
        }

        @Test func ratingOverTheWebSocketWithoutACookieIsCitizenMissingButWatchingWorks() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let client = try app.live()
            try client.rate("new-schools", id: "r-1", level: 4)
            let error = try client.next()
            #expect(error["error"] == .string("citizen.missing"))
            #expect(error["id"] == .string("r-1"))
            try client.subscribe("project:new-schools")
            #expect(try client.next()["type"] == .string("snapshot"))
            #expect(try app.storedRows("applied_action", for: "new-schools") == 0)
        }

        @Test func aTamperedCookieMayWatchButItsWritesAreCitizenInvalid() throws {
            // PROTOCOL.md, Identity: such a WebSocket is accepted for watching; its ratings and likes get citizen.invalid.
            let app = try TestApp()
            defer { app.shutdown() }
            var citizen = app.newCitizen()
            citizen.cookie = CitizenCookiesTests.tampered(citizen.cookie, at: "lw_citizen=".count + 40)
            let client = try app.live(citizen)
            try client.subscribe("project:new-schools")
            #expect(try client.next()["type"] == .string("snapshot"))
            try client.rate("new-schools", id: "r-1", level: 4)
            let rating = try client.next("error")
            #expect(rating["error"] == .string("citizen.invalid"))
            #expect(rating["id"] == .string("r-1"))
            try client.send(#"{"type":"like","id":"l-1","project":"new-schools","liked":true}"#)
            let like = try client.next("error")
            #expect(like["error"] == .string("citizen.invalid"))
            #expect(like["id"] == .string("l-1"))
            #expect(try app.storedRows("applied_action", for: "new-schools") == 0)
            #expect(try app.readDatabase { try $0.value(Int.self, "SELECT count(*) FROM citizen") } == 0)
        }

        @Test func refusedWritesEchoTheRequestsId() throws {
            // PROTOCOL.md: every refused WebSocket request gets {"type":"error","id":…} with the request's id, e.g.
            // {"type":"error","id":"r-18","error":"campaign.closed",…}; without it a page cannot tell which of its
            // pending ratings was refused.
            let app = try TestApp()
            defer { app.shutdown() }
            let client = try app.live(app.newCitizen())
            for (slug, id, level, code) in [
                ("new-schools", "r-16", 9, "rating.invalid_level"),
                ("old-road", "r-18", 4, "campaign.closed"),
                ("future-park", "r-19", 4, "campaign.not_open"),
                ("no-such-project", "r-20", 4, "project.not_found"),
            ] {
                try client.rate(slug, id: id, level: level)
                let error = try client.next()
                #expect(error["type"] == .string("error"))
                #expect(error["error"] == .string(code))
                #expect(error["id"] == .string(id), "\(code) names the refused request")
            }
        }

        @Test func aRateLimitedWriteOverTheWebSocketSaysWhenToRetry() throws {
            let app = try TestApp {
                $0.rateLimits = RateLimitPolicy(perIPPerSecond: 1000, perIPBurst: 1000, perCitizenPerSecond: 0.01, perCitizenBurst: 1,
                                                newCitizensPerIPPerHour: 1000)
            }
            defer { app.shutdown() }
            let client = try app.live(app.newCitizen())
            try client.rate("new-schools", id: "r-1", level: 3)
            #expect(try client.next()["status"] == .string("applied"))
            try client.rate("bus-lines", id: "r-2", level: 3)
            let error = try client.next()
            #expect(error["error"] == .string("limit.rate"))
            #expect(error["id"] == .string("r-2"))
            #expect(error["retryAfter"]?.int.map { $0 >= 1 } == true)
            #expect(try app.tally("bus-lines")["participants"] == .number(0))
        }

        @Test func writesBeyondThePendingLimitAreServerBusy() throws {
            let app = try TestApp { $0.maxPendingWritesPerConnection = 1 }
            defer { app.shutdown() }
            let client = try app.live(app.newCitizen())
            // Both in one segment: the server reads them in one go, before the first can be committed.
            var bytes: [UInt8] = []
            for (slug, id) in [("new-schools", "r-1"), ("bus-lines", "r-2")] {
                let text = #"{"type":"rate","id":"\#(id)","project":"\#(slug)","level":3}"#
                bytes += FrameEncoder.encode(opcode: .text, payload: Array(text.utf8), fin: true, rsv1: false,
                                             maskingKey: TestWebSocketClient.randomMaskingKey())
            }
            try client.socket.http.send(bytes)
            var replies: [String: JSON] = [:]
            for _ in 0..<2 {
                let reply = try client.next()
                replies[reply["id"]?.string ?? "?"] = reply
            }
            #expect(replies["r-1"]?["status"] == .string("applied"))
            #expect(replies["r-2"]?["error"] == .string("server.busy"))
            #expect(try app.tally("bus-lines")["participants"] == .number(0))

            // Once acknowledged, the slot is free again.
            try client.rate("bus-lines", id: "r-3", level: 3)
            #expect(try client.next()["status"] == .string("applied"))
        }

        @Test func pingIsAnsweredWithPong() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let client = try app.live()
            try client.send(#"{"type":"ping","id":"p-1"}"#)
            #expect(try client.next() == .object(["type": .string("pong")]))
        }

        @Test func aPageFromAnotherOriginCannotOpenTheLiveSocket() throws {
            // PROTOCOL.md: the same Origin rules as the page (same origin by default), so another site cannot rate
            // with a visitor's cookie.
            let app = try TestApp()
            defer { app.shutdown() }
            let http = try app.connect()
            try http.send(TestWebSocketClient.handshakeRequest(
                path: "/ws", key: WebSocketHandshake.generateKey(), host: app.host,
                headers: [("Origin", "http://evil.example"), ("Cookie", app.newCitizen().cookie)]))
            let refused = try http.readResponse()
            #expect(refused.status == 403)
            #expect(refused.errorCode == "ws.origin_not_allowed")

            let sameOrigin = try TestWebSocketClient(port: app.port, path: "/ws", headers: [("Origin", "http://\(app.host)")])
            #expect(sameOrigin.handshake.status == 101)
        }

        @Test func theSubprotocolIsNegotiatedWhenOffered() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let socket = try TestWebSocketClient(port: app.port, path: "/ws", protocols: ["lastword.v1"])
            #expect(socket.handshake.header("Sec-WebSocket-Protocol") == "lastword.v1")
            let plain = try TestWebSocketClient(port: app.port, path: "/ws")
            #expect(plain.handshake.header("Sec-WebSocket-Protocol") == nil, "optional")
        }
    }
}

@testable import App
import Domain
@testable import PrometheusExport
import TestSupport
import Testing

extension AppIntegrationTests {
    /// `/metrics` on its own listener, scraped over a real socket before and after the test does known things: every
    /// counter moves by exactly what the test did (docs/METRICS.md).
    @Suite struct MetricsTests {
        @Test func countersMoveByExactlyWhatClientsDid() throws {
            let app = try TestApp(metrics: true)
            defer { app.shutdown() }
            // A first scrape makes the counters that start at zero; the second is the baseline.
            _ = try app.scrape()
            let before = try app.scrape()

            // Three ratings accepted, one retried with the same id, two refused for their level (before the writer)
            // and one for its campaign (by the writer): seven requests, seven connections.
            var citizens: [TestCitizen] = []
            for index in 0..<3 {
                let citizen = app.newCitizen()
                citizens.append(citizen)
                #expect(try app.rate("new-schools", id: "r-\(index)", level: 4, as: citizen).status == 200)
            }
            #expect(try app.rate("new-schools", id: "r-0", level: 4, as: citizens[0]).status == 200)
            #expect(try app.rate("bus-lines", id: "bad-1", level: 9, as: citizens[1]).status == 400)
            #expect(try app.rate("bus-lines", id: "bad-2", level: 0, as: citizens[1]).status == 400)
            let closed = try app.rate("old-road", id: "late-1", level: 3, as: citizens[2])
            #expect(closed.status == 409)
            #expect(try closed.json()["error"]?.string == "campaign.closed")
            // A letter, and a page nothing serves.
            let letter = try app.post("/api/threads", json: #"{"id":"t-1","kind":"enquiry","subject":"路灯","body":"北门路灯不亮。"}"#,
                                      cookie: citizens[0].cookie)
            #expect(letter.status == 201)
            #expect(try app.get("/api/nothing-here").status == 404)

            // Two live pages of one citizen: five pings answered, then a rating over HTTP told to both pages.
            let pages = [try app.live(citizens[1]), try app.live(citizens[1])]
            defer { for page in pages { page.close() } }
            var bytesIn = 0
            var bytesOut = 0
            for index in 0..<5 {
                let ping = #"{"type":"ping","id":"p\#(index)"}"#
                try pages[0].send(ping)
                bytesIn += ping.utf8.count
                let pong = try pages[0].nextWithText()
                #expect(pong.json["type"]?.string == "pong")
                bytesOut += pong.text.utf8.count
            }
            #expect(try app.rate("elder-care", id: "r-live", level: 5, as: citizens[1]).status == 200)
            for page in pages {
                let mine = try page.nextWithText()
                #expect(mine.json["type"]?.string == "mine")
                bytesOut += mine.text.utf8.count
            }
            let after = try app.scrape()

            func moved(_ name: String, _ labels: [String: String] = [:]) -> Double { after.value(name, labels) - before.value(name, labels) }
            #expect(moved("lastword_actions_accepted_total", ["action": "rating"]) == 4)
            #expect(moved("lastword_actions_duplicate_total", ["action": "rating"]) == 1)
            #expect(moved("lastword_actions_refused_total", ["action": "rating", "code": "rating.invalid_level"]) == 2)
            #expect(moved("lastword_actions_refused_total", ["action": "rating", "code": "campaign.closed"]) == 1)
            #expect(moved("lastword_actions_accepted_total", ["action": "thread"]) == 1)
            #expect(moved("lastword_actions_accepted_total", ["action": "like"]) == 0)

            let rating = ["method": "POST", "route": "/api/projects/:slug/rating"]
            #expect(moved("lastword_http_responses_total", rating.merging(["status": "200"]) { $1 }) == 5)
            #expect(moved("lastword_http_responses_total", rating.merging(["status": "400"]) { $1 }) == 2)
            #expect(moved("lastword_http_responses_total", rating.merging(["status": "409"]) { $1 }) == 1)
            #expect(moved("lastword_http_responses_total", ["method": "POST", "route": "/api/threads", "status": "201"]) == 1)
            #expect(moved("lastword_http_responses_total", ["method": "any", "route": "unmatched", "status": "404"]) == 1)
            #expect(!after.samples.keys.contains { $0.contains("nothing-here") }, "a label names the route's pattern, never the path")

            // Ten HTTP requests and two pages, each on a connection of its own.
            #expect(moved("lastword_connections_accepted_total", ["kind": "http"]) == 12)
            #expect(moved("lastword_connections_accepted_total", ["kind": "websocket"]) == 2)
            #expect(after.value("lastword_connections_open", ["kind": "websocket"]) == 2)

            #expect(moved("lastword_websocket_messages_total", ["direction": "in"]) == 5)
            #expect(moved("lastword_websocket_payload_bytes_total", ["direction": "in"]) == Double(bytesIn))
            #expect(moved("lastword_websocket_messages_total", ["direction": "out"]) == 7)
            #expect(moved("lastword_websocket_payload_bytes_total", ["direction": "out"]) == Double(bytesOut))
            #expect(moved("lastword_broadcast_deliveries_total", ["policy": "close"]) == 2)
            #expect(moved("lastword_broadcast_overflow_total", ["policy": "close", "action": "closed"]) == 0)

            // The writer took the five ratings that reached it, the retry and the refused campaign, and the letter.
            #expect(moved("lastword_writer_batch_commands_sum") == 7)
            let transactions = moved("lastword_writer_batch_commands_count")
            #expect(transactions >= 1 && transactions <= 7)
            #expect(moved("lastword_writer_commit_seconds_count") == transactions)
            #expect(moved("lastword_writer_queued_commands_count") == transactions)
            #expect(after.value("lastword_writer_queue_depth") == 0)
            #expect(after.value("lastword_writer_queue_limit") == Double(app.application.configuration.writerMaxQueue))
            #expect(after.value("lastword_threads", ["status": "new"]) == 1)
            #expect(after.value("process_open_fds") > 0)
            #expect(after.value("process_resident_memory_bytes") > 0)
            #expect(after.value("lastword_heap_bytes", ["state": "in_use"]) > 0)
            #expect(after.value("lastword_heap_bytes", ["state": "in_use"]) < after.value("process_resident_memory_bytes") * 4)
            if TestDatabase.engine == .sqlite {
                // The test's own database is open (its schema and statements are in SQLite's memory).
                #expect(after.value("lastword_database_engine_memory_bytes") > 0)
            } else {
                // PostgreSQL's memory is its own process's: no gauge.
                #expect(after.samples["lastword_database_engine_memory_bytes"] == nil)
            }
        }

        @Test func watchersAreCountedByTopicFamilyWhileTheyWatch() throws {
            let app = try TestApp(metrics: true)
            defer { app.shutdown() }
            let page = try app.live()
            try page.subscribe("campaign:city-2026")
            _ = try page.next("snapshot")
            #expect(try app.scrape().value("lastword_live_watchers", ["topic": "campaign"]) == 1)
            try page.unsubscribe("campaign:city-2026")
            // The next answer on the same connection comes after the unsubscribe was handled.
            try page.send(#"{"type":"ping"}"#)
            _ = try page.next("pong")
            #expect(try app.scrape().value("lastword_live_watchers", ["topic": "campaign"]) == 0)
        }

        @Test func lettersPastTheirDeadlineAreOverdue() throws {
            let time = ManualTimeSource(Int64(1_790_000_000_000))  // 2026-09-22, a Tuesday
            let app = try TestApp(time: time, metrics: true)
            defer { app.shutdown() }
            let citizen = app.newCitizen()
            let letter = try app.post("/api/threads", json: #"{"id":"t-1","kind":"complaint","subject":"噪音","body":"工地夜间施工。"}"#,
                                      cookie: citizen.cookie)
            #expect(letter.status == 201)
            var scrape = try app.scrape()
            #expect(scrape.value("lastword_threads", ["status": "new"]) == 1)
            #expect(scrape.value("lastword_threads_overdue", ["owed": "response"]) == 0)
            time.advance(milliseconds: 60 * 86_400_000)
            scrape = try app.scrape()
            #expect(scrape.value("lastword_threads_overdue", ["owed": "response"]) == 1)
            #expect(scrape.value("lastword_threads_overdue", ["owed": "answer"]) == 0)
        }

        @Test func theMetricsListenerServesOnlyMetricsAndThePublicPortNone() throws {
            let app = try TestApp(metrics: true)
            defer { app.shutdown() }
            let metrics = try app.metricsRequest("GET", "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
            #expect(metrics.text.hasPrefix("# HELP lastword_connections_open "), "families come in the catalog's order")

            for path in ["/", "/healthz", "/api/campaigns", "/metrics/x", "/index.html"] {
                let other = try app.metricsRequest("GET", path)
                #expect(other.status == 404, "\(path)")
                #expect(try other.json()["error"]?.string == "http.not_found", "\(path)")
            }
            #expect(try app.metricsRequest("POST", "/metrics").status == 405)
            #expect(try app.metricsRequest("GET", "/ws", headers: [
                ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Version", "13"),
                ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ]).status == 404)

            let onPublicPort = try app.get("/metrics")
            #expect(onPublicPort.status == 404)
            #expect(!onPublicPort.text.contains("lastword_"))
        }
    }
}

/// One scrape of `/metrics`: every sample by its name and labels.
struct MetricsScrape {
    /// `name{label="value",…}` with the labels sorted by name → value.
    var samples: [String: Double] = [:]

    init(text: String) throws {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                throw TestClientError.malformed("not a sample: \(line)")
            }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else {
                samples[String(series)] = value
                continue
            }
            var labels: [String: String] = [:]
            // Our label values hold no commas, quotes or backslashes (route patterns, codes, statuses, families).
            for pair in series[series.index(after: brace)..<series.index(before: series.endIndex)].split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
            }
            samples[Self.key(String(series[..<brace]), labels)] = value
        }
    }

    static func key(_ name: String, _ labels: [String: String]) -> String {
        guard !labels.isEmpty else { return name }
        return name + "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",") + "}"
    }

    /// A sample's value; 0 for a series not exported (yet).
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double {
        samples[Self.key(name, labels)] ?? 0
    }
}

extension TestApp {
    var metricsPort: Int { metricsServer!.boundAddresses[0].port }

    /// A request to the metrics listener, on a connection of its own.
    func metricsRequest(_ method: String, _ target: String, headers: [(String, String)] = []) throws -> TestHTTPResponse {
        let client = try TestHTTPClient(port: metricsPort)
        defer { client.close() }
        try client.send(TestHTTPClient.request(method, target, host: "127.0.0.1:\(metricsPort)", headers: headers))
        return try client.readResponse(method: method)
    }

    func scrape() throws -> MetricsScrape {
        let response = try metricsRequest("GET", "/metrics")
        guard response.status == 200 else { throw TestClientError.malformed("GET /metrics: \(response.status) \(response.text)") }
        return try MetricsScrape(text: response.text)
    }
}

@Suite struct MetricsListenAddressTests {
    @Test func readsHostAndPortInEveryFormTheSettingTakes() throws {
        #expect(try MetricsListenAddress.parse("127.0.0.1:9464") == MetricsListenAddress(host: "127.0.0.1", port: 9464))
        #expect(try MetricsListenAddress.parse("[::1]:9464") == MetricsListenAddress(host: "::1", port: 9464))
        #expect(try MetricsListenAddress.parse("localhost:0") == MetricsListenAddress(host: "localhost", port: 0))
        #expect(try MetricsListenAddress.parse(" 0.0.0.0:65535 ") == MetricsListenAddress(host: "0.0.0.0", port: 65535))
        #expect(try MetricsListenAddress.parse("") == nil)
        #expect(try MetricsListenAddress.parse("[::1]:9464")?.description == "[::1]:9464")
        #expect(try MetricsListenAddress.parse("127.0.0.2:1")?.isLoopback == true)
        #expect(try MetricsListenAddress.parse("0.0.0.0:1")?.isLoopback == false)
    }

    @Test func refusesWhatIsNotHostAndPortNamingTheSetting() {
        for (text, problem) in [
            ("127.0.0.1", "it needs a port"), ("::1:9464", "in brackets"), ("[::1]9464", "in brackets"),
            ("127.0.0.1:65536", "0 to 65535"), ("127.0.0.1:-1", "0 to 65535"), ("127.0.0.1:http", "0 to 65535"),
            ("metrics.example.org:9464", "numeric"), (":9464", "numeric"),
        ] {
            let error = #expect(throws: MetricsListenAddress.Invalid.self, "\(text)") { try MetricsListenAddress.parse(text) }
            #expect(error?.description.hasPrefix("metrics.listen must be host:port, or empty to serve no metrics (got \"\(text)\"") == true)
            #expect(error?.description.contains(problem) == true, "\(text): \(error?.description ?? "-")")
        }
    }
}

@Suite struct OverdueCountTests {
    /// The bisection counts what checking every letter's own deadline counts.
    @Test func countsTheLettersWhoseDeadlineHasPassed() {
        let start: Int64 = 1_790_000_000_000
        let clock = ResponseClock.weekendsOnly(time: ManualTimeSource(start))
        // A letter every seven hours for a month, counted at times from their first arrival to three weeks after the last.
        let arrivals = (0..<100).map { start + Int64($0) * 7 * 3_600_000 }
        for hours in stride(from: 0, through: 1_200, by: 13) {
            let now = start + Int64(hours) * 3_600_000
            for (owed, days) in [(ResponseClock.Owed.response, clock.limits.firstResponseWorkingDays),
                                 (.answer, clock.limits.answerWorkingDays)] {
                let expected = arrivals.filter { now > clock.working.deadline(arrivedAt: $0, workingDays: days) }.count
                #expect(clock.overdueCount(arrivals: arrivals, owing: owed, now: now) == expected, "\(owed) at +\(hours) h")
            }
        }
        #expect(clock.overdueCount(arrivals: [], owing: .answer, now: start) == 0)
    }
}

@Suite struct PrometheusBackendTests {
    @Test func rendersFamiliesInTheCatalogsOrderWhateverOrderTheRegistryGives() {
        let text = """
            # HELP process_open_fds Open.
            # TYPE process_open_fds gauge
            process_open_fds 12.0
            # HELP unknown_metric Not ours.
            # TYPE unknown_metric gauge
            unknown_metric 1.0
            # HELP lastword_writer_batch_commands Batch.
            # TYPE lastword_writer_batch_commands histogram
            lastword_writer_batch_commands_bucket{le="1.0"} 0
            lastword_writer_batch_commands_bucket{le="+Inf"} 0
            lastword_writer_batch_commands_sum 0.0
            lastword_writer_batch_commands_count 0
            # HELP lastword_connections_open Open.
            # TYPE lastword_connections_open gauge
            lastword_connections_open{kind="http"} 1.0

            """
        let ordered = String(decoding: PrometheusBackend.ordered(Array(text.utf8)), as: UTF8.self)
        let names = ordered.split(separator: "\n").filter { $0.hasPrefix("# HELP ") }.map { $0.split(separator: " ")[2] }
        #expect(names == ["lastword_connections_open", "lastword_writer_batch_commands", "process_open_fds", "unknown_metric"])
        #expect(ordered.utf8.count == text.utf8.count)
        #expect(ordered.hasSuffix("lastword_writer_batch_commands_count 0\n# HELP process_open_fds Open.\n# TYPE process_open_fds gauge\nprocess_open_fds 12.0\n# HELP unknown_metric Not ours.\n# TYPE unknown_metric gauge\nunknown_metric 1.0\n"))
    }
}

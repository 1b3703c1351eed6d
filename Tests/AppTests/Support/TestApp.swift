@testable import App
import TestSupport
import CoreMetrics
import Dispatch
import Domain
import FoundationEssentials
import Logging
import PrometheusExport
@testable import Storage
import Synchronization
import Transport
#if canImport(Glibc)
import Glibc
#endif

/// A campaign file for a test: its window and its project slugs (titles are derived from the slugs).
struct TestCampaign {
    var id: String
    var opens: String
    var closes: String
    var slugs: [String]

    /// Open from 2020 to 2099: open around now, whatever day the tests run.
    static let open = TestCampaign(
        id: "city-2026", opens: "2020-01-01T00:00:00+08:00", closes: "2099-12-31T23:59:59+08:00",
        slugs: ["new-schools", "bus-lines", "elder-care"])
    /// A second open campaign, for what is per campaign.
    static let openTown = TestCampaign(
        id: "town-2026", opens: "2020-01-01T00:00:00+08:00", closes: "2099-12-31T23:59:59+08:00", slugs: ["town-park"])
    /// Not open yet.
    static let upcoming = TestCampaign(
        id: "future-2098", opens: "2098-01-01T00:00:00+08:00", closes: "2099-01-01T00:00:00+08:00", slugs: ["future-park"])
    /// Closed long ago.
    static let closed = TestCampaign(
        id: "past-2001", opens: "2000-01-01T00:00:00+08:00", closes: "2001-01-01T00:00:00+08:00", slugs: ["old-road"])

    /// The English title of `bus-lines` holds every character XML must escape, to follow it into the QR code's title.
    static let awkwardTitle = #"Bus lines <fast> & "free" 'now'"#

    static func titleZH(_ slug: String) -> String { "项目 \(slug)" }
    static func titleEN(_ slug: String) -> String { slug == "bus-lines" ? awkwardTitle : "Project \(slug)" }

    var yaml: String {
        var text = """
            id: \(id)
            title: {zh: 测试活动 \(id), en: Test campaign \(id)}
            opens: "\(opens)"
            closes: "\(closes)"
            timeZone: Asia/Shanghai
            projects:

            """
        for slug in slugs {
            let english = Self.titleEN(slug).replacing("\"", with: "\\\"")
            text += """
                  - slug: \(slug)
                    title: {zh: "\(Self.titleZH(slug))", en: "\(english)"}
                    department: {zh: 测试局, en: Test Bureau}
                    summary: {zh: 摘要, en: Summary}
                    promised: {zh: 承诺, en: Promised}
                    done: {zh: 完成, en: Done}
                    figures: []

                """
        }
        return text
    }
}

/// A citizen the test made directly with the server's secret (no `/api/session`, so no new-citizen limit).
struct TestCitizen {
    var id: CitizenID
    /// The `Cookie` header value.
    var cookie: String
}

/// The whole application in-process, as `lastword serve` wires it: a temporary database and campaign files, the
/// application's router served by a `Transport.Server` on 127.0.0.1 and a port the kernel picks, with two event
/// loops (so a watcher and a rater are usually on different loops, as in production). The database is a SQLite file
/// in the temporary directory, or a fresh PostgreSQL database under `LASTWORD_TEST_DATABASE=postgres` (`TestDatabase`).
final class TestApp {
    let directory: TemporaryDirectory
    let loops: EventLoopGroup
    let application: Application
    let server: Server
    let port: Int
    /// The `/metrics` listener on a port of its own (`metrics: true`), as `lastword serve` runs it.
    let metricsServer: MetricsServer?
    /// The database's location: a SQLite file, or a PostgreSQL URL.
    let databasePath: String
    /// The test's own store on the database, opened by the first `readDatabase`.
    private var reader: Store?
    /// Cookies signed with this server's secret, for minting citizens.
    let cookies: CitizenCookies
    private var stopped = false

    static let logger = testLogger(label: "app-tests")

    /// The repository's root, whatever the working directory (this file is Tests/AppTests/Support/TestApp.swift).
    static let repositoryRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(4)
        return parts.joined(separator: "/")
    }()

    /// The departments: the test campaigns' projects belong to `works` (测试局), and the triage office.
    static let departmentsYAML = """
        departments:
          - {id: mayors-office, name: {zh: 市长办公室, en: "Mayor's Office"}, triage: true}
          - {id: works, name: {zh: 测试局, en: Test Bureau}}
          - {id: transport, name: {zh: 交通局, en: Transport Bureau}}
        """

    /// The transport's settings for tests (`forTesting`), with two event loops.
    static func serverConfiguration() -> ServerConfiguration {
        .forTesting { $0.eventLoops = 2 }
    }

    /// `campaigns` are written as one file each; `adjust` changes the application settings the test is about.
    /// `metrics`: count with a Prometheus backend of this app's own and serve it on a second listener.
    init(
        campaigns: [TestCampaign] = [.open, .upcoming, .closed], maxJSONBodySize: Int? = nil,
        time: any TimeSource = SystemTimeSource(), metrics: Bool = false,
        _ adjust: (inout ApplicationConfiguration) -> Void = { _ in }
    ) throws {
        directory = try TemporaryDirectory()
        try directory.makeDirectory("public")
        try directory.write("public/project.html", "<!doctype html><title>project page</title>")
        try directory.write("public/board.html", "<!doctype html><title>board page</title>")
        try directory.write("public/404.html", "<!doctype html><title>not found page</title>")
        var configuration = ApplicationConfiguration()
        configuration.publicDirectory = directory.path + "/public"
        configuration.databasePath = TestDatabase.location(sqliteFile: directory.path + "/data/lastword.sqlite") { url in
            // PostgreSQL: each test's database is a copy of one migrated once by a store closed again.
            try Store(configuration: StorageConfiguration(path: url, postgresPoolSize: 1)).postgres?.close()
        }
        // Commit without fsync by default: the tests are about visibility and order, and stay fast on a busy disk.
        configuration.synchronousFull = false
        configuration.webSocketTestEndpoints = false
        // One group per topic, so every watcher sees the same numbered deltas; the phase tests set more.
        configuration.livePhases = 1
        configuration.campaignFiles = []
        configuration.openAPIFile = Self.repositoryRoot + "/docs/openapi.yaml"
        try directory.write("departments.yaml", Self.departmentsYAML)
        configuration.departmentsFile = directory.path + "/departments.yaml"
        try directory.write("screening.yaml", "block: [禁词]\nhold: [爆炸]\n")
        configuration.screeningFile = directory.path + "/screening.yaml"
        // Logins in a millisecond instead of ~0.1 s: the tests are about sessions, not about scrypt's cost.
        configuration.staffSessions.hasher = .forTesting
        for campaign in campaigns {
            let path = directory.path + "/\(campaign.id).yaml"
            try directory.write("\(campaign.id).yaml", campaign.yaml)
            configuration.campaignFiles.append(path)
        }
        adjust(&configuration)
        databasePath = configuration.databasePath

        var serverConfiguration = Self.serverConfiguration()
        if let maxJSONBodySize { serverConfiguration.maxJSONBodySize = maxJSONBodySize }
        loops = EventLoopGroup(count: serverConfiguration.eventLoops)
        let backend = metrics ? PrometheusBackend() : nil
        application = try Application(configuration: configuration, server: serverConfiguration, loops: loops, time: time,
                                      metrics: backend?.factory ?? NOOPMetricsHandler.instance, logger: Self.logger)
        cookies = CitizenCookies(secret: try application.store.serverSecret(), secure: false)
        server = Server(configuration: serverConfiguration, service: application.router, loops: loops, logger: Self.logger)
        try server.start()
        port = server.boundAddresses[0].port
        if let backend {
            let metricsServer = MetricsServer(address: MetricsListenAddress(host: "127.0.0.1", port: 0), base: serverConfiguration,
                                              collector: MetricsCollector(application: application, server: server),
                                              backend: backend, logger: Self.logger)
            try metricsServer.start()
            self.metricsServer = metricsServer
        } else {
            metricsServer = nil
        }
    }

    deinit { shutdown() }

    /// The order `lastword serve` uses: the server (connections closed), then the application (writer drained), then
    /// the loops this test made. Later calls do nothing.
    func shutdown() {
        guard !stopped else { return }
        stopped = true
        metricsServer?.shutdown()
        server.shutdown()
        application.shutdown()
        loops.shutdown()
        // A store on PostgreSQL keeps its connections until they are closed (releasing it does not); SQLite's go with it.
        application.store.postgres?.close()
        reader?.postgres?.close()
    }

    var host: String { "127.0.0.1:\(port)" }

    // MARK: citizens

    func newCitizen() -> TestCitizen {
        let id = CitizenID.random()
        return TestCitizen(id: id, cookie: Self.cookieHeader(fromSetCookie: cookies.setCookie(for: id)))
    }

    /// `lw_citizen=<value>` from a Set-Cookie value.
    static func cookieHeader(fromSetCookie setCookie: String) -> String {
        String(setCookie.split(separator: ";", maxSplits: 1)[0])
    }

    // MARK: HTTP

    func connect() throws -> TestHTTPClient { try TestHTTPClient(port: port) }

    /// One request on a connection of its own.
    func request(_ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = []) throws -> TestHTTPResponse {
        let client = try connect()
        defer { client.close() }
        // A test that sends its own Host gets only that one.
        let ownHost = headers.contains { $0.0.lowercased() == "host" }
        try client.send(TestHTTPClient.request(method, target, host: ownHost ? nil : host, headers: headers, body: body))
        return try client.readResponse(method: method)
    }

    func get(_ target: String, cookie: String? = nil, headers: [(String, String)] = []) throws -> TestHTTPResponse {
        try request("GET", target, headers: (cookie.map { [("Cookie", $0)] } ?? []) + headers)
    }

    func post(_ target: String, json: String, cookie: String?, contentType: String? = "application/json") throws -> TestHTTPResponse {
        var headers: [(String, String)] = []
        if let cookie { headers.append(("Cookie", cookie)) }
        if let contentType { headers.append(("Content-Type", contentType)) }
        return try request("POST", target, headers: headers, body: Array(json.utf8))
    }

    static func ratingBody(id: String, level: Int, suggestion: String? = nil) -> String {
        var json = #"{"id":\#(quoted(id)),"level":\#(level)"#
        if let suggestion { json += #","suggestion":\#(quoted(suggestion))"# }
        return json + "}"
    }

    func rate(_ slug: String, id: String, level: Int, suggestion: String? = nil, as citizen: TestCitizen?) throws -> TestHTTPResponse {
        try post("/api/projects/\(slug)/rating", json: Self.ratingBody(id: id, level: level, suggestion: suggestion), cookie: citizen?.cookie)
    }

    func like(_ slug: String, id: String, liked: Bool, as citizen: TestCitizen?) throws -> TestHTTPResponse {
        try post("/api/projects/\(slug)/like", json: #"{"id":\#(quoted(id)),"liked":\#(liked)}"#, cookie: citizen?.cookie)
    }

    /// The project's tally as `GET /api/projects/{slug}` reports it.
    func tally(_ slug: String) throws -> JSON {
        let response = try get("/api/projects/\(slug)")
        guard response.status == 200, let tally = try response.json()["tally"] else {
            throw TestClientError.malformed("GET /api/projects/\(slug): \(response.status) \(response.text)")
        }
        return tally
    }

    // MARK: WebSocket

    func live(_ citizen: TestCitizen? = nil) throws -> LiveClient {
        try LiveClient(TestWebSocketClient(port: port, path: "/ws", headers: citizen.map { [("Cookie", $0.cookie)] } ?? []))
    }

    // MARK: the database, through a connection of the test's own

    /// Reads the database through a store of the test's own on the same location (its own connections, as another
    /// process would have), in either engine's SQL: numbered parameters `?1`, `?2` ….
    func readDatabase<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        if reader == nil {
            reader = try Store(configuration: StorageConfiguration(path: databasePath, synchronousFull: false, postgresPoolSize: 1))
        }
        return try reader!.read(body)
    }

    /// The stored rating of `citizen` for `slug`, if any.
    func storedRating(of citizen: CitizenID, for slug: String) throws -> (level: Int, suggestion: String?)? {
        try readDatabase { db in
            let row = try db.row("""
                SELECT r.level, r.suggestion FROM rating r
                JOIN citizen c ON c.id = r.citizen JOIN project p ON p.id = r.project
                WHERE c.token = ?1 AND p.slug = ?2
                """, citizen.rawValue, slug)
            return row.map { (level: $0["level"] as Int, suggestion: $0["suggestion"] as String?) }
        }
    }

    /// Rows of `table` (rating, "like", applied_action) that belong to project `slug`.
    func storedRows(_ table: String, for slug: String) throws -> Int {
        try readDatabase { db in
            try db.value(Int.self, "SELECT count(*) FROM \(table) t JOIN project p ON p.id = t.project WHERE p.slug = ?1", [slug.sqlValue]) ?? -1
        }
    }
}

/// A JSON string literal.
func quoted(_ text: String) -> String {
    var bytes: [UInt8] = []
    JSONText.appendString(text, to: &bytes)
    return String(decoding: bytes, as: UTF8.self)
}

/// A page's live connection: JSON text messages in, JSON out.
final class LiveClient {
    let socket: TestWebSocketClient

    init(_ socket: TestWebSocketClient) {
        self.socket = socket
    }

    func send(_ text: String) throws { try socket.send(text: text) }

    func subscribe(_ topic: String, since: UInt64? = nil, epoch: String? = nil) throws {
        var json = #"{"type":"subscribe","topic":\#(quoted(topic))"#
        if let since { json += #","since":\#(since)"# }
        if let epoch { json += #","epoch":\#(quoted(epoch))"# }
        try send(json + "}")
    }

    func unsubscribe(_ topic: String) throws {
        try send(#"{"type":"unsubscribe","topic":\#(quoted(topic))}"#)
    }

    func rate(_ slug: String, id: String, level: Int, suggestion: String? = nil) throws {
        var json = #"{"type":"rate","id":\#(quoted(id)),"project":\#(quoted(slug)),"level":\#(level)"#
        if let suggestion { json += #","suggestion":\#(quoted(suggestion))"# }
        try send(json + "}")
    }

    /// The next text message, parsed. A close, a binary message or silence until the receive timeout is an error.
    func next() throws -> JSON { try nextWithText().json }

    /// The next text message as it came, and parsed.
    func nextWithText() throws -> (text: String, json: JSON) {
        let event = try socket.nextEvent()
        guard let text = event.text else { throw TestClientError.malformed("expected a text message, got \(event)") }
        return (text, try JSON.parse(text))
    }

    /// The next message of `type`, skipping others (deltas a test is not about, say).
    func next(_ type: String, where condition: (JSON) -> Bool = { _ in true }) throws -> JSON {
        while true {
            let message = try next()
            if message["type"]?.string == type, condition(message) { return message }
        }
    }

    func close() { socket.close() }
}

/// Hands a value that is not Sendable to one other thread, which alone uses it until the test waits for that thread.
final class HandOff<Value>: @unchecked Sendable {
    // @unchecked Sendable: used by one thread at a time; `BackgroundWork.wait` orders the hand-back.
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// Pauses the calling thread until `instant`: only for pacing what a test sends, never to wait for the server.
func sleepUntil(_ instant: ContinuousClock.Instant) throws {
    let remaining = instant - ContinuousClock.now
    guard remaining > .zero else { return }
    let microseconds = remaining.components.seconds * 1_000_000 + remaining.components.attoseconds / 1_000_000_000_000
    usleep(UInt32(microseconds))
}

/// Milliseconds on the monotonic clock since `start`.
func milliseconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
}

/// An ISO 8601 UTC time (`2026-11-01T01:00:00Z`) for a wall-clock instant, seconds truncated.
func iso8601UTC(milliseconds: Int64) -> String {
    let seconds = Int(milliseconds.quotient(dividingBy: 1000))
    let days = seconds.quotient(dividingBy: 86_400)
    let secondOfDay = seconds - days * 86_400
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return "\(year)-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):\(two(secondOfDay % 3600 / 60)):\(two(secondOfDay % 60))Z"
}

extension BinaryInteger {
    /// Division rounding towards minus infinity.
    func quotient(dividingBy divisor: Self) -> Self {
        let (q, r) = quotientAndRemainder(dividingBy: divisor)
        return r < 0 ? q - 1 : q
    }
}

import CoreMetrics
import Dispatch
import Domain
import LiveTopics
import HTTP1
import Logging
import Storage
import Synchronization
import Transport
#if canImport(Glibc)
import Glibc
#endif

/// The application's own settings (the transport's are in `ServerConfiguration`); config/lastword.yaml explains each.
package struct ApplicationConfiguration: Sendable {
    /// Directory of the browser client.
    package var publicDirectory: String = "Public"
    /// The OpenAPI description served at `/api/openapi.yaml`, read at start-up; nil (or a file that cannot be read: a
    /// warning) and that address answers 404 `openapi.not_found`.
    package var openAPIFile: String? = "docs/openapi.yaml"
    /// Whether `/ws/echo` and `/ws/hub` are served (conformance tests and benchmarks): on in development, off in production.
    package var webSocketTestEndpoints: Bool = true
    /// The Content-Security-Policy of every page: scripts, styles and connections only from this origin, no inline code.
    package var contentSecurityPolicy: String =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    /// Where the database is: the SQLite file (created with its directory on first start), or a `postgres://` URL
    /// (`database.url`: several nodes on one PostgreSQL).
    package var databasePath: String = "data/lastword.sqlite"
    /// PostgreSQL: connections each node keeps for reads and short transactions (`database.postgresPoolSize`).
    package var postgresPoolSize: Int = 4
    /// PRAGMA synchronous = FULL: an acknowledged rating survives power loss, not only a crash of the process.
    package var synchronousFull: Bool = true
    /// Commands per transaction, and commands waiting for the writer before new ones are refused (server.busy).
    package var writerMaxBatch: Int = 512
    package var writerMaxQueue: Int = 20_000
    /// Mebibytes of SQLite page cache for the writer's connection (`database.writerCacheMiB`).
    package var writerCacheMiB: Int = 64
    /// `/readyz` answers 503 below this many bytes free on the database's file system.
    package var readyMinimumFreeBytes: Int64 = 64 * 1_048_576
    /// How long the receipt of an applied rating or like is kept, so that a retry with its client id is answered
    /// as a duplicate; afterwards the id may name a new action. Pruned every `receiptPruneIntervalMilliseconds`.
    package var receiptRetentionMilliseconds: Int64 = 24 * 3_600_000
    package var receiptPruneIntervalMilliseconds: Int = 60_000
    /// Campaign files imported (idempotently) at every start.
    package var campaignFiles: [String] = ["config/campaigns/demo.yaml"]
    /// How often the server checks whether an import (e.g. `lastword campaign import` on its database) changed the
    /// campaigns, in milliseconds: a new campaign shows within this time, without a restart.
    package var catalogCheckIntervalMilliseconds: Int = 2_000
    /// How often the tallies are sampled for the history view (when they changed), in milliseconds.
    package var historySampleIntervalMilliseconds: Int = 300_000
    /// Samples a history answer returns at most per campaign (the newest).
    package var historyMaxPoints: Int = 2_000

    /// Smallest time between two live deltas of one topic, in milliseconds.
    package var liveIntervalMilliseconds: Int = 100
    /// Groups a topic's watchers are split into, sent to at staggered times within the interval.
    package var livePhases: Int = 8
    /// Deltas kept per group for clients that resume.
    package var liveHistory: Int = 64
    /// Seconds a delta stays in that history at most.
    package var liveHistoryMaxSeconds: Int = 60
    /// Put the count of applied writes into acknowledgements and updates (benchmarks only).
    package var liveIncludeAppliedCount: Bool = false
    package var maxTopicsPerConnection: Int = 16
    package var maxPendingWritesPerConnection: Int = 32

    package var rateLimits: RateLimitPolicy = .default
    /// Mark the citizen cookie Secure (set it when the site is served over HTTPS).
    package var cookieSecure: Bool = false
    /// Base URL printed in QR codes, e.g. "https://lastword.example.org"; nil: from the request's Host.
    package var publicBaseURL: String? = nil

    /// The direct line: departments (imported at every start), screening rules, and, for the demo, ratings with
    /// suggestions given on first start (nil: none).
    package var departmentsFile: String = "config/departments.yaml"
    package var screeningFile: String? = "config/screening.yaml"
    package var demoSuggestionsFile: String? = nil
    package var staffSessions = StaffSessionPolicy()
    package var directLineLimits = DirectLineLimitPolicy()
    /// What the office promises: first response, answer and follow-up, in working days.
    package var responseLimits = ResponseLimits()

    /// The working-day calendar: one file per year (config/calendar/), in the office's time zone.
    package var calendarFiles: [String] = ["config/calendar/2026.yaml"]
    package var calendarTimeZone: String = "Asia/Shanghai"
    /// How often the public figures are worked out again while letters change (and at least every minute, as
    /// deadlines pass): they are counted over every letter of the period, so not on every change.
    package var figuresIntervalMilliseconds: Int = 1_000

    /// Scheduled backups of the database: off while `backup.directory` is empty.
    package var backup = BackupPolicy()

    package init() {}
}

package enum LastWordVersion {
    package static let current = "0.2.0"
}

/// Wires the layers: the store and its writer, the live tallies, routes, WebSocket endpoints and static files.
package final class Application: Sendable {
    package let configuration: ApplicationConfiguration
    package let router: Router
    package let store: Store
    package let writer: StoreWriter
    package let tally: LiveTally
    package let catalog: CampaignDirectory
    private let receipts: ReceiptPruner
    let catalogWatcher: CatalogWatcher
    let history: HistorySampler
    /// Scheduled backups, when `backup.directory` is set.
    let backups: ScheduledBackups?
    package let staffSessions: StaffSessions
    /// Every live topic: the tallies and the direct line's threads, cases and inboxes.
    package let topics: TopicEngine
    /// The public figures, counted again as letters change.
    let figures: FiguresTopic
    /// The first admin's password when this start created the account (no active admin existed): shown once.
    package let initialAdminPassword: String?
    /// What the application counts with (swift-metrics); the executable hands in the Prometheus backend's, or nothing
    /// is counted (`NOOPMetricsHandler`).
    package let metricsFactory: any MetricsFactory
    /// Ratings, likes, withdrawals, letters and messages accepted, repeated and refused.
    package let actions: ActionCounters
    /// The office's promises on the working-day calendar (deadlines, overdue letters).
    let clock: ResponseClock
    /// Where every committed change reaches the live state and its watchers (this node's, and later other nodes').
    package let changes: LiveChanges
    /// Reported when this node missed other nodes' changes for good (PostgreSQL's change feed pruned them before it
    /// read them): `serve` then stops the node so that its supervisor starts it afresh.
    package let liveStateLoss = LiveStateLoss()
    private let logger: Logger

    /// `metrics`: the swift-metrics factory the application counts with; the transport's, the topics' and the
    /// writer's own counters are read at scrape time by a `MetricsCollector`.
    package init(configuration: ApplicationConfiguration, server: ServerConfiguration, loops: EventLoopGroup,
                time: any TimeSource = SystemTimeSource(), metrics: any MetricsFactory = NOOPMetricsHandler.instance,
                logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        self.metricsFactory = metrics
        let actions = ActionCounters(factory: metrics)
        self.actions = actions
        // Every path is checked, and every campaign file read, before anything is created: a wrong path in the
        // configuration must not leave an empty database (or its directory) behind.
        let checked = try StartupCheck.run(configuration, tls: server.tls)
        // Over TLS every cookie is Secure whatever site.cookieSecure says: the transport's settings say the listener is
        // TLS, and a cookie set over HTTPS must never travel over plain HTTP (the redirect listener sets none).
        let secureCookies = configuration.cookieSecure || server.tls.isEnabled
        let definitions = checked.campaigns
        store = try Store(configuration: StorageConfiguration(
            path: configuration.databasePath, synchronousFull: configuration.synchronousFull,
            maxBatch: configuration.writerMaxBatch, maxQueue: configuration.writerMaxQueue,
            writerCacheMiB: configuration.writerCacheMiB,
            // The server's claim on its database, held until `shutdown()`: `lastword restore` refuses while it is held.
            holdsServerLock: true, postgresPoolSize: configuration.postgresPoolSize))
        for file in definitions {
            let definition = file.definition
            let summary = try CampaignFile.importCampaign(definition, yaml: file.yaml, file: file.path, into: store)
            logger.info("campaign imported", metadata: [
                "file": "\(file.path)", "campaign": "\(definition.id)", "created": "\(summary.campaignCreated)",
                "projectsCreated": "\(summary.projectsCreated)", "projectsUpdated": "\(summary.projectsUpdated)",
            ])
            if !summary.projectsMissingFromFile.isEmpty {
                logger.warning("projects in the database but not in the file are kept", metadata: ["projects": "\(summary.projectsMissingFromFile)"])
            }
        }
        let departments = try DirectLineFiles.departments(yaml: try readTextFile(configuration.departmentsFile),
                                                          file: configuration.departmentsFile)
        try store.importDepartments(departments)
        let screening = try configuration.screeningFile.map { file in
            try DirectLineFiles.screening(yaml: try readTextFile(file), file: file)
        } ?? .none
        let time = time
        initialAdminPassword = try Self.ensureAdmin(store: store, hasher: configuration.staffSessions.hasher, now: time.now(),
                                                    departments: departments)
        let revision = try store.catalogRevision()
        catalog = CampaignDirectory(CampaignCatalog(try store.campaigns()))
        // Timing every transaction only when someone reads the histograms.
        writer = store.makeWriter(observer: metrics is NOOPMetricsHandler ? nil : WriterMetrics(factory: metrics))
        if let file = configuration.demoSuggestionsFile {
            try Self.seedDemoSuggestions(file: file, store: store, writer: writer, now: time.now(), logger: logger)
        }
        receipts = ReceiptPruner(store: store, time: time, retentionMilliseconds: configuration.receiptRetentionMilliseconds,
                                 intervalMilliseconds: configuration.receiptPruneIntervalMilliseconds, logger: logger)
        var topicConfiguration = TopicEngine.Configuration()
        topicConfiguration.interval = .milliseconds(configuration.liveIntervalMilliseconds)
        topicConfiguration.history = configuration.liveHistory
        topicConfiguration.historyMaxAge = .seconds(configuration.liveHistoryMaxSeconds)
        topicConfiguration.phases = configuration.livePhases
        topics = TopicEngine(loops: loops, configuration: topicConfiguration)
        var tallyConfiguration = LiveTally.Configuration()
        tallyConfiguration.includeAppliedCount = configuration.liveIncludeAppliedCount
        tally = LiveTally(board: try store.loadTallyBoard(), catalog: catalog, topics: topics, time: time, configuration: tallyConfiguration)
        catalogWatcher = CatalogWatcher(store: store, directory: catalog, tally: tally, writer: writer, revision: revision,
                                        intervalMilliseconds: configuration.catalogCheckIntervalMilliseconds, logger: logger)
        history = HistorySampler(store: store, directory: catalog, tally: tally, time: time,
                                 intervalMilliseconds: configuration.historySampleIntervalMilliseconds, logger: logger)
        if configuration.backup.isEnabled && store.configuration.isPostgres {
            logger.warning("backup.directory is set, but the database is PostgreSQL: scheduled backups are SQLite's; back PostgreSQL up with `lastword backup` (pg_dump) or PostgreSQL's own archiving")
        }
        backups = configuration.backup.isEnabled && !store.configuration.isInMemory && !store.configuration.isPostgres
            ? ScheduledBackups(store: store, policy: configuration.backup, time: time, logger: logger) : nil
        var sessionPolicy = configuration.staffSessions
        sessionPolicy.cookieSecure = sessionPolicy.cookieSecure || secureCookies
        staffSessions = StaffSessions(store: store, writer: writer, time: time, policy: sessionPolicy)
        let triage = departments.first(where: \.triage)?.id ?? "mayors-office"
        let clock = ResponseClock(working: WorkingClock(calendar: checked.calendar, zone: checked.zone),
                                  limits: configuration.responseLimits, time: time,
                                  zoneName: configuration.calendarTimeZone)
        self.clock = clock
        let today = clock.working.date(of: time.now())
        let uncovered = checked.calendar.uncoveredYears(from: today, through: today.adding(days: 31))
        if !uncovered.isEmpty {
            // Deadlines of letters arriving in the next weeks may fall in those years, where holidays are unknown.
            logger.warning("no calendar file covers \(uncovered.map(String.init).joined(separator: ", ")): working days there count Monday to Friday without public holidays, so deadlines and figures may be off; add the year's file to calendar.files when the General Office of the State Council publishes it", metadata: [
                "calendar.files": "\(configuration.calendarFiles)",
            ])
        }
        let access = AccessPolicy(triageDepartment: triage)
        let counter = OpennessService(store: store, writer: writer, catalog: catalog, clock: clock, access: access, topics: topics,
                                      changes: nil)
        let figures = FiguresTopic(topics: topics, intervalMilliseconds: configuration.figuresIntervalMilliseconds, logger: logger) {
            try counter.currentFiguresJSON()
        }
        self.figures = figures
        let wordRules = try WordRules(file: screening, store: store)
        let channels = CitizenChannels(loops: loops)
        // Every committed change reaches the live state here, from the writer's completions in commit order.
        let changes = LiveChanges(tally: tally, channels: channels, topics: topics, clock: clock,
                                  lettersChanged: { figures.lettersChanged() }, catalog: catalog,
                                  departments: DepartmentNames(store: store, triage: triage),
                                  board: try MessageBoardTopic(store: store, topics: topics), screening: wordRules)
        self.changes = changes
        let directLine = DirectLineService(
            store: store, writer: writer, topics: topics, limits: DirectLineLimits(policy: configuration.directLineLimits),
            screening: wordRules, access: access, time: time, clock: clock, changes: changes)
        let openness = OpennessService(store: store, writer: writer, catalog: catalog, clock: clock, access: access, topics: topics,
                                       changes: changes)
        let moderation = ModerationService(store: store, writer: writer, topics: topics, access: access, time: time, changes: changes)
        let services = LiveServices(
            catalog: catalog, tally: tally, topics: topics, writer: writer, integrity: Integrity(policy: configuration.rateLimits),
            cookies: CitizenCookies(secret: try store.serverSecret(), secure: secureCookies),
            channels: channels,
            maxTopicsPerConnection: configuration.maxTopicsPerConnection,
            maxPendingWritesPerConnection: configuration.maxPendingWritesPerConnection, time: time,
            directLine: directLine, staffSessions: staffSessions, moderation: moderation, openness: openness, changes: changes,
            actions: actions)

        let started = ContinuousClock.now
        let htmlHeaders: HTTPHeaders = [
            "Content-Security-Policy": configuration.contentSecurityPolicy,
            "Referrer-Policy": "same-origin",
            "X-Frame-Options": "DENY",
        ]
        let staticFiles = StaticFiles(root: configuration.publicDirectory, cacheControl: server.staticCacheControl,
                                      maxCachedFileSize: server.staticMaxCachedFileSize, htmlHeaders: htmlHeaders)
        if staticFiles == nil {
            logger.warning("static directory not found; serving no files", metadata: ["directory": "\(configuration.publicDirectory)"])
        }
        var router = Router(staticFiles: staticFiles)
        router.add("GET", "/healthz") { _ throws(HTTPError) in
            let uptime = ContinuousClock.now - started
            let seconds = Double(uptime.components.seconds) + Double(uptime.components.attoseconds) / 1e18
            return .json(encoding: Health(status: "ok", version: LastWordVersion.current, uptimeSeconds: (seconds * 1000).rounded() / 1000))
        }
        // Readiness, for a load balancer or systemd: 200 while this node can take writes, else 503 saying why.
        let readiness = Readiness(store: store, writer: writer, maxQueue: configuration.writerMaxQueue,
                                  minimumFreeBytes: configuration.readyMinimumFreeBytes)
        router.add("GET", "/readyz") { _ throws(HTTPError) in
            if let problem = readiness.problem() {
                return .error(503, code: "server.not_ready", message: problem, headers: ["Cache-Control": "no-store"])
            }
            return .json(encoding: ["status": "ready"], headers: ["Cache-Control": "no-store"])
        }
        APIDescriptionRoute(file: configuration.openAPIFile, logger: logger).install(on: &router)
        APIRoutes(services: services, store: store, publicBaseURL: configuration.publicBaseURL, staticFiles: staticFiles,
                  maxJSONBodySize: server.maxJSONBodySize, historyMaxPoints: configuration.historyMaxPoints,
                  historyIntervalMilliseconds: configuration.historySampleIntervalMilliseconds).install(on: &router)
        DirectLineRoutes(services: services, store: store, maxJSONBodySize: server.maxJSONBodySize).install(on: &router)
        ModerationRoutes(services: services, store: store, maxJSONBodySize: server.maxJSONBodySize).install(on: &router)
        AdminRoutes(services: services, store: store, maxJSONBodySize: server.maxJSONBodySize,
                    hasher: configuration.staffSessions.hasher).install(on: &router)
        // Ratings, withdrawals and likes from another site's page are refused like its WebSocket handshakes.
        router.stateChangingOrigins = server.allowedOrigins
        router.webSocket("/ws", LiveEndpoint(services: services))
        if configuration.webSocketTestEndpoints {
            router.webSocket("/ws/echo", EchoEndpoint())
            router.webSocket("/ws/hub", HubEndpoint(loops: loops))
        }
        self.router = router
        tally.start()
        // Several nodes on PostgreSQL: the others' committed changes reach this node's live state as its own do.
        store.startChangeFeed(onRemote: { batch in
            for change in batch { changes.apply(change, origin: .remote) }
        }, onGap: { [liveStateLoss] first, last in
            let reason = "the change feed's rows \(first) to \(last) were pruned before this node read them"
            logger.error("change feed: \(reason); its live state may lack other nodes' changes, so it stops, and its supervisor starts it again with the state read afresh (/readyz fails meanwhile)")
            liveStateLoss.report(reason)
        }, onSignal: { payload in
            if let signal = LiveSignal(encoded: payload) { directLine.received(signal) }
        })
        figures.start()
        receipts.start()
        catalogWatcher.start()
        history.start()
        backups?.start()
    }

    /// SIGHUP: reads the configured campaign files again and imports them, as `lastword campaign import` would, then
    /// shows the change at once. Every file is checked first: if one cannot be used, nothing is imported and the
    /// server goes on with what it had. Returns the problems (empty when the files were imported).
    @discardableResult
    package func reloadCampaignFiles() -> [String] {
        let (files, problems) = StartupCheck.readCampaignFiles(configuration.campaignFiles)
        guard problems.isEmpty else {
            for problem in problems { logger.error("campaign files not reloaded", metadata: ["problem": "\(problem)"]) }
            return problems
        }
        var failures: [String] = []
        for file in files {
            do {
                let summary = try CampaignFile.importCampaign(file.definition, yaml: file.yaml, file: file.path, into: store)
                logger.info("campaign file reloaded", metadata: [
                    "file": "\(file.path)", "campaign": "\(file.definition.id)", "created": "\(summary.campaignCreated)",
                    "projectsCreated": "\(summary.projectsCreated)", "projectsUpdated": "\(summary.projectsUpdated)",
                ])
            } catch {
                failures.append("\(file.path): \(error)")
                logger.error("campaign file not reloaded", metadata: ["file": "\(file.path)", "error": "\(error)"])
            }
        }
        catalogWatcher.check()
        return failures
    }

    /// After the server stopped: no more deltas, and every queued write committed.
    package func shutdown() {
        tally.stop()
        figures.stop()
        receipts.stop()
        catalogWatcher.stop()
        history.stop()
        backups?.stop()
        writer.shutdown()
        store.stopChangeFeed()
        let statistics = writer.statistics
        logger.info("writer stopped", metadata: [
            "transactions": "\(statistics.transactions)", "commands": "\(statistics.commands)",
            "averageBatch": "\(Int(statistics.averageBatch.rounded()))", "largestBatch": "\(statistics.largestBatch)",
            "applied": "\(statistics.applied)", "duplicates": "\(statistics.duplicates)", "rejected": "\(statistics.rejected)",
            "overloaded": "\(statistics.overloaded)", "failedTransactions": "\(statistics.failedTransactions)",
        ])
        // Every write is committed: a restore may run now.
        store.releaseServerLock()
    }
}

extension Application {
    /// Letters past their deadline now, by what they owe (a first response, or the answer); nil if the database could
    /// not be read. Read at scrape time.
    package func overdueLetters() -> (response: Int, answer: Int)? {
        guard let owed = try? store.owedLetterArrivals() else { return nil }
        let now = clock.time.now()
        return (clock.overdueCount(arrivals: owed.response, owing: .response, now: now),
                clock.overdueCount(arrivals: owed.answer, owing: .answer, now: now))
    }

    /// Creates the first admin, with a random password, when no active admin exists: never a fixed default.
    static func ensureAdmin(store: Store, hasher: PasswordHasher, now: Int64, departments: [DepartmentRecord]) throws -> String? {
        guard try !store.hasActiveAdmin() else { return nil }
        var generator = SystemRandomNumberGenerator()
        // 16 symbols of the query-code alphabet: about 79 bits, easy to read off a console and type.
        let password = (0..<16).map { _ in String(QueryCode.alphabet[Int.random(in: 0..<QueryCode.alphabet.count, using: &generator)]) }
            .joined()
        let name = try store.users().contains { $0.name == "admin" } ? "admin-\(now / 1000)" : "admin"
        try store.addUser(name: name, displayName: "Administrator", role: .admin, departments: [],
                          passwordHash: hasher.hash(password), at: now, actor: "first-start")
        return name + ":" + password
    }

    /// The demo's ratings with suggestions, given once (while the direct line has no thread) by demo citizens through
    /// the writer, as a citizen's would be; a campaign whose window is not open takes them as suggestion letters.
    static func seedDemoSuggestions(file: String, store: Store, writer: StoreWriter, now: Int64, logger: Logger) throws {
        guard try store.threadCounts().values.reduce(0, +) == 0 else { return }
        let suggestions = try DirectLineFiles.demoSuggestions(yaml: try readTextFile(file), file: file)
        let done = DispatchSemaphore(value: 0)
        let results = Mutex<[String]>([])
        for (index, item) in suggestions.enumerated() {
            let citizen = CitizenID.random()
            let suggestion = try Suggestion.normalize(item.suggestion)
            writer.submit(WriteCommand.rate(citizen: citizen, project: item.project, level: item.level, suggestion: suggestion,
                                            clientID: try ClientActionID(validating: "demo-\(index)"), at: now)) { outcome in
                if case .rejected = outcome {
                    guard let draft = try? ThreadDraft.validate(kind: .suggestion, subject: item.project, body: item.suggestion,
                                                                project: item.project, contact: nil, publish: false) else {
                        done.signal()
                        return
                    }
                    writer.submit(.openThread(citizen: citizen, clientID: "demo-\(index)", draft: draft, code: QueryCode.generate(),
                                              department: nil, held: nil, at: now)) { outcome in
                        if case .rejected(let error) = outcome { results.withLock { $0.append("\(item.project): \(error.message)") } }
                        done.signal()
                    }
                } else {
                    done.signal()
                }
            }
        }
        for _ in suggestions { done.wait() }
        for problem in results.withLock({ $0 }) { logger.warning("demo suggestion not stored", metadata: ["problem": "\(problem)"]) }
        logger.info("demo suggestions given", metadata: ["count": "\(suggestions.count)", "file": "\(file)"])
    }
}

struct Health: Codable {
    var status: String
    var version: String
    var uptimeSeconds: Double
}

/// Reads a UTF-8 text file (configuration-sized: a few MiB at most); an error names the file, like a campaign file's.
package func readTextFile(_ path: String) throws(CampaignFileError) -> String {
    guard let file = fopen(path, "rb") else {
        throw CampaignFileError(file: path, problem: "cannot be opened: \(String(cString: strerror(errno)))")
    }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 << 10)
    while true {
        let count = fread(&chunk, 1, chunk.count, file)
        if count == 0 { break }
        bytes.append(contentsOf: chunk[0..<count])
        if bytes.count > 16 << 20 { throw CampaignFileError(file: path, problem: "is larger than 16 MiB; a campaign file is a few KiB") }
    }
    // A directory opens, then fails to read (EISDIR): say so rather than read it as an empty file.
    if ferror(file) != 0 {
        throw CampaignFileError(file: path, problem: "cannot be read: \(String(cString: strerror(errno)))")
    }
    return String(decoding: bytes, as: UTF8.self)
}

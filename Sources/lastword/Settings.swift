import App
import Configuration
import Foundation
import HTTP1
import Logging
import PrometheusExport
import SystemPackage
import Transport
import WebSocket
#if canImport(Glibc)
import Glibc
#endif

/// Everything the configuration file sets, read once at start-up. Precedence: environment variables
/// (`LASTWORD_SERVER_PORT` for `server.port`, camelCase words become `_`), then the file, then the defaults
/// in the configuration structs (which equal config/lastword.yaml).
struct Settings {
    var server = ServerConfiguration()
    var application = ApplicationConfiguration()
    /// Where `GET /metrics` is served (`metrics.listen`); nil: no metrics listener.
    var metricsListen: MetricsListenAddress? = MetricsListenAddress(host: "127.0.0.1", port: 9464)
    var logLevel: Logger.Level = .info
    /// `log.format`: text (one line per event, for people) or json (one object per line, for log shippers).
    var logFormat: LogFormat = .text
    /// `log.access`: a line per answered HTTP request (method, route, status, duration, bytes, connection id).
    var accessLog = false

    enum LogFormat: String {
        case text, json
    }
    var source = "built-in defaults"

    static let defaultPath = "config/lastword.yaml"

    static func load(path: String?) async throws -> Settings {
        var settings = Settings()
        let filePath = path ?? (access(defaultPath, R_OK) == 0 ? defaultPath : nil)
        var providers: [any ConfigProvider] = [
            EnvironmentVariablesProvider().prefixKeys(with: "lastword"),
        ]
        if let filePath {
            do {
                providers.append(try await FileProvider<YAMLSnapshot>(filePath: FilePath(filePath)))
            } catch {
                // A syntax error, in the campaign files' form (`lastword.yaml:2: not valid YAML …`), not Yams' own
                // several lines with a caret.
                if let problem = CampaignFileError(yamlError: error, yaml: (try? readTextFile(filePath)) ?? "", file: filePath) {
                    throw SettingsError("configuration \(problem)")
                }
                throw SettingsError("cannot read configuration \(filePath): \(error)")
            }
            settings.source = filePath
        }
        let config = ConfigReader(providers: providers)
        try settings.read(config)
        return settings
    }

    private mutating func read(_ config: ConfigReader) throws {
        let s = config.scoped(to: "server")
        server.host = s.string(forKey: "host", default: server.host)
        server.port = s.int(forKey: "port", default: server.port)
        server.backlog = Int32(clamping: s.int(forKey: "backlog", default: Int(server.backlog)))
        server.eventLoops = s.int(forKey: "eventLoops", default: server.eventLoops)
        var proxies = Set<IPAddress>()
        for text in s.stringArray(forKey: "trustedProxies", default: []) {
            guard let address = SocketAddress(ip: text, port: 0) else {
                throw SettingsError("server.trustedProxies: \(text) is not an IP address (a load balancer's address, as 127.0.0.1 or ::1)")
            }
            proxies.insert(address.ip)
        }
        server.trustedProxies = proxies
        let readiness = s.string(forKey: "readiness", default: server.readiness.rawValue)
        guard let mode = ReadinessMode(rawValue: readiness) else {
            throw SettingsError("server.readiness must be loop-epoll or dispatch-sources (got \(readiness))")
        }
        server.readiness = mode
        let tls = s.scoped(to: "tls")
        server.tls.certificateChainFile = tls.string(forKey: "certificateChainFile", default: server.tls.certificateChainFile)
        server.tls.privateKeyFile = tls.string(forKey: "privateKeyFile", default: server.tls.privateKeyFile)
        server.tls.ciphers = tls.string(forKey: "ciphers", default: server.tls.ciphers)
        server.tls.redirectPlainPort = tls.int(forKey: "redirectPlainPort", default: server.tls.redirectPlainPort)
        server.tls.hstsMaxAgeSeconds = tls.int(forKey: "hstsMaxAgeSeconds", default: server.tls.hstsMaxAgeSeconds)

        let l = config.scoped(to: "limits")
        server.maxConnections = l.int(forKey: "maxConnections", default: server.maxConnections)
        server.maxConnectionsPerIP = l.int(forKey: "maxConnectionsPerIp", default: server.maxConnectionsPerIP)
        server.acceptBackoffMilliseconds = l.int(forKey: "acceptBackoffMs", default: server.acceptBackoffMilliseconds)
        server.sendHighWaterMark = l.int(forKey: "sendHighWaterBytes", default: server.sendHighWaterMark)
        server.sendLowWaterMark = l.int(forKey: "sendLowWaterBytes", default: server.sendLowWaterMark)
        server.maxPendingInput = l.int(forKey: "maxPendingInputBytes", default: server.maxPendingInput)

        let t = config.scoped(to: "timeouts")
        server.requestTimeoutMilliseconds = t.int(forKey: "requestMs", default: server.requestTimeoutMilliseconds)
        server.idleTimeoutMilliseconds = t.int(forKey: "idleMs", default: server.idleTimeoutMilliseconds)
        server.webSocketCloseTimeoutMilliseconds = t.int(forKey: "webSocketCloseMs", default: server.webSocketCloseTimeoutMilliseconds)
        server.writeStallTimeoutMilliseconds = t.int(forKey: "writeStallMs", default: server.writeStallTimeoutMilliseconds)
        server.lingerTimeoutMilliseconds = t.int(forKey: "lingerMs", default: server.lingerTimeoutMilliseconds)
        server.pingIntervalMilliseconds = t.int(forKey: "pingIntervalMs", default: server.pingIntervalMilliseconds)
        server.pongTimeoutMilliseconds = t.int(forKey: "pongTimeoutMs", default: server.pongTimeoutMilliseconds)
        server.shutdownDeadlineMilliseconds = t.int(forKey: "shutdownMs", default: server.shutdownDeadlineMilliseconds)

        let h = config.scoped(to: "http")
        server.http.maxRequestLineLength = h.int(forKey: "maxRequestLineBytes", default: server.http.maxRequestLineLength)
        server.http.maxHeaderCount = h.int(forKey: "maxHeaderCount", default: server.http.maxHeaderCount)
        server.http.maxHeaderBytes = h.int(forKey: "maxHeaderBytes", default: server.http.maxHeaderBytes)
        server.http.maxBodySize = h.int(forKey: "maxBodyBytes", default: server.http.maxBodySize)
        server.maxJSONBodySize = h.int(forKey: "maxJsonBodyBytes", default: server.maxJSONBodySize)

        let w = config.scoped(to: "webSocket")
        server.webSocketMaxFrameSize = w.int(forKey: "maxFrameBytes", default: server.webSocketMaxFrameSize)
        server.webSocketMaxMessageSize = w.int(forKey: "maxMessageBytes", default: server.webSocketMaxMessageSize)
        server.allowedOrigins = w.stringArray(forKey: "allowedOrigins", default: server.allowedOrigins)
        server.allowMissingOrigin = w.bool(forKey: "allowMissingOrigin", default: server.allowMissingOrigin)
        application.webSocketTestEndpoints = w.bool(forKey: "testEndpoints", default: application.webSocketTestEndpoints)

        let d = w.scoped(to: "deflate")
        server.deflate.enabled = d.bool(forKey: "enabled", default: server.deflate.enabled)
        server.deflate.minimumSize = d.int(forKey: "minimumSize", default: server.deflate.minimumSize)
        server.deflate.serverNoContextTakeover = d.bool(forKey: "serverNoContextTakeover", default: server.deflate.serverNoContextTakeover)
        server.deflate.clientNoContextTakeover = d.bool(forKey: "clientNoContextTakeover", default: server.deflate.clientNoContextTakeover)
        server.deflate.serverMaxWindowBits = d.int(forKey: "serverMaxWindowBits", default: server.deflate.serverMaxWindowBits)
        server.deflate.clientMaxWindowBits = d.int(forKey: "clientMaxWindowBits", default: server.deflate.clientMaxWindowBits)
        server.deflate.compressionLevel = d.int(forKey: "level", default: server.deflate.compressionLevel)
        server.deflate.memoryLevel = d.int(forKey: "memoryLevel", default: server.deflate.memoryLevel)

        let f = config.scoped(to: "static")
        application.publicDirectory = f.string(forKey: "directory", default: application.publicDirectory)
        server.staticCacheControl = f.string(forKey: "cacheControl", default: server.staticCacheControl)
        server.staticMaxCachedFileSize = f.int(forKey: "maxCachedFileBytes", default: server.staticMaxCachedFileSize)
        application.contentSecurityPolicy = f.string(forKey: "contentSecurityPolicy", default: application.contentSecurityPolicy)

        let openAPI = config.string(forKey: "api.openapiFile", default: application.openAPIFile ?? "")
        application.openAPIFile = openAPI.isEmpty ? nil : openAPI

        let db = config.scoped(to: "database")
        application.databasePath = db.string(forKey: "path", default: application.databasePath)
        // `url` names the database as a URL: `sqlite:PATH` (the same as `path`) or `postgres://…` (several nodes on
        // one PostgreSQL, docs/SCALING.md). It wins over `path` when set.
        let url = db.string(forKey: "url", default: "")
        if !url.isEmpty { application.databasePath = try Self.databaseLocation(url, setting: "database.url") }
        application.postgresPoolSize = db.int(forKey: "postgresPoolSize", default: application.postgresPoolSize)
        guard (1...64).contains(application.postgresPoolSize) else {
            throw SettingsError("database.postgresPoolSize must be between 1 and 64")
        }
        application.synchronousFull = db.bool(forKey: "synchronousFull", default: application.synchronousFull)
        application.writerMaxBatch = db.int(forKey: "writerMaxBatch", default: application.writerMaxBatch)
        application.writerMaxQueue = db.int(forKey: "writerMaxQueue", default: application.writerMaxQueue)
        application.writerCacheMiB = db.int(forKey: "writerCacheMiB", default: application.writerCacheMiB)
        guard (1...4096).contains(application.writerCacheMiB) else {
            throw SettingsError("database.writerCacheMiB must be between 1 and 4,096")
        }
        let retentionHours = db.int(forKey: "receiptRetentionHours", default: Int(application.receiptRetentionMilliseconds / 3_600_000))
        guard (1...87_600).contains(retentionHours) else {
            throw SettingsError("database.receiptRetentionHours must be between 1 and 87,600 (ten years)")
        }
        application.receiptRetentionMilliseconds = Int64(retentionHours) * 3_600_000
        let readyFree = db.int(forKey: "readyMinFreeMegabytes", default: Int(application.readyMinimumFreeBytes / 1_048_576))
        guard readyFree >= 0 else { throw SettingsError("database.readyMinFreeMegabytes must be 0 or more") }
        application.readyMinimumFreeBytes = Int64(readyFree) * 1_048_576
        let backup = config.scoped(to: "backup")
        application.backup.directory = backup.string(forKey: "directory", default: application.backup.directory)
        application.backup.everyHours = backup.int(forKey: "everyHours", default: application.backup.everyHours)
        application.backup.keep = backup.int(forKey: "keep", default: application.backup.keep)
        guard (1...8_760).contains(application.backup.everyHours) else {
            throw SettingsError("backup.everyHours must be between 1 and 8,760 (a year)")
        }
        guard (1...10_000).contains(application.backup.keep) else { throw SettingsError("backup.keep must be between 1 and 10,000") }
        application.campaignFiles = config.stringArray(forKey: "campaigns.files", default: application.campaignFiles)
        application.catalogCheckIntervalMilliseconds = config.int(forKey: "campaigns.checkIntervalMs",
                                                                  default: application.catalogCheckIntervalMilliseconds)

        let live = config.scoped(to: "live")
        application.liveIntervalMilliseconds = live.int(forKey: "intervalMs", default: application.liveIntervalMilliseconds)
        application.liveHistory = live.int(forKey: "history", default: application.liveHistory)
        application.liveHistoryMaxSeconds = live.int(forKey: "historyMaxSeconds", default: application.liveHistoryMaxSeconds)
        application.livePhases = live.int(forKey: "phases", default: application.livePhases)
        application.liveIncludeAppliedCount = live.bool(forKey: "includeAppliedCount", default: application.liveIncludeAppliedCount)
        application.maxTopicsPerConnection = live.int(forKey: "maxTopicsPerConnection", default: application.maxTopicsPerConnection)
        application.maxPendingWritesPerConnection = live.int(forKey: "maxPendingWritesPerConnection", default: application.maxPendingWritesPerConnection)
        let sampleSeconds = live.int(forKey: "historySampleSeconds", default: application.historySampleIntervalMilliseconds / 1000)
        guard (1...86_400).contains(sampleSeconds) else {
            throw SettingsError("live.historySampleSeconds must be between 1 and 86,400 (a day)")
        }
        application.historySampleIntervalMilliseconds = sampleSeconds * 1000
        application.historyMaxPoints = live.int(forKey: "historyMaxPoints", default: application.historyMaxPoints)

        let integrity = config.scoped(to: "integrity")
        var limits = application.rateLimits
        limits.perIPPerSecond = integrity.double(forKey: "perIpPerSecond", default: limits.perIPPerSecond)
        limits.perIPBurst = integrity.int(forKey: "perIpBurst", default: limits.perIPBurst)
        limits.perCitizenPerSecond = integrity.double(forKey: "perCitizenPerSecond", default: limits.perCitizenPerSecond)
        limits.perCitizenBurst = integrity.int(forKey: "perCitizenBurst", default: limits.perCitizenBurst)
        limits.newCitizensPerIPPerHour = integrity.int(forKey: "newCitizensPerIpPerHour", default: limits.newCitizensPerIPPerHour)
        application.rateLimits = limits

        let site = config.scoped(to: "site")
        application.cookieSecure = site.bool(forKey: "cookieSecure", default: application.cookieSecure)
        let base = site.string(forKey: "publicBaseUrl", default: "")
        application.publicBaseURL = base.isEmpty ? nil : (base.hasSuffix("/") ? String(base.dropLast()) : base)

        let directLine = config.scoped(to: "directLine")
        application.departmentsFile = directLine.string(forKey: "departmentsFile", default: application.departmentsFile)
        let screening = directLine.string(forKey: "screeningFile", default: application.screeningFile ?? "")
        application.screeningFile = screening.isEmpty ? nil : screening
        let demo = directLine.string(forKey: "demoSuggestionsFile", default: application.demoSuggestionsFile ?? "")
        application.demoSuggestionsFile = demo.isEmpty ? nil : demo
        var lineLimits = application.directLineLimits
        lineLimits.threadsPerCitizenPerHour = directLine.int(forKey: "threadsPerCitizenPerHour", default: lineLimits.threadsPerCitizenPerHour)
        lineLimits.threadsPerIPPerHour = directLine.int(forKey: "threadsPerIpPerHour", default: lineLimits.threadsPerIPPerHour)
        lineLimits.messagesPerCitizenPerMinute = directLine.int(forKey: "messagesPerCitizenPerMinute", default: lineLimits.messagesPerCitizenPerMinute)
        lineLimits.messagesPerIPPerMinute = directLine.int(forKey: "messagesPerIpPerMinute", default: lineLimits.messagesPerIPPerMinute)
        lineLimits.codeLookupsPerIPPerMinute = directLine.int(forKey: "codeLookupsPerIpPerMinute", default: lineLimits.codeLookupsPerIPPerMinute)
        for (name, value) in [("threadsPerCitizenPerHour", lineLimits.threadsPerCitizenPerHour), ("threadsPerIpPerHour", lineLimits.threadsPerIPPerHour),
                              ("messagesPerCitizenPerMinute", lineLimits.messagesPerCitizenPerMinute),
                              ("messagesPerIpPerMinute", lineLimits.messagesPerIPPerMinute),
                              ("codeLookupsPerIpPerMinute", lineLimits.codeLookupsPerIPPerMinute)] where !(1...10_000_000).contains(value) {
            throw SettingsError("directLine.\(name) must be between 1 and 10,000,000")
        }
        application.directLineLimits = lineLimits
        var promises = application.responseLimits
        promises.firstResponseWorkingDays = directLine.int(forKey: "firstResponseWorkingDays", default: promises.firstResponseWorkingDays)
        promises.answerWorkingDays = directLine.int(forKey: "answerWorkingDays", default: promises.answerWorkingDays)
        promises.followUpWorkingDays = directLine.int(forKey: "followUpWorkingDays", default: promises.followUpWorkingDays)
        for (name, value) in [("firstResponseWorkingDays", promises.firstResponseWorkingDays), ("answerWorkingDays", promises.answerWorkingDays),
                              ("followUpWorkingDays", promises.followUpWorkingDays)] where !(1...60).contains(value) {
            throw SettingsError("directLine.\(name) must be between 1 and 60 working days")
        }
        let dueSoonHours = directLine.int(forKey: "dueSoonHours", default: Int(promises.dueSoonMilliseconds / 3_600_000))
        guard (1...240).contains(dueSoonHours) else { throw SettingsError("directLine.dueSoonHours must be between 1 and 240") }
        promises.dueSoonMilliseconds = Int64(dueSoonHours) * 3_600_000
        application.responseLimits = promises
        let figuresMs = directLine.int(forKey: "figuresIntervalMs", default: application.figuresIntervalMilliseconds)
        guard (100...60_000).contains(figuresMs) else { throw SettingsError("directLine.figuresIntervalMs must be between 100 and 60,000") }
        application.figuresIntervalMilliseconds = figuresMs

        let calendar = config.scoped(to: "calendar")
        application.calendarFiles = calendar.stringArray(forKey: "files", default: application.calendarFiles)
        application.calendarTimeZone = calendar.string(forKey: "timeZone", default: application.calendarTimeZone)

        let identity = config.scoped(to: "identity")
        let idleMinutes = identity.int(forKey: "sessionIdleMinutes", default: Int(application.staffSessions.idleMilliseconds / 60_000))
        let maxHours = identity.int(forKey: "sessionMaxHours", default: Int(application.staffSessions.maxMilliseconds / 3_600_000))
        guard (1...1_440).contains(idleMinutes) else { throw SettingsError("identity.sessionIdleMinutes must be between 1 and 1,440 (a day)") }
        guard (1...720).contains(maxHours) else { throw SettingsError("identity.sessionMaxHours must be between 1 and 720 (30 days)") }
        application.staffSessions.idleMilliseconds = Int64(idleMinutes) * 60_000
        application.staffSessions.maxMilliseconds = Int64(maxHours) * 3_600_000
        let costLog = identity.int(forKey: "scryptLogN", default: Int(application.staffSessions.hasher.logN))
        guard (14...20).contains(costLog) else { throw SettingsError("identity.scryptLogN must be between 14 and 20") }
        application.staffSessions.hasher.logN = UInt8(costLog)
        application.staffSessions.cookieSecure = application.cookieSecure

        let listen = config.string(forKey: "metrics.listen", default: metricsListen?.description ?? "")
        do {
            metricsListen = try MetricsListenAddress.parse(listen)
        } catch {
            throw SettingsError(error.description)
        }

        let level = config.string(forKey: "log.level", default: "info")
        guard let parsed = Logger.Level(rawValue: level) else {
            throw SettingsError("log.level must be one of trace, debug, info, notice, warning, error, critical (got \(level))")
        }
        logLevel = parsed
        let format = config.string(forKey: "log.format", default: "text")
        guard let parsedFormat = LogFormat(rawValue: format) else {
            throw SettingsError("log.format must be text or json (got \(format))")
        }
        logFormat = parsedFormat
        accessLog = config.bool(forKey: "log.access", default: accessLog)
        try validate()
    }

    /// Refuses settings that cannot work, with a message that names the setting.
    private func validate() throws {
        func require(_ condition: Bool, _ message: String) throws {
            if !condition { throw SettingsError(message) }
        }
        try require((0...65535).contains(server.port), "server.port must be between 0 and 65535")
        try require((0...65535).contains(server.tls.redirectPlainPort), "server.tls.redirectPlainPort must be between 0 (none) and 65535")
        try require(server.tls.redirectPlainPort == 0 || server.tls.isEnabled,
                    "server.tls.redirectPlainPort redirects to HTTPS, which needs server.tls.certificateChainFile and privateKeyFile")
        try require(server.tls.redirectPlainPort == 0 || server.tls.redirectPlainPort != server.port,
                    "server.tls.redirectPlainPort must differ from server.port (\(server.port))")
        try require(server.tls.hstsMaxAgeSeconds >= 0, "server.tls.hstsMaxAgeSeconds must be 0 (no HSTS) or more")
        try require(!server.tls.ciphers.isEmpty, "server.tls.ciphers must not be empty (the default is \(TLSConfiguration.modernCiphers))")
        try require(server.eventLoops >= 0, "server.eventLoops must be 0 (one per CPU) or more")
        if let metrics = metricsListen, metrics.port != 0, metrics.port == server.port {
            // The same port on the same or an overlapping address would only fail to bind, less clearly; another
            // address on the same port could serve /metrics beside the public listener, which it must never be.
            throw SettingsError("metrics.listen must not use the public port \(server.port) (server.port): /metrics has a listener of its own")
        }
        try require(server.maxConnections > 0 && server.maxConnectionsPerIP > 0, "limits.maxConnections and limits.maxConnectionsPerIp must be positive")
        try require(server.sendLowWaterMark < server.sendHighWaterMark, "limits.sendLowWaterBytes must be below limits.sendHighWaterBytes")
        try require(server.http.maxBodySize >= server.maxJSONBodySize, "http.maxJsonBodyBytes must not exceed http.maxBodyBytes")
        try require(server.webSocketMaxFrameSize > 0 && server.webSocketMaxMessageSize > 0, "webSocket.maxFrameBytes and maxMessageBytes must be positive")
        try require((8...15).contains(server.deflate.serverMaxWindowBits) && (8...15).contains(server.deflate.clientMaxWindowBits),
                    "webSocket.deflate window bits must be between 8 and 15")
        try require((0...9).contains(server.deflate.compressionLevel), "webSocket.deflate.level must be between 0 and 9")
        try require((1...9).contains(server.deflate.memoryLevel), "webSocket.deflate.memoryLevel must be between 1 and 9")
        for (name, value) in [("timeouts.requestMs", server.requestTimeoutMilliseconds), ("timeouts.idleMs", server.idleTimeoutMilliseconds),
                              ("timeouts.webSocketCloseMs", server.webSocketCloseTimeoutMilliseconds), ("timeouts.writeStallMs", server.writeStallTimeoutMilliseconds),
                              ("timeouts.lingerMs", server.lingerTimeoutMilliseconds), ("timeouts.pongTimeoutMs", server.pongTimeoutMilliseconds),
                              ("timeouts.shutdownMs", server.shutdownDeadlineMilliseconds)] {
            try require(value > 0, "\(name) must be positive")
        }
        try require(server.pingIntervalMilliseconds >= 0, "timeouts.pingIntervalMs must be 0 (off) or positive")
        try require(application.writerMaxBatch > 0 && application.writerMaxQueue > 0, "database.writerMaxBatch and writerMaxQueue must be positive")
        try require(application.liveIntervalMilliseconds >= 10, "live.intervalMs must be at least 10")
        try require((100...3_600_000).contains(application.catalogCheckIntervalMilliseconds),
                    "campaigns.checkIntervalMs must be between 100 and 3,600,000 (an hour)")
        try require((1...100_000).contains(application.historyMaxPoints), "live.historyMaxPoints must be between 1 and 100,000")
        try require((1...16).contains(application.livePhases), "live.phases must be between 1 and 16")
        try require((1...86_400).contains(application.liveHistoryMaxSeconds), "live.historyMaxSeconds must be between 1 and 86,400 (a day)")
        try require(application.liveHistory >= 0 && application.maxTopicsPerConnection > 0 && application.maxPendingWritesPerConnection > 0,
                    "live.history, maxTopicsPerConnection and maxPendingWritesPerConnection must be positive")
        let limits = application.rateLimits
        try require(limits.perIPPerSecond > 0 && limits.perCitizenPerSecond > 0 && limits.perIPBurst > 0 && limits.perCitizenBurst > 0
                    && limits.newCitizensPerIPPerHour > 0, "integrity limits must be positive")
    }

    func makeLogger() -> Logger {
        let level = logLevel
        switch logFormat {
        case .text:
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        case .json:
            LoggingSystem.bootstrap { label in
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
        var logger = Logger(label: "lastword")
        logger.logLevel = level
        return logger
    }

    /// The access log when `log.access` is on (after `makeLogger`, whose format it shares): its lines are at info and
    /// written whatever `log.level` says, since turning the access log on is asking for them.
    func makeAccessLogger() -> Logger? {
        guard accessLog else { return nil }
        var logger = Logger(label: "lastword.access")
        logger.logLevel = .info
        return logger
    }

    /// Logs every limit once at start-up (STYLE.md §5).
    func log(to logger: Logger) {
        let s = server
        logger.info("configuration", metadata: [
            "source": "\(source)",
            "server": "host=\(s.host) port=\(s.port) backlog=\(s.backlog) eventLoops=\(s.eventLoops) readiness=\(s.readiness.rawValue)",
            "tls": "\(s.tls.isEnabled ? "certificateChainFile=\(s.tls.certificateChainFile) privateKeyFile=\(s.tls.privateKeyFile) ciphers=\(s.tls.ciphers) redirectPlainPort=\(s.tls.redirectPlainPort) hstsMaxAgeSeconds=\(s.tls.hstsMaxAgeSeconds)" : "off")",
            "limits": "maxConnections=\(s.maxConnections) perIP=\(s.maxConnectionsPerIP) sendHighWater=\(s.sendHighWaterMark) sendLowWater=\(s.sendLowWaterMark) maxPendingInput=\(s.maxPendingInput)",
            "timeouts_ms": "request=\(s.requestTimeoutMilliseconds) idle=\(s.idleTimeoutMilliseconds) wsClose=\(s.webSocketCloseTimeoutMilliseconds) writeStall=\(s.writeStallTimeoutMilliseconds) linger=\(s.lingerTimeoutMilliseconds) ping=\(s.pingIntervalMilliseconds) pong=\(s.pongTimeoutMilliseconds) shutdown=\(s.shutdownDeadlineMilliseconds)",
            "http": "requestLine=\(s.http.maxRequestLineLength) headers=\(s.http.maxHeaderCount) headerBytes=\(s.http.maxHeaderBytes) body=\(s.http.maxBodySize) json=\(s.maxJSONBodySize)",
            "webSocket": "frame=\(s.webSocketMaxFrameSize) message=\(s.webSocketMaxMessageSize) origins=\(s.allowedOrigins) allowMissingOrigin=\(s.allowMissingOrigin) testEndpoints=\(application.webSocketTestEndpoints)",
            "deflate": "enabled=\(s.deflate.enabled) min=\(s.deflate.minimumSize) serverNoContextTakeover=\(s.deflate.serverNoContextTakeover) clientNoContextTakeover=\(s.deflate.clientNoContextTakeover) serverBits=\(s.deflate.serverMaxWindowBits) clientBits=\(s.deflate.clientMaxWindowBits) level=\(s.deflate.compressionLevel)",
            "static": "directory=\(application.publicDirectory) cacheControl=\(s.staticCacheControl)",
            "api": "openapiFile=\(application.openAPIFile ?? "(none)")",
            "database": "location=\(Self.redactedLocation(application.databasePath)) poolSize=\(application.postgresPoolSize) synchronousFull=\(application.synchronousFull) batch=\(application.writerMaxBatch) queue=\(application.writerMaxQueue) writerCacheMiB=\(application.writerCacheMiB) receiptRetentionHours=\(application.receiptRetentionMilliseconds / 3_600_000)",
            "backup": application.backup.isEnabled
                ? "directory=\(application.backup.directory) everyHours=\(application.backup.everyHours) keep=\(application.backup.keep)"
                : "off (backup.directory is empty)",
            "campaigns": "\(application.campaignFiles)",
            "log": "level=\(logLevel) format=\(logFormat.rawValue) access=\(accessLog)",
            "live": "intervalMs=\(application.liveIntervalMilliseconds) history=\(application.liveHistory) historyMaxSeconds=\(application.liveHistoryMaxSeconds) phases=\(application.livePhases) appliedCount=\(application.liveIncludeAppliedCount) topics=\(application.maxTopicsPerConnection) pending=\(application.maxPendingWritesPerConnection)",
            "integrity": "ip=\(application.rateLimits.perIPPerSecond)/s burst \(application.rateLimits.perIPBurst) citizen=\(application.rateLimits.perCitizenPerSecond)/s burst \(application.rateLimits.perCitizenBurst) newCitizens/ip/h=\(application.rateLimits.newCitizensPerIPPerHour)",
            "site": "cookieSecure=\(application.cookieSecure || s.tls.isEnabled)\(s.tls.isEnabled && !application.cookieSecure ? " (TLS)" : "") publicBaseURL=\(application.publicBaseURL ?? "(from Host)")",
            "metrics": "listen=\(metricsListen?.description ?? "(off)")",
        ])
    }
}

struct SettingsError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Settings {
    /// Where the database is, from `database.url` or `--database`: a PostgreSQL URL as it is, `sqlite:PATH` as PATH,
    /// and anything else as a SQLite file's path (what `database.path` and `--database` always took).
    static func databaseLocation(_ value: String, setting: String) throws(SettingsError) -> String {
        if value.hasPrefix("postgres://") || value.hasPrefix("postgresql://") {
            guard URLComponents(string: value)?.host?.isEmpty == false else {
                throw SettingsError("\(setting) must be a PostgreSQL URL like postgres://user@host:5432/lastword, not \(value)")
            }
            return value
        }
        if value.hasPrefix("sqlite:") {
            let path = String(value.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw SettingsError("\(setting) must name the SQLite file after sqlite: (sqlite:data/lastword.sqlite)") }
            return path
        }
        if value.contains("://") {
            throw SettingsError("\(setting) must be sqlite:PATH or a postgres:// URL, not \(value)")
        }
        return value
    }
}

extension Settings {
    /// The database's location as a log may show it: a PostgreSQL URL without its password.
    static func redactedLocation(_ location: String) -> String {
        guard var components = URLComponents(string: location), components.password != nil else { return location }
        components.password = "***"
        return components.string ?? location
    }
}

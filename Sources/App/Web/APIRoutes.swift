import Domain
import FoundationEssentials
import HTTP1
import Storage
import Transport

/// The HTTP API (docs/PROTOCOL.md): campaigns and projects, the citizen's session, and ratings and likes for
/// plain clients and scripts (the same commands the WebSocket carries, acknowledged after commit).
struct APIRoutes: Sendable {
    let services: LiveServices
    let store: Store
    let publicBaseURL: String?
    let staticFiles: StaticFiles?
    /// Largest JSON body of a rating or like (http.maxJsonBodyBytes).
    let maxJSONBodySize: Int
    /// Samples a history answer carries at most, and how often they are taken.
    let historyMaxPoints: Int
    let historyIntervalMilliseconds: Int

    func install(on router: inout Router) {
        let services = services
        let store = store
        let publicBaseURL = publicBaseURL
        router.add("GET", "/api/campaigns") { request throws(HTTPError) in
            let now = services.time.now()
            let campaigns = services.catalog.campaigns
            let list = CampaignSelection.newestFirst(campaigns).map { campaign in
                CampaignSummary(campaign, now: now, tally: services.tally.campaignTally(campaign.id),
                                url: Self.campaignURL(campaign.id, request: request, publicBaseURL: publicBaseURL))
            }
            return .json(encoding: CampaignList(campaigns: list, current: CampaignSelection.current(campaigns, at: now)?.id))
        }
        let historyMaxPoints = historyMaxPoints
        let historyInterval = historyIntervalMilliseconds
        router.add("GET", "/api/campaigns/:id/history", blocking: { request in
            guard let id = request.parameters["id"], let campaign = services.catalog.campaign(id) else {
                throw HTTPError(DomainError.unknownCampaign(request.parameters["id"] ?? ""))
            }
            var samples = try store.samples(campaignID: campaign.id, limit: historyMaxPoints)
            // The last point is the state now, so the line ends where the board's numbers are.
            if let now = services.tally.campaignTally(campaign.id) {
                samples.append(TallySample(at: services.time.now(), participants: now.participants, projects: now.projects))
            }
            return .json(encoding: HistoryBody(campaign: campaign, samples: samples, intervalMilliseconds: historyInterval),
                         headers: ["Cache-Control": "no-store"])
        })
        router.add("GET", "/api/campaigns/:id") { request throws(HTTPError) in
            guard let id = request.parameters["id"], let campaign = services.catalog.campaign(id) else {
                throw HTTPError(DomainError.unknownCampaign(request.parameters["id"] ?? ""))
            }
            let tally = services.tally.campaignTally(campaign.id)
            var tallies: [String: TallyBody] = [:]
            for project in campaign.projects {
                tallies[project.slug] = TallyBody(tally?.projects[project.slug] ?? .empty,
                                                  watchers: services.tally.watchers("project:" + project.slug))
            }
            return .json(encoding: CampaignDetail(
                campaign: CampaignSummary(campaign, now: services.time.now(), tally: tally,
                                          url: Self.campaignURL(campaign.id, request: request, publicBaseURL: publicBaseURL)),
                projects: campaign.projects, tallies: tallies))
        }
        router.add("GET", "/api/projects/:slug") { request throws(HTTPError) in
            guard let slug = request.parameters["slug"], let (campaign, project) = services.catalog.project(slug) else {
                throw HTTPError(DomainError.unknownProject(request.parameters["slug"] ?? ""))
            }
            let tally = services.tally.projectTally(slug) ?? .empty
            let summary = CampaignSummary(campaign, now: services.time.now(), tally: services.tally.campaignTally(campaign.id),
                                          url: Self.campaignURL(campaign.id, request: request, publicBaseURL: publicBaseURL))
            return .json(encoding: ProjectDetail(campaign: summary, project: project,
                                                 tally: TallyBody(tally, watchers: services.tally.watchers("project:" + slug)),
                                                 url: Self.projectURL(slug, request: request, publicBaseURL: publicBaseURL)))
        }
        router.add("GET", "/api/policy") { _ throws(HTTPError) in
            .json(encoding: PolicyBody(services.integrity.policy, maxSuggestion: Suggestion.maxLength,
                                       cookieMaxAgeDays: CitizenCookies.maxAgeSeconds / 86_400))
        }
        router.add("GET", "/api/session", blocking: { request in
            try Self.session(request, services: services, store: store)
        })
        router.addResponder("POST", "/api/projects/:slug/rating") { request, responder in
            write(request, type: "rate", responder: responder)
        }
        router.addResponder("DELETE", "/api/projects/:slug/rating") { request, responder in
            write(request, type: "withdraw", responder: responder)
        }
        router.addResponder("POST", "/api/projects/:slug/like") { request, responder in
            write(request, type: "like", responder: responder)
        }
        router.add("GET", "/qr/campaigns/:file") { request throws(HTTPError) in
            guard let file = request.parameters["file"], file.hasSuffix(".svg"),
                  let campaign = services.catalog.campaign(String(file.dropLast(4))) else {
                throw HTTPError(DomainError.unknownCampaign(String((request.parameters["file"] ?? "").dropLast(4))))
            }
            let url = Self.campaignURL(campaign.id, request: request, publicBaseURL: publicBaseURL)
            guard let svg = QRCodeSVG.make(url, title: campaign.title.zh + " / " + campaign.title.en) else {
                throw Self.qrCodeFailure(publicBaseURL: publicBaseURL)
            }
            return HTTPResponse(status: 200, contentType: "image/svg+xml; charset=utf-8", body: Array(svg.utf8),
                                headers: ["Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"])
        }
        router.add("GET", "/qr/:file") { request throws(HTTPError) in
            guard let file = request.parameters["file"], file.hasSuffix(".svg"),
                  let (_, project) = services.catalog.project(String(file.dropLast(4))) else {
                throw HTTPError(404, code: "project.not_found", message: "No such project.")
            }
            let url = Self.projectURL(project.slug, request: request, publicBaseURL: publicBaseURL)
            guard let svg = QRCodeSVG.make(url, title: project.title.zh + " / " + project.title.en) else {
                throw Self.qrCodeFailure(publicBaseURL: publicBaseURL)
            }
            return HTTPResponse(status: 200, contentType: "image/svg+xml; charset=utf-8", body: Array(svg.utf8),
                                headers: ["Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"])
        }
        // Pages with a path of their own: the same static page, which reads its parameter from the location.
        let pages = [("/p/:slug", "/project.html"), ("/poster/:slug", "/poster.html"), ("/board", "/board.html"),
                     ("/policy", "/policy.html"), ("/archive", "/archive.html"), ("/posters", "/posters.html"),
                     ("/write", "/write.html"), ("/t/:code", "/thread.html"), ("/staff", "/staff.html"),
                     ("/staff/login", "/staff-login.html"), ("/messages", "/messages.html"), ("/figures", "/figures.html"),
                     ("/report", "/report.html"), ("/moderate", "/moderate.html"), ("/admin", "/admin.html")]
        for (pattern, page) in pages {
            let staticFiles = staticFiles
            router.add("GET", pattern) { request throws(HTTPError) in
                guard let staticFiles else { throw HTTPError(404, code: "http.not_found", message: "Nothing here.") }
                if let slug = request.parameters["slug"], services.catalog.project(slug) == nil {
                    // A person following a wrong or old address gets the localized 404 page with a way back.
                    if StaticFiles.wantsHTML(request) { return staticFiles.notFoundPage(Self.notFoundPage, for: request) }
                    throw HTTPError(DomainError.unknownProject(slug))
                }
                var rewritten = request
                rewritten.head.path = page
                return staticFiles.response(for: rewritten)
            }
        }
        router.notFoundPage = Self.notFoundPage
    }

    /// The page browsers get for an address that names nothing.
    static let notFoundPage = "/404.html"

    /// Why a QR code could not be made. A QR code holds at most 2,331 bytes (version 40, level M), and an address that
    /// long comes from the request's Host header when no `site.publicBaseUrl` is set: the client's mistake, not the
    /// server's (it was a 500). With the base configured, the configuration is at fault.
    static func qrCodeFailure(publicBaseURL: String?) -> HTTPError {
        guard publicBaseURL != nil else {
            return HTTPError(DomainError.invalidRequest("the address in the Host header is too long to fit in a QR code"))
        }
        return HTTPError(500, code: "server.qr", message: "The QR code could not be made: site.publicBaseUrl is too long.")
    }

    /// The campaign page's address, as the board's QR code encodes it.
    static func campaignURL(_ id: String, request: HTTPRequest, publicBaseURL: String?) -> String {
        baseURL(request: request, publicBaseURL: publicBaseURL) + "/?campaign=" + id
    }

    private static func baseURL(request: HTTPRequest, publicBaseURL: String?) -> String {
        if let publicBaseURL { return publicBaseURL }
        let scheme = request.isSecure || request.headers["X-Forwarded-Proto"]?.lowercased() == "https" ? "https" : "http"
        return scheme + "://" + (request.headers["Host"] ?? "localhost")
    }

    /// The address a project's QR code encodes: `site.publicBaseUrl` if set, else this request's Host with https when
    /// it came over our TLS or a TLS-terminating proxy reports it in X-Forwarded-Proto (http otherwise). The poster prints the same string.
    static func projectURL(_ slug: String, request: HTTPRequest, publicBaseURL: String?) -> String {
        baseURL(request: request, publicBaseURL: publicBaseURL) + "/p/" + slug
    }

    /// Issues the citizen cookie if the request has none, and returns what this citizen has done.
    private static func session(_ request: HTTPRequest, services: LiveServices, store: Store) throws -> HTTPResponse {
        var headers: HTTPHeaders = ["Cache-Control": "no-store"]
        let citizen: CitizenID
        switch services.cookies.citizen(in: request.headers) {
        case .invalid:
            throw HTTPError(401, code: "citizen.invalid", message: "Your visitor cookie is not valid; reload the page to get a new one.",
                            headers: ["Set-Cookie": services.cookies.clearingCookie])
        case .valid(let id):
            citizen = id
        case .none:
            do {
                try services.integrity.admitNewCitizen(ip: request.peer?.ip, now: services.time.now())
            } catch {
                throw HTTPError(error)
            }
            let (id, cookie) = services.cookies.issue()
            citizen = id
            headers.add("Set-Cookie", cookie)
        }
        let campaign = request.query("campaign")
        if let campaign, services.catalog.campaign(campaign) == nil {
            throw HTTPError(DomainError.unknownCampaign(campaign))
        }
        let record = try store.citizenRecord(citizen, campaignID: campaign)
        return .json(encoding: SessionBody(citizen: citizen, record: record), headers: headers)
    }

    private func write(_ request: HTTPRequest, type: String, responder: HTTPResponder) {
        let action = CountedAction(writeType: type) ?? .rating
        let actions = services.actions
        do throws(HTTPError) {
            let citizen: CitizenID
            switch services.cookies.citizen(in: request.headers) {
            case .valid(let id): citizen = id
            case .invalid:
                throw HTTPError(401, code: "citizen.invalid", message: "Your visitor cookie is not valid; reload the page to get a new one.",
                                headers: ["Set-Cookie": services.cookies.clearingCookie])
            case .none:
                throw HTTPError(401, code: "citizen.missing", message: "Open /api/session first to get a visitor cookie.")
            }
            // The same message, parser and command as on the WebSocket: the body is the message without type and
            // project, which the method and path say.
            var message = try readBody(request)
            message.type = type
            message.project = request.parameters["slug"]
            do {
                let command = try LiveCommands.command(from: message, citizen: citizen, now: services.time.now())
                try services.writes.submit(command, ip: request.peer?.ip, fromPage: false) { outcome, applied in
                    actions.record(action, outcome)
                    switch outcome {
                    case .applied(let receipt):
                        responder.respond(.json(200, LiveCommands.ack(receipt, status: "applied", applied: applied)))
                    case .duplicate(let receipt):
                        responder.respond(.json(200, LiveCommands.ack(receipt, status: "duplicate")))
                    case .rejected(let error):
                        responder.respond(HTTPError(error).response)
                    }
                }
            } catch {
                throw HTTPError(error)
            }
        } catch {
            actions.refused(action, code: error.code)
            responder.respond(error.response)
        }
    }
}

extension APIRoutes {
    /// The JSON body of a write: one flat object, read by the WebSocket's parser, so both say the same about the same
    /// mistake (`The field level must be a whole number from 1 to 5.`).
    private func readBody(_ request: HTTPRequest) throws(HTTPError) -> ClientMessage {
        try Self.readBody(request, limit: maxJSONBodySize)
    }

    static func readBody(_ request: HTTPRequest, limit maxJSONBodySize: Int) throws(HTTPError) -> ClientMessage {
        guard request.body.count <= maxJSONBodySize else {
            throw HTTPError(413, code: "http.body_too_large", message: "The JSON body is larger than \(maxJSONBodySize) bytes.")
        }
        if let contentType = request.headers["Content-Type"], !contentType.lowercased().hasPrefix("application/json") {
            throw HTTPError(415, code: "http.unsupported_media_type", message: "Send the body as application/json.")
        }
        // `type` is not part of an HTTP body: the parser requires one, so it reads the body as if it had it.
        let body = request.body.isEmpty ? Array("{}".utf8) : request.body
        let result = body.withUnsafeBytes { raw in
            Result { () throws(ClientMessage.ParseError) in try ClientMessage.parseBody(raw) }
        }
        switch result {
        case .success(let message): return message
        case .failure(let error):
            let text = switch error {
            case .malformed: "The body must be one JSON object, like {\"id\": \"r1\", \"level\": 4, \"suggestion\": null}."
            case .missingType, .wrongType: error.message
            }
            throw HTTPError(400, code: DomainError.invalidRequest("").code, message: text)
        }
    }
}

extension HTTPError {
    /// The one place domain errors get an HTTP status.
    init(_ error: DomainError) {
        // Exhaustive, with no default: a new case must be given its status here, or this does not compile.
        let status: Int = switch error {
        case .unknownProject, .unknownCampaign, .ratingNotFound, .unknownTopic, .threadNotFound, .caseNotFound,
             .userNotFound, .departmentNotFound, .cannedReplyNotFound, .publicVersionNotFound, .followUpNotFound: 404
        case .campaignClosed, .campaignNotOpen, .clientIDReused, .slugBelongsToAnotherCampaign, .invalidTransition,
             .duplicateText, .alreadyClaimed, .invalidModeration, .itemLocked, .publicationNotAgreed, .notYetAnswered,
             .followUpRecorded, .userExists: 409
        case .invalidCitizen, .missingCitizen, .authRequired, .authFailed: 401
        case .forbidden: 403
        case .blockedWord: 422
        case .rateLimited, .tooManyNewCitizens, .tooManyTopics, .authLocked: 429
        case .overloaded, .shuttingDown, .storageFailure: 503
        case .invalidLevel, .suggestionTooLong, .invalidRequest, .invalidClientID, .invalidDefinition,
             .unknownMessageType, .invalidThread, .assigneeNotEligible: 400
        }
        var headers: HTTPHeaders = [:]
        if let retry = error.retryAfterSeconds { headers.add("Retry-After", String(retry)) }
        self.init(status, code: error.code, message: error.message, headers: headers)
    }
}

// MARK: bodies

struct CampaignList: Encodable {
    var campaigns: [CampaignSummary]
    /// The campaign pages show when the address names none (`CampaignSelection.current`).
    @NullWhenNil var current: String?

}

/// A campaign's totals: its archive entry and the board's header.
struct CampaignTotals: Encodable {
    var participants: Int
    var ratings: Int
    var likes: Int
    var suggestions: Int
    @NullWhenNil var average: Double?

    init(_ tally: CampaignTally?) {
        let tally = tally ?? CampaignTally()
        participants = tally.participants
        ratings = tally.ratings
        likes = tally.likes
        suggestions = tally.suggestions
        var weighted = 0
        for project in tally.projects.values {
            for (index, count) in project.counts.enumerated() { weighted += (index + 1) * count }
        }
        average = ratings > 0 ? (Double(weighted) / Double(ratings) * 1000).rounded() / 1000 : nil
    }
}

struct CampaignSummary: Encodable {
    var id: String
    var title: LocalizedText
    var opensAt: Int64
    var closesAt: Int64
    var timeZone: String
    var state: String
    var levelLabels: [LocalizedText]
    var totals: CampaignTotals
    /// The campaign page's address, as the board's QR code encodes it.
    var url: String

    init(_ campaign: CampaignDefinition, now: Int64, tally: CampaignTally?, url: String) {
        totals = CampaignTotals(tally)
        self.url = url
        id = campaign.id
        title = campaign.title
        opensAt = campaign.opensAt
        closesAt = campaign.closesAt
        timeZone = campaign.timeZone
        state = campaign.state(at: now).rawValue
        levelLabels = campaign.levelLabels
    }
}

struct CampaignDetail: Encodable {
    var campaign: CampaignSummary
    var projects: [ProjectDefinition]
    /// Each project's tally by slug: a closed campaign's final results without a WebSocket.
    var tallies: [String: TallyBody]
}

/// One project's tally as clients see it: in HTTP answers and in the live topics' snapshots and deltas.
struct TallyBody: Encodable, Equatable {
    var participants: Int
    var counts: [Int]
    @NullWhenNil var average: Double?
    var likes: Int
    var suggestions: Int
    var watchers: Int

    init(_ tally: ProjectTally, watchers: Int) {
        participants = tally.participants
        counts = tally.counts
        average = tally.average.map { ($0 * 1000).rounded() / 1000 }
        likes = tally.likes
        suggestions = tally.suggestions
        self.watchers = watchers
    }
}

struct ProjectDetail: Encodable {
    var campaign: CampaignSummary
    var project: ProjectDefinition
    var tally: TallyBody
    /// The project page's address, as its QR code encodes it.
    var url: String
}

struct SessionBody: Encodable {
    struct Rating: Encodable {
        var level: Int
        @NullWhenNil var suggestion: String?
    }
    /// A short, non-secret label of the citizen (the cookie itself stays HttpOnly).
    var citizen: String
    var ratings: [String: Rating]
    var likes: [String]

    init(citizen: CitizenID, record: CitizenRecord) {
        self.citizen = String(citizen.rawValue.prefix(6))
        var ratings: [String: Rating] = [:]
        for (slug, rating) in record.ratings { ratings[slug] = Rating(level: rating.level.rawValue, suggestion: rating.suggestion) }
        self.ratings = ratings
        likes = record.likes.sorted()
    }
}

struct PolicyBody: Encodable {
    var perIPPerSecond: Double
    var perIPBurst: Int
    var perCitizenPerSecond: Double
    var perCitizenBurst: Int
    var newCitizensPerIPPerHour: Int
    var maxSuggestionLength: Int
    /// How long the visitor cookie lasts.
    var cookieMaxAgeDays: Int

    init(_ policy: RateLimitPolicy, maxSuggestion: Int, cookieMaxAgeDays: Int) {
        self.cookieMaxAgeDays = cookieMaxAgeDays
        perIPPerSecond = policy.perIPPerSecond
        perIPBurst = policy.perIPBurst
        perCitizenPerSecond = policy.perCitizenPerSecond
        perCitizenBurst = policy.perCitizenBurst
        newCitizensPerIPPerHour = policy.newCitizensPerIPPerHour
        maxSuggestionLength = maxSuggestion
    }
}

/// `GET /api/campaigns/:id/history`: the campaign's samples, oldest first, and each project's.
struct HistoryBody: Encodable {
    struct Point: Encodable {
        var at: Int64
        var participants: Int
        var ratings: Int
        var likes: Int
        @NullWhenNil var average: Double?
    }

    struct ProjectPoint: Encodable {
        var at: Int64
        var participants: Int
        var likes: Int
        @NullWhenNil var average: Double?
    }

    var campaign: String
    var intervalSeconds: Int
    var points: [Point]
    var projects: [String: [ProjectPoint]]

    init(campaign: CampaignDefinition, samples: [TallySample], intervalMilliseconds: Int) {
        self.campaign = campaign.id
        intervalSeconds = intervalMilliseconds / 1000
        points = samples.map { sample in
            let totals = CampaignTotals(CampaignTally(participants: sample.participants, projects: sample.projects))
            return Point(at: sample.at, participants: sample.participants, ratings: totals.ratings, likes: totals.likes,
                         average: totals.average)
        }
        var projects: [String: [ProjectPoint]] = [:]
        for project in campaign.projects {
            projects[project.slug] = samples.compactMap { sample in
                guard let tally = sample.projects[project.slug] else { return nil }
                return ProjectPoint(at: sample.at, participants: tally.participants, likes: tally.likes,
                                    average: tally.average.map { ($0 * 1000).rounded() / 1000 })
            }
        }
        self.projects = projects
    }
}

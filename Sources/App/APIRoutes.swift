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

    func install(on router: inout Router) {
        let services = services
        let store = store
        router.add("GET", "/api/campaigns") { _ throws(HTTPError) in
            let now = wallClockMilliseconds()
            let list = services.catalog.campaigns.map { CampaignSummary($0, now: now) }
            return .json(encoding: ["campaigns": list])
        }
        router.add("GET", "/api/campaigns/:id") { request throws(HTTPError) in
            guard let id = request.parameters["id"], let campaign = services.catalog.campaign(id) else {
                throw HTTPError(404, code: "campaign.not_found", message: "No such campaign.")
            }
            return .json(encoding: CampaignDetail(campaign, now: wallClockMilliseconds()))
        }
        let publicBaseURL = publicBaseURL
        router.add("GET", "/api/projects/:slug") { request throws(HTTPError) in
            guard let slug = request.parameters["slug"], let (campaign, project) = services.catalog.project(slug) else {
                throw HTTPError(404, code: "project.not_found", message: "No such project.")
            }
            let tally = services.tally.projectTally(slug) ?? .empty
            return .json(encoding: ProjectDetail(campaign: CampaignSummary(campaign, now: wallClockMilliseconds()), project: project,
                                                 tally: TallyBody(tally, watchers: services.tally.watchers("project:" + slug)),
                                                 url: Self.projectURL(slug, request: request, publicBaseURL: publicBaseURL)))
        }
        router.add("GET", "/api/policy") { _ throws(HTTPError) in
            .json(encoding: PolicyBody(services.integrity.policy, maxSuggestion: Suggestion.maxLength))
        }
        router.add("GET", "/api/session", async: { request in
            try await Self.session(request, services: services, store: store)
        })
        router.addResponder("POST", "/api/projects/:slug/rating") { request, responder in
            write(request, type: "rate", responder: responder)
        }
        router.addResponder("POST", "/api/projects/:slug/like") { request, responder in
            write(request, type: "like", responder: responder)
        }
        router.add("GET", "/qr/:file") { request throws(HTTPError) in
            guard let file = request.parameters["file"], file.hasSuffix(".svg"),
                  let (_, project) = services.catalog.project(String(file.dropLast(4))) else {
                throw HTTPError(404, code: "project.not_found", message: "No such project.")
            }
            let url = Self.projectURL(project.slug, request: request, publicBaseURL: publicBaseURL)
            guard let svg = QRCodeSVG.make(url, title: project.title.zh + " / " + project.title.en) else {
                throw HTTPError(500, code: "server.qr", message: "The QR code could not be made.")
            }
            return HTTPResponse(status: 200, contentType: "image/svg+xml; charset=utf-8", body: Array(svg.utf8),
                                headers: ["Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"])
        }
        // Pages with a path of their own: the same static page, which reads its parameter from the location.
        for (pattern, page) in [("/p/:slug", "/project.html"), ("/poster/:slug", "/poster.html"), ("/board", "/board.html"), ("/policy", "/policy.html")] {
            let staticFiles = staticFiles
            router.add("GET", pattern) { request throws(HTTPError) in
                if let slug = request.parameters["slug"], services.catalog.project(slug) == nil {
                    throw HTTPError(404, code: "project.not_found", message: "No such project.")
                }
                guard let staticFiles else { throw HTTPError(404, code: "http.not_found", message: "Nothing here.") }
                var rewritten = request
                rewritten.head.path = page
                return staticFiles.response(for: rewritten)
            }
        }
    }

    /// The address a project's QR code encodes: `site.publicBaseUrl` if set, else this request's Host with the scheme
    /// a TLS-terminating proxy reports in X-Forwarded-Proto (http otherwise). The poster prints the same string.
    static func projectURL(_ slug: String, request: HTTPRequest, publicBaseURL: String?) -> String {
        if let publicBaseURL { return publicBaseURL + "/p/" + slug }
        let scheme = request.headers["X-Forwarded-Proto"]?.lowercased() == "https" ? "https" : "http"
        return scheme + "://" + (request.headers["Host"] ?? "localhost") + "/p/" + slug
    }

    /// Issues the citizen cookie if the request has none, and returns what this citizen has done.
    private static func session(_ request: HTTPRequest, services: LiveServices, store: Store) async throws -> HTTPResponse {
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
                try services.integrity.admitNewCitizen(ip: request.peer?.ip, now: wallClockMilliseconds())
            } catch {
                throw HTTPError(error)
            }
            let (id, cookie) = services.cookies.issue()
            citizen = id
            headers.add("Set-Cookie", cookie)
        }
        let record = try store.citizenRecord(citizen, campaignID: request.query("campaign"))
        return .json(encoding: SessionBody(citizen: citizen, record: record), headers: headers)
    }

    private func write(_ request: HTTPRequest, type: String, responder: HTTPResponder) {
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
            var body: WriteBody
            do {
                body = try request.decodeJSON(WriteBody.self, limit: maxJSONBodySize)
            } catch where error.code == "http.invalid_json" {
                // The API's own code for a body it cannot read (docs/PROTOCOL.md), as on the WebSocket.
                throw HTTPError(400, code: "request.invalid", message: error.message)
            }
            let message = ClientMessage(type: type, topic: nil, since: nil, id: body.id, project: request.parameters["slug"],
                                        level: body.level, suggestion: body.suggestion, liked: body.liked)
            body.id = nil
            let now = wallClockMilliseconds()
            let command: WriteCommand
            do {
                command = try LiveCommands.command(from: message, citizen: citizen, now: now)
                try services.integrity.admitAction(ip: request.peer?.ip, citizen: citizen, now: now)
            } catch {
                throw HTTPError(error)
            }
            let tally = services.tally
            services.writer.submit(command) { outcome in
                switch outcome {
                case .applied(let receipt):
                    let applied = tally.apply(receipt.change)
                    responder.respond(.json(200, LiveCommands.ack(receipt, status: "applied",
                                                                  applied: tally.includesAppliedCount ? applied : nil)))
                case .duplicate(let receipt):
                    responder.respond(.json(200, LiveCommands.ack(receipt, status: "duplicate")))
                case .rejected(let error):
                    responder.respond(HTTPError(error).response)
                }
            }
        } catch {
            responder.respond(error.response)
        }
    }
}

extension HTTPError {
    /// The one place domain errors get an HTTP status.
    init(_ error: DomainError) {
        let status: Int
        switch error.code {
        case "project.not_found", "campaign.not_found": status = 404
        case "campaign.closed", "campaign.not_open", "request.id_reused": status = 409
        case "citizen.invalid", "citizen.missing": status = 401
        case "limit.rate", "limit.new_citizens": status = 429
        case "server.busy": status = 503
        default: status = 400
        }
        var headers: HTTPHeaders = [:]
        if let retry = error.retryAfterSeconds { headers.add("Retry-After", String(retry)) }
        self.init(status, code: error.code, message: error.message, headers: headers)
    }
}

// MARK: bodies

struct WriteBody: Decodable {
    var id: String?
    var level: Int?
    var suggestion: String?
    var liked: Bool?
}

struct CampaignSummary: Encodable {
    var id: String
    var title: LocalizedText
    var opensAt: Int64
    var closesAt: Int64
    var timeZone: String
    var state: String
    var levelLabels: [LocalizedText]

    init(_ campaign: CampaignDefinition, now: Int64) {
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

    init(_ campaign: CampaignDefinition, now: Int64) {
        self.campaign = CampaignSummary(campaign, now: now)
        projects = campaign.projects
    }
}

/// One project's tally as clients see it: in HTTP answers and in the live topics' snapshots and deltas.
struct TallyBody: Encodable, Equatable {
    var participants: Int
    var counts: [Int]
    var average: Double?
    var likes: Int
    var suggestions: Int
    var watchers: Int

    private enum CodingKeys: String, CodingKey { case participants, counts, average, likes, suggestions, watchers }

    /// `average` is null with no participant (the synthesized encoding would leave it out).
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(participants, forKey: .participants)
        try container.encode(counts, forKey: .counts)
        try container.encode(average, forKey: .average)
        try container.encode(likes, forKey: .likes)
        try container.encode(suggestions, forKey: .suggestions)
        try container.encode(watchers, forKey: .watchers)
    }

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
        var suggestion: String?

        private enum CodingKeys: String, CodingKey { case level, suggestion }

        /// `suggestion` is null when there is none.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(level, forKey: .level)
            try container.encode(suggestion, forKey: .suggestion)
        }
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

    init(_ policy: RateLimitPolicy, maxSuggestion: Int) {
        perIPPerSecond = policy.perIPPerSecond
        perIPBurst = policy.perIPBurst
        perCitizenPerSecond = policy.perCitizenPerSecond
        perCitizenBurst = policy.perCitizenBurst
        newCitizensPerIPPerHour = policy.newCitizensPerIPPerHour
        maxSuggestionLength = maxSuggestion
    }
}

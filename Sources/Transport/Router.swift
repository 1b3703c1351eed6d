import Dispatch
import FoundationEssentials
import HTTP1

/// An error a route handler throws to answer with `{"error": code, "message": message}` and `status`.
package struct HTTPError: Error, Sendable, Equatable {
    package var status: Int
    package var code: String
    package var message: String
    package var headers: HTTPHeaders

    package init(_ status: Int, code: String, message: String, headers: HTTPHeaders = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    package var response: HTTPResponse { .error(status, code: code, message: message, headers: headers) }

    package static func == (lhs: HTTPError, rhs: HTTPError) -> Bool {
        lhs.status == rhs.status && lhs.code == rhs.code && lhs.message == rhs.message
    }
}

/// A small router: method + path pattern (`/api/projects/:slug/rating`, a trailing `*` matches the rest),
/// JSON bodies with a size limit, errors in the one JSON shape; GET/HEAD requests no route claims go to the
/// static files; WebSocket endpoints by exact path. Built before the server starts, then immutable.
///
/// Every response a route, the static files or the router's own errors send is counted by status (`StatusCounters`,
/// an atomic increment once it is written), under the route's pattern — never the request's path — for the metrics.
package struct Router: HTTPService {
    /// Answers on the loop; must call the responder exactly once.
    package typealias Handler = @Sendable (HTTPRequest, HTTPResponder) -> Void

    private struct Route: Sendable {
        var method: String
        /// As it was added (`/api/projects/:slug/rating`).
        var pattern: String
        var segments: [Segment]
        var handler: Handler
        let responses: StatusCounters
    }

    private enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
        case rest
    }

    private var routes: [Route] = []
    private var webSockets: [String: any WebSocketEndpoint] = [:]
    /// Responses of the static files, and of requests nothing served (404, 405, 501, and 403 for a refused origin).
    private let staticResponses = StatusCounters(route: "(static)")
    private let unmatchedResponses = StatusCounters(route: "(unrouted)")
    package var staticFiles: StaticFiles?
    /// A page under the static root (e.g. "/404.html") that browsers get, with status 404, for a GET of an address
    /// nothing serves; API clients still get the JSON error.
    package var notFoundPage: String?
    /// Origins whose pages may send state-changing requests (POST, PUT, PATCH, DELETE): nil checks nothing, empty
    /// allows only this server's own origin (by Host), as for WebSocket handshakes. A request without Origin (a
    /// script, curl) passes: browsers always send Origin on such requests, and a forged cross-site form or fetch is
    /// what the check stops (OWASP's CSRF origin check).
    package var stateChangingOrigins: [String]?

    package init(staticFiles: StaticFiles? = nil) {
        self.staticFiles = staticFiles
    }

    // MARK: building

    /// A route answered on the loop, synchronously (health, static data).
    package mutating func add(_ method: String, _ pattern: String, _ handler: @escaping @Sendable (HTTPRequest) throws(HTTPError) -> HTTPResponse) {
        addResponder(method, pattern) { request, responder in
            do throws(HTTPError) {
                responder.respond(try handler(request))
            } catch {
                responder.respond(error.response)
            }
        }
    }

    /// A route whose handler awaits (a database commit, say); it runs as a task, off the loop.
    package mutating func add(_ method: String, _ pattern: String, async handler: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse) {
        addResponder(method, pattern) { request, responder in
            Task {
                do {
                    responder.respond(try await handler(request))
                } catch let error as HTTPError {
                    responder.respond(error.response)
                } catch {
                    responder.respond(.error(500, code: "server.internal", message: "The server could not complete the request."))
                }
            }
        }
    }

    /// A route whose handler blocks (a database read): it runs on a queue of its own, off the loop, so the loop keeps
    /// serving its other connections, and off Swift's cooperative pool, which blocking work would starve.
    package mutating func add(_ method: String, _ pattern: String, blocking handler: @escaping @Sendable (HTTPRequest) throws -> HTTPResponse) {
        addResponder(method, pattern) { request, responder in
            Self.blockingQueue.async {
                do {
                    responder.respond(try handler(request))
                } catch let error as HTTPError {
                    responder.respond(error.response)
                } catch {
                    responder.respond(.error(500, code: "server.internal", message: "The server could not complete the request."))
                }
            }
        }
    }

    /// Where `blocking` routes run: concurrent, and Dispatch adds threads while its workers are blocked.
    private static let blockingQueue = DispatchQueue(label: "lastword.http.blocking", qos: .userInitiated, attributes: .concurrent)

    /// A route that takes the responder itself.
    package mutating func addResponder(_ method: String, _ pattern: String, _ handler: @escaping Handler) {
        let segments: [Segment] = pattern.split(separator: "/", omittingEmptySubsequences: true).map { part in
            if part == "*" { return .rest }
            if part.hasPrefix(":") { return .parameter(String(part.dropFirst())) }
            return .literal(String(part))
        }
        routes.append(Route(method: method, pattern: pattern, segments: segments, handler: handler,
                            responses: StatusCounters(route: pattern)))
    }

    package mutating func webSocket(_ path: String, _ endpoint: any WebSocketEndpoint) {
        webSockets[path] = endpoint
    }

    // MARK: describing

    /// Every route's method and pattern, in the order they were added (the order they are matched in): what the API
    /// description (docs/openapi.yaml) must list. GET routes also answer HEAD; static files are not routes.
    package var routeList: [(method: String, pattern: String)] {
        routes.map { ($0.method, $0.pattern) }
    }

    /// The paths of the WebSocket endpoints, sorted.
    package var webSocketPaths: [String] {
        webSockets.keys.sorted()
    }

    // MARK: serving

    package func webSocketEndpoint(for request: HTTPRequest) -> (any WebSocketEndpoint)? {
        webSockets[request.path]
    }

    package func handle(_ request: HTTPRequest, responder unrouted: HTTPResponder) {
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true)
        var allowed: [String] = []
        var matched: (route: Route, parameters: [String: String])?
        for route in routes {
            guard let parameters = Self.match(route.segments, parts) else { continue }
            if route.method == request.method || (request.method == "HEAD" && route.method == "GET") {
                matched = (route, parameters)
                break
            }
            allowed.append(route.method)
        }
        let responder = unrouted.counting(in: matched?.route.responses ?? unmatchedResponses)
        if let allowed = stateChangingOrigins, Self.stateChangingMethods.contains(request.method) {
            let origins = request.headers.values("Origin")
            if origins.count > 1 {
                return responder.respond(.error(403, code: "http.forbidden_origin", message: "More than one Origin header."))
            }
            if let origin = origins.first?.trimmingASCIISpaces(),
               let refusal = OriginPolicy.refusal(origin: origin, host: request.headers["Host"], allowed: allowed) {
                return responder.respond(.error(403, code: "http.forbidden_origin", message: refusal))
            }
        }
        if let (route, parameters) = matched {
            var routed = request
            routed.parameters = parameters
            route.handler(routed, responder)
            return
        }
        if !allowed.isEmpty {
            if allowed.contains("GET") { allowed.append("HEAD") }
            responder.respond(.error(405, code: "http.method_not_allowed", message: "\(request.method) is not allowed here.",
                                     headers: ["Allow": allowed.joined(separator: ", ")]))
            return
        }
        if request.method == "GET" || request.method == "HEAD", let staticFiles {
            let response = staticFiles.response(for: request)
            if response.status == 404, let notFoundPage {
                responder.respond(staticFiles.notFoundPage(notFoundPage, for: request))
            } else {
                // A file (or its 304) is the static files'; a miss is a request nothing served.
                (response.status == 404 ? responder : unrouted.counting(in: staticResponses)).respond(response)
            }
            return
        }
        if !Self.knownMethods.contains(request.method) {
            responder.respond(.error(501, code: "http.not_implemented", message: "Method \(request.method.prefix(32)) is not implemented."))
            return
        }
        responder.respond(.error(404, code: "http.not_found", message: "Nothing here."))
    }

    /// Responses sent so far, by route and status (only statuses that happened): each route under its method and
    /// pattern (`GET /api/threads/:code`), the static files as `GET static`, and requests nothing served as
    /// `any unmatched`.
    package var responseCounts: [RouteResponses] {
        var counts: [RouteResponses] = []
        for route in routes {
            for status in route.responses.snapshot() { counts.append(RouteResponses(method: route.method, route: route.pattern, status: status)) }
        }
        for status in staticResponses.snapshot() { counts.append(RouteResponses(method: "GET", route: "static", status: status)) }
        for status in unmatchedResponses.snapshot() { counts.append(RouteResponses(method: "any", route: "unmatched", status: status)) }
        return counts
    }

    private static let stateChangingMethods: Set<String> = ["POST", "PUT", "PATCH", "DELETE"]
    private static let knownMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"]

    private static func match(_ segments: [Segment], _ parts: [Substring]) -> [String: String]? {
        var parameters: [String: String] = [:]
        var index = 0
        for segment in segments {
            switch segment {
            case .rest:
                parameters["*"] = parts[index...].joined(separator: "/")
                return parameters
            case .literal(let literal):
                guard index < parts.count, parts[index] == literal else { return nil }
            case .parameter(let name):
                guard index < parts.count, let value = PercentEncoding.decodePathComponent(parts[index]) else { return nil }
                parameters[name] = value
            }
            index += 1
        }
        return index == parts.count ? parameters : nil
    }
}

extension HTTPRequest {
    /// Decodes the JSON body, refusing bodies over `limit` (413), a wrong Content-Type (415) and malformed JSON (400).
    package func decodeJSON<T: Decodable>(_ type: T.Type, limit: Int = 64 << 10) throws(HTTPError) -> T {
        guard body.count <= limit else {
            throw HTTPError(413, code: "http.body_too_large", message: "The JSON body is larger than \(limit) bytes.")
        }
        if let contentType = headers["Content-Type"], !contentType.lowercased().hasPrefix("application/json") {
            throw HTTPError(415, code: "http.unsupported_media_type", message: "Send the body as application/json.")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch let DecodingError.keyNotFound(key, _) {
            throw HTTPError(400, code: "http.invalid_json", message: "Missing field \(key.stringValue).")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw HTTPError(400, code: "http.invalid_json", message: "Wrong type for field \(path).")
        } catch {
            throw HTTPError(400, code: "http.invalid_json", message: "The body is not valid JSON.")
        }
    }
}

extension HTTPResponse {
    /// A JSON response from an Encodable value.
    package static func json<T: Encodable>(_ status: Int = 200, encoding value: T, headers: HTTPHeaders = [:]) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data(#"{"error":"server.encoding","message":"Could not encode the response."}"#.utf8)
        return .json(status, Array(data), headers: headers)
    }
}

extension PercentEncoding {
    /// Decodes one path segment (no '+' rule); nil for bad escapes or invalid UTF-8.
    package static func decodePathComponent<S: StringProtocol>(_ text: S) -> String? {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return String(text) }
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

/// Responses of one status on one route (`Router.responseCounts`).
package struct RouteResponses: Sendable, Equatable {
    package var method: String
    package var route: String
    package var status: StatusCount
}

@testable import App
import FoundationEssentials
import TestSupport
import Testing
import Yams

extension AppIntegrationTests {
    /// docs/openapi.yaml against the router the server really runs: every route described, nothing described that is
    /// not a route. What the document leaves out on purpose is named in it and checked here too: static files (not
    /// routes), HEAD (every GET route answers it), and the WebSocket endpoints, listed apart under
    /// `x-websocket-endpoints`.
    @Suite struct OpenAPIDocumentTests {
        static let documentPath = TestApp.repositoryRoot + "/docs/openapi.yaml"
        static let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        static let roles: Set<String> = ["public", "citizen", "staff", "moderator", "admin"]

        /// One described operation.
        struct Operation {
            var method: String
            /// The document's path (`/api/projects/{slug}/rating`).
            var path: String
            var pathItem: [String: Any]
            var operation: [String: Any]

            /// As the router writes it: `POST /api/projects/:slug/rating`.
            var route: String { method.uppercased() + " " + OpenAPIDocumentTests.routerPattern(path) }
        }

        static func document() throws -> [String: Any] {
            let text = try readTextFile(documentPath)
            guard let document = try Yams.load(yaml: text) as? [String: Any] else {
                throw TestClientError.malformed("docs/openapi.yaml is not a YAML mapping")
            }
            return document
        }

        static func operations(_ document: [String: Any]) -> [Operation] {
            let paths = document["paths"] as? [String: Any] ?? [:]
            return paths.keys.sorted().flatMap { path -> [Operation] in
                let item = paths[path] as? [String: Any] ?? [:]
                return methods.compactMap { method in
                    (item[method] as? [String: Any]).map { Operation(method: method, path: path, pathItem: item, operation: $0) }
                }
            }
        }

        /// `{name}` → `:name`, the router's way of writing a parameter.
        static func routerPattern(_ path: String) -> String {
            path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
                segment.hasPrefix("{") && segment.hasSuffix("}") ? ":" + segment.dropFirst().dropLast() : String(segment)
            }.joined(separator: "/")
        }

        /// Follows a `$ref` inside the document (`#/components/responses/NotFound`).
        static func resolve(_ value: Any?, in document: [String: Any]) -> [String: Any]? {
            guard let object = value as? [String: Any] else { return nil }
            guard let reference = object["$ref"] as? String, reference.hasPrefix("#/") else { return object }
            var node: Any? = document
            for key in reference.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(key)] }
            return node as? [String: Any]
        }

        @Test func theDocumentDescribesEveryRouteOfTheRouterAndNoOther() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let routes = app.application.router.routeList.map { "\($0.method) \($0.pattern)" }
            #expect(Set(routes).count == routes.count, "the router has a route twice: \(routes)")
            let described = try Self.operations(Self.document()).map(\.route)
            let missing = Set(routes).subtracting(described).sorted()
            let extra = Set(described).subtracting(routes).sorted()
            #expect(missing.isEmpty, "routes the router has that docs/openapi.yaml does not describe: \(missing.joined(separator: ", "))")
            #expect(extra.isEmpty, "operations docs/openapi.yaml describes that the router does not have: \(extra.joined(separator: ", "))")
            #expect(!described.contains { $0.hasPrefix("HEAD ") }, "HEAD is every GET route's, and not listed apart")
        }

        @Test func theWebSocketEndpointsAreListedApartFromTheOperations() throws {
            let app = try TestApp { $0.webSocketTestEndpoints = true }
            defer { app.shutdown() }
            let document = try Self.document()
            let listed = (document["x-websocket-endpoints"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
            #expect(listed.sorted() == app.application.router.webSocketPaths,
                    "x-websocket-endpoints lists \(listed.sorted()); the router upgrades \(app.application.router.webSocketPaths)")
            let paths = Set((document["paths"] as? [String: Any] ?? [:]).keys)
            #expect(paths.isDisjoint(with: listed), "a WebSocket endpoint is described as an operation")
        }

        @Test func everyOperationSaysWhoMayCallItHowTheyAreIdentifiedAndWhatItAnswers() throws {
            let document = try Self.document()
            let operations = Self.operations(document)
            #expect(operations.count > 70)
            var ids: [String: String] = [:]
            for operation in operations {
                let name = operation.route
                let id = operation.operation["operationId"] as? String ?? ""
                #expect(!id.isEmpty, "\(name) has no operationId")
                #expect(ids[id] == nil, "\(name) and \(ids[id] ?? "") share the operationId \(id)")
                ids[id] = name

                // x-roles: PROTOCOL.md's roles, and a staff role exactly when the staff cookie identifies the caller.
                let roles = operation.operation["x-roles"] as? [String] ?? []
                #expect(!roles.isEmpty, "\(name) does not say who may call it (x-roles)")
                #expect(Set(roles).isSubset(of: Self.roles), "\(name) names an unknown role: \(roles)")
                let schemes = Set((operation.operation["security"] as? [[String: Any]] ?? []).flatMap(\.keys))
                let staffRoles = !Set(roles).isDisjoint(with: ["staff", "moderator", "admin"])
                #expect(staffRoles == schemes.contains("staffCookie"), "\(name): x-roles \(roles), security \(schemes.sorted())")
                if schemes.contains("citizenCookie") { #expect(roles == ["citizen"], "\(name): the citizen cookie is a citizen's") }
                if roles.contains("public") { #expect(schemes.isEmpty, "\(name) is public yet names a cookie") }

                // Every {parameter} of the path is declared, and only those.
                let declared = ((operation.operation["parameters"] as? [Any] ?? []) + (operation.pathItem["parameters"] as? [Any] ?? []))
                    .compactMap { Self.resolve($0, in: document) }
                    .filter { $0["in"] as? String == "path" }
                    .compactMap { $0["name"] as? String }
                let inPath = operation.path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
                #expect(Set(declared) == Set(inPath), "\(name): path parameters \(inPath), declared \(declared)")

                // Every refusal is in the one error shape, with the codes of its status.
                let responses = operation.operation["responses"] as? [String: Any] ?? [:]
                #expect(responses.keys.contains { $0.hasPrefix("2") }, "\(name) has no success response")
                for (status, value) in responses {
                    guard let code = Int(status), code >= 400 else { continue }
                    let response = Self.resolve(value, in: document)
                    #expect(response?["description"] is String, "\(name) \(status) has no description")
                    let schema = ((response?["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"] as? [String: Any]
                    #expect(schema?["$ref"] as? String == "#/components/schemas/Error\(status)",
                            "\(name) \(status) does not answer with Error\(status)")
                }
            }
        }

        @Test func theServerServesTheDocumentAsYAML() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let response = try app.get("/api/openapi.yaml")
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "application/yaml")
            #expect(response.body == Array(try readTextFile(Self.documentPath).utf8))
            #expect(try app.request("HEAD", "/api/openapi.yaml").status == 200)
        }

        @Test(arguments: [nil, "/nonexistent/openapi.yaml"])
        func withoutItsDocumentTheServerRunsAndTheAddressSaysSo(_ file: String?) throws {
            let app = try TestApp { $0.openAPIFile = file }
            defer { app.shutdown() }
            let response = try app.get("/api/openapi.yaml")
            #expect(response.status == 404)
            #expect(response.errorCode == "openapi.not_found")
            #expect(try app.get("/healthz").status == 200)
        }
    }
}

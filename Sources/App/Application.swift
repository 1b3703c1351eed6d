import HTTP1
import Logging
import Transport

/// The application's own settings (the transport's are in `ServerConfiguration`).
package struct ApplicationConfiguration: Sendable {
    /// Directory of the browser client.
    package var publicDirectory: String = "Public"
    /// Whether `/ws/echo` and `/ws/hub` are served (conformance tests and benchmarks): on in development, off in production.
    package var webSocketTestEndpoints: Bool = true
    /// The Content-Security-Policy of every page: scripts, styles and connections only from this origin, no inline code.
    package var contentSecurityPolicy: String =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    package init() {}
}

package enum LastWordVersion {
    package static let current = "0.1.0"
}

/// Wires the layers: routes, WebSocket endpoints and static files on one router.
package struct Application: Sendable {
    package let configuration: ApplicationConfiguration
    package let router: Router

    package init(configuration: ApplicationConfiguration, server: ServerConfiguration, loops: EventLoopGroup, logger: Logger) {
        self.configuration = configuration
        let started = ContinuousClock.now
        let htmlHeaders: HTTPHeaders = [
            "Content-Security-Policy": configuration.contentSecurityPolicy,
            "Referrer-Policy": "same-origin",
            "X-Frame-Options": "DENY",
        ]
        var router = Router(
            maxJSONBodySize: server.maxJSONBodySize,
            staticFiles: StaticFiles(root: configuration.publicDirectory, cacheControl: server.staticCacheControl,
                                     maxCachedFileSize: server.staticMaxCachedFileSize, htmlHeaders: htmlHeaders)
        )
        if router.staticFiles == nil {
            logger.warning("static directory not found; serving no files", metadata: ["directory": "\(configuration.publicDirectory)"])
        }
        router.add("GET", "/healthz") { _ throws(HTTPError) in
            let uptime = ContinuousClock.now - started
            let seconds = Double(uptime.components.seconds) + Double(uptime.components.attoseconds) / 1e18
            return .json(encoding: Health(status: "ok", version: LastWordVersion.current, uptimeSeconds: (seconds * 1000).rounded() / 1000))
        }
        if configuration.webSocketTestEndpoints {
            router.webSocket("/ws/echo", EchoEndpoint())
            router.webSocket("/ws/hub", HubEndpoint(loops: loops))
        }
        self.router = router
    }
}

struct Health: Codable {
    var status: String
    var version: String
    var uptimeSeconds: Double
}

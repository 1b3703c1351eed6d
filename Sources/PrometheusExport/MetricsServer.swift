import App
import HTTP1
import Logging
import Transport

/// The `/metrics` listener: a second instance of the transport's `Server`, on an address of its own
/// (`metrics.listen`), with one loop, a few connections and one route, `GET /metrics`; anything else gets the
/// router's JSON errors (404, or 405 for another method on /metrics). The public listener never serves it.
package final class MetricsServer: Sendable {
    private let server: Server
    package let address: MetricsListenAddress

    /// At most this many connections at once: Prometheus and a person with curl need a few, and a scraper that
    /// leaks connections must not take descriptors from the public listener.
    package static let maxConnections = 64

    /// `base`: the public listener's settings, whose timeouts and HTTP limits apply here too.
    package init(address: MetricsListenAddress, base: ServerConfiguration, collector: MetricsCollector, backend: PrometheusBackend,
                 logger: Logger) {
        self.address = address
        var configuration = base
        configuration.host = address.host
        configuration.port = address.port
        configuration.eventLoops = 1
        configuration.maxConnections = Self.maxConnections
        configuration.maxConnectionsPerIP = Self.maxConnections
        configuration.allowedOrigins = []
        // Plain HTTP on its own address, whatever the public listener does: no TLS, no redirect listener (the public
        // one's port is taken by it), no static files.
        configuration.tls = TLSConfiguration()
        configuration.publicDirectory = nil
        var router = Router()
        router.add("GET", "/metrics", blocking: { _ in
            // One scrape at a time: the counters are moved up to the totals, then the text is rendered, together.
            let body = collector.collect { backend.render() }
            return HTTPResponse(status: 200, contentType: PrometheusBackend.contentType, body: body,
                                headers: ["Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"])
        })
        // Its own lines ("listening", refusals) say which listener they are about.
        var listenerLogger = logger
        listenerLogger[metadataKey: "listener"] = "metrics"
        server = Server(configuration: configuration, service: router, logger: listenerLogger)
    }

    package func start() throws {
        try server.start()
    }

    /// The addresses bound (with the kernel's port when 0 was asked for).
    package var boundAddresses: [SocketAddress] { server.boundAddresses }

    package func shutdown() {
        server.shutdown()
    }
}

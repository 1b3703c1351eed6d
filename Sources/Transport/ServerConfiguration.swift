import HTTP1
import WebSocket

/// Every limit, size and time of the transport, with its unit and default. The executable fills this from
/// `config/lastword.yaml` (whose comments say why each default is what it is) and logs it once at start-up.
package struct ServerConfiguration: Sendable {
    /// Addresses: "127.0.0.1", "::1", "0.0.0.0", "::" (dual-stack) or "localhost" (both loopbacks).
    package var host: String = "127.0.0.1"
    /// TCP port; 0 asks the kernel for a free one (the chosen port is reported by `Server.boundAddresses`).
    package var port: Int = 8080
    /// listen(2) backlog (the kernel caps it at net.core.somaxconn).
    package var backlog: Int32 = 1024
    /// Event loops (serial queues); 0 means one per CPU this process may run on (sched_getaffinity).
    package var eventLoops: Int = 0

    /// How loops learn that sockets are ready (see `ReadinessMode`).
    package var readiness: ReadinessMode = .loopEpoll

    /// Connections open at once; beyond it new connections get a 503 and are closed.
    package var maxConnections: Int = 16_000
    /// Connections open at once from one IP address (IPv4-mapped IPv6 counts as IPv4).
    package var maxConnectionsPerIP: Int = 1_000
    /// How long accepting pauses after EMFILE/ENFILE instead of spinning, in milliseconds.
    package var acceptBackoffMilliseconds: Int = 100

    /// Time for a request head and body (or a WebSocket handshake) to arrive once its first byte has, in ms (slow-loris); then 408.
    package var requestTimeoutMilliseconds: Int = 10_000
    /// Time a keep-alive connection may sit between requests, in ms; then it is closed silently.
    package var idleTimeoutMilliseconds: Int = 60_000
    /// Time the peer has to answer our Close frame, in ms; then the TCP connection is dropped.
    package var webSocketCloseTimeoutMilliseconds: Int = 5_000
    /// Time a connection with pending output may make no write progress, in ms; then it is dropped.
    package var writeStallTimeoutMilliseconds: Int = 30_000
    /// Interval between server pings on a quiet WebSocket, in ms; 0 turns pings off.
    package var pingIntervalMilliseconds: Int = 30_000
    /// Time a pinged peer has to show any sign of life, in ms; then it is dropped.
    package var pongTimeoutMilliseconds: Int = 15_000
    /// Time a closed connection waits for the peer's EOF after our last bytes (a lingering close), in ms.
    package var lingerTimeoutMilliseconds: Int = 2_000
    /// Time graceful shutdown waits for responses and close handshakes before dropping what is left, in ms.
    package var shutdownDeadlineMilliseconds: Int = 10_000

    /// Buffered outbound bytes above which a connection is congested: reading pauses (request/response) and
    /// broadcasts apply their overflow policy.
    package var sendHighWaterMark: Int = 1 << 20
    /// Buffered outbound bytes below which a congested connection resumes reading.
    package var sendLowWaterMark: Int = 256 << 10
    /// Input bytes a connection may hold unparsed while its previous request is answered (pipelining).
    package var maxPendingInput: Int = 256 << 10

    /// HTTP/1.1 parser limits (request line, header count and bytes, body size).
    package var http: HTTPLimits = .default
    /// Largest JSON body the router accepts, in bytes (≤ http.maxBodySize).
    package var maxJSONBodySize: Int = 64 << 10

    /// Largest WebSocket frame payload, in bytes (1009 beyond).
    package var webSocketMaxFrameSize: Int = 16 << 20
    /// Largest WebSocket message after reassembly and inflation, in bytes (1009 beyond).
    package var webSocketMaxMessageSize: Int = 16 << 20
    /// Origins allowed to open WebSockets, e.g. "https://lastword.example.org". Empty: same origin only
    /// (the Origin's host:port must equal the Host header).
    package var allowedOrigins: [String] = []
    /// Whether a handshake without an Origin header (a non-browser client) is accepted. Browsers always send one.
    package var allowMissingOrigin: Bool = true
    /// Load balancers in front of this server (their addresses, as the server sees them): a request from one of them
    /// counts as from the client it names in X-Forwarded-For (`Connection.clientAddress`), so per-address limits
    /// count citizens, not the proxy. Empty (the default): the socket's peer, whatever the request says.
    package var trustedProxies: Set<IPAddress> = []
    /// permessage-deflate (RFC 7692) settings.
    package var deflate: PerMessageDeflateConfiguration = .default

    /// TLS: certificate and key files (empty: plain HTTP), ciphers, the plain redirect port, HSTS.
    package var tls = TLSConfiguration()

    /// Directory of static files served for GET/HEAD requests no route claims; nil serves none.
    package var publicDirectory: String? = nil
    /// Cache-Control for static files.
    package var staticCacheControl: String = "no-cache"
    /// Static files larger than this are not kept in memory (nor gzipped), in bytes.
    package var staticMaxCachedFileSize: Int = 4 << 20

    package init() {}
}

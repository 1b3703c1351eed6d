import Logging
import HTTP1
import WebSocket

/// HTTP/1.1 state of a connection: the parser, the request being read, and whether a response is owed.
/// Requests are answered strictly in order: while one is being answered, later pipelined bytes wait unparsed
/// (bounded by `maxPendingInput`), so responses can never overtake each other.
struct HTTPSession {
    var parser: HTTPRequestParser
    var head: HTTPRequestHead?
    var body: [UInt8] = []
    /// When the first byte of the current request arrived (0: between requests) — the slow-loris clock.
    var requestStartedAt: UInt64 = 0
    var awaitingResponse = false
    /// Close once the owed response is written (the server is shutting down).
    var closeAfterResponse = false
    /// The peer sent FIN: answer the complete requests already received, then close.
    var peerHalfClosed = false
    /// Counts requests, so a late responder for an earlier request cannot answer a later one.
    var generation: UInt64 = 0
    var requestKeepAlive = true
    var requestIsHEAD = false
    /// The request being answered, for the access log: its method and when its first byte arrived.
    var answeringMethod = ""
    var answeringSince: UInt64 = 0

    init(limits: HTTPLimits) {
        parser = HTTPRequestParser(limits: limits)
    }
}

extension Connection {
    /// Parses requests from `input`. Returns true when the connection switched protocol and the rest of `input`
    /// belongs to the new one; false when parsing must stop (input consumed, a response is owed, or closed).
    func processHTTP(_ input: inout UnsafeRawBufferPointer) -> Bool {
        while isActive, http != nil {
            if http!.awaitingResponse || congested { return false }
            if http!.requestStartedAt == 0, !input.isEmpty { http!.requestStartedAt = monotonicNow() }
            let event: HTTPRequestEvent?
            do {
                event = try http!.parser.next(&input)
            } catch {
                failHTTP(error)
                return false
            }
            guard let event else { return false }
            switch event {
            case .head(let head):
                if head.expectsContinue, head.version == .http1_1, head.framing != .none, head.framing != .contentLength(0) {
                    // RFC 9110 §10.1.1: the parser has already refused a body over the limit, so invite it.
                    enqueue(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
                }
                http!.head = head
            case .body(let chunk):
                http!.body.append(contentsOf: chunk)
            case .end:
                guard let head = http!.head else { return false }
                let body = http!.body
                http!.head = nil
                http!.body = []
                http!.answeringMethod = head.method
                http!.answeringSince = http!.requestStartedAt
                http!.requestStartedAt = 0
                http!.awaitingResponse = true
                http!.generation &+= 1
                http!.requestKeepAlive = head.keepAlive
                http!.requestIsHEAD = head.method == "HEAD"
                var request = HTTPRequest(head: head, body: body, peer: clientAddress(head), connectionID: id)
                request.isSecure = tls != nil
                if service.acceptsUpgrades, head.headers.containsToken("websocket", in: "Upgrade") {
                    upgradeToWebSocket(request)
                    if webSocket != nil { return true }
                    continue
                }
                if context.isShuttingDown { http!.closeAfterResponse = true }
                service.handle(request, responder: HTTPResponder(connection: self, generation: http!.generation))
            }
        }
        return false
    }

    /// Writes the response owed for request `generation`, counted in `counters`; ignored (and not counted) if that
    /// request is no longer the one owed.
    func respond(_ response: HTTPResponse, generation: UInt64, counters: StatusCounters?) {
        guard isActive, let session = http, session.awaitingResponse, session.generation == generation else { return }
        counters?.record(response.status)
        let keepAlive = session.requestKeepAlive && !session.closeAfterResponse && !context.isShuttingDown
            && !response.headers.containsToken("close", in: "Connection")
        let bytes = writeResponse(response, keepAlive: keepAlive, omitBody: session.requestIsHEAD)
        if let accessLog = context.accessLog {
            logAccess(accessLog, method: session.answeringMethod, route: counters?.route ?? "(transport)",
                      status: response.status, since: session.answeringSince, bytes: bytes)
        }
        noteOutputGrowth()
        http!.awaitingResponse = false
        if !keepAlive {
            closeAfterFlush()
            return
        }
        if !processing {
            processPendingInput()
            if let http, http.peerHalfClosed, !http.awaitingResponse {
                // Every complete request the peer sent before its FIN is answered.
                closeAfterFlush()
                return
            }
            updateReading()
        }
    }

    /// One access log line: the route's pattern rather than the path (a path can carry a letter's query code), the
    /// time from the request's first byte to its response queued, and the bytes queued (head and body).
    func logAccess(_ accessLog: Logger, method: String, route: String, status: Int, since: UInt64, bytes: Int) {
        let micros = since == 0 ? 0 : (monotonicNow() &- since) / 1_000
        accessLog.info("access", metadata: [
            "conn": "\(id)", "method": "\(method)", "route": "\(route)", "status": "\(status)",
            "durationMs": "\(micros / 1_000).\(String(micros % 1_000 + 1_000).dropFirst())", "bytes": "\(bytes)",
        ])
    }

    /// Serializes a response: the application's headers plus Date, Content-Length and Connection (RFC 9110 §6.6.1, §8.6;
    /// RFC 9112 §9.6). Returns the bytes queued.
    @discardableResult
    func writeResponse(_ response: HTTPResponse, keepAlive: Bool, omitBody: Bool) -> Int {
        var head = HTTPResponseHead(status: response.status, headers: response.headers)
        head.headers.replaceOrAdd("Date", loop.httpDate())
        let bodyAllowed = !(100..<200).contains(response.status) && response.status != 204 && response.status != 304
        if bodyAllowed {
            head.headers.replaceOrAdd("Content-Length", String(response.body.count))
        } else {
            head.headers.remove("Content-Length")
        }
        head.headers.replaceOrAdd("Connection", keepAlive ? "keep-alive" : "close")
        if tls != nil, let value = context.strictTransportSecurity {
            // RFC 6797 §7.1: over TLS only (§7.2: never over plain HTTP, where it could be forged anyway).
            head.headers.replaceOrAdd("Strict-Transport-Security", value)
        }
        let sendBody = bodyAllowed && !omitBody && !response.body.isEmpty
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256 + (sendBody && response.body.count <= 16 << 10 ? response.body.count : 0))
        HTTPResponseEncoder.encodeHead(head, version: .http1_1, into: &bytes)
        let total = bytes.count + (sendBody ? response.body.count : 0)
        if sendBody, response.body.count <= 16 << 10 {
            bytes.append(contentsOf: response.body)
            enqueue(bytes)
        } else {
            enqueue(bytes)
            // A large body (a cached static file) is queued as it is: its storage is shared, not copied.
            if sendBody { enqueue(response.body) }
        }
        return total
    }

    /// Answers a request that could not be parsed, then closes: after a framing error the rest of the stream
    /// cannot be trusted (RFC 9112 §11.2, request smuggling).
    func failHTTP(_ error: HTTPRequestError) {
        context.logger.info("bad request", metadata: [
            "conn": "\(id)", "peer": "\(peer?.description ?? "-")", "code": "\(error.code)", "status": "\(error.status)",
        ])
        context.transportResponses.record(error.status)
        let bytes = writeResponse(.error(error.status, code: error.code, message: error.message), keepAlive: false,
                                  omitBody: http?.head?.method == "HEAD")
        if let accessLog = context.accessLog {
            logAccess(accessLog, method: http?.head?.method ?? "-", route: "(transport)", status: error.status,
                      since: http?.requestStartedAt ?? 0, bytes: bytes)
        }
        http?.awaitingResponse = false
        closeAfterFlush()
    }

    /// 408 for a request that did not arrive in time (slow-loris), then close.
    func requestTimedOut() {
        context.logger.info("request timeout", metadata: ["conn": "\(id)", "peer": "\(peer?.description ?? "-")", "code": "http.request_timeout"])
        context.transportResponses.record(408)
        let bytes = writeResponse(.error(408, code: "http.request_timeout", message: "The request did not arrive in time."),
                                  keepAlive: false, omitBody: false)
        if let accessLog = context.accessLog {
            logAccess(accessLog, method: http?.head?.method ?? "-", route: "(transport)", status: 408,
                      since: http?.requestStartedAt ?? 0, bytes: bytes)
        }
        closeAfterFlush()
    }
}

extension Connection {
    /// The request's client: the socket's peer, or — when that peer is a trusted proxy (`trustedProxies`) — the
    /// address the proxy put in X-Forwarded-For: the rightmost one that is not itself a trusted proxy. A client cannot
    /// choose it: whatever it sent in the header stands left of what its proxy appended. A header that does not parse
    /// leaves the proxy's own address (limits then count the proxy, as without the setting).
    func clientAddress(_ head: HTTPRequestHead) -> SocketAddress? {
        let trusted = context.configuration.trustedProxies
        guard let peer, !trusted.isEmpty, trusted.contains(peer.ip) else { return peer }
        let hops = head.headers.values("X-Forwarded-For").flatMap { $0.split(separator: ",") }
        for hop in hops.reversed() {
            let text = String(hop.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
            guard let address = SocketAddress(ip: text, port: 0) else { return peer }
            if !trusted.contains(address.ip) { return address }
        }
        return peer
    }
}

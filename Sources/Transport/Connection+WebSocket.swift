import HTTP1
import WebSocket

/// WebSocket state of a connection after the upgrade.
struct WebSocketSession {
    var reader: WebSocketMessageReader
    let handler: any WebSocketHandler
    /// The application's handle on this connection, made once (it holds a weak reference, which costs to form).
    let handle: WebSocketConnection
    let deflate: PerMessageDeflateParameters?
    /// Only when the server keeps its compression context (per connection, so not shared).
    var contextDeflater: MessageDeflater?
    let subprotocol: String?
    /// When we sent our Close frame (0: not yet). After it, data frames are discarded (RFC 6455 §5.5.1).
    var closeSentAt: UInt64 = 0
    /// The close code the application is told: the peer's, or ours when we failed the connection.
    var closeCodeForApplication: UInt16?
    var closeReason = ""
    var notifiedClose = false
    /// When our ping went out unanswered (0: none outstanding).
    var pingSentAt: UInt64 = 0
    /// Broadcast groups this connection belongs to, left automatically when it closes.
    var groups: [BroadcastGroup] = []
}

extension Connection {
    // MARK: handshake (RFC 6455 §4.2)

    func upgradeToWebSocket(_ request: HTTPRequest) {
        let headers = request.head.headers
        func refuse(_ status: Int, _ code: String, _ message: String, _ extra: HTTPHeaders = [:]) {
            context.logger.info("websocket handshake refused", metadata: [
                "conn": "\(id)", "peer": "\(peer?.description ?? "-")", "code": "\(code)", "status": "\(status)",
            ])
            respond(.error(status, code: code, message: message, headers: extra), generation: http!.generation,
                    counters: context.transportResponses)
        }
        // §4.2.1: a GET, HTTP/1.1, with Upgrade: websocket and Connection: Upgrade, a key, version 13, no body.
        guard request.head.method == "GET" else {
            return refuse(405, "ws.method_not_get", "A WebSocket handshake must be a GET request.", ["Allow": "GET"])
        }
        guard request.head.version == .http1_1 else {
            return refuse(400, "ws.http_version", "A WebSocket handshake needs HTTP/1.1.")
        }
        guard headers.containsToken("upgrade", in: "Connection") else {
            return refuse(400, "ws.connection_header", "The Connection header must include Upgrade.")
        }
        guard request.body.isEmpty else {
            return refuse(400, "ws.handshake_body", "A WebSocket handshake has no body.")
        }
        let versions = headers.values("Sec-WebSocket-Version")
        guard versions.count == 1, versions[0].trimmingASCIISpaces() == "13" else {
            // §4.4: tell the client which version we speak.
            return refuse(426, "ws.unsupported_version", "Only WebSocket version 13 is supported.", ["Sec-WebSocket-Version": "13"])
        }
        let keys = headers.values("Sec-WebSocket-Key")
        guard keys.count == 1, WebSocketHandshake.isValidKey(keys[0].trimmingASCIISpaces()) else {
            return refuse(400, "ws.invalid_key", "Sec-WebSocket-Key must be the base64 of 16 bytes.")
        }
        if let refusal = checkOrigin(headers) {
            return refuse(403, "ws.origin_not_allowed", refusal)
        }
        guard let endpoint = service.webSocketEndpoint(for: request) else {
            return refuse(404, "ws.no_endpoint", "No WebSocket endpoint at this path.")
        }
        let handler: any WebSocketHandler
        switch endpoint.accept(request) {
        case .reject(let response):
            respond(response, generation: http!.generation, counters: context.transportResponses)
            return
        case .accept(let accepted):
            handler = accepted
        }

        // §4.2.2: the subprotocol we prefer among those the client offered.
        let offered = headers.values("Sec-WebSocket-Protocol").flatMap { $0.split(separator: ",").map { $0.trimmingASCIISpaces() } }
        let subprotocol = endpoint.subprotocols.first { offered.contains($0) }
        let configuration = context.configuration
        let negotiated = configuration.deflate.enabled
            ? PerMessageDeflateNegotiation.negotiate(offers: headers.values("Sec-WebSocket-Extensions"), configuration: configuration.deflate)
            : nil

        var response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
        response += WebSocketHandshake.acceptValue(forKey: keys[0].trimmingASCIISpaces())
        if let subprotocol { response += "\r\nSec-WebSocket-Protocol: " + subprotocol }
        if let negotiated { response += "\r\nSec-WebSocket-Extensions: " + negotiated.response }
        response += "\r\n\r\n"
        let handshake = Array(response.utf8)
        enqueue(handshake)
        if let accessLog = context.accessLog {
            // The path is a registered endpoint's (`webSocketEndpoint` matched it exactly).
            logAccess(accessLog, method: "GET", route: request.path, status: 101, since: http!.answeringSince, bytes: handshake.count)
        }

        http = nil
        let readerConfiguration = WebSocketReaderConfiguration(
            maxFrameSize: configuration.webSocketMaxFrameSize,
            maxMessageSize: configuration.webSocketMaxMessageSize,
            role: .server
        )
        webSocket = WebSocketSession(
            reader: WebSocketMessageReader(configuration: readerConfiguration, deflate: negotiated?.parameters),
            handler: handler,
            handle: WebSocketConnection(self),
            deflate: negotiated?.parameters,
            subprotocol: subprotocol
        )
        lastReadAt = monotonicNow()
        context.webSocketOpened()
        handler.webSocketDidOpen(webSocket!.handle)
    }

    /// Same-origin unless configured otherwise (RFC 6455 §10.2: the server checks Origin against what it expects).
    /// Returns why the origin is refused, or nil.
    private func checkOrigin(_ headers: HTTPHeaders) -> String? {
        let origins = headers.values("Origin")
        guard let origin = origins.first?.trimmingASCIISpaces(), origins.count == 1 else {
            return origins.isEmpty
                ? (context.configuration.allowMissingOrigin ? nil : "An Origin header is required.")
                : "More than one Origin header."
        }
        let allowed = context.configuration.allowedOrigins
        if allowed.contains("*") { return nil }
        if allowed.contains(where: { $0.lowercased() == origin.lowercased() }) { return nil }
        if allowed.isEmpty, let host = headers["Host"], OriginPolicy.isSameOrigin(origin: origin, host: host) { return nil }
        return "Origin \(origin.prefix(100)) is not allowed."
    }

    // MARK: reading

    func processWebSocket(_ input: inout UnsafeRawBufferPointer) {
        while isActive, webSocket != nil {
            let event: WebSocketEvent?
            do {
                event = try webSocket!.reader.next(&input)
            } catch {
                failWebSocket(error)
                return
            }
            guard let event else { return }
            handleWebSocketEvent(event)
        }
    }

    private func handleWebSocketEvent(_ event: WebSocketEvent) {
        guard let session = webSocket else { return }
        switch event {
        case .text(let bytes):
            loop.traffic.received(bytes: bytes.count)
            if session.closeSentAt == 0 { session.handler.webSocket(session.handle, didReceive: .text(bytes)) }
        case .binary(let bytes):
            loop.traffic.received(bytes: bytes.count)
            if session.closeSentAt == 0 { session.handler.webSocket(session.handle, didReceive: .binary(bytes)) }
        case .ping(let payload):
            // §5.5.2: answer with a pong carrying the same payload, unless we are closing.
            if session.closeSentAt == 0 {
                enqueue(PreparedMessage.frame(opcode: .pong, payload: payload, rsv1: false))
                noteOutputGrowth()
            }
        case .pong:
            webSocket!.pingSentAt = 0
        case .close(let frame):
            if session.closeSentAt != 0 {
                // The answer to our Close: the handshake is complete; we close TCP first (§7.1.1).
                closeAfterFlush()
                notifyWebSocketClosed()
            } else {
                // §5.5.1: answer a Close with a Close, echoing the status code.
                webSocket!.closeCodeForApplication = frame?.code ?? 1005
                webSocket!.closeReason = frame?.reason ?? ""
                let payload = frame.map { FrameEncoder.closePayload(code: $0.code, reason: "") } ?? []
                enqueue(PreparedMessage.frame(opcode: .close, payload: payload, rsv1: false))
                webSocket!.closeSentAt = monotonicNow()
                closeAfterFlush()
                notifyWebSocketClosed()
            }
        }
    }

    /// Fails the connection (§7.1.7) for a protocol error: a Close with the error's code, then close.
    func failWebSocket(_ error: WebSocketProtocolError) {
        failWebSocket(code: error.closeCode, reason: error.reason, logCode: error.code)
    }

    /// Fails the connection: a Close with `code`, then close without waiting for the answer (§7.1.7).
    func failWebSocket(code: UInt16, reason: String, logCode: String) {
        context.logger.info("websocket failed", metadata: [
            "conn": "\(id)", "peer": "\(peer?.description ?? "-")", "code": "\(logCode)", "close": "\(code)",
        ])
        sendClose(code: code, reason: reason)
        closeAfterFlush()
        notifyWebSocketClosed()
    }

    /// Starts the closing handshake from our side (the application's close, or shutdown's 1001).
    func closeWebSocket(code: UInt16, reason: String) {
        guard isActive, let session = webSocket, session.closeSentAt == 0 else { return }
        sendClose(code: code, reason: reason)
    }

    private func sendClose(code: UInt16, reason: String) {
        guard webSocket != nil, webSocket!.closeSentAt == 0 else { return }
        webSocket!.closeSentAt = monotonicNow()
        webSocket!.closeCodeForApplication = webSocket!.closeCodeForApplication ?? code
        webSocket!.closeReason = reason
        enqueue(PreparedMessage.frame(opcode: .close, payload: FrameEncoder.closePayload(code: code, reason: reason), rsv1: false))
    }

    /// The TCP connection went away (abort): tell the application if nobody has yet.
    func webSocketTransportClosed() {
        if webSocket?.closeCodeForApplication == nil { webSocket?.closeCodeForApplication = 1006 }
        notifyWebSocketClosed()
        webSocket = nil
    }

    private func notifyWebSocketClosed() {
        guard let session = webSocket, !session.notifiedClose else { return }
        webSocket!.notifiedClose = true
        let handle = session.handle
        for group in session.groups { group.remove(handle) }
        webSocket!.groups = []
        context.webSocketClosed()
        session.handler.webSocketDidClose(handle, code: session.closeCodeForApplication, reason: session.closeReason)
    }

    func webSocketDrained() {
        guard let session = webSocket, session.closeSentAt == 0 else { return }
        session.handler.webSocketDidDrain(session.handle)
    }

    // MARK: writing

    /// Whether this connection can take data frames.
    var webSocketIsOpen: Bool {
        isActive && webSocket != nil && webSocket!.closeSentAt == 0
    }

    /// A reply on this connection (echo, an answer to a request): always queued; above the high-water mark the
    /// connection stops reading until its peer catches up.
    func sendWebSocketReply(opcode: WebSocketOpcode, payload: UnsafeRawBufferPointer) -> SendResult {
        guard webSocketIsOpen else { return .dropped }
        let frame: [UInt8]
        if let compressed = compressIfNegotiated(payload) {
            frame = PreparedMessage.frame(opcode: opcode, payload: compressed, rsv1: true)
        } else {
            frame = PreparedMessage.frame(opcode: opcode, payload: payload, rsv1: false)
        }
        enqueue(frame)
        noteOutputGrowth()
        loop.traffic.sent(bytes: payload.count)
        return .queued
    }

    /// A message prepared once for many receivers, under `policy` when this connection is congested. The caller
    /// counts what was queued (`LoopTraffic.sent`); what the policy did above the high-water mark is counted here.
    func sendPrepared(_ message: PreparedMessage, policy: OverflowPolicy) -> SendResult {
        guard webSocketIsOpen else { return .dropped }
        let frame = frameBytes(for: message)
        var topic: UInt64 = 0
        if isAboveHighWater {
            switch policy {
            case .keepNewest(let newest):
                if output.replaceUnsent(topic: newest, with: frame) {
                    loop.traffic.overflowed(policy)
                    return .queued
                }
                topic = newest
            case .close:
                loop.traffic.overflowed(policy)
                failWebSocket(code: 1008, reason: "send buffer overflow", logCode: "ws.send_overflow")
                return .closedConnection
            case .drop:
                loop.traffic.overflowed(policy)
                return .dropped
            }
        } else if case .keepNewest(let newest) = policy {
            topic = newest
        }
        output.append(frame, topic: topic)
        scheduleFlush()
        return .queued
    }

    private func frameBytes(for message: PreparedMessage) -> [UInt8] {
        guard let deflate = webSocket!.deflate, message.payload.count >= context.configuration.deflate.minimumSize else {
            return message.plainFrame
        }
        if deflate.serverNoContextTakeover {
            return message.compressedFrame(windowBits: deflate.serverMaxWindowBits, configuration: context.configuration.deflate)
        }
        let compressed = message.payload.withUnsafeBytes { contextDeflater(deflate).compress($0) }
        return PreparedMessage.frame(opcode: message.opcode, payload: compressed, rsv1: true)
    }

    private func compressIfNegotiated(_ payload: UnsafeRawBufferPointer) -> [UInt8]? {
        guard let deflate = webSocket!.deflate, payload.count >= context.configuration.deflate.minimumSize else { return nil }
        if deflate.serverNoContextTakeover {
            return DeflaterPool.shared.compress(payload, windowBits: deflate.serverMaxWindowBits, configuration: context.configuration.deflate)
        }
        return contextDeflater(deflate).compress(payload)
    }

    private func contextDeflater(_ deflate: PerMessageDeflateParameters) -> MessageDeflater {
        if let deflater = webSocket!.contextDeflater { return deflater }
        let configuration = context.configuration.deflate
        let deflater = MessageDeflater(windowBits: deflate.serverMaxWindowBits, noContextTakeover: false, level: configuration.compressionLevel, memoryLevel: configuration.memoryLevel)
        webSocket!.contextDeflater = deflater
        return deflater
    }

    func sendPing() {
        guard webSocketIsOpen else { return }
        webSocket!.pingSentAt = monotonicNow()
        enqueue(PreparedMessage.frame(opcode: .ping, payload: [], rsv1: false))
    }
}

/// Same-origin comparison of an Origin header with the Host header (RFC 6454 §4–5): scheme-default ports ignored.
package enum OriginPolicy {
    /// Why `origin` may not act on this server, or nil: it is one of `allowed` (case-insensitive), or `allowed` is
    /// empty and it is this server's own origin by the Host header.
    package static func refusal(origin: String, host: String?, allowed: [String]) -> String? {
        if allowed.contains(where: { $0.lowercased() == origin.lowercased() }) { return nil }
        if allowed.isEmpty, let host, isSameOrigin(origin: origin, host: host) { return nil }
        return "Origin \(origin.prefix(100)) is not allowed."
    }

    package static func isSameOrigin(origin: String, host: String) -> Bool {
        let lower = origin.lowercased()
        let scheme: String
        let rest: Substring
        if lower.hasPrefix("http://") {
            scheme = "http"; rest = lower.dropFirst(7)
        } else if lower.hasPrefix("https://") {
            scheme = "https"; rest = lower.dropFirst(8)
        } else {
            return false
        }
        guard !rest.contains("/") else { return false }
        return normalize(String(rest), scheme: scheme) == normalize(host.lowercased().trimmingASCIISpaces(), scheme: scheme)
    }

    private static func normalize(_ authority: String, scheme: String) -> String {
        let defaultPort = scheme == "https" ? ":443" : ":80"
        return authority.hasSuffix(defaultPort) ? String(authority.dropLast(defaultPort.count)) : authority
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (HTTP's OWS).
    func trimmingASCIISpaces() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars = scalars.dropFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars = scalars.dropLast() }
        return String(scalars)
    }
}

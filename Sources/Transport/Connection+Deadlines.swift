/// Every per-connection time limit, checked by the loop's periodic sweep (one timer per loop, not per connection).
extension Connection {
    func checkDeadlines(now: UInt64) {
        let configuration = context.configuration
        if writeBlockedSince != 0, now &- writeBlockedSince > Self.nanoseconds(configuration.writeStallTimeoutMilliseconds) {
            context.logger.info("write stalled", metadata: ["conn": "\(id)", "peer": "\(peer?.description ?? "-")", "code": "conn.write_stall", "buffered": "\(output.byteCount)"])
            abort(reset: true)
            return
        }
        switch lifecycle {
        case .closed, .closingAfterFlush:
            return
        case .lingering(let since):
            if now &- since > Self.nanoseconds(configuration.lingerTimeoutMilliseconds) { abort() }
        case .active:
            if let tls, !tls.handshakeComplete {
                // A handshake gets the request timeout from accept: a client that sends nothing, or half a ClientHello,
                // holds a descriptor and an SSL object no longer than a slow request would.
                if now &- acceptedAt > Self.nanoseconds(configuration.requestTimeoutMilliseconds) {
                    context.logger.info("tls handshake timed out", metadata: ["conn": "\(id)", "peer": "\(peer?.description ?? "-")", "code": "tls.handshake_timeout"])
                    abort()
                }
                return
            }
            if let http {
                if http.awaitingResponse { return }
                if http.requestStartedAt != 0 {
                    if now &- http.requestStartedAt > Self.nanoseconds(configuration.requestTimeoutMilliseconds) { requestTimedOut() }
                } else if pendingInput.isEmpty, now &- max(lastReadAt, lastWriteAt) > Self.nanoseconds(configuration.idleTimeoutMilliseconds) {
                    abort()
                }
            } else if let session = webSocket {
                if session.closeSentAt != 0 {
                    if now &- session.closeSentAt > Self.nanoseconds(configuration.webSocketCloseTimeoutMilliseconds) {
                        context.logger.debug("close handshake timed out", metadata: ["conn": "\(id)", "code": "ws.close_timeout"])
                        abort()
                    }
                } else if configuration.pingIntervalMilliseconds > 0 {
                    if session.pingSentAt != 0 {
                        if lastReadAt > session.pingSentAt {
                            webSocket!.pingSentAt = 0
                        } else if now &- session.pingSentAt > Self.nanoseconds(configuration.pongTimeoutMilliseconds) {
                            context.logger.info("peer stopped answering", metadata: ["conn": "\(id)", "peer": "\(peer?.description ?? "-")", "code": "ws.ping_timeout"])
                            webSocket!.closeCodeForApplication = 1006
                            abort()
                        }
                    } else if now &- lastReadAt > Self.nanoseconds(configuration.pingIntervalMilliseconds) {
                        sendPing()
                    }
                }
            }
        }
    }

    /// Graceful shutdown of this connection: WebSockets get 1001, idle HTTP connections close, a request being
    /// answered finishes first.
    func beginShutdown() {
        guard isActive else { return }
        if webSocket != nil {
            closeWebSocket(code: 1001, reason: "server shutting down")
        } else if let http {
            if http.awaitingResponse {
                self.http!.closeAfterResponse = true
            } else if http.requestStartedAt == 0 {
                abort()
            }
            // A request half-read is allowed to finish within the deadline; it is answered with Connection: close.
        }
    }

    static func nanoseconds(_ milliseconds: Int) -> UInt64 {
        UInt64(max(0, milliseconds)) &* 1_000_000
    }
}

/// A parsed request-line and header section, with the framing and connection decisions that
/// RFC 9112 requires the server to make from them.
package struct HTTPRequestHead: Sendable, Equatable {
    /// The method token, case-sensitive (RFC 9110 §9.1). Any token is accepted here: the router
    /// decides between 405 and 501.
    package var method: String
    /// The request-target exactly as received (RFC 9112 §3.2).
    package var target: String
    /// The path of the target, still percent-encoded: everything before "?" in origin-form, the
    /// path of an absolute-form target ("/" when it has none), "*" for asterisk-form.
    package var path: String
    /// Everything after the first "?", raw; nil when the target has no "?".
    package var query: String?
    package var version: HTTPVersion
    package var headers: HTTPHeaders
    package var framing: HTTPBodyFraming
    /// Whether the connection persists after this exchange (RFC 9112 §9.3): an HTTP/1.1 request
    /// unless it says "Connection: close"; an HTTP/1.0 request only if it says "Connection:
    /// keep-alive" (RFC 9112 Appendix C.2.2) and not "close".
    package var keepAlive: Bool
    /// "Expect: 100-continue" in an HTTP/1.1 request (RFC 9110 §10.1.1), as sent: the transport
    /// decides whether to send 100 (pointless when `framing` is `.none`). RFC 9110 §10.1.1 requires
    /// ignoring it in an HTTP/1.0 request, and we do.
    package var expectsContinue: Bool

    package init(
        method: String,
        target: String,
        path: String,
        query: String? = nil,
        version: HTTPVersion = .http1_1,
        headers: HTTPHeaders = [:],
        framing: HTTPBodyFraming = .none,
        keepAlive: Bool = true,
        expectsContinue: Bool = false
    ) {
        self.method = method
        self.target = target
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.framing = framing
        self.keepAlive = keepAlive
        self.expectsContinue = expectsContinue
    }
}

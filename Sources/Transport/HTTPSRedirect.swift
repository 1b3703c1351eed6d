import HTTP1

/// The optional plain listener beside a TLS one (`server.tls.redirectPlainPort`): every request, whatever its method,
/// path or Upgrade header, gets 308 to the same path and query on https://, at the host the client asked for and the
/// TLS port (RFC 9110 §15.4.9: 308 keeps the method and body, so a POST is not turned into a GET). Never HSTS here:
/// RFC 6797 §7.2 forbids it over plain HTTP.
package struct HTTPSRedirectService: HTTPService {
    /// The TLS listener's port; 443 is left out of the URL.
    package let httpsPort: Int

    package init(httpsPort: Int) {
        self.httpsPort = httpsPort
    }

    package var acceptsUpgrades: Bool { false }

    package func webSocketEndpoint(for request: HTTPRequest) -> (any WebSocketEndpoint)? { nil }

    package func handle(_ request: HTTPRequest, responder: HTTPResponder) {
        guard let location = location(for: request) else {
            responder.respond(.error(400, code: "http.bad_host", message: "This address serves HTTPS only; the request has no usable Host header."))
            return
        }
        var headers: HTTPHeaders = ["Location": location, "Cache-Control": "no-store"]
        headers.add("Content-Type", "text/plain; charset=utf-8")
        responder.respond(HTTPResponse(status: 308, headers: headers, body: Array("This site is served over HTTPS: \(location)\n".utf8)))
    }

    /// https://host[:port]/path?query, or nil when the Host header is missing or not a host name or address.
    package func location(for request: HTTPRequest) -> String? {
        let hosts = request.headers.values("Host")
        guard hosts.count == 1, let host = Self.hostWithoutPort(hosts[0].trimmingASCIISpaces()) else { return nil }
        var target = request.path.hasPrefix("/") ? request.path : "/"
        if let query = request.head.query { target += "?" + query }
        return "https://" + host + (httpsPort == 443 ? "" : ":\(httpsPort)") + target
    }

    /// The host part of a Host header (RFC 9110 §7.2: uri-host [":" port]), kept only if it is a reg-name of letters,
    /// digits, '-', '.' or an IPv6 literal in brackets: nothing else can reach a Location header.
    static func hostWithoutPort(_ value: String) -> String? {
        var host = Substring(value)
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let literal = host[host.index(after: host.startIndex)..<close]
            guard !literal.isEmpty, literal.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return nil }
            let rest = host[host.index(after: close)...]
            guard rest.isEmpty || (rest.hasPrefix(":") && rest.dropFirst().allSatisfy(\.isASCIIDigit)) else { return nil }
            return "[" + literal + "]"
        }
        if let colon = host.firstIndex(of: ":") {
            guard host[host.index(after: colon)...].allSatisfy(\.isASCIIDigit) else { return nil }
            host = host[..<colon]
        }
        guard !host.isEmpty, host.count <= 253,
              host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) else { return nil }
        return String(host)
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

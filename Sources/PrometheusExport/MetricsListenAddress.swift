import Transport

/// Where `/metrics` is served: `metrics.listen`, as `host:port` — `127.0.0.1:9464`, `[::1]:9464`, `localhost:9464`,
/// `0.0.0.0:9464` — or empty for no metrics listener.
package struct MetricsListenAddress: Sendable, Equatable, CustomStringConvertible {
    package var host: String
    package var port: Int

    package init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// nil for "" (off); throws why anything else that is not host:port is refused.
    package static func parse(_ text: String) throws(Invalid) -> MetricsListenAddress? {
        let text = text.trimmingSpacesAndTabs()
        if text.isEmpty { return nil }
        let host: Substring
        let port: Substring
        if text.hasPrefix("[") {
            // [IPv6]:port (RFC 3986 §3.2.2)
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw Invalid(text, "an IPv6 address is written in brackets: [::1]:9464")
            }
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else {
                throw Invalid(text, text.contains(":") ? "an IPv6 address is written in brackets: [::1]:9464"
                                                       : "it needs a port: 127.0.0.1:9464")
            }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        guard !port.isEmpty, port.allSatisfy(\.isASCIIDigit), port.count <= 5, let number = Int(port), (0...65535).contains(number) else {
            throw Invalid(text, "the port must be a number from 0 to 65535")
        }
        guard host == "localhost" || SocketAddress(ip: String(host), port: number) != nil else {
            throw Invalid(text, "the host must be a numeric IPv4 or IPv6 address or localhost")
        }
        return MetricsListenAddress(host: String(host), port: number)
    }

    /// Only this machine can reach it.
    package var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    package var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    package struct Invalid: Error, CustomStringConvertible {
        package var description: String
        init(_ text: String, _ problem: String) {
            description = "metrics.listen must be host:port, or empty to serve no metrics (got \"\(text)\": \(problem))"
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

extension String {
    fileprivate func trimmingSpacesAndTabs() -> String {
        var view = Substring(self)
        while let first = view.first, first == " " || first == "\t" { view = view.dropFirst() }
        while let last = view.last, last == " " || last == "\t" { view = view.dropLast() }
        return String(view)
    }
}

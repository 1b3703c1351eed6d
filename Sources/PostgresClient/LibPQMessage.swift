/// libpq's error texts in our plain style: no trailing newline, no tab-indented hints, no `FATAL:  ` severity prefix.
enum LibPQMessage {
    /// The first meaningful line, severity prefix removed, its first letter lower-cased when the next one is (so
    /// `Connection refused` reads `connection refused`, `SSL …` stays).
    static func firstLine(_ text: String) -> String {
        lines(text).first ?? ""
    }

    /// The lines that say something: hint lines (tab-indented) dropped, each cleaned as `firstLine` describes.
    static func lines(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline)
            .filter { !$0.hasPrefix("\t") && !$0.hasPrefix(" ") }
            .map { clean(String($0)) }
            .filter { !$0.isEmpty }
    }

    static func clean(_ line: String) -> String {
        var text = Substring(line)
        for prefix in ["FATAL:  ", "ERROR:  ", "PANIC:  ", "DETAIL:  "] where text.hasPrefix(prefix) {
            text = text.dropFirst(prefix.count)
        }
        text = text.drop { $0 == " " }
        while text.last == " " { text = text.dropLast() }
        return lowercasingFirstWord(String(text))
    }

    private static func lowercasingFirstWord(_ text: String) -> String {
        var characters = text.makeIterator()
        guard let first = characters.next(), first.isUppercase, let second = characters.next(), second.isLowercase else {
            return text
        }
        return first.lowercased() + text.dropFirst()
    }

    /// The reasons libpq gave per address it tried, `connection refused` for `127.0.0.1:5`; a line that names no
    /// address is added to the previous one's reason (or stands alone, address nil).
    ///
    /// libpq 15 writes `connection to server at "HOST" (ADDRESS), port PORT failed: REASON` or
    /// `connection to server on socket "PATH" failed: REASON`, then tab-indented hints.
    static func connectionFailures(_ text: String) -> [(address: String?, reason: String)] {
        var failures: [(address: String?, reasons: [String])] = []
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("\t") {
            if let parsed = parseConnectionLine(line) {
                failures.append((parsed.address, [clean(parsed.reason)]))
            } else if !failures.isEmpty {
                failures[failures.count - 1].reasons.append(clean(String(line)))
            } else {
                failures.append((nil, [clean(String(line))]))
            }
        }
        return failures.map { ($0.address, $0.reasons.filter { !$0.isEmpty }.joined(separator: "; ")) }
    }

    private static func parseConnectionLine(_ line: Substring) -> (address: String, reason: String)? {
        let tcp = "connection to server at \""
        let socket = "connection to server on socket \""
        let failed = " failed: "
        guard let failedRange = line.firstRange(of: failed) else { return nil }
        let head = line[..<failedRange.lowerBound]
        let reason = String(line[failedRange.upperBound...])
        if head.hasPrefix(socket) {
            return (String(head.dropFirst(socket.count).prefix { $0 != "\"" }), reason)
        }
        guard head.hasPrefix(tcp) else { return nil }
        let host = head.dropFirst(tcp.count).prefix { $0 != "\"" }
        guard let portRange = head.firstRange(of: ", port ") else { return nil }
        let port = head[portRange.upperBound...]
        return (address(host: String(host), port: String(port)), reason)
    }

    /// `host:port`, with brackets around an IPv6 address.
    static func address(host: String, port: String) -> String {
        if host.hasPrefix("/") { return "\(host)/.s.PGSQL.\(port)" }
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// `url` with its password replaced, for messages (libpq quotes a URL it cannot parse).
    static func redactingPassword(in text: String, url: String) -> String {
        guard let scheme = url.firstRange(of: "://") else { return text }
        let authorityEnd = url[scheme.upperBound...].firstIndex { $0 == "/" || $0 == "?" } ?? url.endIndex
        let authority = url[scheme.upperBound..<authorityEnd]
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else { return text }
        let password = url[url.index(after: colon)..<at]
        guard !password.isEmpty else { return text }
        return text.replacing(String(password), with: "***")
    }
}

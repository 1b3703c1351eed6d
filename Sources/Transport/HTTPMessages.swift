import HTTP1

/// A complete request as the application sees it: head, whole body (bounded by the limits), and where it came from.
package struct HTTPRequest: Sendable {
    package var head: HTTPRequestHead
    package var body: [UInt8]
    package var peer: SocketAddress?
    package var connectionID: UInt64
    /// Whether the request came over TLS (the transport's listener; a proxy's X-Forwarded-Proto is the application's call).
    package var isSecure: Bool = false
    /// Values of the route pattern's `:name` segments, percent-decoded (set by `Router`).
    package var parameters: [String: String] = [:]

    package init(head: HTTPRequestHead, body: [UInt8] = [], peer: SocketAddress? = nil, connectionID: UInt64 = 0) {
        self.head = head
        self.body = body
        self.peer = peer
        self.connectionID = connectionID
    }

    package var method: String { head.method }
    package var path: String { head.path }
    package var headers: HTTPHeaders { head.headers }

    /// The query's `name=value` pairs, percent-decoded ('+' is a space, as forms send it).
    package var queryItems: [(name: String, value: String)] {
        guard let query = head.query, !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = PercentEncoding.decodeQueryComponent(parts[0]) ?? String(parts[0])
            let value = parts.count > 1 ? (PercentEncoding.decodeQueryComponent(parts[1]) ?? String(parts[1])) : ""
            return (name, value)
        }
    }

    package func query(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }
}

/// A response: status, headers and a body. The transport adds Date, Content-Length and Connection.
package struct HTTPResponse: Sendable {
    package var status: Int
    package var headers: HTTPHeaders
    package var body: [UInt8]

    package init(status: Int, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    package init(status: Int, contentType: String, body: [UInt8], headers: HTTPHeaders = [:]) {
        self.status = status
        self.headers = headers
        self.headers.replaceOrAdd("Content-Type", contentType)
        self.body = body
    }

    /// A JSON response from already-encoded bytes.
    package static func json(_ status: Int = 200, _ body: [UInt8], headers: HTTPHeaders = [:]) -> HTTPResponse {
        var response = HTTPResponse(status: status, contentType: "application/json", body: body, headers: headers)
        // A JSON body is never to be sniffed as HTML or script (a stored suggestion could otherwise be run).
        response.headers.replaceOrAdd("X-Content-Type-Options", "nosniff")
        return response
    }

    /// The error shape every client sees: `{"error": code, "message": text}` (DEVELOPERS.md, quality bar).
    package static func error(_ status: Int, code: String, message: String, headers: HTTPHeaders = [:]) -> HTTPResponse {
        var body: [UInt8] = []
        body.reserveCapacity(32 + code.utf8.count + message.utf8.count)
        body.append(contentsOf: #"{"error":"#.utf8)
        JSONText.appendString(code, to: &body)
        body.append(contentsOf: #","message":"#.utf8)
        JSONText.appendString(message, to: &body)
        body.append(UInt8(ascii: "}"))
        return .json(status, body, headers: headers)
    }
}

/// Small JSON text helpers for the transport's own bodies (errors, health); the application uses Codable.
package enum JSONText {
    /// Appends `value` as a JSON string literal (RFC 8259 §7 escaping).
    package static func appendString(_ value: String, to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): buffer.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): buffer.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: buffer.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: buffer.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: buffer.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20, UInt8(ascii: "<"):
                // Control characters must be escaped; '<' is, so that no JSON text can close a <script> element.
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                buffer.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: buffer.append(byte)
            }
        }
        buffer.append(UInt8(ascii: "\""))
    }
}

/// Percent-decoding for query components.
package enum PercentEncoding {
    package static func decodeQueryComponent<S: StringProtocol>(_ text: S) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(0x20)
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

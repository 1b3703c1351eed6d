import Transport

/// An HTTPS client over a real socket for integration tests: the transport's own `TLSSession` in the client role on a
/// `TestHTTPClient`'s socket, trusting the test CA and checking the name `localhost`.
package final class TestTLSClient {
    package let socket: TestHTTPClient
    package let session: TLSSession
    private var plaintext: [UInt8] = []
    private var readIndex = 0
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 << 10, alignment: 16)

    /// Connects and completes the handshake (throws if the server's certificate is not trusted, or the server closes).
    package init(port: Int, context: TLSContext, timeoutSeconds: Int = TestHTTPClient.defaultTimeoutSeconds) throws {
        socket = try TestHTTPClient(port: port, timeoutSeconds: timeoutSeconds)
        guard let session = TLSSession(context: context, verifyHost: "localhost") else {
            throw TestClientError.malformed("no TLS session")
        }
        self.session = session
        try feed([])
        while !session.handshakeComplete {
            guard let bytes = try socket.readSome(upTo: 64 << 10) else { throw TestClientError.endOfStream("the TLS handshake") }
            try feed(bytes)
        }
        try sendPending()
    }

    deinit { buffer.deallocate() }

    /// A client context trusting `authority`.
    package static func context(trusting authority: TestCertificateAuthority) throws -> TLSContext {
        try TLSContext.client(trustingPEM: authority.certificatePEM)
    }

    private func feed(_ ciphertext: [UInt8]) throws {
        let outcome = ciphertext.withUnsafeBytes { bytes in
            session.receive(bytes, into: buffer) { plain in
                plaintext.append(contentsOf: plain)
                return true
            }
        }
        if case .failed(let error) = outcome { throw TestClientError.malformed("TLS: \(error)") }
        try sendPending()
    }

    private func sendPending() throws {
        var pending: [UInt8] = []
        session.withPendingOutput { bytes in
            pending = Array(bytes)
            return bytes.count
        }
        if !pending.isEmpty { try socket.send(pending) }
    }

    package func send(_ bytes: [UInt8]) throws {
        var records: [UInt8] = []
        if let error = bytes.withUnsafeBytes({ session.encrypt($0, into: &records) }) {
            throw TestClientError.malformed("TLS: \(error)")
        }
        try socket.send(records)
    }

    package func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Reads and decrypts once more. Returns false at end of stream.
    private func fill(_ what: String) throws -> Bool {
        guard let bytes = try socket.readSome(upTo: 64 << 10) else { return false }
        try feed(bytes)
        return true
    }

    /// One response with a Content-Length body (what our server always sends).
    package func readResponse() throws -> TestHTTPResponse {
        var end: Int?
        while end == nil {
            if let index = plaintext[readIndex...].firstRange(of: [13, 10, 13, 10]) { end = index.upperBound; break }
            guard try fill("a response head") else { throw TestClientError.endOfStream("a response head") }
        }
        let head = String(decoding: plaintext[readIndex..<end!], as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: true).map(String.init)
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else { throw TestClientError.malformed("status line \(statusLine)") }
        var response = TestHTTPResponse(version: String(parts[0]), status: status, reason: parts.count > 2 ? String(parts[2]) : "",
                                        headers: [], body: [])
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            response.headers.append((String(line[..<colon]), String(line[line.index(after: colon)...].drop { $0 == " " })))
        }
        let length = Int(response.header("Content-Length") ?? "0") ?? 0
        while plaintext.count - end! < length {
            guard try fill("a response body") else { throw TestClientError.endOfStream("a response body") }
        }
        response.body = Array(plaintext[end!..<(end! + length)])
        readIndex = end! + length
        return response
    }
}

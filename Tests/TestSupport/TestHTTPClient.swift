import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// What went wrong on the test client's side of a socket.
package enum TestClientError: Error, CustomStringConvertible {
    /// A syscall failed (`connect` refused, `send` reset, ...).
    case system(String, errno: Int32)
    /// The peer closed the connection before the expected bytes arrived.
    case endOfStream(String)
    /// The safety-net receive timeout fired: the server never sent what the test waited for.
    case timedOut(String)
    /// The peer sent something the client cannot parse.
    case malformed(String)

    package var description: String {
        switch self {
        case .system(let call, let errno): return "\(call) failed: \(String(cString: strerror(errno))) (errno \(errno))"
        case .endOfStream(let what): return "connection closed while reading \(what)"
        case .timedOut(let what): return "timed out while reading \(what)"
        case .malformed(let what): return "malformed \(what)"
        }
    }

    package var errno: Int32? {
        if case .system(_, let errno) = self { return errno }
        return nil
    }
}

/// How the server ended a connection, seen from the client.
package enum TestConnectionEnd: Equatable {
    /// An orderly FIN.
    case endOfStream
    /// An RST (ECONNRESET).
    case reset
}

/// A response as the client read it off the wire.
package struct TestHTTPResponse {
    package var version: String
    package var status: Int
    package var reason: String
    package var headers: [(name: String, value: String)]
    package var body: [UInt8]

    /// The first value of `name`, compared case-insensitively.
    package func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Every value of `name`, in order.
    package func headerValues(_ name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    package var text: String { String(decoding: body, as: UTF8.self) }

    /// The body as a flat JSON object of strings (the error shape), or nil if it is not one.
    package var jsonObject: [String: String]? {
        try? JSONDecoder().decode([String: String].self, from: Data(body))
    }

    /// The `error` code of a body in the one error shape: `{"error": code, "message": text}` and nothing else.
    package var errorCode: String? {
        guard let object = jsonObject, object.count == 2, let code = object["error"], let message = object["message"],
              !code.isEmpty, !message.isEmpty else { return nil }
        return code
    }
}

/// A blocking TCP client for one connection to the server under test. The receive timeout (`SO_RCVTIMEO`) is only a
/// safety net, so that a server that never answers fails the test instead of hanging it; tests wait on what they
/// read, never on the clock.
package final class TestHTTPClient {
    package let fd: Int32
    package let port: Int
    private var buffer: [UInt8] = []
    private var readIndex = 0
    package private(set) var closed = false

    /// The safety net for every blocking read.
    package static let defaultTimeoutSeconds = 10

    /// Connects to 127.0.0.1:`port`. `receiveBufferSize` (SO_RCVBUF, set before connecting so the TCP window is
    /// small from the start) makes a client that stops reading fill up quickly.
    package init(port: Int, receiveBufferSize: Int? = nil, timeoutSeconds: Int = TestHTTPClient.defaultTimeoutSeconds) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestClientError.system("socket", errno: errno) }
        self.fd = fd
        self.port = port
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        if var size = receiveBufferSize.map(Int32.init) {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc < 0 {
            let error = errno
            Glibc.close(fd)
            closed = true
            throw TestClientError.system("connect", errno: error)
        }
    }

    deinit { close() }

    package func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }

    /// Sends FIN: the server sees end of input, the client can still read.
    package func shutdownWrite() {
        Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// Makes `close` send RST (SO_LINGER 0).
    package func setAbortiveClose() {
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
    }

    // MARK: sending

    package func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EINTR { continue }
                throw TestClientError.system("send", errno: errno)
            }
            offset += sent
        }
    }

    /// Sends `bytes` from another thread, for a test that must not read while the server stops reading: the send
    /// blocks until the server reads again. `wait` on the result.
    package func sendInBackground(_ bytes: [UInt8]) -> BackgroundWork {
        let fd = self.fd
        return BackgroundWork {
            var offset = 0
            while offset < bytes.count {
                let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
                if sent < 0, errno == EINTR || errno == EAGAIN { continue }
                if sent <= 0 { return }
                offset += sent
            }
        }
    }

    package func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    /// A request with `Host` first, then `headers`, then `Content-Length` when there is a body (unless a header
    /// already frames it).
    package static func request(
        _ method: String, _ target: String, version: String = "HTTP/1.1", host: String? = "127.0.0.1",
        headers: [(String, String)] = [], body: [UInt8] = []
    ) -> [UInt8] {
        var text = "\(method) \(target) \(version)\r\n"
        if let host { text += "Host: \(host)\r\n" }
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        let framed = headers.contains { ["content-length", "transfer-encoding"].contains($0.0.lowercased()) }
        if !body.isEmpty, !framed { text += "Content-Length: \(body.count)\r\n" }
        text += "\r\n"
        return Array(text.utf8) + body
    }

    /// Sends one request and reads its response.
    package func exchange(
        _ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = []
    ) throws -> TestHTTPResponse {
        try send(Self.request(method, target, headers: headers, body: body))
        return try readResponse(method: method)
    }

    // MARK: receiving

    /// Bytes received and not yet consumed.
    package var buffered: Int { buffer.count - readIndex }

    /// Reads once from the socket into the buffer. Returns false at end of stream.
    @discardableResult
    package func fill(_ what: String = "data") throws -> Bool {
        if readIndex > 0, readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex > 1 << 20 {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer.append(contentsOf: chunk[0..<count])
                return true
            }
            if count == 0 { return false }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: throw TestClientError.timedOut(what)
            default: throw TestClientError.system("recv", errno: errno)
            }
        }
    }

    /// Whether bytes (or the end of the stream) are ready to read within `milliseconds`. For pacing a client that
    /// trickles bytes, never for waiting on the server.
    package func waitUntilReadable(milliseconds: Int32) -> Bool {
        if buffered > 0 { return true }
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, milliseconds) > 0
    }

    /// Exactly `count` bytes.
    package func read(count: Int, _ what: String = "data") throws -> [UInt8] {
        while buffered < count {
            guard try fill(what) else { throw TestClientError.endOfStream(what) }
        }
        let bytes = Array(buffer[readIndex..<(readIndex + count)])
        readIndex += count
        return bytes
    }

    /// Up to `count` bytes that are available (at least one), or nil at end of stream.
    package func readSome(upTo count: Int) throws -> [UInt8]? {
        if buffered == 0, try !fill() { return nil }
        let taken = min(count, buffered)
        let bytes = Array(buffer[readIndex..<(readIndex + taken)])
        readIndex += taken
        return bytes
    }

    /// One line without its CRLF; a bare LF is malformed.
    package func readLine(_ what: String = "a line") throws -> String {
        var from = readIndex
        while true {
            if let lf = buffer[from...].firstIndex(of: 0x0A) {
                guard lf > readIndex, buffer[lf - 1] == 0x0D else { throw TestClientError.malformed("\(what): a bare LF") }
                let line = String(decoding: buffer[readIndex..<(lf - 1)], as: UTF8.self)
                readIndex = lf + 1
                return line
            }
            let scanned = buffer.count - readIndex
            guard try fill(what) else { throw TestClientError.endOfStream(what) }
            from = readIndex + scanned
        }
    }

    /// Reads until the server closes the connection; returns what arrived before and how it ended.
    package func readUntilClosed() throws -> (bytes: [UInt8], end: TestConnectionEnd) {
        do {
            while try fill("the end of the connection") {}
        } catch let error as TestClientError where error.errno == ECONNRESET {
            let rest = Array(buffer[readIndex...])
            readIndex = buffer.count
            return (rest, .reset)
        }
        let rest = Array(buffer[readIndex...])
        readIndex = buffer.count
        return (rest, .endOfStream)
    }

    /// Reads one response. `method` tells whether a body follows (HEAD's does not); a 1xx response is returned as
    /// it is, without a body, and the final response follows it.
    package func readResponse(method: String = "GET") throws -> TestHTTPResponse {
        let statusLine = try readLine("a status line")
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else {
            throw TestClientError.malformed("status line: \(statusLine.debugDescription)")
        }
        var response = TestHTTPResponse(
            version: String(parts[0]), status: status, reason: parts.count > 2 ? String(parts[2]) : "", headers: [], body: [])
        while true {
            let line = try readLine("a header line")
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { throw TestClientError.malformed("header line: \(line.debugDescription)") }
            let name = String(line[..<colon])
            let value = String(line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" })
            response.headers.append((name, value))
        }
        if (100..<200).contains(status) || status == 204 || status == 304 || method == "HEAD" {
            return response
        }
        if response.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
            while true {
                let sizeLine = try readLine("a chunk size")
                guard let size = Int(sizeLine.split(separator: ";")[0], radix: 16) else {
                    throw TestClientError.malformed("chunk size \(sizeLine.debugDescription)")
                }
                if size == 0 {
                    while try !readLine("the trailers").isEmpty {}
                    break
                }
                response.body += try read(count: size, "a chunk")
                guard try readLine("a chunk's CRLF").isEmpty else { throw TestClientError.malformed("chunk data") }
            }
        } else if let length = response.header("Content-Length") {
            guard let count = Int(length) else { throw TestClientError.malformed("Content-Length \(length)") }
            response.body = try read(count: count, "a body of \(count) bytes")
        } else {
            response.body = try readUntilClosed().bytes
        }
        return response
    }
}

/// Resident memory of this process (VmRSS), in bytes; traps if it cannot be read, so that no bound on it holds
/// vacuously.
package func residentMemoryBytes() -> Int {
    let fd = open("/proc/self/status", O_RDONLY)
    precondition(fd >= 0, "cannot open /proc/self/status")
    defer { Glibc.close(fd) }
    var bytes = [UInt8](repeating: 0, count: 8192)
    let count = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
    precondition(count > 0, "cannot read /proc/self/status")
    let text = String(decoding: bytes[0..<count], as: UTF8.self)
    for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        let kilobytes = line.dropFirst(6).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) } ?? 0
        precondition(kilobytes > 0, "no VmRSS in /proc/self/status")
        return kilobytes * 1024
    }
    preconditionFailure("no VmRSS in /proc/self/status")
}

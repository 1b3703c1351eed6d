import COpenSSL

/// One connection's TLS: an OpenSSL `SSL` told about ciphertext bytes, like our parsers — it never touches a socket,
/// a queue or a clock. `receive` takes what the socket read and hands out the plaintext; `encrypt` turns plaintext
/// into records; what OpenSSL wants sent on its own (handshake flights, tickets, alerts) waits in `pendingOutput`.
/// The connection sends every byte through its usual write path, so backpressure, the water marks and every
/// timeout apply to TLS connections unchanged, and two sessions can be paired in memory by a test.
///
/// The `SSL` reads and writes through a BIO of ours rather than OpenSSL's memory BIO pair: `BIO_s_mem` would copy
/// every byte in and out once more and keep its largest buffer per connection; ours reads straight from the loop's
/// read buffer and writes into whichever array it is given (the loop's scratch while encrypting, so an idle
/// connection holds no ciphertext buffer at all).
///
/// Confined to its connection's event loop (not Sendable).
package final class TLSSession {
    package enum ReceiveOutcome: Equatable {
        /// All input consumed; the plaintext (if any) was delivered.
        case ok
        /// The peer sent close_notify: no more input will come.
        case closedByPeer
        case failed(TLSError)
    }

    private let ssl: OpaquePointer
    package let context: TLSContext
    package private(set) var handshakeComplete = false
    private var shutdownSent = false
    private var receivedAny = false

    // What the BIO reads from during `receive`.
    fileprivate var input = UnsafeRawBufferPointer(start: nil, count: 0)
    fileprivate var inputOffset = 0
    /// Where the BIO writes: `outbox`, or the caller's buffer while `encrypt` runs (the two are swapped).
    fileprivate var sink: [UInt8] = []
    /// Bytes of `sink` already handed to the socket.
    private var sinkSent = 0

    /// A session for one connection, in the context's role (server: accepts; client: connects); nil when OpenSSL
    /// cannot make one (out of memory).
    package init?(context: TLSContext, verifyHost: String? = nil) {
        guard let ssl = SSL_new(context.pointer) else {
            _ = OpenSSLError.drain()
            return nil
        }
        self.ssl = ssl
        self.context = context
        guard let bio = BIO_new(tlsBIOMethod) else {
            SSL_free(ssl)
            _ = OpenSSLError.drain()
            return nil
        }
        // The BIO points back at this session without retaining it: the SSL (which owns the BIO) dies in deinit.
        BIO_set_data(bio, Unmanaged.passUnretained(self).toOpaque())
        BIO_set_init(bio, 1)
        SSL_set_bio(ssl, bio, bio)
        if context.isServer {
            SSL_set_accept_state(ssl)
        } else {
            SSL_set_connect_state(ssl)
            if let verifyHost { _ = SSL_set1_host(ssl, verifyHost) }
        }
    }

    deinit {
        SSL_free(ssl)
    }

    // MARK: receiving

    /// Feeds `ciphertext` (all of it is consumed unless `deliver` stops early) and hands every run of decrypted bytes
    /// to `deliver`, decrypted into `buffer` (the loop's; a record's plaintext is at most 16 KiB). `deliver` returns
    /// false to stop (the connection closed). A client session starts its handshake with an empty `ciphertext`.
    package func receive(_ ciphertext: UnsafeRawBufferPointer, into buffer: UnsafeMutableRawBufferPointer,
                 deliver: (UnsafeRawBufferPointer) -> Bool) -> ReceiveOutcome {
        if !receivedAny, let first = ciphertext.first {
            receivedAny = true
            // A TLS connection starts with a handshake record (type 22); letters mean plain HTTP sent to the TLS port.
            if context.isServer, first != 22 {
                return .failed(TLSError(code: "tls.not_tls", reason: (65...90).contains(first) ? "plain HTTP request on the TLS port" : "not a TLS record"))
            }
        }
        input = ciphertext
        inputOffset = 0
        defer {
            input = UnsafeRawBufferPointer(start: nil, count: 0)
            inputOffset = 0
        }
        ERR_clear_error()
        if !handshakeComplete {
            let rc = SSL_do_handshake(ssl)
            if rc != 1 {
                switch SSL_get_error(ssl, rc) {
                case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                    return .ok
                case SSL_ERROR_ZERO_RETURN:
                    return .closedByPeer
                default:
                    return .failed(Self.error(code: "tls.handshake_failed"))
                }
            }
            handshakeComplete = true
        }
        while true {
            let count = SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
            if count > 0 {
                if !deliver(UnsafeRawBufferPointer(rebasing: buffer[0..<Int(count)])) { return .ok }
                continue
            }
            switch SSL_get_error(ssl, count) {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                return .ok
            case SSL_ERROR_ZERO_RETURN:
                return .closedByPeer
            default:
                return .failed(Self.error(code: "tls.record_failed"))
            }
        }
    }

    // MARK: sending

    /// Encrypts `plaintext` (after the handshake) into records appended to `buffer`. Call only while nothing is pending
    /// (`hasPendingOutput` false), so records leave in order.
    package func encrypt(_ plaintext: UnsafeRawBufferPointer, into buffer: inout [UInt8]) -> TLSError? {
        precondition(handshakeComplete && !hasPendingOutput, "encrypt before the handshake or with output pending")
        guard !plaintext.isEmpty else { return nil }
        swap(&sink, &buffer)
        defer { swap(&sink, &buffer) }
        ERR_clear_error()
        // Our BIO takes every byte, so SSL_write writes all of it (as records of at most 16 KiB) or fails.
        let written = SSL_write(ssl, plaintext.baseAddress, Int32(clamping: plaintext.count))
        if written == plaintext.count { return nil }
        return Self.error(code: "tls.write_failed")
    }

    /// Queues close_notify (once, after the handshake), so the peer can tell our end of data from a cut connection.
    /// Returns whether anything was queued.
    package func shutdown() -> Bool {
        guard handshakeComplete, !shutdownSent else { return false }
        shutdownSent = true
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
        return hasPendingOutput
    }

    /// Whether OpenSSL has bytes waiting to be sent (a handshake flight, tickets, an alert, or records the socket did
    /// not take at once).
    package var hasPendingOutput: Bool { sinkSent < sink.count }

    package var pendingOutputCount: Int { sink.count - sinkSent }

    /// Calls `body` with the bytes waiting to be sent; `body` returns how many it sent.
    package func withPendingOutput(_ body: (UnsafeRawBufferPointer) -> Int) {
        let sent = sink.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[sinkSent...])) }
        sinkSent += sent
        if sinkSent == sink.count {
            // Drained: let the buffer go (an idle TLS connection keeps none).
            sink = []
            sinkSent = 0
        }
    }

    /// Keeps records the socket did not take (from the loop's scratch buffer) until it can.
    package func keepUnsent(_ bytes: UnsafeRawBufferPointer) {
        precondition(!hasPendingOutput)
        sink = Array(bytes)
        sinkSent = 0
    }

    // MARK: what was agreed

    /// The ALPN protocol agreed ("http/1.1"), or nil.
    package var negotiatedProtocol: String? {
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    /// "TLSv1.3" or "TLSv1.2".
    package var protocolVersion: String { String(cString: SSL_get_version(ssl)) }

    private static func error(code: String) -> TLSError {
        let reason = OpenSSLError.drain() ?? "connection broken"
        return TLSError(code: reason == "http request" ? "tls.not_tls" : code, reason: reason)
    }

    fileprivate func readInput(into buffer: UnsafeMutablePointer<CChar>, count: Int) -> Int {
        let available = input.count - inputOffset
        let taken = min(available, count)
        if taken > 0 {
            UnsafeMutableRawPointer(buffer).copyMemory(from: input.baseAddress! + inputOffset, byteCount: taken)
            inputOffset += taken
        }
        return taken
    }
}

/// A TLS failure on one connection: a stable code for logs and tests, and OpenSSL's reason in words.
package struct TLSError: Error, Equatable, CustomStringConvertible {
    /// `tls.handshake_failed`, `tls.not_tls`, `tls.record_failed`, `tls.write_failed`.
    package var code: String
    package var reason: String
    package var description: String { "\(code): \(reason)" }
}

// MARK: the BIO

/// The BIO method every session uses, made once.
// nonisolated(unsafe): set up once by Swift's thread-safe global initialisation and never changed; OpenSSL only reads it.
nonisolated(unsafe) private let tlsBIOMethod: OpaquePointer = {
    let method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "lastword")!
    _ = BIO_meth_set_write(method, bioWrite)
    _ = BIO_meth_set_read(method, bioRead)
    _ = BIO_meth_set_ctrl(method, bioControl)
    return method
}()

private func session(of bio: OpaquePointer?) -> TLSSession {
    Unmanaged<TLSSession>.fromOpaque(BIO_get_data(bio)!).takeUnretainedValue()
}

/// OpenSSL sends: append to the session's sink (it never blocks: the connection bounds what it encrypts at a time).
private func bioWrite(_ bio: OpaquePointer?, _ data: UnsafePointer<CChar>?, _ length: Int32) -> Int32 {
    guard let data, length > 0 else { return 0 }
    lw_BIO_clear_retry_flags(bio)
    session(of: bio).sink.append(contentsOf: UnsafeRawBufferPointer(start: data, count: Int(length)))
    return length
}

/// OpenSSL reads: from the bytes `receive` was given; none left means "try again when more arrive".
private func bioRead(_ bio: OpaquePointer?, _ buffer: UnsafeMutablePointer<CChar>?, _ length: Int32) -> Int32 {
    guard let buffer, length > 0 else { return 0 }
    let taken = session(of: bio).readInput(into: buffer, count: Int(length))
    if taken == 0 {
        lw_BIO_set_retry_read(bio)
        return -1
    }
    lw_BIO_clear_retry_flags(bio)
    return Int32(taken)
}

private func bioControl(_ bio: OpaquePointer?, _ command: Int32, _ number: Int, _ pointer: UnsafeMutableRawPointer?) -> Int {
    // A flush succeeds (the connection sends at the end of the tick); nothing else is supported.
    command == BIO_CTRL_FLUSH ? 1 : 0
}

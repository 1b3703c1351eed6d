#if canImport(Glibc)
import Glibc
#endif

/// A TLS connection: ciphertext read from the socket goes through the session and the plaintext into the same
/// `received` path as a plain connection's bytes; the outbound queue holds plaintext, encrypted a batch at a time when
/// it is flushed — so a broadcast's newest state can still replace an unsent one, and the water marks, the write-stall
/// and every other timeout work as for plain connections.
extension Connection {
    func receivedCiphertext(_ bytes: UnsafeRawBufferPointer, _ tls: TLSSession) {
        let wasComplete = tls.handshakeComplete
        let buffers = loop.tlsBuffers
        let outcome = tls.receive(bytes, into: buffers.plaintext) { plaintext in
            received(plaintext)
            return isActive
        }
        if !wasComplete, tls.handshakeComplete {
            context.logger.trace("tls handshake done", metadata: ["conn": "\(id)", "protocol": "\(tls.protocolVersion)"])
        }
        switch outcome {
        case .ok:
            if tls.hasPendingOutput, !isClosed { scheduleFlush() }
        case .closedByPeer:
            // close_notify: the peer sends no more (as a FIN would say); our answer goes with our own close.
            if tls.hasPendingOutput, !isClosed { scheduleFlush() }
            if isActive { endOfInput() }
        case .failed(let error):
            tlsFailed(error, tls)
        }
    }

    /// A handshake that failed, or a record that did not decrypt: logged at info with its stable code, the alert
    /// OpenSSL wrote sent if the socket takes it at once, and the connection closed. Never more than that: a port
    /// scanner or a client with an old TLS must not cost more than a log line.
    private func tlsFailed(_ error: TLSError, _ tls: TLSSession) {
        context.logger.info("tls failed", metadata: [
            "conn": "\(id)", "peer": "\(peer?.description ?? "-")", "code": "\(error.code)", "reason": "\(error.reason)",
        ])
        if tls.hasPendingOutput, !isClosed {
            tls.withPendingOutput { bytes in
                if case .processed(let sent)? = try? Socket.send(fd, bytes) { return sent }
                return 0
            }
        }
        if webSocket != nil, webSocket!.closeCodeForApplication == nil { webSocket!.closeCodeForApplication = 1006 }
        abort()
    }

    /// Sends what the session holds, then encrypts queued plaintext a batch at a time into the loop's scratch buffer
    /// and sends it; only what the kernel does not take is copied into the session. When the connection is closing and
    /// everything is out, close_notify goes last.
    func flushTLS(_ tls: TLSSession) {
        while true {
            if tls.hasPendingOutput {
                var result: IOResult<Int> = .wouldBlock
                var failure: IOError?
                tls.withPendingOutput { bytes in
                    do throws(IOError) {
                        result = try Socket.send(fd, bytes)
                    } catch {
                        failure = error
                    }
                    if case .processed(let sent) = result { return sent }
                    return 0
                }
                if let failure { return writeFailed(failure) }
                guard case .processed = result, !tls.hasPendingOutput else {
                    armWriteSource()
                    return
                }
                wrote()
                continue
            }
            guard tls.handshakeComplete, !output.isEmpty else {
                if case .closingAfterFlush = lifecycle, tls.shutdown() { continue }
                break
            }
            let buffers = loop.tlsBuffers
            var scratch: [UInt8] = []
            swap(&scratch, &buffers.scratch)
            defer {
                scratch.removeAll(keepingCapacity: true)
                swap(&scratch, &buffers.scratch)
            }
            if let error = encryptBatch(tls, into: &scratch, staging: buffers.staging) {
                tlsFailed(error, tls)
                return
            }
            let result: IOResult<Int>
            do throws(IOError) {
                result = try scratch.withUnsafeBytes { bytes in
                    Result { () throws(IOError) in try Socket.send(fd, bytes) }
                }.get()
            } catch {
                return writeFailed(error)
            }
            let sent: Int
            switch result {
            case .wouldBlock: sent = 0
            case .processed(let count): sent = count
            }
            if sent < scratch.count {
                scratch.withUnsafeBytes { tls.keepUnsent(UnsafeRawBufferPointer(rebasing: $0[sent...])) }
                if sent > 0 { wrote() }
                armWriteSource()
                return
            }
            wrote()
        }
        outputDrained()
    }

    /// Encrypts up to a batch of queued plaintext into `scratch` and takes it off the queue. Small chunks (a reply's
    /// head, a live delta) are gathered into one record; large ones are encrypted where they lie.
    private func encryptBatch(_ tls: TLSSession, into scratch: inout [UInt8], staging: UnsafeMutableRawBufferPointer) -> TLSError? {
        var staged = 0
        var taken = 0
        var failure: TLSError?
        func encryptStaged() {
            if staged > 0, failure == nil {
                failure = tls.encrypt(UnsafeRawBufferPointer(rebasing: staging[0..<staged]), into: &scratch)
            }
            staged = 0
        }
        output.withIOVecs(maxVectors: 64) { vectors in
            for vector in vectors {
                guard taken < TLSLoopBuffers.batchSize, failure == nil, let base = vector.iov_base else { break }
                let length = vector.iov_len
                if length >= 4096 {
                    encryptStaged()
                    let part = min(length, TLSLoopBuffers.batchSize)
                    if failure == nil { failure = tls.encrypt(UnsafeRawBufferPointer(start: base, count: part), into: &scratch) }
                    taken += part
                    continue
                }
                if staged + length > staging.count { encryptStaged() }
                staging.baseAddress!.advanced(by: staged).copyMemory(from: base, byteCount: length)
                staged += length
                taken += length
            }
        }
        encryptStaged()
        if failure == nil { output.consume(taken) }
        return failure
    }

    private func wrote() {
        writeBlockedSince = 0
        lastWriteAt = monotonicNow()
        if congested { updateReading() }
    }

    private func writeFailed(_ error: IOError) {
        context.logger.debug("write failed", metadata: ["conn": "\(id)", "peer": "\(peer?.description ?? "-")", "error": "\(error)"])
        abort()
    }
}

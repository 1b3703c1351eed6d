import HTTP1
import WebSocket
#if canImport(Glibc)
import Glibc
#endif

/// One accepted socket, confined to one event loop: its read interest on the loop's poller, write interest only
/// while output is pending, its protocol state (HTTP/1.1 until an upgrade, then WebSocket), and its outbound queue.
/// The connection owns its descriptor: it leaves the poller, then closes it, exactly once (STYLE.md §6).
final class Connection {
    enum Lifecycle {
        /// Reading and writing.
        case active
        /// Stop when the output is flushed: then half-close and drain input until EOF (a lingering close, so the
        /// peer reads our last bytes before it sees the connection go).
        case closingAfterFlush
        /// Write side shut down; discarding input until EOF or the linger deadline.
        case lingering(since: UInt64)
        /// Out of the poller, descriptor closed.
        case closed
    }

    let fd: Int32
    let id: UInt64
    let peer: SocketAddress?
    let loop: EventLoop
    let context: ServerContext
    /// The application this connection's listener serves (the redirect listener has its own).
    let service: any HTTPService
    /// TLS on this connection (nil: plain), and when it was accepted (a handshake must finish within the request timeout).
    let tls: TLSSession?
    let acceptedAt: UInt64
    /// Index in `loop.connections`.
    var slot = -1

    /// What the poller watches for: reading unless paused, writing only while output is pending.
    private var interest = Poller.Interest(read: true, write: false)
    private var readPaused: Bool { !interest.read }
    var lifecycle = Lifecycle.active

    var output = OutboundQueue()
    var isDirty = false
    /// When writes started to block with no progress since (0: not blocked).
    var writeBlockedSince: UInt64 = 0
    /// Input not yet consumed by the HTTP parser (a pipelined request waiting for the previous response).
    var pendingInput: [UInt8] = []
    var lastReadAt: UInt64
    var lastWriteAt: UInt64 = 0
    /// True while `process` runs, so a response given inline does not re-enter it.
    var processing = false
    /// Output passed the high-water mark and has not yet fallen below the low-water mark.
    var congested = false

    var http: HTTPSession?
    var webSocket: WebSocketSession?

    init(fd: Int32, id: UInt64, peer: SocketAddress?, loop: EventLoop, context: ServerContext,
         service: (any HTTPService)? = nil, tls: TLSSession? = nil) {
        self.fd = fd
        self.id = id
        self.peer = peer
        self.loop = loop
        self.context = context
        self.service = service ?? context.service
        self.tls = tls
        self.lastReadAt = monotonicNow()
        self.acceptedAt = lastReadAt
        self.http = HTTPSession(limits: context.configuration.http)
    }

    var isClosed: Bool {
        if case .closed = lifecycle { return true }
        return false
    }

    /// Whether protocol work may still produce output.
    var isActive: Bool {
        if case .active = lifecycle { return true }
        return false
    }

    // MARK: start and stop

    func start() {
        loop.assertInLoop()
        do {
            try loop.poller.register(self, interest: interest)
        } catch {
            context.logger.warning("cannot watch socket", metadata: ["conn": "\(id)", "error": "\(error)"])
            Socket.close(fd)
            context.connectionClosed(peer: peer)
            lifecycle = .closed
            return
        }
        loop.register(self)
    }

    private func setInterest(read: Bool? = nil, write: Bool? = nil) {
        var wanted = interest
        if let read { wanted.read = read }
        if let write { wanted.write = write }
        guard wanted != interest, !isClosed else { return }
        interest = wanted
        loop.poller.update(self, interest: wanted)
    }

    /// Drops the connection now: leaves the poller, closes the descriptor, forgets its output, and tells the
    /// application. `reset` sends RST instead of FIN (for peers that misbehave or stall).
    func abort(reset: Bool = false) {
        loop.assertInLoop()
        if isClosed { return }
        if reset { Socket.setAbortiveClose(fd) }
        lifecycle = .closed
        output.removeAll()
        pendingInput = []
        loop.poller.deregisterAndClose(self)
        context.connectionClosed(peer: peer)
        http = nil
        if webSocket != nil {
            // The application hears of the close while its handle still resolves (the connection is closed: sends
            // are dropped), then the connection leaves the loop's registry.
            webSocketTransportClosed()
        }
        loop.unregister(self)
    }

    /// Finishes after the queued output is written (then lingers for the peer's EOF).
    func closeAfterFlush() {
        loop.assertInLoop()
        guard isActive else { return }
        lifecycle = .closingAfterFlush
        // Nothing more is read until the output is flushed: stop watching input, or a readable socket would make the loop spin.
        setInterest(read: false)
        if output.isEmpty && tls == nil {
            startLingering()
        } else if !isDirty {
            isDirty = true
            loop.markDirty(self)
        }
    }

    private func startLingering() {
        Socket.shutdownWrite(fd)
        lifecycle = .lingering(since: monotonicNow())
        pendingInput = []
        // Reading continues (and discards) until EOF or the linger deadline.
        resumeReading()
    }

    // MARK: reading

    /// The poller saw the socket readable (or hung up).
    func readable() {
        var budget = 4
        while budget > 0 {
            budget -= 1
            switch lifecycle {
            case .active, .lingering: break
            case .closingAfterFlush, .closed: return
            }
            if readPaused { return }
            let result: IOResult<Int>
            do {
                result = try Socket.receive(fd, into: loop.readBuffer)
            } catch {
                context.logger.debug("read failed", metadata: ["conn": "\(id)", "peer": "\(peer?.description ?? "-")", "error": "\(error)"])
                abort()
                return
            }
            switch result {
            case .wouldBlock:
                return
            case .processed(0):
                endOfInput()
                return
            case .processed(let count):
                lastReadAt = monotonicNow()
                if case .lingering = lifecycle { continue }   // discard
                let bytes = UnsafeRawBufferPointer(rebasing: loop.readBuffer[0..<count])
                if let tls {
                    receivedCiphertext(bytes, tls)
                } else {
                    received(bytes)
                }
                if count < loop.readBuffer.count { return }
            }
        }
    }

    func endOfInput() {
        if case .lingering = lifecycle {
            abort()
            return
        }
        if let http, http.awaitingResponse {
            // The peer half-closed after its request(s): answer them, then close (RFC 9112 §9.6).
            self.http?.peerHalfClosed = true
            updateReading()
            return
        }
        if webSocket != nil {
            // TCP closed without a closing handshake (RFC 6455 §7.1.5: code 1006 to the application).
            if webSocket!.closeCodeForApplication == nil { webSocket!.closeCodeForApplication = 1006 }
        }
        abort()
    }

    func received(_ bytes: UnsafeRawBufferPointer) {
        if pendingInput.isEmpty {
            var input = bytes
            process(&input)
            if !input.isEmpty, !isClosed {
                pendingInput = Array(input)
                checkPendingInputBound()
            }
        } else {
            pendingInput.append(contentsOf: bytes)
            processPendingInput()
        }
    }

    /// Processes what an earlier read left over (after a response to the request before it was written).
    func processPendingInput() {
        guard !pendingInput.isEmpty else { return }
        let pending = pendingInput
        pendingInput = []
        pending.withUnsafeBytes { raw in
            var input = raw
            process(&input)
            if !input.isEmpty, !isClosed {
                pendingInput = Array(input)
            }
        }
        checkPendingInputBound()
    }

    private func checkPendingInputBound() {
        if pendingInput.count >= context.configuration.maxPendingInput {
            pauseReading()
        }
    }

    /// Feeds input to the current protocol until it is consumed or the protocol must wait.
    private func process(_ input: inout UnsafeRawBufferPointer) {
        processing = true
        defer { processing = false }
        while !input.isEmpty, isActive {
            if http != nil {
                if !processHTTP(&input) { return }
            } else if webSocket != nil {
                processWebSocket(&input)
                return
            } else {
                return
            }
        }
        if http != nil, isActive, input.isEmpty {
            // A request may be complete with no more bytes to read (e.g. a head with no body).
            _ = processHTTP(&input)
        }
    }

    private func pauseReading() {
        setInterest(read: false)
    }

    private func resumeReading() {
        setInterest(read: true)
    }

    /// The poller saw the socket writable: write what is queued.
    func writable() {
        flush()
    }

    // MARK: writing

    /// Queues bytes and marks the connection for the end-of-tick flush.
    @inline(__always)
    func enqueue(_ bytes: [UInt8], topic: UInt64 = 0) {
        output.append(bytes, topic: topic)
        scheduleFlush()
    }

    @inline(__always)
    func scheduleFlush() {
        if !isDirty {
            isDirty = true
            loop.markDirty(self)
        }
    }

    /// Writes as much of the queue as the kernel takes (one gathered send per 64 chunks), then arms the write source
    /// if anything is left (STYLE.md §8).
    func flush() {
        isDirty = false
        switch lifecycle {
        case .active, .closingAfterFlush: break
        case .lingering, .closed: return
        }
        if let tls {
            flushTLS(tls)
            return
        }
        while !output.isEmpty {
            let requested = min(output.byteCount, Int(Int32.max))
            let result: IOResult<Int>
            do {
                result = try output.withIOVecs(maxVectors: 64) { vectors in
                    Result { () throws(IOError) in try Socket.send(fd, vectors) }
                }.get()
            } catch {
                context.logger.debug("write failed", metadata: ["conn": "\(id)", "peer": "\(peer?.description ?? "-")", "error": "\(error)"])
                abort()
                return
            }
            switch result {
            case .wouldBlock:
                armWriteSource()
                return
            case .processed(let written):
                output.consume(written)
                writeBlockedSince = 0
                lastWriteAt = monotonicNow()
                if congested { updateReading() }
                if written < requested && !output.isEmpty && output.byteCount > 0 {
                    // The kernel's buffer is full: the next send would only fail with EAGAIN.
                    armWriteSource()
                    return
                }
            }
        }
        outputDrained()
    }

    func armWriteSource() {
        if writeBlockedSince == 0 { writeBlockedSince = monotonicNow() }
        setInterest(write: true)
    }

    func outputDrained() {
        setInterest(write: false)
        writeBlockedSince = 0
        if case .closingAfterFlush = lifecycle {
            startLingering()
        }
    }

    /// Recomputes whether this connection should read: not while its output is congested (the peer must read
    /// its replies first), not while a pipelined backlog waits for a response, not after the peer half-closed.
    func updateReading() {
        guard isActive else { return }
        if congested, output.byteCount <= context.configuration.sendLowWaterMark {
            congested = false
            if webSocket != nil { webSocketDrained() }
            if http != nil, !processing { processPendingInput() }
        }
        let blocked = congested
            || pendingInput.count >= context.configuration.maxPendingInput
            || (http?.peerHalfClosed ?? false)
        if blocked { pauseReading() } else { resumeReading() }
    }

    /// Above the high-water mark?
    var isAboveHighWater: Bool { output.byteCount > context.configuration.sendHighWaterMark }

    /// Marks the connection congested when its output passed the high-water mark; reading pauses until it drains
    /// below the low-water mark.
    func noteOutputGrowth() {
        if !congested, isAboveHighWater {
            congested = true
            pauseReading()
        }
    }
}

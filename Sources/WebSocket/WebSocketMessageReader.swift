/// Reads frames (RFC 6455 §5.2, layout drawn on ``FrameEncoder``) and reassembles messages (§5.4), inflating them when
/// permessage-deflate was negotiated (RFC 7692 §6.2).
///
/// A value told about bytes: ``next(_:)`` consumes all the input it is given, keeping a partial header (at most 14 bytes)
/// and the partial message itself, so the caller never keeps leftovers, and every split of the input gives the same
/// events. It never touches a socket or a queue.
///
/// Every rule is checked the moment the bytes that break it are known: the opcode, reserved bits, mask bit and
/// fragmentation rules from the first two bytes; the length rules (minimal encoding, high bit, control frame size, frame
/// and message limits) as soon as the length field is complete, before any payload is buffered; UTF-8 as each payload
/// byte arrives, also in the middle of a frame; the inflated size while inflating.
///
/// After a close frame the reader is closed: it consumes and ignores further input (RFC 6455 §5.5.1, nothing may follow a
/// close frame). After it throws, it is dead: every later call throws the same error.
package struct WebSocketMessageReader {
    /// At most this many bytes are reserved for a message up front, whatever its frame announces; beyond that the buffer
    /// grows as bytes arrive, so a peer cannot make us allocate memory it does not send.
    static let maxInitialReservation = 64 * 1024

    private let maxFrameSize: Int
    private let maxMessageSize: Int
    /// RFC 6455 §5.1: a server requires masked frames, a client unmasked ones.
    private let requiresMask: Bool
    /// Whether permessage-deflate was negotiated (RFC 7692 §6: only then may RSV1 be set).
    private let compressionNegotiated: Bool
    /// The peer's window (`client_max_window_bits` when we are the server) — at least 9, see ``init(configuration:deflate:)``.
    private let inflateWindowBits: Int
    /// The peer takes no context over (`client_no_context_takeover` when we are the server): drop the inflater after
    /// every message.
    private let inflateNoContextTakeover: Bool

    private enum Phase {
        case header
        case payload
        case closed
        case failed(WebSocketProtocolError)
    }

    private var phase = Phase.header

    // The partial header: up to 14 bytes (2 + 8 length + 4 key).
    private var headerBytes: (UInt64, UInt64) = (0, 0)
    private var headerCount = 0

    // The frame being read.
    private var opcode = WebSocketOpcode.continuation
    private var fin = false
    private var maskKey: UInt32 = 0  // little-endian key, see FrameMask; 0 when unmasked
    private var frameLength = 0
    private var remaining = 0

    // The data message being assembled (RFC 6455 §5.4); control frames may arrive between its fragments.
    private var messageOpcode: WebSocketOpcode?  // .text or .binary while a message is in progress
    private var messageCompressed = false
    /// Whether any compressed payload byte of the current message reached the inflater.
    private var compressedInputSeen = false
    private var message: [UInt8] = []
    private var utf8 = UTF8Validator()
    private var inflater: MessageInflater?
    private var controlPayload: [UInt8] = []

    /// - Parameter deflate: the negotiated permessage-deflate parameters, nil when the extension was not negotiated (then
    ///   RSV1 is a protocol error). The reader inflates with the window of the peer's direction, raised to 9 bits if it is
    ///   8: zlib refuses to deflate raw streams with an 8-bit window and some implementations silently use 9 instead,
    ///   while inflating with a larger window than the sender's is always correct.
    package init(configuration: WebSocketReaderConfiguration, deflate: PerMessageDeflateParameters?) {
        maxFrameSize = configuration.maxFrameSize
        maxMessageSize = configuration.maxMessageSize
        requiresMask = configuration.role == .server
        compressionNegotiated = deflate != nil
        switch configuration.role {
        case .server:
            inflateWindowBits = max(deflate?.clientMaxWindowBits ?? 15, 9)
            inflateNoContextTakeover = deflate?.clientNoContextTakeover ?? false
        case .client:
            inflateWindowBits = max(deflate?.serverMaxWindowBits ?? 15, 9)
            inflateNoContextTakeover = deflate?.serverNoContextTakeover ?? false
        }
    }

    /// Whether the reader holds zlib inflate state (about 7 KiB plus the window, up to 32 KiB) between messages: only when
    /// the peer takes context over and has sent a compressed message. For tests and memory metrics.
    package var holdsInflateState: Bool { inflater != nil }

    /// Advances `input` past the bytes consumed. Returns the next complete event, or nil when `input` is exhausted
    /// without completing one. After it throws, the reader is dead (fail the connection with `error.closeCode`).
    package mutating func next(
        _ input: inout UnsafeRawBufferPointer
    ) throws(WebSocketProtocolError) -> WebSocketEvent? {
        do {
            return try advance(&input)
        } catch {
            phase = .failed(error)
            message = []
            controlPayload = []
            inflater = nil
            throw error
        }
    }

    private mutating func advance(
        _ input: inout UnsafeRawBufferPointer
    ) throws(WebSocketProtocolError) -> WebSocketEvent? {
        while true {
            switch phase {
            case .header:
                guard try readHeader(&input) else { return nil }
                if remaining == 0 {
                    if let event = try endFrame() { return event }
                } else if let event = readSingleFrameMessage(&input) {
                    return event
                } else {
                    phase = .payload
                }
            case .payload:
                if input.isEmpty { return nil }
                if let event = try readPayload(&input) { return event }
            case .closed:
                input = UnsafeRawBufferPointer(rebasing: input[input.count...])
                return nil
            case .failed(let error):
                throw error
            }
        }
    }

    // MARK: - Header

    /// Reads the frame header from `input` (or what is left of it), validating each part as soon as it is complete.
    /// Returns false when the input ran out first; the partial header is kept.
    private mutating func readHeader(_ input: inout UnsafeRawBufferPointer) throws(WebSocketProtocolError) -> Bool {
        // Fast path: the whole header is in the input.
        if headerCount == 0, input.count >= 2, let base = input.baseAddress {
            let second = base.load(fromByteOffset: 1, as: UInt8.self)
            let size = Self.headerSize(secondByte: second)
            if input.count >= size {
                try decodeHeader(base, size: size)
                input = UnsafeRawBufferPointer(rebasing: input[size...])
                return true
            }
        }
        return try accumulateHeader(&input)
    }

    /// The slow path: copies header bytes into `headerBytes` as they arrive.
    private mutating func accumulateHeader(
        _ input: inout UnsafeRawBufferPointer
    ) throws(WebSocketProtocolError) -> Bool {
        while true {
            let target: Int
            if headerCount < 2 {
                target = 2
            } else {
                let second = withUnsafeBytes(of: headerBytes) { $0[1] }
                let lengthEnd = Self.lengthFieldEnd(secondByte: second)
                target = headerCount < lengthEnd ? lengthEnd : Self.headerSize(secondByte: second)
                if headerCount == target {
                    let header = headerBytes
                    try withUnsafeBytes(of: header) { (bytes) throws(WebSocketProtocolError) in
                        try decodeHeader(bytes.baseAddress!, size: target)
                    }
                    headerCount = 0
                    return true
                }
            }
            guard !input.isEmpty else { return false }
            let count = min(target - headerCount, input.count)
            withUnsafeMutableBytes(of: &headerBytes) { storage in
                storage.baseAddress!.advanced(by: headerCount).copyMemory(from: input.baseAddress!, byteCount: count)
            }
            input = UnsafeRawBufferPointer(rebasing: input[count...])
            headerCount += count
            // Check each part the moment it is complete.
            if headerCount == 2 || headerCount == target {
                let header = headerBytes
                try withUnsafeBytes(of: header) { (bytes) throws(WebSocketProtocolError) in
                    let first = bytes[0], second = bytes[1]
                    if headerCount == 2 { try checkFirstBytes(first, second) }
                    if headerCount >= 2 && headerCount == Self.lengthFieldEnd(secondByte: second) {
                        _ = try checkLength(Self.decodeLength(bytes.baseAddress!, secondByte: second), first: first)
                    }
                }
            }
        }
    }

    /// Bytes up to the end of the (extended) payload length field.
    @inline(__always)
    private static func lengthFieldEnd(secondByte: UInt8) -> Int {
        switch secondByte & 0x7F {
        case 126: 4
        case 127: 10
        default: 2
        }
    }

    /// The whole header size: length field, then 4 bytes of masking key if the MASK bit is set.
    @inline(__always)
    private static func headerSize(secondByte: UInt8) -> Int {
        lengthFieldEnd(secondByte: secondByte) + (secondByte & 0x80 != 0 ? 4 : 0)
    }

    /// RFC 6455 §5.2 "Payload length": 7 bits, or 126 and 16 bits, or 127 and 64 bits, in network byte order, with "the
    /// minimal number of bytes" and the 64-bit form's most significant bit 0.
    @inline(__always)
    private static func decodeLength(
        _ header: UnsafeRawPointer, secondByte: UInt8
    ) throws(WebSocketProtocolError) -> UInt64 {
        switch secondByte & 0x7F {
        case 126:
            let length = UInt64(UInt16(bigEndian: header.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
            guard length >= 126 else { throw .nonMinimalLength }
            return length
        case 127:
            let length = UInt64(bigEndian: header.loadUnaligned(fromByteOffset: 2, as: UInt64.self))
            guard length & (1 << 63) == 0 else { throw .lengthHighBitSet }
            guard length > 0xFFFF else { throw .nonMinimalLength }
            return length
        case let length:
            return UInt64(length)
        }
    }

    /// Decodes and checks a complete header of `size` bytes and starts reading its frame.
    @inline(__always)
    private mutating func decodeHeader(_ header: UnsafeRawPointer, size: Int) throws(WebSocketProtocolError) {
        let first = header.load(as: UInt8.self)
        let second = header.load(fromByteOffset: 1, as: UInt8.self)
        let opcode = try checkFirstBytes(first, second)
        let length = try checkLength(Self.decodeLength(header, secondByte: second), first: first)
        if second & 0x80 != 0 {
            let k = header + (size - 4)
            maskKey = FrameMask.key(
                k.load(as: UInt8.self), k.load(fromByteOffset: 1, as: UInt8.self),
                k.load(fromByteOffset: 2, as: UInt8.self), k.load(fromByteOffset: 3, as: UInt8.self))
        } else {
            maskKey = 0
        }
        self.opcode = opcode
        fin = first & 0x80 != 0
        frameLength = length
        remaining = length
        if opcode.isControl {
            controlPayload = []
            controlPayload.reserveCapacity(length)  // at most 125, checked
        } else if opcode != .continuation {
            messageOpcode = opcode
            messageCompressed = first & 0x40 != 0
            compressedInputSeen = false
            if opcode == .text { utf8.reset() }
        }
    }

    /// The rules that the first two bytes decide, checked before the rest of the header arrives. Returns the opcode.
    @discardableResult
    @inline(__always)
    private func checkFirstBytes(_ first: UInt8, _ second: UInt8) throws(WebSocketProtocolError) -> WebSocketOpcode {
        // RFC 6455 §5.2: unknown opcodes fail the connection.
        guard let opcode = WebSocketOpcode(rawValue: first & 0x0F) else { throw .reservedOpcode(first & 0x0F) }
        // RFC 6455 §5.2: RSV2 and RSV3 have no negotiated meaning.
        guard first & 0x30 == 0 else { throw .reservedBitsSet }
        // RFC 6455 §5.1: masking depends on who sends.
        let masked = second & 0x80 != 0
        if requiresMask && !masked { throw .unmaskedClientFrame }
        if !requiresMask && masked { throw .maskedServerFrame }
        let rsv1 = first & 0x40 != 0
        if rsv1 && !compressionNegotiated { throw .compressedWithoutExtension }
        switch opcode {
        case .close, .ping, .pong:
            // RFC 6455 §5.5: control frames are not fragmented; RFC 7692 §6.1: never compressed.
            guard first & 0x80 != 0 else { throw .fragmentedControlFrame }
            if rsv1 { throw .rsv1OnControlFrame }
        case .continuation:
            // RFC 6455 §5.4: a continuation continues a message; RFC 7692 §6.1: RSV1 only on the first frame.
            guard messageOpcode != nil else { throw .unexpectedContinuation }
            if rsv1 { throw .rsv1OnContinuation }
        case .text, .binary:
            // RFC 6455 §5.4: the fragments of a message are continuation frames, not new messages.
            guard messageOpcode == nil else { throw .expectedContinuation }
        }
        return opcode
    }

    /// The rules that the payload length decides, checked before any payload byte is buffered. Returns the length.
    @inline(__always)
    private func checkLength(_ length: UInt64, first: UInt8) throws(WebSocketProtocolError) -> Int {
        let opcode = WebSocketOpcode(rawValue: first & 0x0F)!  // checked by checkFirstBytes
        // RFC 6455 §5.5: control frames carry at most 125 bytes.
        if opcode.isControl && length > 125 { throw .controlFrameTooLong(Int(length)) }
        // RFC 6455 §10.4: our limits.
        guard length <= UInt64(maxFrameSize) else { throw .frameTooLarge(limit: maxFrameSize) }
        let count = Int(length)
        let compressed = opcode == .continuation ? messageCompressed : first & 0x40 != 0
        if !opcode.isControl && !compressed {
            let soFar = opcode == .continuation ? message.count : 0
            guard count <= maxMessageSize - soFar else { throw .messageTooLarge(limit: maxMessageSize) }
        }
        return count
    }

    // MARK: - Payload

    /// The common case — an uncompressed message in one frame whose payload is all in `input` — in one pass: the payload
    /// is copied and unmasked into an array of exactly its size. Returns nil (consuming nothing) in every other case.
    @inline(__always)
    private mutating func readSingleFrameMessage(_ input: inout UnsafeRawBufferPointer) -> WebSocketEvent? {
        guard fin, !messageCompressed, opcode == .text || opcode == .binary, input.count >= remaining,
            let source = input.baseAddress
        else { return nil }
        let count = remaining
        let key = maskKey
        let payload = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            let destination = UnsafeMutableRawPointer(buffer.baseAddress!)
            if key == 0 {
                destination.copyMemory(from: source, byteCount: count)
            } else {
                FrameMask.apply(key: key, phase: 0, from: source, to: destination, count: count)
            }
            initialized = count
        }
        if opcode == .text {
            let valid = payload.withUnsafeBytes { utf8.validate($0) } && utf8.isAtBoundary
            // Not consumed yet: let the general path find the first invalid byte and fail exactly there.
            guard valid else {
                utf8.reset()
                return nil
            }
        }
        input = UnsafeRawBufferPointer(rebasing: input[count...])
        remaining = 0
        messageOpcode = nil
        phase = .header
        return opcode == .text ? .text(payload) : .binary(payload)
    }

    /// Consumes as much of the current frame's payload as `input` holds; returns an event if that ended one.
    private mutating func readPayload(
        _ input: inout UnsafeRawBufferPointer
    ) throws(WebSocketProtocolError) -> WebSocketEvent? {
        let count = min(remaining, input.count)
        let chunk = UnsafeRawBufferPointer(rebasing: input[..<count])
        input = UnsafeRawBufferPointer(rebasing: input[count...])
        let phaseOffset = frameLength - remaining
        remaining -= count
        if opcode.isControl {
            Self.append(chunk, phase: phaseOffset, key: maskKey, to: &controlPayload)
        } else if messageCompressed {
            try inflate(chunk, phase: phaseOffset)
        } else {
            if message.isEmpty && message.capacity == 0 {
                message.reserveCapacity(min(frameLength, Self.maxInitialReservation))
            }
            let start = message.count
            Self.append(chunk, phase: phaseOffset, key: maskKey, to: &message)
            if messageOpcode == .text {
                let valid = message.withUnsafeBytes { utf8.validate(UnsafeRawBufferPointer(rebasing: $0[start...])) }
                guard valid else { throw .invalidUTF8 }
            }
        }
        return remaining == 0 ? try endFrame() : nil
    }

    /// Appends `chunk`, unmasked with `key`, to `buffer`. Static, with the key passed in: a method on `self` would hold
    /// a copy of `self` — and so of the message buffer — while the buffer is appended to in place, and every fragment
    /// would copy the whole message so far (a 4 MiB message in 64-byte fragments took over 100 s).
    @inline(__always)
    private static func append(_ chunk: UnsafeRawBufferPointer, phase: Int, key maskKey: UInt32, to buffer: inout [UInt8]) {
        let start = buffer.count
        buffer.append(contentsOf: chunk)
        guard maskKey != 0 else { return }
        let key = maskKey
        buffer.withUnsafeMutableBytes { bytes in
            let tail = bytes.baseAddress! + start
            FrameMask.apply(key: key, phase: phase, from: tail, to: tail, count: chunk.count)
        }
    }

    /// Unmasks `chunk` into stack space and inflates it into the message (RFC 7692 §6.2), validating the UTF-8 of the
    /// output as it appears.
    private mutating func inflate(_ chunk: UnsafeRawBufferPointer, phase: Int) throws(WebSocketProtocolError) {
        if inflater == nil { inflater = try MessageInflater(windowBits: inflateWindowBits) }
        let inflater = inflater!
        compressedInputSeen = true
        let start = message.count
        if maskKey == 0 {
            try inflater.inflate(chunk, appendingTo: &message, limit: maxMessageSize)
        } else {
            let pieceSize = 16 * 1024
            let key = maskKey
            try withUnsafeTemporaryAllocation(byteCount: min(chunk.count, pieceSize), alignment: 16) {
                (scratch) throws(WebSocketProtocolError) in
                var offset = 0
                while offset < chunk.count {
                    let count = min(pieceSize, chunk.count - offset)
                    FrameMask.apply(
                        key: key, phase: phase + offset, from: chunk.baseAddress! + offset, to: scratch.baseAddress!,
                        count: count)
                    try inflater.inflate(
                        UnsafeRawBufferPointer(start: scratch.baseAddress!, count: count), appendingTo: &message,
                        limit: maxMessageSize)
                    offset += count
                }
            }
        }
        try validateInflatedText(from: start)
    }

    private mutating func validateInflatedText(from start: Int) throws(WebSocketProtocolError) {
        guard messageOpcode == .text, message.count > start else { return }
        let valid = message.withUnsafeBytes { utf8.validate(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        guard valid else { throw .invalidUTF8 }
    }

    // MARK: - End of frame

    /// The current frame's payload is complete: emit its control event, or its message if it was the last fragment.
    private mutating func endFrame() throws(WebSocketProtocolError) -> WebSocketEvent? {
        phase = .header
        switch opcode {
        case .ping:
            defer { controlPayload = [] }
            return .ping(controlPayload)
        case .pong:
            defer { controlPayload = [] }
            return .pong(controlPayload)
        case .close:
            let close = try CloseFrame.parse(controlPayload)
            controlPayload = []
            phase = .closed
            return .close(close)
        case .text, .binary, .continuation:
            guard fin else { return nil }
            return try endMessage()
        }
    }

    /// The last fragment arrived (RFC 6455 §5.4): finish inflating, check that the text did not stop mid-sequence, and
    /// hand over the message.
    private mutating func endMessage() throws(WebSocketProtocolError) -> WebSocketEvent? {
        // A compressed message with no payload byte at all is empty; feeding the trailer alone would leave the inflater
        // inside a stored block header (a well-formed empty message is the single byte 00, RFC 7692 §7.2.3.6).
        if messageCompressed, compressedInputSeen, let inflater {
            let start = message.count
            try inflater.finishMessage(appendingTo: &message, limit: maxMessageSize)
            try validateInflatedText(from: start)
            // RFC 7692 §7.1.1: without context takeover the peer starts every message with an empty window.
            self.inflater = inflateNoContextTakeover ? nil : inflater
        }
        let kind = messageOpcode
        messageOpcode = nil
        var payload: [UInt8] = []
        swap(&payload, &message)
        switch kind {
        case .text?:
            guard utf8.isAtBoundary else { throw .truncatedUTF8 }  // RFC 6455 §8.1
            return .text(payload)
        default:
            return .binary(payload)
        }
    }
}

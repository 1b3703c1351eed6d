import Synchronization
import WebSocket

/// A WebSocket message encoded once for many receivers: the plain frame, and compressed frames made on first
/// use for each window size receivers negotiated (with `server_no_context_takeover`, the compressed bytes do not
/// depend on the receiver, RFC 7692 §7.1.1.1). Every receiver's queue holds the same storage.
///
/// The payload is not kept beside the frame: it is the frame after its header, so a message (and a topic's
/// history of them) holds its bytes once.
package final class PreparedMessage: Sendable {
    package let opcode: WebSocketOpcode
    /// Header + payload, RSV1 clear.
    let plainFrame: [UInt8]
    private let headerSize: Int
    private let compressedFrames = Mutex<[Int: [UInt8]]>([:])

    package init(opcode: WebSocketOpcode, payload: [UInt8]) {
        precondition(opcode == .text || opcode == .binary, "a prepared message is a data message")
        self.opcode = opcode
        self.plainFrame = Self.frame(opcode: opcode, payload: payload, rsv1: false)
        self.headerSize = plainFrame.count - payload.count
    }

    /// The message's payload: a view of the plain frame, without a copy.
    package var payload: ArraySlice<UInt8> {
        plainFrame[headerSize...]
    }

    package convenience init(text: String) {
        self.init(opcode: .text, payload: Array(text.utf8))
    }

    package convenience init(binary: [UInt8]) {
        self.init(opcode: .binary, payload: binary)
    }

    /// The frame for receivers that negotiated permessage-deflate without server context takeover.
    func compressedFrame(windowBits: Int, configuration: PerMessageDeflateConfiguration) -> [UInt8] {
        if let frame = compressedFrames.withLock({ $0[windowBits] }) { return frame }
        let compressed = payload.withUnsafeBytes { DeflaterPool.shared.compress($0, windowBits: windowBits, configuration: configuration) }
        let frame = Self.frame(opcode: opcode, payload: compressed, rsv1: true)
        compressedFrames.withLock { $0[windowBits] = frame }
        return frame
    }

    /// One frame, header and payload in one array (so a send is one iovec).
    static func frame(opcode: WebSocketOpcode, payload: [UInt8], rsv1: Bool, fin: Bool = true) -> [UInt8] {
        let headerSize = FrameEncoder.headerSize(payloadCount: payload.count, masked: false)
        return [UInt8](unsafeUninitializedCapacity: headerSize + payload.count) { buffer, count in
            let written = FrameEncoder.writeHeader(opcode: opcode, fin: fin, rsv1: rsv1, payloadCount: payload.count, maskingKey: nil, to: buffer.baseAddress!)
            payload.withUnsafeBytes { source in
                if let base = source.baseAddress {
                    UnsafeMutableRawPointer(buffer.baseAddress! + written).copyMemory(from: base, byteCount: source.count)
                }
            }
            count = written + payload.count
        }
    }

    /// A frame from raw bytes (the echo path: no intermediate array).
    static func frame(opcode: WebSocketOpcode, payload: UnsafeRawBufferPointer, rsv1: Bool) -> [UInt8] {
        let headerSize = FrameEncoder.headerSize(payloadCount: payload.count, masked: false)
        return [UInt8](unsafeUninitializedCapacity: headerSize + payload.count) { buffer, count in
            let written = FrameEncoder.writeHeader(opcode: opcode, fin: true, rsv1: rsv1, payloadCount: payload.count, maskingKey: nil, to: buffer.baseAddress!)
            if let base = payload.baseAddress {
                UnsafeMutableRawPointer(buffer.baseAddress! + written).copyMemory(from: base, byteCount: payload.count)
            }
            count = written + payload.count
        }
    }
}

/// Deflaters without context takeover are reset after every message, so any of them can compress any message
/// for any receiver with the same window: a few are kept per window size and lent out under a lock.
final class DeflaterPool: Sendable {
    static let shared = DeflaterPool()
    private struct Key: Hashable { var windowBits: Int; var level: Int; var memoryLevel: Int }
    private final class Box: @unchecked Sendable {
        // @unchecked Sendable: a pooled deflater is used by one thread at a time — it is removed from the pool
        // under the lock before use and put back after.
        let deflater: MessageDeflater
        init(_ deflater: MessageDeflater) { self.deflater = deflater }
    }
    private let pool = Mutex<[Key: [Box]]>([:])

    func compress(_ payload: UnsafeRawBufferPointer, windowBits: Int, configuration: PerMessageDeflateConfiguration) -> [UInt8] {
        let key = Key(windowBits: windowBits, level: configuration.compressionLevel, memoryLevel: configuration.memoryLevel)
        let box = pool.withLock { $0[key]?.popLast() }
            ?? Box(MessageDeflater(windowBits: windowBits, noContextTakeover: true, level: key.level, memoryLevel: key.memoryLevel))
        let compressed = box.deflater.compress(payload)
        pool.withLock { pools in
            if pools[key, default: []].count < 8 { pools[key, default: []].append(box) }
        }
        return compressed
    }
}

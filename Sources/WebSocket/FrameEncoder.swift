/// Encodes frames (RFC 6455 §5.2):
///
///      0                   1                   2                   3
///      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///     +-+-+-+-+-------+-+-------------+-------------------------------+
///     |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
///     |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
///     |N|V|V|V|       |S|             |   (if payload len==126/127)   |
///     | |1|2|3|       |K|             |                               |
///     +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
///     |     Extended payload length continued, if payload len == 127  |
///     + - - - - - - - - - - - - - - - +-------------------------------+
///     |                               |Masking-key, if MASK set to 1  |
///     +-------------------------------+-------------------------------+
///     | Masking-key (continued)       |          Payload Data         |
///     +-------------------------------- - - - - - - - - - - - - - - - +
///     :                     Payload Data continued ...                :
///     + - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - +
///     |                     Payload Data continued ...                |
///     +---------------------------------------------------------------+
///
/// - Payload len 0–125 is the length; 126 means a 16-bit length follows, 127 a 64-bit one (most significant bit 0), all
///   in network byte order, and "the minimal number of bytes MUST be used".
/// - RSV1 is the "Per-Message Compressed" bit of permessage-deflate (RFC 7692 §6), set on the first frame of a
///   compressed message only.
/// - A client masks every frame (RFC 6455 §5.3); a server masks none.
///
/// ``WebSocketMessageReader`` decodes the same layout.
package enum FrameEncoder {
    /// The header size for a payload of `payloadCount` bytes: 2, 4 or 10 bytes, plus 4 for a masking key.
    package static func headerSize(payloadCount: Int, masked: Bool) -> Int {
        let base = payloadCount <= 125 ? 2 : payloadCount <= 0xFFFF ? 4 : 10
        return masked ? base + 4 : base
    }

    /// Writes the header at `buffer`, which must have ``headerSize(payloadCount:masked:)`` bytes of room. Returns the
    /// number of bytes written.
    package static func writeHeader(
        opcode: WebSocketOpcode, fin: Bool, rsv1: Bool, payloadCount: Int,
        maskingKey: (UInt8, UInt8, UInt8, UInt8)?, to buffer: UnsafeMutableRawPointer
    ) -> Int {
        precondition(payloadCount >= 0, "a payload length is a byte count")
        let first = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode.rawValue
        let maskBit: UInt8 = maskingKey == nil ? 0 : 0x80
        buffer.storeBytes(of: first, as: UInt8.self)
        var offset: Int
        if payloadCount <= 125 {
            buffer.storeBytes(of: maskBit | UInt8(payloadCount), toByteOffset: 1, as: UInt8.self)
            offset = 2
        } else if payloadCount <= 0xFFFF {
            buffer.storeBytes(of: maskBit | 126, toByteOffset: 1, as: UInt8.self)
            buffer.storeBytes(of: UInt16(payloadCount).bigEndian, toByteOffset: 2, as: UInt16.self)
            offset = 4
        } else {
            buffer.storeBytes(of: maskBit | 127, toByteOffset: 1, as: UInt8.self)
            buffer.storeBytes(of: UInt64(payloadCount).bigEndian, toByteOffset: 2, as: UInt64.self)
            offset = 10
        }
        if let key = maskingKey {
            buffer.storeBytes(of: key.0, toByteOffset: offset, as: UInt8.self)
            buffer.storeBytes(of: key.1, toByteOffset: offset + 1, as: UInt8.self)
            buffer.storeBytes(of: key.2, toByteOffset: offset + 2, as: UInt8.self)
            buffer.storeBytes(of: key.3, toByteOffset: offset + 3, as: UInt8.self)
            offset += 4
        }
        return offset
    }

    /// A whole frame: header, then the payload (masked when `maskingKey` is given).
    package static func encode(
        opcode: WebSocketOpcode, payload: [UInt8], fin: Bool = true, rsv1: Bool = false,
        maskingKey: (UInt8, UInt8, UInt8, UInt8)? = nil
    ) -> [UInt8] {
        let total = headerSize(payloadCount: payload.count, masked: maskingKey != nil) + payload.count
        return [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
            let base = UnsafeMutableRawPointer(buffer.baseAddress!)
            let headerCount = writeHeader(
                opcode: opcode, fin: fin, rsv1: rsv1, payloadCount: payload.count, maskingKey: maskingKey, to: base)
            payload.withUnsafeBytes { source in
                guard let from = source.baseAddress else { return }
                if let k = maskingKey {
                    FrameMask.apply(
                        key: FrameMask.key(k.0, k.1, k.2, k.3), phase: 0, from: from, to: base + headerCount,
                        count: source.count)
                } else {
                    (base + headerCount).copyMemory(from: from, byteCount: source.count)
                }
            }
            initialized = total
        }
    }

    /// The payload of a close frame (RFC 6455 §5.5.1): the 2-byte status code, then the reason, cut at a UTF-8 boundary
    /// so that the payload fits the 125 bytes of a control frame (RFC 6455 §5.5).
    package static func closePayload(code: UInt16, reason: String) -> [UInt8] {
        var reasonBytes = Array(reason.utf8)
        let room = 125 - 2
        if reasonBytes.count > room {
            var cut = room
            // Back up over continuation bytes (10xxxxxx) so no sequence is split.
            while cut > 0 && reasonBytes[cut] & 0xC0 == 0x80 { cut -= 1 }
            reasonBytes.removeSubrange(cut...)
        }
        return [UInt8(code >> 8), UInt8(code & 0xFF)] + reasonBytes
    }
}

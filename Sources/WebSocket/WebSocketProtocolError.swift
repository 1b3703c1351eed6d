/// Every way a peer can break RFC 6455 or RFC 7692, one case per rule. Each knows the close code the connection is failed
/// with (RFC 6455 §7.4.1), a stable code string for logs and tests, and a short reason for the close frame.
package enum WebSocketProtocolError: Error, Equatable, Sendable {
    /// RFC 6455 §5.2: "If an unknown opcode is received, the receiving endpoint MUST _Fail the WebSocket Connection_."
    /// Opcodes 0x3–0x7 and 0xB–0xF are reserved.
    case reservedOpcode(UInt8)
    /// RFC 6455 §5.2: RSV2 and RSV3 "MUST be 0 unless an extension is negotiated that defines meanings"; we negotiate none
    /// that does.
    case reservedBitsSet
    /// RFC 6455 §5.2: RSV1 set although permessage-deflate (RFC 7692 §6), the only extension that defines it, was not
    /// negotiated.
    case compressedWithoutExtension
    /// RFC 7692 §6.1: "An endpoint MUST NOT set the 'Per-Message Compressed' bit of control frames".
    case rsv1OnControlFrame
    /// RFC 7692 §6.1: the "Per-Message Compressed" bit is set only on the first frame of a message, never on a
    /// continuation frame.
    case rsv1OnContinuation
    /// RFC 6455 §5.1: "The server MUST close the connection upon receiving a frame that is not masked."
    case unmaskedClientFrame
    /// RFC 6455 §5.1: "A client MUST close a connection if it detects a masked frame."
    case maskedServerFrame
    /// RFC 6455 §5.5: "All control frames MUST have a payload length of 125 bytes or less". Carries the announced length.
    case controlFrameTooLong(Int)
    /// RFC 6455 §5.5: "All control frames ... MUST NOT be fragmented."
    case fragmentedControlFrame
    /// RFC 6455 §5.4: a continuation frame arrived while no fragmented message was in progress.
    case unexpectedContinuation
    /// RFC 6455 §5.4: a new text or binary frame arrived while a fragmented message was still in progress; its fragments
    /// must be continuation frames.
    case expectedContinuation
    /// RFC 6455 §5.2: "the minimal number of bytes MUST be used to encode the length" — a 16-bit length below 126 or a
    /// 64-bit length below 65536.
    case nonMinimalLength
    /// RFC 6455 §5.2: in a 64-bit payload length "the most significant bit MUST be 0".
    case lengthHighBitSet
    /// RFC 6455 §10.4: a frame's payload exceeds our configured limit (in bytes), known from its header alone.
    case frameTooLarge(limit: Int)
    /// RFC 6455 §10.4, §7.4.1 (1009): a message's payload — reassembled, and inflated if compressed — exceeds our limit.
    case messageTooLarge(limit: Int)
    /// RFC 6455 §8.1: a text message holds a byte sequence that is not UTF-8 (noticed as soon as the byte arrives).
    case invalidUTF8
    /// RFC 6455 §8.1: a text message ended in the middle of a UTF-8 sequence.
    case truncatedUTF8
    /// RFC 6455 §5.5.1: a close payload must be empty or start with a 2-byte status code; one byte is neither.
    case closePayloadOneByte
    /// RFC 6455 §7.4.1, §7.4.2: a status code that may not be sent in a close frame (see
    /// ``CloseFrame/isValidReceivedCode(_:)``).
    case invalidCloseCode(UInt16)
    /// RFC 6455 §5.5.1: the close reason is not valid UTF-8 (§8.1).
    case invalidCloseReasonUTF8
    /// RFC 7692 §6.2: the payload of a compressed message is not valid DEFLATE data (RFC 1951), so it cannot be inflated.
    case invalidCompressedData
    /// RFC 7692 §6.2: zlib could not set up an inflate stream (out of memory); our failure, not the peer's.
    case decompressorUnavailable

    /// The status code the connection is failed with (RFC 6455 §7.4.1). Mapped once, here.
    package var closeCode: UInt16 {
        switch self {
        case .reservedOpcode, .reservedBitsSet, .compressedWithoutExtension, .rsv1OnControlFrame, .rsv1OnContinuation,
             .unmaskedClientFrame, .maskedServerFrame, .controlFrameTooLong, .fragmentedControlFrame,
             .unexpectedContinuation, .expectedContinuation, .nonMinimalLength, .lengthHighBitSet,
             .closePayloadOneByte, .invalidCloseCode:
            1002  // protocol error
        case .invalidUTF8, .truncatedUTF8, .invalidCloseReasonUTF8, .invalidCompressedData:
            1007  // invalid frame payload data
        case .frameTooLarge, .messageTooLarge:
            1009  // message too big
        case .decompressorUnavailable:
            1011  // internal error
        }
    }

    /// A stable identifier for logs and tests.
    package var code: String {
        switch self {
        case .reservedOpcode: "ws.reserved_opcode"
        case .reservedBitsSet: "ws.reserved_bits"
        case .compressedWithoutExtension: "ws.rsv1_not_negotiated"
        case .rsv1OnControlFrame: "ws.rsv1_on_control_frame"
        case .rsv1OnContinuation: "ws.rsv1_on_continuation"
        case .unmaskedClientFrame: "ws.unmasked_frame"
        case .maskedServerFrame: "ws.masked_frame"
        case .controlFrameTooLong: "ws.control_frame_too_long"
        case .fragmentedControlFrame: "ws.fragmented_control_frame"
        case .unexpectedContinuation: "ws.unexpected_continuation"
        case .expectedContinuation: "ws.expected_continuation"
        case .nonMinimalLength: "ws.non_minimal_length"
        case .lengthHighBitSet: "ws.length_high_bit"
        case .frameTooLarge: "ws.frame_too_large"
        case .messageTooLarge: "ws.message_too_large"
        case .invalidUTF8: "ws.invalid_utf8"
        case .truncatedUTF8: "ws.truncated_utf8"
        case .closePayloadOneByte: "ws.close_payload_one_byte"
        case .invalidCloseCode: "ws.invalid_close_code"
        case .invalidCloseReasonUTF8: "ws.invalid_close_reason"
        case .invalidCompressedData: "ws.invalid_compressed_data"
        case .decompressorUnavailable: "ws.decompressor_unavailable"
        }
    }

    /// A short ASCII reason for the close frame we send (well under the 123 bytes a close reason may take).
    package var reason: String {
        switch self {
        case .reservedOpcode(let opcode): "reserved opcode \(opcode)"
        case .reservedBitsSet: "reserved bits set"
        case .compressedWithoutExtension: "RSV1 set without permessage-deflate"
        case .rsv1OnControlFrame: "RSV1 set on a control frame"
        case .rsv1OnContinuation: "RSV1 set on a continuation frame"
        case .unmaskedClientFrame: "frame not masked"
        case .maskedServerFrame: "server frame masked"
        case .controlFrameTooLong(let length): "control frame of \(length) bytes"
        case .fragmentedControlFrame: "fragmented control frame"
        case .unexpectedContinuation: "continuation without a message"
        case .expectedContinuation: "new message inside a fragmented message"
        case .nonMinimalLength: "payload length not minimally encoded"
        case .lengthHighBitSet: "payload length has its high bit set"
        case .frameTooLarge(let limit): "frame larger than \(limit) bytes"
        case .messageTooLarge(let limit): "message larger than \(limit) bytes"
        case .invalidUTF8: "invalid UTF-8"
        case .truncatedUTF8: "truncated UTF-8"
        case .closePayloadOneByte: "close payload of one byte"
        case .invalidCloseCode(let code): "invalid close code \(code)"
        case .invalidCloseReasonUTF8: "close reason not UTF-8"
        case .invalidCompressedData: "invalid compressed data"
        case .decompressorUnavailable: "decompressor unavailable"
        }
    }
}

/// The frame opcodes of RFC 6455 §5.2 (registry: RFC 6455 §11.8).
///
/// Values 0x3–0x7 and 0xB–0xF are reserved and deliberately have no case: `WebSocketOpcode(rawValue:)` returns nil for
/// them and the reader fails with ``WebSocketProtocolError/reservedOpcode(_:)``.
package enum WebSocketOpcode: UInt8, Sendable {
    case continuation = 0x0
    case text = 0x1
    case binary = 0x2
    case close = 0x8
    case ping = 0x9
    case pong = 0xA

    /// RFC 6455 §5.5: control frames are those whose opcode has the most significant bit set.
    package var isControl: Bool { rawValue & 0x8 != 0 }
}

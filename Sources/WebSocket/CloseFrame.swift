/// The body of a close frame (RFC 6455 §5.5.1): a 2-byte status code followed by a UTF-8 reason.
package struct CloseFrame: Equatable, Sendable {
    package var code: UInt16
    package var reason: String

    package init(code: UInt16, reason: String = "") {
        self.code = code
        self.reason = reason
    }
}

extension CloseFrame {
    /// Whether a peer may send `code` in a close frame (RFC 6455 §7.4.1, §7.4.2 and the IANA "WebSocket Close Code Number"
    /// registry, RFC 6455 §11.7):
    ///
    /// | codes | status |
    /// | --- | --- |
    /// | 0–999 | not used (§7.4.2) |
    /// | 1000–1003 | defined in §7.4.1 |
    /// | 1004 | reserved (§7.4.1) |
    /// | 1005, 1006 | MUST NOT be set in a close frame (§7.4.1) |
    /// | 1007–1011 | defined in §7.4.1 |
    /// | 1012–1014 | registered with IANA (Service Restart, Try Again Later, Bad Gateway) |
    /// | 1015 | MUST NOT be set in a close frame (§7.4.1) |
    /// | 1016–2999 | reserved for future revisions of the protocol (§7.4.2) |
    /// | 3000–3999 | registered with IANA for libraries and frameworks (§7.4.2) |
    /// | 4000–4999 | private use (§7.4.2) |
    /// | ≥ 5000 | outside every range of §7.4.2 |
    ///
    /// Autobahn|Testsuite agrees: cases 7.7.x send 1000–1003, 1007–1011, 3000, 3999, 4000, 4999 and expect a clean close;
    /// cases 7.9.x send 0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999 and expect 1002. It sends none of 1012–1014, so
    /// accepting those (the IANA registry) costs no case.
    package static func isValidReceivedCode(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }

    /// Decodes and validates a received close payload (RFC 6455 §5.5.1). An empty payload is a close without status code.
    static func parse(_ payload: [UInt8]) throws(WebSocketProtocolError) -> CloseFrame? {
        if payload.isEmpty { return nil }
        // RFC 6455 §5.5.1: "If there is a body, the first two bytes of the body MUST be a 2-byte unsigned integer".
        guard payload.count >= 2 else { throw .closePayloadOneByte }
        let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
        guard isValidReceivedCode(code) else { throw .invalidCloseCode(code) }
        let reasonBytes = payload[2...]
        // RFC 6455 §5.5.1: the reason is UTF-8; §8.1: invalid UTF-8 fails the connection with 1007.
        let valid = reasonBytes.withUnsafeBytes { bytes in
            var validator = UTF8Validator()
            return validator.validate(bytes) && validator.isAtBoundary
        }
        guard valid else { throw .invalidCloseReasonUTF8 }
        return CloseFrame(code: code, reason: String(decoding: reasonBytes, as: UTF8.self))
    }
}

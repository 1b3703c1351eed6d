/// What ``WebSocketMessageReader`` reports: one complete message or one control frame.
package enum WebSocketEvent: Equatable, Sendable {
    /// A complete text message; its UTF-8 is already validated (RFC 6455 §8.1) and, if it was compressed, it is inflated.
    case text([UInt8])
    /// A complete binary message, inflated if it was compressed.
    case binary([UInt8])
    /// A ping (RFC 6455 §5.5.2); the application data must be echoed in a pong "as soon as practical".
    case ping([UInt8])
    /// A pong (RFC 6455 §5.5.3), solicited or not.
    case pong([UInt8])
    /// A close frame (RFC 6455 §5.5.1); nil when its payload was empty (no status code). Code and reason are validated.
    case close(CloseFrame?)
}

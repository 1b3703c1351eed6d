/// Which end of the connection we are, which decides the masking rule for incoming frames (RFC 6455 §5.1):
/// a server MUST fail a connection whose client sends an unmasked frame, and a client MUST fail a connection whose server
/// sends a masked one.
package enum WebSocketRole: Sendable {
    /// We accepted the connection: incoming frames MUST be masked, and we inflate with the client's window parameters.
    case server
    /// We opened the connection: incoming frames MUST NOT be masked, and we inflate with the server's window parameters.
    case client
}

/// The limits of one ``WebSocketMessageReader``. Every limit is in payload bytes and is enforced with close code 1009
/// (RFC 6455 §7.4.1 "Message Too Big", §10.4 "implementations SHOULD impose implementation-specific limits on frame size
/// and total message size").
package struct WebSocketReaderConfiguration: Sendable {
    /// Largest payload of one frame, in bytes. Checked the moment the length field is decoded, before any payload byte is
    /// buffered, so a peer cannot make us allocate by announcing a huge frame.
    package var maxFrameSize: Int
    /// Largest payload of one whole message, in bytes: reassembled across fragments and, for a compressed message, after
    /// inflating. Checked from each frame header (uncompressed), and again while inflating (a zip bomb is a size attack).
    package var maxMessageSize: Int
    /// Decides the masking rule for incoming frames and which deflate parameters apply to them.
    package var role: WebSocketRole

    package init(maxFrameSize: Int, maxMessageSize: Int, role: WebSocketRole) {
        precondition(maxFrameSize >= 0 && maxMessageSize >= 0, "limits are byte counts")
        self.maxFrameSize = maxFrameSize
        self.maxMessageSize = maxMessageSize
        self.role = role
    }
}

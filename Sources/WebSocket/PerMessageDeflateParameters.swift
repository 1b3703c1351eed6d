/// The agreed permessage-deflate parameters of one connection (RFC 7692 §7.1), after negotiation.
///
/// Hashable so that a sender can key shared deflaters and compress-once caches by them: with
/// `serverNoContextTakeover`, two connections with equal parameters receive identical bytes for the same message.
package struct PerMessageDeflateParameters: Hashable, Sendable {
    /// The server forgets its LZ77 window after each message (RFC 7692 §7.1.1.1).
    package var serverNoContextTakeover: Bool
    /// The client forgets its LZ77 window after each message (RFC 7692 §7.1.1.2).
    package var clientNoContextTakeover: Bool
    /// The largest window, in bits, the server compresses with (RFC 7692 §7.1.2.1); 15 when not limited.
    package var serverMaxWindowBits: Int
    /// The largest window, in bits, the client compresses with (RFC 7692 §7.1.2.2); 15 when not limited.
    package var clientMaxWindowBits: Int

    package init(
        serverNoContextTakeover: Bool = false, clientNoContextTakeover: Bool = false, serverMaxWindowBits: Int = 15,
        clientMaxWindowBits: Int = 15
    ) {
        self.serverNoContextTakeover = serverNoContextTakeover
        self.clientNoContextTakeover = clientNoContextTakeover
        self.serverMaxWindowBits = serverMaxWindowBits
        self.clientMaxWindowBits = clientMaxWindowBits
    }
}

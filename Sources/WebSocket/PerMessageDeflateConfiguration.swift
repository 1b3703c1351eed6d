/// What we offer and accept for permessage-deflate (RFC 7692) as a server. One limit per property, each with its default
/// and the reason for it.
package struct PerMessageDeflateConfiguration: Sendable {
    /// Whether we accept permessage-deflate at all. Default true.
    package var enabled: Bool
    /// Messages smaller than this many bytes are sent uncompressed (RSV1 clear; RFC 7692 §6 lets a sender choose per
    /// message). Default 256: below that, DEFLATE's block overhead and the deflate call itself (a reset clears a hash
    /// table of 2^(memoryLevel+7) entries) cost more than the few bytes saved on a short chat line or ping-like message.
    /// Applied by the sender, not by ``MessageDeflater``.
    package var minimumSize: Int
    /// Always answer `server_no_context_takeover` (RFC 7692 §7.1.1.1 allows it even when not offered). Default true: the
    /// output of each message then depends on that message alone, so a broadcast message is compressed once and its bytes
    /// are shared by every receiver with the same parameters, one ``MessageDeflater`` per event loop serves every
    /// connection, and an idle connection holds no deflate state (zlib's is about 256 KiB at window 15).
    package var serverNoContextTakeover: Bool
    /// Ask clients to take no context over (`client_no_context_takeover`, RFC 7692 §7.1.1.2), so the inflate state can be
    /// dropped between messages. Default true: otherwise each connection that has sent a compressed message holds about
    /// 40 KiB of inflate state (zlib's 7 KiB plus the window) for its whole life — 400 MB for 10,000 browsers — while
    /// citizens' messages are short enough that the client's lost compression ratio hardly matters. When a client
    /// offers `client_no_context_takeover` itself we accept it whatever this says: it costs the client nothing it did not
    /// offer, and saves us that memory.
    package var clientNoContextTakeover: Bool
    /// The largest window (bits, 8...15) we compress with; a client's `server_max_window_bits` may lower it. Default 15.
    package var serverMaxWindowBits: Int
    /// The largest window (bits, 8...15) we accept from clients, announced as `client_max_window_bits` when the client
    /// offers that parameter (RFC 7692 §7.1.2.2 forbids it otherwise). Default 15. A value of 8 is announced as 9: zlib
    /// ≥ 1.2.9 cannot deflate a raw stream with an 8-bit window, so a client built on it (Python's, for one) could not
    /// compress at all.
    package var clientMaxWindowBits: Int
    /// zlib compression level (0...9). Default 6, zlib's own default and what browsers, Node's `ws` and Python's
    /// `websockets` use: with compress-once broadcasting its cost is paid once per message, not once per receiver.
    package var compressionLevel: Int
    /// zlib memLevel (1...9). Default 8, zlib's default: 128 KiB of hash tables, faster than smaller levels on large
    /// messages. Lower it to shrink a per-connection deflater when context takeover is used.
    package var memoryLevel: Int

    package init(
        enabled: Bool = true, minimumSize: Int = 256, serverNoContextTakeover: Bool = true,
        clientNoContextTakeover: Bool = true, serverMaxWindowBits: Int = 15, clientMaxWindowBits: Int = 15,
        compressionLevel: Int = 6, memoryLevel: Int = 8
    ) {
        precondition((8...15).contains(serverMaxWindowBits), "RFC 7692 §7.1.2.1: 8 to 15")
        precondition((8...15).contains(clientMaxWindowBits), "RFC 7692 §7.1.2.2: 8 to 15")
        precondition((0...9).contains(compressionLevel), "zlib levels are 0 to 9")
        precondition((1...9).contains(memoryLevel), "zlib memory levels are 1 to 9")
        precondition(minimumSize >= 0, "a byte count")
        self.enabled = enabled
        self.minimumSize = minimumSize
        self.serverNoContextTakeover = serverNoContextTakeover
        self.clientNoContextTakeover = clientNoContextTakeover
        self.serverMaxWindowBits = serverMaxWindowBits
        self.clientMaxWindowBits = clientMaxWindowBits
        self.compressionLevel = compressionLevel
        self.memoryLevel = memoryLevel
    }

    package static let `default` = PerMessageDeflateConfiguration()
}

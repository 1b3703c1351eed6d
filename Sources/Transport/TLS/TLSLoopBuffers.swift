/// What every TLS connection of one loop shares, so that an idle TLS connection holds no buffer of its own: decrypted
/// records land in `plaintext`, small chunks of output are gathered in `staging` into one record, and records are
/// written into `scratch` before they are sent (only what the socket does not take is copied to the connection).
/// Touched only on its loop.
final class TLSLoopBuffers {
    /// A record carries at most 16 KiB of plaintext (RFC 8446 §5.1), so SSL_read never returns more at once.
    static let recordSize = 16 << 10
    /// Plaintext encrypted per send: enough for the kernel to take in one call, small enough that unsent messages stay
    /// plaintext in the outbound queue (where a newer state of a topic can still replace them).
    static let batchSize = 64 << 10

    let plaintext = UnsafeMutableRawBufferPointer.allocate(byteCount: recordSize, alignment: 16)
    let staging = UnsafeMutableRawBufferPointer.allocate(byteCount: recordSize, alignment: 16)
    var scratch: [UInt8] = []

    init() {
        scratch.reserveCapacity(Self.batchSize + 4096)
    }

    deinit {
        plaintext.deallocate()
        staging.deallocate()
    }
}

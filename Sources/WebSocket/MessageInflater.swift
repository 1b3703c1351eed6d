import CZlib

/// Inflates the compressed messages of one direction (RFC 7692 §7.2.2). A class because it owns a `z_stream`, which must
/// not move in memory (zlib keeps a pointer back to it) and must be ended exactly once (`deinit`).
///
/// ``WebSocketMessageReader`` creates one lazily on the first compressed message and, when the peer takes no context
/// over, drops it after every message, so an idle connection holds no zlib memory.
package final class MessageInflater {
    private let stream: UnsafeMutablePointer<z_stream>
    /// The peer ended the DEFLATE stream with a BFINAL block (RFC 7692 §7.2.3.4); the rest of the message is ignored and
    /// the stream starts afresh with the next message.
    private var streamEnded = false

    /// Output is produced into a stack buffer of this size and appended to the message, so the message never holds more
    /// than the limit and no spare capacity is reserved from a compressed length.
    private static let chunkSize = 16 * 1024

    /// RFC 7692 §7.2.2: the four octets a sender removed from the end of every message.
    private static let trailer: [UInt8] = [0x00, 0x00, 0xFF, 0xFF]

    /// - Parameter windowBits: the LZ77 window, 8...15. Any window at least as large as the sender's works.
    package init(windowBits: Int) throws(WebSocketProtocolError) {
        precondition((8...15).contains(windowBits), "RFC 7692 §7.1.2: window bits are 8 to 15")
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // Negative window bits: raw DEFLATE (RFC 1951), no zlib header (RFC 7692 §7.2.1).
        guard lw_inflateInit2(stream, -Int32(windowBits)) == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw .decompressorUnavailable
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Inflates `input`, appending the output to `output`. Throws ``WebSocketProtocolError/messageTooLarge(limit:)``
    /// before `output` would grow past `limit` bytes, and ``WebSocketProtocolError/invalidCompressedData`` when the
    /// input is not DEFLATE data.
    package func inflate(
        _ input: UnsafeRawBufferPointer, appendingTo output: inout [UInt8], limit: Int
    ) throws(WebSocketProtocolError) {
        guard !streamEnded, let base = input.baseAddress, !input.isEmpty else { return }
        var remaining = input.count
        var next = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        while remaining > 0 {
            let piece = min(remaining, Int(UInt32.max))
            try run(input: next, count: piece, appendingTo: &output, limit: limit)
            if streamEnded { return }
            next += piece
            remaining -= piece
        }
    }

    /// Ends a message: appends the trailer the sender removed (RFC 7692 §7.2.2) and inflates it, which flushes the last
    /// output. After a BFINAL block the stream is reset instead, so the next message starts a new one.
    package func finishMessage(appendingTo output: inout [UInt8], limit: Int) throws(WebSocketProtocolError) {
        if !streamEnded {
            var failure: WebSocketProtocolError?
            Self.trailer.withUnsafeBytes { bytes in
                do throws(WebSocketProtocolError) {
                    try inflate(bytes, appendingTo: &output, limit: limit)
                } catch {
                    failure = error
                }
            }
            if let failure { throw failure }
        }
        if streamEnded { reset() }
    }

    /// Forgets the sliding window (no context takeover, RFC 7692 §7.1.1) while keeping the allocated state.
    package func reset() {
        inflateReset(stream)
        streamEnded = false
    }

    private func run(
        input: UnsafeMutablePointer<Bytef>, count: Int, appendingTo output: inout [UInt8], limit: Int
    ) throws(WebSocketProtocolError) {
        stream.pointee.next_in = input
        stream.pointee.avail_in = UInt32(count)
        defer {
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
        }
        try withUnsafeTemporaryAllocation(byteCount: Self.chunkSize, alignment: 16) {
            (chunk) throws(WebSocketProtocolError) in
            let chunkBase = chunk.baseAddress!.assumingMemoryBound(to: Bytef.self)
            while true {
                stream.pointee.next_out = chunkBase
                stream.pointee.avail_out = UInt32(Self.chunkSize)
                let status = CZlib.inflate(stream, Z_NO_FLUSH)
                let produced = Self.chunkSize - Int(stream.pointee.avail_out)
                if produced > 0 {
                    // RFC 6455 §10.4: stop at the limit, before the output is kept (a zip bomb is a size attack).
                    guard produced <= limit - output.count else { throw .messageTooLarge(limit: limit) }
                    output.append(contentsOf: UnsafeRawBufferPointer(start: chunkBase, count: produced))
                }
                switch status {
                case Z_OK:
                    // Go on while there is input left or the chunk was filled (more output may be pending).
                    if stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0 { return }
                case Z_STREAM_END:
                    streamEnded = true
                    return
                case Z_BUF_ERROR:
                    return  // no progress possible: all input consumed and nothing more to write
                case Z_MEM_ERROR:
                    throw .decompressorUnavailable
                default:  // Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR
                    throw .invalidCompressedData
                }
            }
        }
    }
}

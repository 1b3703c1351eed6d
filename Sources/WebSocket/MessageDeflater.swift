import CZlib

/// Compresses whole messages for one direction (RFC 7692 §7.2.1). A class because it owns a `z_stream`, which must not
/// move in memory and must be ended exactly once (`deinit`).
///
/// With no context takeover it is reset after every message, so its output depends on the message alone: then one
/// instance per event loop can serve every connection with the same window bits, and a broadcast message can be
/// compressed once and its bytes shared by every receiver. The zlib state (about 256 KiB at window 15 and memory level 8)
/// is allocated on the first message.
///
/// Window bits 8: zlib ≥ 1.2.9 refuses a raw DEFLATE stream with an 8-bit window (`deflateInit2` returns
/// `Z_STREAM_ERROR`; Python's `zlib.compressobj(wbits=-8)` fails the same way). A peer that asked for
/// `server_max_window_bits=8` inflates with a 256-byte window, so a 9-bit window's back-references could reach too far.
/// We honour 8 by deflating with a 9-bit window and the `Z_RLE` strategy, whose matches all have distance 1: valid for any
/// window, and still compressing runs.
package final class MessageDeflater {
    private let windowBits: Int
    private let noContextTakeover: Bool
    private let level: Int
    private let memoryLevel: Int
    private var stream: UnsafeMutablePointer<z_stream>?

    /// Compressed output is produced into a stack buffer of this size and appended to the result.
    private static let chunkSize = 16 * 1024

    /// - Parameters:
    ///   - windowBits: the LZ77 window, 8...15 (the agreed `server_max_window_bits` when we are the server).
    ///   - noContextTakeover: forget the window after each message (`server_no_context_takeover`, RFC 7692 §7.1.1.1).
    ///   - level: zlib compression level, -1...9.
    ///   - memoryLevel: zlib memLevel, 1...9.
    package init(windowBits: Int, noContextTakeover: Bool, level: Int, memoryLevel: Int) {
        precondition((8...15).contains(windowBits), "RFC 7692 §7.1.2: window bits are 8 to 15")
        precondition((-1...9).contains(level), "zlib levels are -1 to 9")
        precondition((1...9).contains(memoryLevel), "zlib memory levels are 1 to 9")
        self.windowBits = windowBits
        self.noContextTakeover = noContextTakeover
        self.level = level
        self.memoryLevel = memoryLevel
    }

    deinit {
        if let stream {
            deflateEnd(stream)
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
    }

    /// The compressed payload of one message, with the trailing `00 00 FF FF` of the sync flush removed
    /// (RFC 7692 §7.2.1). An empty message compresses to the single byte `00` (RFC 7692 §7.2.3.6).
    package func compress(_ message: UnsafeRawBufferPointer) -> [UInt8] {
        precondition(message.count <= Int(UInt32.max), "zlib takes at most 4 GiB at once")
        let stream = self.stream ?? makeStream()
        var output: [UInt8] = []
        stream.pointee.next_in = message.baseAddress.map {
            UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self))
        }
        stream.pointee.avail_in = UInt32(message.count)
        withUnsafeTemporaryAllocation(byteCount: Self.chunkSize, alignment: 16) { chunk in
            let chunkBase = chunk.baseAddress!.assumingMemoryBound(to: Bytef.self)
            // Z_SYNC_FLUSH ends the output on a byte boundary with an empty stored block (00 00 FF FF); repeat until the
            // output buffer is not filled, which means everything was flushed.
            repeat {
                stream.pointee.next_out = chunkBase
                stream.pointee.avail_out = UInt32(Self.chunkSize)
                let status = deflate(stream, Z_SYNC_FLUSH)
                precondition(status == Z_OK || status == Z_BUF_ERROR, "deflate failed: \(status)")
                let produced = Self.chunkSize - Int(stream.pointee.avail_out)
                output.append(contentsOf: UnsafeRawBufferPointer(start: chunkBase, count: produced))
            } while stream.pointee.avail_out == 0
        }
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
        if noContextTakeover { deflateReset(stream) }
        if output.isEmpty {
            // zlib emits nothing for a flush right after a flush (an empty message with context takeover). Send the
            // header byte of an empty stored block; the receiver's trailer completes it (RFC 7692 §7.2.3.6).
            return [0x00]
        }
        precondition(output.count >= 4 && output.suffix(4) == [0x00, 0x00, 0xFF, 0xFF], "a sync flush ends 00 00 FF FF")
        output.removeLast(4)
        return output
    }

    private func makeStream() -> UnsafeMutablePointer<z_stream> {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let zlibWindowBits = max(windowBits, 9)  // see the type's documentation about 8
        let status = lw_deflateInit2(stream, Int32(level), -Int32(zlibWindowBits), Int32(memoryLevel))
        // Only Z_MEM_ERROR is possible with checked parameters; like any allocation failure in Swift, it is fatal.
        precondition(status == Z_OK, "deflateInit2 failed: \(status)")
        if windowBits == 8 {
            let status = deflateParams(stream, Int32(level), Z_RLE)
            precondition(status == Z_OK, "deflateParams failed: \(status)")
        }
        self.stream = stream
        return stream
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Bytes waiting to be written on one connection: a list of byte arrays, shared with other connections when they
/// came from a broadcast (an array's storage is reference counted, so 10,000 receivers hold one copy).
/// Empty queues hold no storage, so an idle connection costs nothing here.
struct OutboundQueue {
    struct Chunk {
        var bytes: [UInt8]
        /// Topic of a `keepNewest` message (0: none), so a newer message of the same topic can replace it while unsent.
        var topic: UInt64
    }

    private var chunks: [Chunk] = []
    private var head = 0
    /// Bytes of `chunks[head]` already written.
    private var headOffset = 0
    private(set) var byteCount = 0

    var isEmpty: Bool { byteCount == 0 }

    mutating func append(_ bytes: [UInt8], topic: UInt64 = 0) {
        guard !bytes.isEmpty else { return }
        chunks.append(Chunk(bytes: bytes, topic: topic))
        byteCount += bytes.count
    }

    /// Replaces the newest unsent chunk of `topic` (not the one partly written). Returns false if there is none.
    mutating func replaceUnsent(topic: UInt64, with bytes: [UInt8]) -> Bool {
        var index = chunks.count - 1
        let firstUnsent = headOffset > 0 ? head + 1 : head
        while index >= firstUnsent {
            if chunks[index].topic == topic {
                byteCount += bytes.count - chunks[index].bytes.count
                chunks[index].bytes = bytes
                return true
            }
            index -= 1
        }
        return false
    }

    /// Calls `body` with iovecs for up to `maxVectors` pending chunks (the first one offset past what was written).
    mutating func withIOVecs<R>(maxVectors: Int, _ body: (UnsafeBufferPointer<iovec>) -> R) -> R {
        let count = min(chunks.count - head, maxVectors)
        return withUnsafeTemporaryAllocation(of: iovec.self, capacity: max(count, 1)) { vectors in
            Self.gather(chunks, from: head, offset: headOffset, count: count, vectors: vectors, filled: 0, body)
        }
    }

    /// Nests `withUnsafeBytes` once per chunk so every pointer stays valid for the duration of the call.
    private static func gather<R>(
        _ chunks: [Chunk], from index: Int, offset: Int, count: Int,
        vectors: UnsafeMutableBufferPointer<iovec>, filled: Int, _ body: (UnsafeBufferPointer<iovec>) -> R
    ) -> R {
        if filled == count {
            return body(UnsafeBufferPointer(rebasing: vectors[0..<count]))
        }
        return chunks[index + filled].bytes.withUnsafeBytes { raw in
            let skip = filled == 0 ? offset : 0
            vectors[filled] = iovec(iov_base: UnsafeMutableRawPointer(mutating: raw.baseAddress! + skip), iov_len: raw.count - skip)
            return gather(chunks, from: index, offset: offset, count: count, vectors: vectors, filled: filled + 1, body)
        }
    }

    /// Drops `written` bytes from the front.
    mutating func consume(_ written: Int) {
        var remaining = written
        byteCount -= written
        while remaining > 0 {
            let available = chunks[head].bytes.count - headOffset
            if remaining >= available {
                remaining -= available
                chunks[head].bytes = []
                head += 1
                headOffset = 0
            } else {
                headOffset += remaining
                remaining = 0
            }
        }
        if head == chunks.count {
            // Keep a small array for the next reply; let a burst's large one go.
            chunks.removeAll(keepingCapacity: chunks.capacity <= 4)
            head = 0
        } else if head >= 32 && head * 2 >= chunks.count {
            chunks.removeFirst(head)
            head = 0
        }
    }

    mutating func removeAll() {
        chunks.removeAll(keepingCapacity: false)
        head = 0
        headOffset = 0
        byteCount = 0
    }
}

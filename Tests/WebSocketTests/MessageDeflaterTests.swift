import Testing
import WebSocket

@Suite struct MessageDeflaterTests {
    private func compress(_ deflater: MessageDeflater, _ message: [UInt8]) -> [UInt8] {
        message.withUnsafeBytes { deflater.compress($0) }
    }

    /// RFC 7692 §7.2.3.1: "Hello" in one compressed DEFLATE block, without the trailing 00 00 FF FF.
    @Test func compressesHelloAsTheRFCExample() {
        let deflater = MessageDeflater(windowBits: 15, noContextTakeover: true, level: 6, memoryLevel: 8)
        #expect(compress(deflater, utf8("Hello")) == hex("f2 48 cd c9 c9 07 00"))
        #expect(
            FrameEncoder.encode(opcode: .text, payload: compress(deflater, utf8("Hello")), rsv1: true)
                == hex("c1 07 f2 48 cd c9 c9 07 00"))
    }

    /// RFC 7692 §7.2.3.2: with context takeover the second "Hello" is a back-reference into the first.
    @Test func sharesTheWindowBetweenMessagesWithContextTakeover() {
        let deflater = MessageDeflater(windowBits: 15, noContextTakeover: false, level: 6, memoryLevel: 8)
        #expect(compress(deflater, utf8("Hello")) == hex("f2 48 cd c9 c9 07 00"))
        #expect(compress(deflater, utf8("Hello")) == hex("f2 00 11 00 00"))
    }

    /// Without context takeover the output depends on the message alone, so one deflater can serve every connection
    /// and a broadcast can be compressed once.
    @Test func producesTheSameBytesForTheSameMessageWithoutContextTakeover() {
        let shared = MessageDeflater(windowBits: 15, noContextTakeover: true, level: 6, memoryLevel: 8)
        let message = utf8(String(repeating: "{\"user\":\"ana\",\"text\":\"hi\"}", count: 20))
        let first = compress(shared, message)
        _ = compress(shared, pseudoRandomBytes(count: 5000))
        #expect(compress(shared, message) == first)
        let fresh = MessageDeflater(windowBits: 15, noContextTakeover: true, level: 6, memoryLevel: 8)
        #expect(compress(fresh, message) == first)
        #expect(first.count < message.count / 5)
    }

    /// RFC 7692 §7.2.3.6: an empty message is the single byte 00, also right after another flush.
    @Test func compressesAnEmptyMessageToOneZeroByte() {
        for noContextTakeover in [true, false] {
            let deflater = MessageDeflater(windowBits: 15, noContextTakeover: noContextTakeover, level: 6, memoryLevel: 8)
            #expect(compress(deflater, []) == [0x00])
            #expect(compress(deflater, []) == [0x00])
            #expect(compress(deflater, utf8("Hello")).isEmpty == false)
            #expect(compress(deflater, []) == [0x00])
        }
    }

    @Test(arguments: [8, 9, 12, 15])
    func roundTripsThroughTheReader(_ windowBits: Int) {
        for noContextTakeover in [true, false] {
            let deflater = MessageDeflater(
                windowBits: windowBits, noContextTakeover: noContextTakeover, level: 6, memoryLevel: 8)
            let parameters = PerMessageDeflateParameters(
                serverNoContextTakeover: noContextTakeover, serverMaxWindowBits: windowBits)
            let messages = [
                [], utf8("Hello"), pseudoRandomBytes(count: 70_000), [UInt8](repeating: 0x61, count: 100_000),
                utf8(String(repeating: "abcdefgh", count: 5000)), utf8("Hello"),
            ]
            let stream = messages.flatMap { serverFrame(.binary, compress(deflater, $0), rsv1: true) }
            let result = read(stream, role: .client, deflate: parameters)
            #expect(result == ReadResult(events: messages.map { .binary($0) }, error: nil), "window \(windowBits)")
        }
    }

    /// zlib ≥ 1.2.9 refuses raw deflate with an 8-bit window. We deflate with 9 bits and Z_RLE, whose matches are all at
    /// distance 1, so a peer inflating with a 256-byte window can always follow. A repeating 8-byte pattern therefore
    /// does not shrink to a few back-references, unlike with a 9-bit window, but it still inflates with 8 bits, also
    /// across messages with context takeover.
    @Test func honoursAnEightBitWindowWithDistanceOneMatchesOnly() throws {
        let pattern = utf8(String(repeating: "abcdefgh", count: 200))
        let eight = MessageDeflater(windowBits: 8, noContextTakeover: false, level: 6, memoryLevel: 8)
        let nine = MessageDeflater(windowBits: 9, noContextTakeover: false, level: 6, memoryLevel: 8)
        let eightBit = compress(eight, pattern)
        #expect(eightBit.count > 400)
        #expect(compress(nine, pattern).count < 40)

        let inflater = try MessageInflater(windowBits: 8)
        let messages = [pattern, pseudoRandomBytes(count: 600), pattern, utf8("aaaaaaaaaaaaaaaaaaaa"), pattern]
        let sameEight = MessageDeflater(windowBits: 8, noContextTakeover: false, level: 6, memoryLevel: 8)
        for message in messages {
            let compressed = compress(sameEight, message)
            var output: [UInt8] = []
            try compressed.withUnsafeBytes { (buffer) throws in
                try inflater.inflate(buffer, appendingTo: &output, limit: 1 << 20)
            }
            try inflater.finishMessage(appendingTo: &output, limit: 1 << 20)
            #expect(output == message)
        }
    }
}

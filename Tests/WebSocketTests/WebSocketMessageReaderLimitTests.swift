import Testing
import WebSocket

/// RFC 6455 §10.4 limits: checked the moment a size is known, and again while inflating (1009).
@Suite struct WebSocketMessageReaderLimitTests {
    @Test func rejectsAnOversizeFrameFromItsLengthFieldAlone() {
        // A masked binary frame announcing 4096 bytes: only the first four header bytes are fed.
        let lengthField = hex("82 FE 10 00")
        let result = read(lengthField, role: .server, maxFrameSize: 4095)
        #expect(result == ReadResult(events: [], error: .frameTooLarge(limit: 4095)))
        #expect(WebSocketProtocolError.frameTooLarge(limit: 4095).closeCode == 1009)
    }

    @Test func rejectsAHugeAnnouncedFrameByteByByte() {
        // 2^62 bytes announced: reading the header one byte at a time must fail at its last length byte.
        let header = hex("82 FF 40 00 00 00 00 00 00 00")
        var reader = WebSocketMessageReader(
            configuration: WebSocketReaderConfiguration(maxFrameSize: 1 << 20, maxMessageSize: 1 << 20, role: .server),
            deflate: nil)
        for index in 0..<(header.count - 1) {
            #expect(read([header[index...index]], with: &reader).error == nil)
        }
        #expect(read([header[(header.count - 1)...]], with: &reader).error == .frameTooLarge(limit: 1 << 20))
    }

    @Test func acceptsAFrameOfExactlyTheLimit() {
        let payload = [UInt8](repeating: 1, count: 4096)
        let result = read(clientFrame(.binary, payload), role: .server, maxFrameSize: 4096, maxMessageSize: 4096)
        #expect(result == ReadResult(events: [.binary(payload)], error: nil))
    }

    @Test func rejectsAFragmentedMessageOverTheLimitAtTheHeaderOfTheFragmentThatCrossesIt() {
        let first = clientFrame(.binary, [UInt8](repeating: 1, count: 60), fin: false)
        let second = clientFrame(.continuation, [UInt8](repeating: 2, count: 41))
        // Only the header of the second fragment is fed.
        let stream = first + second.prefix(6)
        let result = read(stream, role: .server, maxFrameSize: 100, maxMessageSize: 100)
        #expect(result == ReadResult(events: [], error: .messageTooLarge(limit: 100)))
        #expect(WebSocketProtocolError.messageTooLarge(limit: 100).closeCode == 1009)
    }

    @Test func acceptsAFragmentedMessageOfExactlyTheLimit() {
        let stream = clientFrame(.binary, [UInt8](repeating: 1, count: 60), fin: false)
            + clientFrame(.ping, []) + clientFrame(.continuation, [UInt8](repeating: 1, count: 40))
        let result = read(stream, role: .server, maxFrameSize: 100, maxMessageSize: 100)
        #expect(result == ReadResult(events: [.ping([]), .binary([UInt8](repeating: 1, count: 100))], error: nil))
    }

    @Test func controlFramesDoNotCountTowardsTheMessage() {
        let stream = clientFrame(.text, utf8("abc"), fin: false) + clientFrame(.ping, [UInt8](repeating: 0, count: 100))
            + clientFrame(.continuation, utf8("def"))
        let result = read(stream, role: .server, maxFrameSize: 125, maxMessageSize: 6)
        #expect(result.events.last == .text(utf8("abcdef")))
        #expect(result.error == nil)
    }

    /// A zip bomb: 10 MiB of zeros compress to about 10 KiB, well under the frame limit; inflating must stop at the
    /// message limit.
    @Test func stopsInflatingAtTheMessageLimit() {
        let deflater = MessageDeflater(windowBits: 15, noContextTakeover: true, level: 9, memoryLevel: 9)
        let bomb = [UInt8](repeating: 0, count: 10 << 20).withUnsafeBytes { deflater.compress($0) }
        #expect(bomb.count < 16 * 1024)
        let result = read(
            clientFrame(.binary, bomb, rsv1: true), role: .server, deflate: PerMessageDeflateParameters(),
            maxFrameSize: 64 * 1024, maxMessageSize: 1 << 20)
        #expect(result == ReadResult(events: [], error: .messageTooLarge(limit: 1 << 20)))
    }

    @Test func acceptsACompressedMessageThatInflatesToExactlyTheLimit() {
        let deflater = MessageDeflater(windowBits: 15, noContextTakeover: true, level: 6, memoryLevel: 8)
        let message = [UInt8](repeating: 7, count: 100_000)
        let compressed = message.withUnsafeBytes { deflater.compress($0) }
        let result = read(
            clientFrame(.binary, compressed, rsv1: true), role: .server, deflate: PerMessageDeflateParameters(),
            maxFrameSize: 1000, maxMessageSize: 100_000)
        #expect(result == ReadResult(events: [.binary(message)], error: nil))
        let tooSmall = read(
            clientFrame(.binary, compressed, rsv1: true), role: .server, deflate: PerMessageDeflateParameters(),
            maxFrameSize: 1000, maxMessageSize: 99_999)
        #expect(tooSmall.error == .messageTooLarge(limit: 99_999))
    }

    @Test func rejectsACompressedFragmentedMessageThatInflatesPastTheLimit() {
        let deflater = MessageDeflater(windowBits: 15, noContextTakeover: true, level: 6, memoryLevel: 8)
        let compressed = [UInt8](repeating: 7, count: 5000).withUnsafeBytes { deflater.compress($0) }
        let half = compressed.count / 2
        let stream = clientFrame(.binary, Array(compressed[..<half]), fin: false, rsv1: true)
            + clientFrame(.continuation, Array(compressed[half...]))
        let result = read(stream, role: .server, deflate: PerMessageDeflateParameters(), maxMessageSize: 4999)
        #expect(result.error == .messageTooLarge(limit: 4999))
    }
}

import Testing
import WebSocket

/// A byte stream and what a reader must make of it, however the stream is cut into reads.
struct ReaderVector: Sendable, CustomTestStringConvertible {
    var name: String
    var stream: [UInt8]
    var role: WebSocketRole
    var deflate: PerMessageDeflateParameters? = nil
    var events: [WebSocketEvent]
    var error: WebSocketProtocolError? = nil

    var testDescription: String { name }

    static let hello = utf8("Hello")
    static let contextTakeover = PerMessageDeflateParameters()
    static let payload256 = (0..<256).map { UInt8(truncatingIfNeeded: $0) }
    static let payload65536 = (0..<65536).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    static let payload300 = pseudoRandomBytes(count: 300)
    static let payload70000 = pseudoRandomBytes(count: 70000, seed: 7)

    static let all: [ReaderVector] = [
        // RFC 6455 §5.7
        ReaderVector(
            name: "RFC 6455 §5.7 single-frame unmasked text", stream: hex("81 05 48 65 6c 6c 6f"), role: .client,
            events: [.text(hello)]),
        ReaderVector(
            name: "RFC 6455 §5.7 single-frame masked text",
            stream: hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"), role: .server, events: [.text(hello)]),
        ReaderVector(
            name: "RFC 6455 §5.7 fragmented unmasked text", stream: hex("01 03 48 65 6c 80 02 6c 6f"), role: .client,
            events: [.text(hello)]),
        ReaderVector(
            name: "RFC 6455 §5.7 unmasked ping", stream: hex("89 05 48 65 6c 6c 6f"), role: .client,
            events: [.ping(hello)]),
        ReaderVector(
            name: "RFC 6455 §5.7 masked pong", stream: hex("8a 85 37 fa 21 3d 7f 9f 4d 51 58"), role: .server,
            events: [.pong(hello)]),
        ReaderVector(
            name: "RFC 6455 §5.7 256 bytes binary in a single unmasked frame",
            stream: hex("82 7E 01 00") + payload256, role: .client, events: [.binary(payload256)]),
        ReaderVector(
            name: "RFC 6455 §5.7 64KiB binary in a single unmasked frame",
            stream: hex("82 7F 00 00 00 00 00 01 00 00") + payload65536, role: .client,
            events: [.binary(payload65536)]),
        ReaderVector(
            name: "masked 70000-byte binary with a 64-bit length", stream: clientFrame(.binary, payload70000),
            role: .server, events: [.binary(payload70000)]),
        // Masked payloads longer than a word, cut at every key phase.
        ReaderVector(
            name: "masked 300-byte binary", stream: clientFrame(.binary, payload300), role: .server,
            events: [.binary(payload300)]),
        ReaderVector(
            name: "masked fragmented text with a ping between fragments",
            stream: clientFrame(.text, utf8("Hel"), fin: false) + clientFrame(.ping, utf8("ping"))
                + clientFrame(.continuation, utf8("lo wörld"), fin: false) + clientFrame(.continuation, []),
            role: .server, events: [.ping(utf8("ping")), .text(utf8("Hello wörld"))]),
        ReaderVector(
            name: "text whose 4-byte sequence spans two fragments",
            stream: clientFrame(.text, [0x61, 0xF0, 0x9F], fin: false) + clientFrame(.continuation, [0x98, 0x80]),
            role: .server, events: [.text([0x61, 0xF0, 0x9F, 0x98, 0x80])]),
        ReaderVector(
            name: "empty text, binary, ping and close", stream: clientFrame(.text, []) + clientFrame(.binary, [])
                + clientFrame(.ping, []) + clientFrame(.close, []),
            role: .server, events: [.text([]), .binary([]), .ping([]), .close(nil)]),
        ReaderVector(
            name: "close with code and reason",
            stream: clientFrame(.close, FrameEncoder.closePayload(code: 1001, reason: "bye ✓")), role: .server,
            events: [.close(CloseFrame(code: 1001, reason: "bye ✓"))]),
        ReaderVector(
            name: "close arriving inside a fragmented message ends reading (Autobahn 7.1.5)",
            stream: clientFrame(.text, utf8("fragment1"), fin: false)
                + clientFrame(.close, FrameEncoder.closePayload(code: 1000, reason: ""))
                + clientFrame(.continuation, utf8("fragment2")),
            role: .server, events: [.close(CloseFrame(code: 1000, reason: ""))]),
        ReaderVector(
            name: "anything after a close is ignored, even a broken frame",
            stream: clientFrame(.close, []) + clientFrame(.text, utf8("late")) + [0xFF, 0xFF], role: .server,
            events: [.close(nil)]),
        // RFC 7692 §7.2.3
        ReaderVector(
            name: "RFC 7692 §7.2.3.1 compressed Hello in one frame", stream: hex("c1 07 f2 48 cd c9 c9 07 00"),
            role: .client, deflate: contextTakeover, events: [.text(hello)]),
        ReaderVector(
            name: "RFC 7692 §7.2.3.1 compressed Hello in two fragments",
            stream: hex("41 03 f2 48 cd 80 04 c9 c9 07 00"), role: .client, deflate: contextTakeover,
            events: [.text(hello)]),
        ReaderVector(
            name: "RFC 7692 §7.2.3.2 sharing the LZ77 window",
            stream: hex("c1 07 f2 48 cd c9 c9 07 00 c1 05 f2 00 11 00 00"), role: .client, deflate: contextTakeover,
            events: [.text(hello), .text(hello)]),
        ReaderVector(
            name: "RFC 7692 §7.2.3.3 a DEFLATE block with no compression",
            stream: hex("c1 0b 00 05 00 fa ff 48 65 6c 6c 6f 00"), role: .client, deflate: contextTakeover,
            events: [.text(hello)]),
        ReaderVector(
            name: "RFC 7692 §7.2.3.4 a DEFLATE block with BFINAL set, then a new stream",
            stream: hex("c1 08 f3 48 cd c9 c9 07 00 00 c1 07 f2 48 cd c9 c9 07 00"), role: .client,
            deflate: contextTakeover, events: [.text(hello), .text(hello)]),
        ReaderVector(
            name: "RFC 7692 §7.2.3.5 two DEFLATE blocks in one message",
            stream: hex("c1 0d f2 48 05 00 00 00 ff ff ca c9 c9 07 00"), role: .client, deflate: contextTakeover,
            events: [.text(hello)]),
        ReaderVector(
            name: "RFC 7692 §7.2.3.6 an empty last fragment",
            stream: hex("41 0b f2 48 cd c9 c9 07 00 00 00 ff ff 80 01 00"), role: .client, deflate: contextTakeover,
            events: [.text(hello)]),
        ReaderVector(
            name: "compressed masked client message with a ping between fragments",
            stream: clientFrame(.binary, hex("f2 48 cd"), fin: false, rsv1: true) + clientFrame(.ping, [])
                + clientFrame(.continuation, hex("c9 c9 07 00")),
            role: .server, deflate: contextTakeover, events: [.ping([]), .binary(hello)]),
        ReaderVector(
            name: "uncompressed message on a deflate connection",
            stream: clientFrame(.text, hello), role: .server, deflate: contextTakeover, events: [.text(hello)]),
        // Failures are reported at the same point, however the bytes are cut.
        ReaderVector(
            name: "a message, then a reserved opcode", stream: clientFrame(.text, hello) + hex("83 80 00 00 00 00"),
            role: .server, events: [.text(hello)], error: .reservedOpcode(3)),
        ReaderVector(
            name: "invalid UTF-8 in the second fragment",
            stream: clientFrame(.text, hex("ce ba e1 bd b9 cf 83 ce bc ce b5"), fin: false)
                + clientFrame(.continuation, hex("f4 90 80 80"), fin: false)
                + clientFrame(.continuation, utf8("edited")),
            role: .server, events: [], error: .invalidUTF8),
    ]
}

@Suite struct WebSocketMessageReaderTests {
    @Test(arguments: ReaderVector.all)
    func readsTheVectorInOneRead(_ vector: ReaderVector) {
        let result = read(vector.stream, role: vector.role, deflate: vector.deflate)
        #expect(result == ReadResult(events: vector.events, error: vector.error))
    }

    @Test(arguments: ReaderVector.all)
    func readsTheSameEventsAtEverySplitPointAndByteByByte(_ vector: ReaderVector) {
        let expected = ReadResult(events: vector.events, error: vector.error)
        for chunks in splits(of: vector.stream) {
            let result = read(chunks, role: vector.role, deflate: vector.deflate)
            #expect(result == expected, "cut into \(chunks.map(\.count).prefix(8)) (\(chunks.count) pieces)")
            if result != expected { break }
        }
    }

    @Test func returnsOneEventPerCallAndLeavesTheRestOfTheInput() throws {
        var reader = WebSocketMessageReader(
            configuration: WebSocketReaderConfiguration(maxFrameSize: 1000, maxMessageSize: 1000, role: .client),
            deflate: nil)
        let stream = hex("81 05 48 65 6c 6c 6f 89 00")
        try stream.withUnsafeBytes { (buffer) throws in
            var input = buffer
            #expect(try reader.next(&input) == .text(utf8("Hello")))
            #expect(input.count == 2)
            #expect(try reader.next(&input) == .ping([]))
            #expect(input.isEmpty)
            #expect(try reader.next(&input) == nil)
        }
    }

    @Test func staysDeadAfterAnError() {
        var reader = WebSocketMessageReader(
            configuration: WebSocketReaderConfiguration(maxFrameSize: 1000, maxMessageSize: 1000, role: .server),
            deflate: nil)
        let first = read([hex("81 05 48 65 6c 6c 6f")[...]], with: &reader)
        #expect(first.error == .unmaskedClientFrame)
        let second = read([clientFrame(.text, utf8("fine"))[...]], with: &reader)
        #expect(second == ReadResult(events: [], error: .unmaskedClientFrame))
    }

    @Test func keepsReadingMessagesAfterACompressedOneWithoutContextTakeover() {
        let deflate = PerMessageDeflateParameters(clientNoContextTakeover: true)
        let deflater = MessageDeflater(windowBits: 15, noContextTakeover: true, level: 6, memoryLevel: 8)
        let messages = (0..<5).map { utf8("message \($0) " + String(repeating: "abc", count: $0 * 50)) }
        var stream: [UInt8] = []
        for message in messages {
            let compressed = message.withUnsafeBytes { deflater.compress($0) }
            stream += clientFrame(.text, compressed, rsv1: true) + clientFrame(.binary, message)
        }
        let result = read(stream, role: .server, deflate: deflate)
        #expect(result.error == nil)
        #expect(result.events == messages.flatMap { [WebSocketEvent.text($0), .binary($0)] })
    }

    /// An idle connection holds no zlib memory when the client takes no context over; otherwise the window is kept.
    @Test func dropsTheInflaterAfterEachMessageWithoutContextTakeover() {
        let frame = clientFrame(.text, hex("f2 48 cd c9 c9 07 00"), rsv1: true)
        for noContextTakeover in [true, false] {
            var reader = WebSocketMessageReader(
                configuration: WebSocketReaderConfiguration(maxFrameSize: 1000, maxMessageSize: 1000, role: .server),
                deflate: PerMessageDeflateParameters(clientNoContextTakeover: noContextTakeover))
            #expect(!reader.holdsInflateState)
            #expect(read([frame[..<8]], with: &reader) == ReadResult(events: [], error: nil))
            #expect(reader.holdsInflateState)
            #expect(read([frame[8...]], with: &reader) == ReadResult(events: [.text(utf8("Hello"))], error: nil))
            #expect(reader.holdsInflateState == !noContextTakeover)
        }
    }

    @Test func inflatesMessagesThatShareTheWindow() {
        let deflater = MessageDeflater(windowBits: 15, noContextTakeover: false, level: 6, memoryLevel: 8)
        let message = pseudoRandomBytes(count: 2000)
        var stream: [UInt8] = []
        var sizes: [Int] = []
        for _ in 0..<3 {
            let compressed = message.withUnsafeBytes { deflater.compress($0) }
            sizes.append(compressed.count)
            stream += clientFrame(.binary, compressed, rsv1: true)
        }
        // The repeats compress to a back-reference into the previous message.
        #expect(sizes[1] < 50 && sizes[2] < 50)
        let result = read(stream, role: .server, deflate: PerMessageDeflateParameters())
        #expect(result == ReadResult(events: [.binary(message), .binary(message), .binary(message)], error: nil))
    }
}

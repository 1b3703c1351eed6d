import Testing
import WebSocket

/// One test per protocol rule: the bytes that break it, the error, and the close code the connection is failed with.
/// Each also checks every way of cutting the bytes into reads, so a rule cannot depend on how bytes arrive.
@Suite struct WebSocketMessageReaderRuleTests {
    private let deflate = PerMessageDeflateParameters()

    /// Asserts that `stream` yields `events` and then `error` (with `closeCode`), however it is cut.
    private func expectFailure(
        _ stream: [UInt8], role: WebSocketRole = .server, deflate: PerMessageDeflateParameters? = nil,
        events: [WebSocketEvent] = [], error: WebSocketProtocolError, closeCode: UInt16,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(error.closeCode == closeCode, sourceLocation: sourceLocation)
        let expected = ReadResult(events: events, error: error)
        #expect(read(stream, role: role, deflate: deflate) == expected, sourceLocation: sourceLocation)
        for chunks in splits(of: stream) {
            let result = read(chunks, role: role, deflate: deflate)
            #expect(result == expected, "cut into \(chunks.count) pieces", sourceLocation: sourceLocation)
            if result != expected { return }
        }
    }

    // MARK: RFC 6455 §5.2 opcodes and reserved bits

    @Test(arguments: [0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF] as [UInt8])
    func rejectsReservedOpcodes(_ opcode: UInt8) {
        var frame = clientFrame(.binary, utf8("x"))
        frame[0] = 0x80 | opcode
        expectFailure(frame, error: .reservedOpcode(opcode), closeCode: 1002)
    }

    @Test(arguments: [0x20, 0x10, 0x30] as [UInt8])
    func rejectsRSV2AndRSV3(_ bits: UInt8) {
        var frame = clientFrame(.text, utf8("x"))
        frame[0] |= bits
        expectFailure(frame, deflate: deflate, error: .reservedBitsSet, closeCode: 1002)
    }

    @Test func rejectsRSV1WhenPermessageDeflateWasNotNegotiated() {
        expectFailure(
            clientFrame(.text, hex("f2 48 cd c9 c9 07 00"), rsv1: true), error: .compressedWithoutExtension,
            closeCode: 1002)
    }

    @Test func rejectsRSV1OnAControlFrame() {
        var ping = clientFrame(.ping, [])
        ping[0] |= 0x40
        expectFailure(ping, deflate: deflate, error: .rsv1OnControlFrame, closeCode: 1002)
    }

    @Test func rejectsRSV1OnAContinuationFrame() {
        let stream = clientFrame(.text, hex("f2 48 cd"), fin: false, rsv1: true)
            + clientFrame(.continuation, hex("c9 c9 07 00"), rsv1: true)
        expectFailure(stream, deflate: deflate, error: .rsv1OnContinuation, closeCode: 1002)
    }

    // MARK: RFC 6455 §5.1 masking

    @Test func serverRejectsAnUnmaskedFrame() {
        expectFailure(hex("81 05 48 65 6c 6c 6f"), role: .server, error: .unmaskedClientFrame, closeCode: 1002)
    }

    @Test func clientRejectsAMaskedFrame() {
        expectFailure(
            hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"), role: .client, error: .maskedServerFrame, closeCode: 1002)
    }

    // MARK: RFC 6455 §5.5 control frames

    @Test func rejectsControlFrameLongerThan125Bytes() {
        let ping = clientFrame(.ping, [UInt8](repeating: 0x2A, count: 126))
        #expect(ping[1] == 0x80 | 126)
        expectFailure(ping, error: .controlFrameTooLong(126), closeCode: 1002)
    }

    @Test func acceptsControlFrameOf125Bytes() {
        let payload = [UInt8](repeating: 0x2A, count: 125)
        #expect(read(clientFrame(.ping, payload), role: .server) == ReadResult(events: [.ping(payload)], error: nil))
    }

    @Test func rejectsAFragmentedControlFrame() {
        expectFailure(clientFrame(.ping, utf8("a"), fin: false), error: .fragmentedControlFrame, closeCode: 1002)
    }

    // MARK: RFC 6455 §5.4 fragmentation

    @Test func rejectsAContinuationWithoutAMessage() {
        expectFailure(clientFrame(.continuation, utf8("lo")), error: .unexpectedContinuation, closeCode: 1002)
    }

    @Test func rejectsAContinuationAfterAFinishedMessage() {
        let stream = clientFrame(.text, utf8("Hello")) + clientFrame(.continuation, utf8("!"))
        expectFailure(stream, events: [.text(utf8("Hello"))], error: .unexpectedContinuation, closeCode: 1002)
    }

    @Test func rejectsANewMessageInsideAFragmentedMessage() {
        let stream = clientFrame(.text, utf8("Hel"), fin: false) + clientFrame(.binary, utf8("lo"))
        expectFailure(stream, error: .expectedContinuation, closeCode: 1002)
    }

    // MARK: RFC 6455 §5.2 payload length

    @Test func rejectsA16BitLengthBelow126() {
        // 125 bytes announced in the 16-bit form.
        let stream = hex("82 FE 00 7D 37 fa 21 3d") + [UInt8](repeating: 0, count: 125)
        expectFailure(stream, error: .nonMinimalLength, closeCode: 1002)
    }

    @Test func rejectsA64BitLengthBelow65536() {
        let stream = hex("82 FF 00 00 00 00 00 00 FF FF 37 fa 21 3d")
        expectFailure(stream, error: .nonMinimalLength, closeCode: 1002)
    }

    @Test func rejectsA64BitLengthWithTheMostSignificantBitSet() {
        let stream = hex("82 FF 80 00 00 00 00 01 00 00 37 fa 21 3d")
        expectFailure(stream, error: .lengthHighBitSet, closeCode: 1002)
    }

    @Test func acceptsTheSmallestLengthOfEachForm() {
        for count in [125, 126, 65535, 65536] {
            let payload = [UInt8](repeating: 0x41, count: count)
            let frame = clientFrame(.binary, payload)
            #expect(read(frame, role: .server) == ReadResult(events: [.binary(payload)], error: nil), "\(count)")
        }
    }

    // MARK: RFC 6455 §8.1 UTF-8

    @Test func rejectsInvalidUTF8InATextMessage() {
        expectFailure(clientFrame(.text, hex("48 c0 80 6f")), error: .invalidUTF8, closeCode: 1007)
    }

    @Test func rejectsATextMessageEndingInsideASequence() {
        expectFailure(clientFrame(.text, hex("48 65 e2 82")), error: .truncatedUTF8, closeCode: 1007)
    }

    @Test func rejectsAFragmentedTextMessageEndingInsideASequence() {
        let stream = clientFrame(.text, hex("48 e2"), fin: false) + clientFrame(.continuation, hex("82"))
        expectFailure(stream, error: .truncatedUTF8, closeCode: 1007)
    }

    @Test func acceptsInvalidUTF8InABinaryMessage() {
        let payload = hex("c0 80 ff ed a0 80")
        #expect(read(clientFrame(.binary, payload), role: .server) == ReadResult(events: [.binary(payload)], error: nil))
    }

    /// Autobahn 6.4.3: one frame whose payload arrives in three pieces; the connection must fail when the second piece
    /// (holding F4 90, above U+10FFFF) arrives, before the third.
    @Test func failsOnTheFirstInvalidByteInTheMiddleOfAFrame() {
        let payload = hex("ce ba e1 bd b9 cf 83 ce bc ce b5 f4 90 80 80 65 64 69 74 65 64")
        let frame = clientFrame(.text, payload)
        let header = 6
        var reader = WebSocketMessageReader(
            configuration: WebSocketReaderConfiguration(maxFrameSize: 1000, maxMessageSize: 1000, role: .server),
            deflate: nil)
        #expect(read([frame[..<(header + 11)]], with: &reader) == ReadResult(events: [], error: nil))
        #expect(read([frame[(header + 11)..<(header + 15)]], with: &reader).error == .invalidUTF8)
    }

    /// Autobahn 6.4.4: the same, cut so that the second piece is the single byte 90 after F4.
    @Test func failsOnTheSecondByteOfASequenceThatCannotBeValid() {
        let payload = hex("ce ba e1 bd b9 cf 83 ce bc ce b5 f4 90 80 80 65 64 69 74 65 64")
        let frame = clientFrame(.text, payload)
        let header = 6
        var reader = WebSocketMessageReader(
            configuration: WebSocketReaderConfiguration(maxFrameSize: 1000, maxMessageSize: 1000, role: .server),
            deflate: nil)
        #expect(read([frame[..<(header + 12)]], with: &reader) == ReadResult(events: [], error: nil))
        #expect(read([frame[(header + 12)..<(header + 13)]], with: &reader).error == .invalidUTF8)
    }

    /// Autobahn 6.4.1: the invalid sequence is in the second of three fragments.
    @Test func failsOnTheFragmentThatHoldsTheInvalidByte() {
        var reader = WebSocketMessageReader(
            configuration: WebSocketReaderConfiguration(maxFrameSize: 1000, maxMessageSize: 1000, role: .server),
            deflate: nil)
        let first = clientFrame(.text, hex("ce ba e1 bd b9 cf 83 ce bc ce b5"), fin: false)
        let second = clientFrame(.continuation, hex("f4 90 80 80"), fin: false)
        #expect(read([first[...]], with: &reader) == ReadResult(events: [], error: nil))
        #expect(read([second[...]], with: &reader).error == .invalidUTF8)
    }

    @Test func rejectsInvalidUTF8InsideACompressedTextMessage() {
        let deflater = MessageDeflater(windowBits: 15, noContextTakeover: true, level: 6, memoryLevel: 8)
        let compressed = hex("48 65 ed a0 80 6c 6f").withUnsafeBytes { deflater.compress($0) }
        expectFailure(clientFrame(.text, compressed, rsv1: true), deflate: deflate, error: .invalidUTF8, closeCode: 1007)
    }

    // MARK: RFC 6455 §5.5.1, §7.4 close frames

    @Test func rejectsAClosePayloadOfOneByte() {
        expectFailure(clientFrame(.close, [0x03]), error: .closePayloadOneByte, closeCode: 1002)
    }

    /// Autobahn 7.9.x sends 0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999; 7.13.x sends 5000 and 65535.
    @Test(arguments: [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535] as [UInt16])
    func rejectsACloseCodeThatMayNotBeSent(_ code: UInt16) {
        let payload = FrameEncoder.closePayload(code: code, reason: "")
        expectFailure(clientFrame(.close, payload), error: .invalidCloseCode(code), closeCode: 1002)
    }

    /// Autobahn 7.7.x sends 1000–1003, 1007–1011, 3000, 3999, 4000, 4999; 1012–1014 are in the IANA registry.
    @Test(arguments: [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999]
        as [UInt16])
    func acceptsACloseCodeThatMayBeSent(_ code: UInt16) {
        let payload = FrameEncoder.closePayload(code: code, reason: "ok")
        let result = read(clientFrame(.close, payload), role: .server)
        #expect(result == ReadResult(events: [.close(CloseFrame(code: code, reason: "ok"))], error: nil))
    }

    /// Autobahn 7.5.1's reason: valid UTF-8 up to an encoded surrogate (ED A0 80).
    @Test func rejectsACloseReasonThatIsNotUTF8() {
        let payload = hex("03 e8 ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80 65 64 69 74 65 64")
        expectFailure(clientFrame(.close, payload), error: .invalidCloseReasonUTF8, closeCode: 1007)
    }

    // MARK: RFC 7692 §6.2 compressed data

    @Test func rejectsCompressedDataThatIsNotDEFLATE() {
        // BTYPE 11 is reserved (RFC 1951 §3.2.3).
        expectFailure(clientFrame(.binary, hex("ff ff ff ff"), rsv1: true), deflate: deflate,
            error: .invalidCompressedData, closeCode: 1007)
    }
}

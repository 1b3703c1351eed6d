import Testing
import WebSocket

@Suite struct FrameEncoderTests {
    // MARK: RFC 6455 §5.7, byte for byte

    @Test func encodesASingleFrameUnmaskedText() {
        #expect(FrameEncoder.encode(opcode: .text, payload: utf8("Hello")) == hex("81 05 48 65 6c 6c 6f"))
    }

    @Test func encodesASingleFrameMaskedText() {
        #expect(
            FrameEncoder.encode(opcode: .text, payload: utf8("Hello"), maskingKey: rfcMaskingKey)
                == hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"))
    }

    @Test func encodesAFragmentedUnmaskedText() {
        #expect(FrameEncoder.encode(opcode: .text, payload: utf8("Hel"), fin: false) == hex("01 03 48 65 6c"))
        #expect(FrameEncoder.encode(opcode: .continuation, payload: utf8("lo")) == hex("80 02 6c 6f"))
    }

    @Test func encodesAnUnmaskedPingAndAMaskedPong() {
        #expect(FrameEncoder.encode(opcode: .ping, payload: utf8("Hello")) == hex("89 05 48 65 6c 6c 6f"))
        #expect(
            FrameEncoder.encode(opcode: .pong, payload: utf8("Hello"), maskingKey: rfcMaskingKey)
                == hex("8a 85 37 fa 21 3d 7f 9f 4d 51 58"))
    }

    @Test func encodesThe16BitLengthOfA256ByteBinaryMessage() {
        let payload = [UInt8](repeating: 0xAB, count: 256)
        let frame = FrameEncoder.encode(opcode: .binary, payload: payload)
        #expect(Array(frame.prefix(4)) == hex("82 7E 01 00"))
        #expect(Array(frame.dropFirst(4)) == payload)
    }

    @Test func encodesThe64BitLengthOfA64KiBBinaryMessage() {
        let payload = [UInt8](repeating: 0xCD, count: 65536)
        let frame = FrameEncoder.encode(opcode: .binary, payload: payload)
        #expect(Array(frame.prefix(10)) == hex("82 7F 00 00 00 00 00 01 00 00"))
        #expect(frame.count == 65546)
    }

    // MARK: Header sizes and bits

    @Test(arguments: [
        (0, false, 2), (125, false, 2), (126, false, 4), (65535, false, 4), (65536, false, 10),
        (0, true, 6), (125, true, 6), (126, true, 8), (65535, true, 8), (65536, true, 14),
    ])
    func headerSizeFollowsTheLengthForms(_ count: Int, _ masked: Bool, _ size: Int) {
        #expect(FrameEncoder.headerSize(payloadCount: count, masked: masked) == size)
        let written = withUnsafeTemporaryAllocation(byteCount: 14, alignment: 1) { buffer in
            FrameEncoder.writeHeader(
                opcode: .binary, fin: true, rsv1: false, payloadCount: count,
                maskingKey: masked ? rfcMaskingKey : nil, to: buffer.baseAddress!)
        }
        #expect(written == size)
    }

    @Test func setsRSV1ForACompressedFirstFrame() {
        #expect(
            FrameEncoder.encode(opcode: .text, payload: hex("f2 48 cd c9 c9 07 00"), rsv1: true)
                == hex("c1 07 f2 48 cd c9 c9 07 00"))  // RFC 7692 §7.2.3.1
        #expect(FrameEncoder.encode(opcode: .text, payload: hex("f2 48 cd"), fin: false, rsv1: true) == hex("41 03 f2 48 cd"))
    }

    @Test func masksLongPayloadsAsTheReaderUnmasksThem() {
        for count in [1, 7, 8, 9, 15, 16, 17, 31, 33, 1000] {
            let payload = pseudoRandomBytes(count: count, seed: UInt64(count))
            let frame = FrameEncoder.encode(opcode: .binary, payload: payload, maskingKey: (1, 2, 3, 4))
            // RFC 6455 §5.3: octet i XOR key octet i mod 4.
            let header = FrameEncoder.headerSize(payloadCount: count, masked: true)
            let expected = payload.enumerated().map { $0.element ^ UInt8($0.offset % 4 + 1) }
            #expect(Array(frame[header...]) == expected, "\(count)")
            #expect(read(frame, role: .server) == ReadResult(events: [.binary(payload)], error: nil))
        }
    }

    // MARK: RFC 6455 §5.5.1 close payloads

    @Test func encodesACloseCodeAndReason() {
        #expect(FrameEncoder.closePayload(code: 1000, reason: "bye") == hex("03 e8 62 79 65"))
        #expect(FrameEncoder.closePayload(code: 4999, reason: "") == hex("13 87"))
    }

    @Test func truncatesALongReasonToFit125Bytes() {
        let payload = FrameEncoder.closePayload(code: 1000, reason: String(repeating: "a", count: 200))
        #expect(payload.count == 125)
    }

    @Test func truncatesAtAUTF8Boundary() {
        // 122 ASCII bytes, then "é" (C3 A9) would end at byte 124 of the reason: it does not fit and is dropped whole.
        let reason = String(repeating: "a", count: 122) + "é"
        let payload = FrameEncoder.closePayload(code: 1000, reason: reason)
        #expect(payload.count == 124)
        #expect(UTF8Validator.isValid(Array(payload.dropFirst(2))))
        // "€" is three bytes: 121 + 3 = 124 > 123 drops it too, leaving 121.
        let euro = FrameEncoder.closePayload(code: 1000, reason: String(repeating: "a", count: 121) + "€")
        #expect(euro.count == 2 + 121)
    }
}

import Testing
import WebSocket

@Suite struct WebSocketProtocolErrorTests {
    static let all: [WebSocketProtocolError] = [
        .reservedOpcode(3), .reservedBitsSet, .compressedWithoutExtension, .rsv1OnControlFrame, .rsv1OnContinuation,
        .unmaskedClientFrame, .maskedServerFrame, .controlFrameTooLong(126), .fragmentedControlFrame,
        .unexpectedContinuation, .expectedContinuation, .nonMinimalLength, .lengthHighBitSet,
        .frameTooLarge(limit: 1), .messageTooLarge(limit: 1), .invalidUTF8, .truncatedUTF8, .closePayloadOneByte,
        .invalidCloseCode(1005), .invalidCloseReasonUTF8, .invalidCompressedData, .decompressorUnavailable,
    ]

    @Test func everyErrorHasItsOwnStableCode() {
        let codes = Self.all.map(\.code)
        #expect(Set(codes).count == codes.count)
        #expect(codes.allSatisfy { $0.hasPrefix("ws.") })
    }

    @Test func everyErrorClosesWithACodeAnEndpointMaySend() {
        for error in Self.all {
            #expect([1002, 1007, 1009, 1011].contains(error.closeCode), "\(error.code)")
            #expect(CloseFrame.isValidReceivedCode(error.closeCode))
        }
    }

    @Test func everyReasonFitsAClosePayloadAsASCII() {
        for error in [WebSocketProtocolError.frameTooLarge(limit: .max), .messageTooLarge(limit: .max),
            .controlFrameTooLong(.max), .reservedOpcode(15), .invalidCloseCode(65535)] + Self.all
        {
            #expect(error.reason.utf8.count < 100, "\(error.code)")
            #expect(error.reason.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }, "\(error.code)")
        }
    }

    @Test(arguments: [
        (WebSocketProtocolError.invalidUTF8, UInt16(1007)), (.invalidCloseReasonUTF8, 1007),
        (.invalidCompressedData, 1007), (.frameTooLarge(limit: 5), 1009), (.messageTooLarge(limit: 5), 1009),
        (.unmaskedClientFrame, 1002), (.decompressorUnavailable, 1011),
    ])
    func mapsToTheCloseCodeOfRFC6455Section7_4_1(_ error: WebSocketProtocolError, _ code: UInt16) {
        #expect(error.closeCode == code)
    }
}

import Testing
import WebSocket

@Suite struct CloseFrameTests {
    /// RFC 6455 §7.4.1, §7.4.2 and the IANA registry, over the whole 16-bit range.
    @Test func acceptsExactlyTheCodesAPeerMaySend() {
        let valid = (0...UInt16.max).filter(CloseFrame.isValidReceivedCode)
        let expected = Array(1000...1003) + Array(1007...1014) + Array(3000...4999)
        #expect(valid == expected.map(UInt16.init))
    }

    @Test func roundTripsThroughTheEncoderAndReader() {
        let payload = FrameEncoder.closePayload(code: 1008, reason: "policy ✓")
        #expect(read(serverFrame(.close, payload), role: .client).events == [.close(CloseFrame(code: 1008, reason: "policy ✓"))])
    }
}

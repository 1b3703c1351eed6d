import Testing
import WebSocket

@Suite struct WebSocketHandshakeTests {
    /// RFC 6455 §1.3 and §4.2.2: the sample key and its accept value.
    @Test func computesTheAcceptValueOfTheRFCExample() {
        #expect(WebSocketHandshake.acceptValue(forKey: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test func usesTheGUIDOfRFC6455() {
        #expect(WebSocketHandshake.guid == "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
    }

    @Test(arguments: [
        ("dGhlIHNhbXBsZSBub25jZQ==", true),  // RFC 6455 §4.1: "the sample nonce"
        ("AAAAAAAAAAAAAAAAAAAAAA==", true),
        ("/////////////////////w==", true),
        ("dGhlIHNhbXBsZSBub25jZQ", false),  // no padding
        ("dGhlIHNhbXBsZSBub25j", false),  // 15 bytes
        ("dGhlIHNhbXBsZSBub25jZXM=", false),  // 17 bytes
        ("dGhlIHNhbXBsZSBub25jZR==", false),  // non-zero pad bits
        ("dGhlIHNhbXBsZSBub25jZQ=!", false),
        (" dGhlIHNhbXBsZSBub25jZQ==", false),
        ("", false),
    ])
    func acceptsOnlyABase64KeyOf16Bytes(_ key: String, _ valid: Bool) {
        #expect(WebSocketHandshake.isValidKey(key) == valid)
    }

    @Test func generatesValidDistinctKeys() {
        let keys = (0..<8).map { _ in WebSocketHandshake.generateKey() }
        #expect(keys.allSatisfy(WebSocketHandshake.isValidKey))
        #expect(Set(keys).count == keys.count)
    }
}

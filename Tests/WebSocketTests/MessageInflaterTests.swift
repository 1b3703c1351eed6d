import Testing
import WebSocket

@Suite struct MessageInflaterTests {
    private func inflate(
        _ inflater: MessageInflater, _ pieces: [[UInt8]], limit: Int = 1 << 20
    ) throws(WebSocketProtocolError) -> [UInt8] {
        var output: [UInt8] = []
        for piece in pieces {
            var failure: WebSocketProtocolError?
            piece.withUnsafeBytes { buffer in
                do throws(WebSocketProtocolError) {
                    try inflater.inflate(buffer, appendingTo: &output, limit: limit)
                } catch {
                    failure = error
                }
            }
            if let failure { throw failure }
        }
        try inflater.finishMessage(appendingTo: &output, limit: limit)
        return output
    }

    /// RFC 7692 §7.2.3.1 and §7.2.3.2, fed one byte at a time.
    @Test func inflatesTheRFCExamplesByteByByte() throws {
        let inflater = try MessageInflater(windowBits: 15)
        #expect(try inflate(inflater, hex("f2 48 cd c9 c9 07 00").map { [$0] }) == utf8("Hello"))
        #expect(try inflate(inflater, hex("f2 00 11 00 00").map { [$0] }) == utf8("Hello"))
    }

    /// RFC 7692 §7.2.3.4: after a BFINAL block the rest of the message is ignored and the next message starts a new
    /// stream, so it cannot refer to the previous one.
    @Test func startsANewStreamAfterABFINALBlock() throws {
        let inflater = try MessageInflater(windowBits: 15)
        #expect(try inflate(inflater, [hex("f3 48 cd c9 c9 07 00 00")]) == utf8("Hello"))
        #expect(try inflate(inflater, [hex("f2 48 cd c9 c9 07 00")]) == utf8("Hello"))
        #expect(throws: WebSocketProtocolError.invalidCompressedData) {
            // A back-reference into a window that the new stream does not have.
            let fresh = try MessageInflater(windowBits: 15)
            _ = try inflate(fresh, [hex("f2 00 11 00 00")])
        }
    }

    @Test func forgetsTheWindowOnReset() throws {
        let inflater = try MessageInflater(windowBits: 15)
        #expect(try inflate(inflater, [hex("f2 48 cd c9 c9 07 00")]) == utf8("Hello"))
        inflater.reset()
        #expect(throws: WebSocketProtocolError.invalidCompressedData) {
            _ = try inflate(inflater, [hex("f2 00 11 00 00")])
        }
    }

    @Test func stopsAtTheLimitBeforeKeepingTheOutput() throws {
        let deflater = MessageDeflater(windowBits: 15, noContextTakeover: true, level: 6, memoryLevel: 8)
        let compressed = [UInt8](repeating: 0, count: 1 << 20).withUnsafeBytes { deflater.compress($0) }
        let inflater = try MessageInflater(windowBits: 15)
        #expect(throws: WebSocketProtocolError.messageTooLarge(limit: 1000)) {
            _ = try inflate(inflater, [compressed], limit: 1000)
        }
    }
}

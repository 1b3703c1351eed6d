import WebSocket

/// One frame as the server sent it.
package struct TestFrame {
    package var fin: Bool
    package var rsv1: Bool
    package var opcode: UInt8
    package var masked: Bool
    package var payload: [UInt8]
    /// The frame's bytes exactly as received.
    package var raw: [UInt8]
}

/// A minimal WebSocket client (RFC 6455 §4.1, §5) over `TestHTTPClient`: a handshake with a random key, masked
/// frames from `FrameEncoder`, and the server's frames read one by one and fed to a client-role
/// `WebSocketMessageReader`, so every byte the server sends is checked against the protocol.
package final class TestWebSocketClient {
    package let http: TestHTTPClient
    package let key: String
    /// The server's answer to the handshake (101).
    package let handshake: TestHTTPResponse
    /// The negotiated permessage-deflate parameters, if the server accepted the offer.
    package let deflate: PerMessageDeflateParameters?
    private var reader: WebSocketMessageReader
    private var deflater: MessageDeflater?
    /// Whether the first frame of the message being read had RSV1 (compressed) set.
    private var currentMessageCompressed = false
    /// Whether the last message `readEvent` returned was compressed on the wire.
    package private(set) var lastMessageCompressed = false

    package static let deflateOffer = "permessage-deflate; client_max_window_bits"

    /// The handshake request: GET, HTTP/1.1, `Upgrade: websocket`, `Connection: Upgrade`, the key, version 13,
    /// then `headers`.
    package static func handshakeRequest(
        path: String, key: String, host: String = "127.0.0.1", headers: [(String, String)] = []
    ) -> [UInt8] {
        TestHTTPClient.request("GET", path, host: host, headers: [
            ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Key", key), ("Sec-WebSocket-Version", "13"),
        ] + headers)
    }

    /// Connects and upgrades; throws `TestClientError.malformed` unless the server answers 101 with the right
    /// `Sec-WebSocket-Accept` (RFC 6455 §4.1: a client fails the connection otherwise).
    package init(
        port: Int, path: String, headers: [(String, String)] = [], offerDeflate: Bool = false,
        protocols: [String] = [], receiveBufferSize: Int? = nil, maxMessageSize: Int = 64 << 20,
        sendingWithHandshake extraBytes: [UInt8] = []
    ) throws {
        http = try TestHTTPClient(port: port, receiveBufferSize: receiveBufferSize)
        key = WebSocketHandshake.generateKey()
        var extra = headers
        if offerDeflate { extra.append(("Sec-WebSocket-Extensions", Self.deflateOffer)) }
        if !protocols.isEmpty { extra.append(("Sec-WebSocket-Protocol", protocols.joined(separator: ", "))) }
        try http.send(Self.handshakeRequest(path: path, key: key, host: "127.0.0.1:\(port)", headers: extra) + extraBytes)
        handshake = try http.readResponse()
        guard handshake.status == 101 else {
            throw TestClientError.malformed("handshake: answered \(handshake.status) \(handshake.text)")
        }
        guard handshake.header("Sec-WebSocket-Accept") == WebSocketHandshake.acceptValue(forKey: key) else {
            throw TestClientError.malformed("Sec-WebSocket-Accept \(handshake.header("Sec-WebSocket-Accept") ?? "missing")")
        }
        deflate = handshake.header("Sec-WebSocket-Extensions").flatMap(Self.parseDeflateResponse)
        reader = WebSocketMessageReader(
            configuration: .init(maxFrameSize: maxMessageSize, maxMessageSize: maxMessageSize, role: .client), deflate: deflate)
        if let deflate {
            deflater = MessageDeflater(
                windowBits: deflate.clientMaxWindowBits, noContextTakeover: deflate.clientNoContextTakeover, level: 6,
                memoryLevel: 8)
        }
    }

    /// The parameters of a `permessage-deflate` response (RFC 7692 §7.1).
    package static func parseDeflateResponse(_ value: String) -> PerMessageDeflateParameters? {
        let parts = value.split(separator: ";").map { String($0.drop { $0 == " " }).lowercased() }
        guard parts.first == "permessage-deflate" else { return nil }
        var parameters = PerMessageDeflateParameters()
        for part in parts.dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            switch pair[0] {
            case "server_no_context_takeover": parameters.serverNoContextTakeover = true
            case "client_no_context_takeover": parameters.clientNoContextTakeover = true
            case "server_max_window_bits": parameters.serverMaxWindowBits = pair.count > 1 ? Int(pair[1]) ?? 15 : 15
            case "client_max_window_bits": parameters.clientMaxWindowBits = pair.count > 1 ? Int(pair[1]) ?? 15 : 15
            default: return nil
            }
        }
        return parameters
    }

    package func close() { http.close() }

    // MARK: sending

    package static func randomMaskingKey() -> (UInt8, UInt8, UInt8, UInt8) {
        (.random(in: 0...255), .random(in: 0...255), .random(in: 0...255), .random(in: 0...255))
    }

    /// One frame, masked unless `masked` is false (which a server must refuse).
    package func sendFrame(opcode: WebSocketOpcode, payload: [UInt8], fin: Bool = true, rsv1: Bool = false, masked: Bool = true) throws {
        try http.send(FrameEncoder.encode(
            opcode: opcode, payload: payload, fin: fin, rsv1: rsv1, maskingKey: masked ? Self.randomMaskingKey() : nil))
    }

    /// A text message; compressed (RSV1) when `compressed` and permessage-deflate was negotiated.
    package func send(text: String, compressed: Bool = false) throws {
        try send(opcode: .text, payload: Array(text.utf8), compressed: compressed)
    }

    package func send(binary: [UInt8], compressed: Bool = false) throws {
        try send(opcode: .binary, payload: binary, compressed: compressed)
    }

    private func send(opcode: WebSocketOpcode, payload: [UInt8], compressed: Bool) throws {
        if compressed {
            guard let deflater else { throw TestClientError.malformed("compression was not negotiated") }
            let deflated = payload.withUnsafeBytes { deflater.compress($0) }
            try sendFrame(opcode: opcode, payload: deflated, rsv1: true)
        } else {
            try sendFrame(opcode: opcode, payload: payload)
        }
    }

    package func sendClose(code: UInt16, reason: String = "") throws {
        try sendFrame(opcode: .close, payload: FrameEncoder.closePayload(code: code, reason: reason))
    }

    // MARK: receiving

    /// The next frame, or nil if the server closed the connection between frames.
    package func readFrame() throws -> TestFrame? {
        guard let first = try http.readSome(upTo: 1) else { return nil }
        var raw = first + (try http.read(count: 1, "a frame header"))
        let masked = raw[1] & 0x80 != 0
        var length = Int(raw[1] & 0x7F)
        if length == 126 {
            let extended = try http.read(count: 2, "a 16-bit length")
            raw += extended
            length = Int(extended[0]) << 8 | Int(extended[1])
        } else if length == 127 {
            let extended = try http.read(count: 8, "a 64-bit length")
            raw += extended
            length = extended.reduce(0) { $0 << 8 | Int($1) }
        }
        var key: [UInt8] = []
        if masked {
            key = try http.read(count: 4, "a masking key")
            raw += key
        }
        var payload = try http.read(count: length, "a payload of \(length) bytes")
        raw += payload
        if masked {
            for index in payload.indices { payload[index] ^= key[index % 4] }
        }
        return TestFrame(fin: raw[0] & 0x80 != 0, rsv1: raw[0] & 0x40 != 0, opcode: raw[0] & 0x0F, masked: masked, payload: payload, raw: raw)
    }

    /// The next message or control frame, checked by the client-role reader; nil if the connection ended between
    /// frames. A protocol error by the server is thrown as the reader's `WebSocketProtocolError`.
    package func readEvent() throws -> WebSocketEvent? {
        while let frame = try readFrame() {
            if frame.opcode == WebSocketOpcode.text.rawValue || frame.opcode == WebSocketOpcode.binary.rawValue {
                currentMessageCompressed = frame.rsv1
            }
            var event: WebSocketEvent?
            try frame.raw.withUnsafeBytes { raw in
                var input = raw
                event = try reader.next(&input)
            }
            if let event {
                if case .text = event { lastMessageCompressed = currentMessageCompressed }
                if case .binary = event { lastMessageCompressed = currentMessageCompressed }
                return event
            }
        }
        return nil
    }

    /// The next event; the end of the connection is an error here.
    package func nextEvent() throws -> WebSocketEvent {
        guard let event = try readEvent() else { throw TestClientError.endOfStream("a WebSocket frame") }
        return event
    }

    /// Reads until a Close frame; data messages before it are returned too.
    package func readUntilClose() throws -> (messages: [WebSocketEvent], close: CloseFrame?) {
        var messages: [WebSocketEvent] = []
        while true {
            let event = try nextEvent()
            if case .close(let frame) = event { return (messages, frame) }
            messages.append(event)
        }
    }
}

extension WebSocketEvent {
    /// The text of a text message.
    package var text: String? {
        if case .text(let bytes) = self { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }

    /// The payload of a binary message.
    package var binary: [UInt8]? {
        if case .binary(let bytes) = self { return bytes }
        return nil
    }

    /// The close code of a Close frame (nil for any other event or an empty Close).
    package var closeCode: UInt16? {
        if case .close(let frame) = self { return frame?.code }
        return nil
    }
}

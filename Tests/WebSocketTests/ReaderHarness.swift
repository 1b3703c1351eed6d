import WebSocket

/// What a reader made of some input: the events in order, then the error that killed it, if any.
struct ReadResult: Equatable, CustomStringConvertible {
    var events: [WebSocketEvent]
    var error: WebSocketProtocolError?

    var description: String {
        "events: \(events.map(describe))" + (error.map { ", error: \($0.code) (\($0.reason))" } ?? "")
    }
}

/// The usual limits for tests that are not about limits.
let generousLimit = 1 << 24

/// The masking key of the RFC 6455 §5.7 examples.
let rfcMaskingKey: (UInt8, UInt8, UInt8, UInt8) = (0x37, 0xFA, 0x21, 0x3D)

/// Feeds `chunks` to one reader, one `next` loop per chunk as a transport would per read, and checks that the reader
/// consumes every byte it is given.
func read(
    _ chunks: [ArraySlice<UInt8>], role: WebSocketRole, deflate: PerMessageDeflateParameters? = nil,
    maxFrameSize: Int = generousLimit, maxMessageSize: Int = generousLimit
) -> ReadResult {
    var reader = WebSocketMessageReader(
        configuration: WebSocketReaderConfiguration(
            maxFrameSize: maxFrameSize, maxMessageSize: maxMessageSize, role: role),
        deflate: deflate)
    return read(chunks, with: &reader)
}

func read(_ chunks: [ArraySlice<UInt8>], with reader: inout WebSocketMessageReader) -> ReadResult {
    var events: [WebSocketEvent] = []
    for chunk in chunks {
        let failure: WebSocketProtocolError? = chunk.withUnsafeBytes { buffer in
            var input = buffer
            do throws(WebSocketProtocolError) {
                while let event = try reader.next(&input) { events.append(event) }
                precondition(input.isEmpty, "the reader returned nil without consuming all input")
                return nil
            } catch {
                return error
            }
        }
        if let failure { return ReadResult(events: events, error: failure) }
    }
    return ReadResult(events: events, error: nil)
}

func read(
    _ bytes: [UInt8], role: WebSocketRole, deflate: PerMessageDeflateParameters? = nil,
    maxFrameSize: Int = generousLimit, maxMessageSize: Int = generousLimit
) -> ReadResult {
    read([bytes[...]], role: role, deflate: deflate, maxFrameSize: maxFrameSize, maxMessageSize: maxMessageSize)
}

/// The ways to cut `bytes`: in two at every index (or at a sample of indexes for long inputs), and byte by byte.
func splits(of bytes: [UInt8]) -> [[ArraySlice<UInt8>]] {
    let cuts: [Int]
    if bytes.count <= 2048 {
        cuts = Array(0...bytes.count)
    } else {
        cuts = Array(0...32) + Array(stride(from: 33, to: bytes.count - 32, by: 997)) + Array((bytes.count - 32)...bytes.count)
    }
    var result = cuts.map { [bytes[..<$0], bytes[$0...]] }
    result.append(bytes.indices.map { bytes[$0...$0] })
    return result
}

/// A masked client frame, as a client would send it (RFC 6455 §5.3), with the RFC 6455 §5.7 key.
func clientFrame(
    _ opcode: WebSocketOpcode, _ payload: [UInt8], fin: Bool = true, rsv1: Bool = false
) -> [UInt8] {
    FrameEncoder.encode(opcode: opcode, payload: payload, fin: fin, rsv1: rsv1, maskingKey: rfcMaskingKey)
}

/// An unmasked server frame.
func serverFrame(
    _ opcode: WebSocketOpcode, _ payload: [UInt8], fin: Bool = true, rsv1: Bool = false
) -> [UInt8] {
    FrameEncoder.encode(opcode: opcode, payload: payload, fin: fin, rsv1: rsv1)
}

func utf8(_ string: String) -> [UInt8] { Array(string.utf8) }

func hex(_ text: String) -> [UInt8] {
    let digits = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
    return digits.map { UInt8($0, radix: 16)! }
}

func describe(_ event: WebSocketEvent) -> String {
    switch event {
    case .text(let payload): "text(\(payload.count) bytes)"
    case .binary(let payload): "binary(\(payload.count) bytes)"
    case .ping(let payload): "ping(\(payload.count) bytes)"
    case .pong(let payload): "pong(\(payload.count) bytes)"
    case .close(let frame): "close(\(frame.map { "\($0.code) \($0.reason)" } ?? "empty"))"
    }
}

/// Deterministic pseudo-random bytes (xorshift), so that tests do not depend on a seed that changes.
func pseudoRandomBytes(count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return UInt8(truncatingIfNeeded: state)
    }
}

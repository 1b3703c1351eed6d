import HTTP1
import WebSocket

/// What the fuzzing harness (`lastword-fuzz`, scripts/fuzz) feeds arbitrary bytes to: every parser a client's bytes
/// reach before anything else checks them. Each target must neither crash nor hang on any input, and checks what must
/// hold whatever the input is — above all that a parser told about the bytes in two pieces says exactly what it says
/// when told about them at once (STYLE.md §1) — and stops the process with `fatalError` when it does not, so libFuzzer
/// records the input. The unit tests run the seed corpora (Tests/FuzzCorpus) through the same targets.
package enum FuzzTarget: String, CaseIterable, Sendable {
    /// The HTTP/1.1 request parser (pipelined requests, chunked bodies), with the server's default limits.
    case httpRequest = "http-request"
    /// The WebSocket frame reader, as a server reads a client, without permessage-deflate.
    case webSocket = "websocket"
    /// The same with permessage-deflate negotiated (client context takeover, 15-bit window): compressed frames are
    /// inflated, bounded by the message limit.
    case webSocketDeflate = "websocket-deflate"
    /// The live protocol's message parser (a client's JSON on `/ws`).
    case liveMessage = "live-message"
    /// The campaign file loader (YAML), whose refusals must read as the operator's terms.
    case campaignFile = "campaign-file"
    /// The citizen cookie verifier.
    case citizenCookie = "citizen-cookie"

    /// Runs the target on one input.
    package func run(_ input: UnsafeRawBufferPointer) {
        switch self {
        case .httpRequest: Self.httpRequest(input)
        case .webSocket: Self.webSocket(input, deflate: nil)
        case .webSocketDeflate: Self.webSocket(input, deflate: PerMessageDeflateParameters())
        case .liveMessage: Self.liveMessage(input)
        case .campaignFile: Self.campaignFile(input)
        case .citizenCookie: Self.citizenCookie(input)
        }
    }

    /// Where the input is cut in two for the split check: decided by the input, so a crash reproduces.
    private static func splitPoint(_ input: UnsafeRawBufferPointer) -> Int {
        guard input.count > 1 else { return 0 }
        return (Int(input[input.count - 1]) &* 257 &+ Int(input[0])) % input.count
    }

    // MARK: HTTP

    enum HTTPOutcome: Equatable {
        case events([HTTPRequestEvent], HTTPRequestError?)
    }

    private static func parseHTTP(_ pieces: [UnsafeRawBufferPointer]) -> HTTPOutcome {
        var parser = HTTPRequestParser(limits: .default)
        var events: [HTTPRequestEvent] = []
        for piece in pieces {
            var rest = piece
            do {
                while let event = try parser.next(&rest) {
                    events.append(mergingBody(event, into: &events))
                }
            } catch {
                return .events(events.filter { $0 != .body([]) }, error)
            }
            precondition(rest.isEmpty, "the HTTP parser returned nil with input left")
        }
        return .events(events.filter { $0 != .body([]) }, nil)
    }

    /// Body chunks are cut where the input was cut: join consecutive ones so both ways compare equal.
    private static func mergingBody(_ event: HTTPRequestEvent, into events: inout [HTTPRequestEvent]) -> HTTPRequestEvent {
        guard case .body(let bytes) = event, case .body(let before)? = events.last else { return event }
        events[events.count - 1] = .body([])
        return .body(before + bytes)
    }

    static func httpRequest(_ input: UnsafeRawBufferPointer) {
        let whole = parseHTTP([input])
        let cut = splitPoint(input)
        let split = parseHTTP([UnsafeRawBufferPointer(rebasing: input[..<cut]), UnsafeRawBufferPointer(rebasing: input[cut...])])
        if whole != split {
            fatalError("the HTTP parser read \(input.count) bytes differently when cut at \(cut): \(whole) against \(split)")
        }
    }

    // MARK: WebSocket

    /// What a peer sees: the events, then whether and how the connection fails. Which error is found first may depend on
    /// where the input was cut (a compressed payload is inflated and its UTF-8 checked as it arrives, so invalid
    /// deflate data or the invalid UTF-8 it inflated to can come first), but not the close code the peer gets.
    enum WebSocketOutcome: Equatable {
        case events([WebSocketEvent], closeCode: UInt16?)
    }

    private static func readFrames(_ pieces: [UnsafeRawBufferPointer], deflate: PerMessageDeflateParameters?) -> WebSocketOutcome {
        // A small message limit, so that inflating a few bytes into many (a zip bomb) is cut by it quickly.
        var reader = WebSocketMessageReader(
            configuration: WebSocketReaderConfiguration(maxFrameSize: 1 << 16, maxMessageSize: 1 << 16, role: .server),
            deflate: deflate)
        var events: [WebSocketEvent] = []
        for piece in pieces {
            var rest = piece
            do {
                while let event = try reader.next(&rest) { events.append(event) }
            } catch {
                return .events(events, closeCode: error.closeCode)
            }
            precondition(rest.isEmpty, "the WebSocket reader returned nil with input left")
        }
        return .events(events, closeCode: nil)
    }

    static func webSocket(_ input: UnsafeRawBufferPointer, deflate: PerMessageDeflateParameters?) {
        let whole = readFrames([input], deflate: deflate)
        let cut = splitPoint(input)
        let split = readFrames([UnsafeRawBufferPointer(rebasing: input[..<cut]), UnsafeRawBufferPointer(rebasing: input[cut...])],
                               deflate: deflate)
        if whole != split {
            fatalError("the WebSocket reader read \(input.count) bytes differently when cut at \(cut): \(whole) against \(split)")
        }
    }

    // MARK: the live protocol, campaign files, cookies

    static func liveMessage(_ input: UnsafeRawBufferPointer) {
        _ = try? ClientMessage.parse(input)
    }

    /// Words that mean a Swift value reached an operator's error message (as test_campaign_import.py checks).
    private static let swiftDump = ["DecodingError", "CodingKeys", "Optional(", "Error Domain=", "Swift."]

    static func campaignFile(_ input: UnsafeRawBufferPointer) {
        let yaml = String(decoding: input, as: UTF8.self)
        do {
            _ = try CampaignFile.load(yaml: yaml, file: "fuzz.yaml")
        } catch {
            let message = "\(error)"
            // A marker the input itself holds is the operator's text quoted back ("the single value \"Optional(\""…).
            if message.isEmpty || swiftDump.contains(where: { message.contains($0) && !yaml.contains($0) }) {
                fatalError("a campaign file was refused with a message that is not the operator's: \(message)")
            }
        }
    }

    private static let cookies = CitizenCookies(secret: Array(repeating: 0x5A, count: 32), secure: false)

    static func citizenCookie(_ input: UnsafeRawBufferPointer) {
        let header = String(decoding: input, as: UTF8.self)
        _ = cookies.citizen(in: HTTPHeaders([(name: "Cookie", value: header)]))
    }
}

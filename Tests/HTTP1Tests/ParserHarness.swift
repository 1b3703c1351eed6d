import HTTP1
import Testing

/// Feeds a request parser the way the transport does, and records what it reports.
struct ParserRun: Equatable, CustomStringConvertible {
    /// The events, consecutive `.body` pieces merged (how the content is cut depends on the reads).
    var events: [HTTPRequestEvent]
    /// The error `next(_:)` threw, if any.
    var error: HTTPRequestError?

    var description: String { "events: \(events), error: \(String(describing: error))" }
}

enum ParserHarness {
    /// Feeds `pieces` one after the other to a new parser, calling `next(_:)` until it returns nil,
    /// and checks the contract: when it returns nil, every byte of the input has been consumed.
    static func run(_ pieces: [[UInt8]], limits: HTTPLimits = .default) -> ParserRun {
        var parser = HTTPRequestParser(limits: limits)
        var run = ParserRun(events: [], error: nil)
        for piece in pieces {
            var failed = false
            piece.withUnsafeBytes { buffer in
                var input = buffer
                do throws(HTTPRequestError) {
                    while let event = try parser.next(&input) {
                        run.append(event)
                    }
                    precondition(input.isEmpty, "next(_:) returned nil with \(input.count) bytes left")
                } catch {
                    run.error = error
                    failed = true
                }
            }
            if failed { break }
        }
        return run
    }

    static func run(_ text: String, limits: HTTPLimits = .default) -> ParserRun {
        run([Array(text.utf8)], limits: limits)
    }

    /// Every way of cutting `bytes` in two, then one byte at a time.
    static func splits(of bytes: [UInt8]) -> [[[UInt8]]] {
        var result = (0...bytes.count).map { cut in [Array(bytes[..<cut]), Array(bytes[cut...])] }
        result.append(bytes.map { [$0] })
        return result
    }

    /// Checks that feeding `text` cut at every index, and one byte at a time, gives the same events
    /// and error as feeding it whole; returns the run of the whole.
    @discardableResult
    static func expectSameAtEverySplit(
        _ text: String, limits: HTTPLimits = .default, sourceLocation: SourceLocation = #_sourceLocation
    ) -> ParserRun {
        let bytes = Array(text.utf8)
        let whole = run([bytes], limits: limits)
        for (index, pieces) in splits(of: bytes).enumerated() {
            let split = run(pieces, limits: limits)
            let how = index <= bytes.count ? "cut at \(index)" : "byte by byte"
            #expect(split == whole, "\(how)", sourceLocation: sourceLocation)
        }
        return whole
    }

    /// The events of one complete request that ends the input.
    static func events(_ text: String, limits: HTTPLimits = .default) throws -> [HTTPRequestEvent] {
        let run = run(text, limits: limits)
        if let error = run.error { throw error }
        return run.events
    }

    /// The head of the first request in `text`.
    static func head(_ text: String, limits: HTTPLimits = .default) throws -> HTTPRequestHead {
        let run = run(text, limits: limits)
        if let error = run.error { throw error }
        guard case .head(let head)? = run.events.first else { throw HarnessError.noHead }
        return head
    }

    /// The error parsing `text` ends with, or nil.
    static func error(_ text: String, limits: HTTPLimits = .default) -> HTTPRequestError? {
        run(text, limits: limits).error
    }

    enum HarnessError: Error { case noHead }
}

extension ParserRun {
    mutating func append(_ event: HTTPRequestEvent) {
        if case .body(let more) = event {
            precondition(!more.isEmpty, "an empty .body event")
            if case .body(let earlier)? = events.last {
                events[events.count - 1] = .body(earlier + more)
                return
            }
        }
        events.append(event)
    }
}

extension HTTPRequestEvent {
    static func body(_ text: String) -> HTTPRequestEvent { .body(Array(text.utf8)) }
}

/// A request that must be refused, and why.
struct RejectedRequest: Sendable, CustomTestStringConvertible {
    var name: String
    var text: String
    var error: HTTPRequestError
    var limits: HTTPLimits = .default
    var testDescription: String { name }

    init(_ name: String, _ text: String, _ error: HTTPRequestError, limits: HTTPLimits = .default) {
        self.name = name
        self.text = text
        self.error = error
        self.limits = limits
    }

    /// Checks the error, whole and at every split point. Unless `afterHead`, it must come before
    /// the parser reports a head: the transport then answers with the error's status and nothing else.
    func expectRefused(afterHead: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) {
        let run = ParserHarness.expectSameAtEverySplit(text, limits: limits, sourceLocation: sourceLocation)
        #expect(run.error == error, sourceLocation: sourceLocation)
        let gaveHead = run.events.contains { if case .head = $0 { true } else { false } }
        #expect(gaveHead == afterHead, sourceLocation: sourceLocation)
    }
}

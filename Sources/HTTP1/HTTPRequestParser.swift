/// An incremental HTTP/1.1 request parser (RFC 9112): a value that is told about bytes.
///
/// `next(_:)` is handed whatever the socket read and returns one event at a time: `.head`, then
/// `.body` pieces, then `.end`, or nil once every byte of `input` has been used. It consumes only
/// the bytes of the current request: after `.end`, `input` starts exactly at the first byte after
/// that request (a pipelined request, or the first WebSocket frame after an Upgrade), and the next
/// call starts on the next request. Before `.end` every byte is consumed: a line that straddles two
/// reads is kept in `carry`, bounded by the limit of the line being read; a line that arrived whole
/// is parsed where it lies, and its bytes are copied once, into the Strings of the head.
///
/// Lines end with CRLF, strictly: a bare CR or a bare LF is an error (RFC 9112 §2.2). Each limit is
/// checked as bytes arrive, so a client streaming an endless line is refused once the limit is
/// passed, not when (if ever) its CRLF comes. After `next(_:)` throws, the parser is dead: every
/// later call throws the same error.
package struct HTTPRequestParser {
    /// What has been read of the current request.
    enum State {
        /// Before the request-line, having ignored `emptyLines` empty lines (RFC 9112 §2.2).
        case requestLine(emptyLines: Int)
        /// Reading the field lines that follow the request-line (RFC 9112 §5); `bytes` counts the
        /// field lines so far, each with its CRLF. The request-line and the fields read so far are in
        /// `head`.
        case fieldLines(bytes: Int)
        /// The head has been returned and no content follows: `.end` is next.
        case endOfMessage
        /// Reading Content-Length content (RFC 9112 §6.2): `remaining` bytes still to come.
        case fixedLengthBody(remaining: Int)
        /// Expecting a chunk-size line (RFC 9112 §7.1); `received` counts the content so far.
        case chunkSizeLine(received: Int)
        /// Inside the data of a chunk (RFC 9112 §7.1).
        case chunkData(remaining: Int, received: Int)
        /// After a chunk's data, expecting exactly CRLF (RFC 9112 §7.1).
        case chunkDataEnd(received: Int)
        /// After the last chunk, reading the trailer section (RFC 9112 §7.1.2); trailer fields are
        /// checked like header fields, bounded by the same limits, and then discarded (RFC 9110
        /// §6.5.1 allows it; nothing we serve uses them).
        case trailerLines(count: Int, bytes: Int)
        /// `next(_:)` threw this; the parser is dead.
        case failed(HTTPRequestError)
    }

    /// The request-line and the field lines read so far, while `state` is `fieldLines`.
    ///
    /// It lives beside `state` rather than in the `fieldLines` case: binding an enum payload copies
    /// it, retaining each of its Strings, and appending a field to a bound copy would copy the
    /// fields array; a stored property is mutated in place.
    struct PartialHead {
        var method = ""
        var target = ""
        var path = ""
        var query: String?
        var version = HTTPVersion.http1_1
        var headers = HTTPHeaders()
        /// What the fields that decide framing and persistence said, gathered as they are read.
        var framingFields = FramingFields()
    }

    /// What reading a line did.
    private enum LineOutcome {
        /// `input` is used up before the end of the line.
        case needMoreInput
        /// A whole line was read and handled; it produced this event, or none yet.
        case handled(HTTPRequestEvent?)
    }

    package let limits: HTTPLimits
    private var state: State
    private var head: PartialHead
    /// The start of a line whose end has not arrived yet; never longer than that line's limit
    /// (plus its CR). Its capacity is kept across lines and requests.
    private var carry: [UInt8]

    package init(limits: HTTPLimits = .default) {
        self.limits = limits
        state = .requestLine(emptyLines: 0)
        head = PartialHead()
        carry = []
    }

    /// Whether no byte of a next request has been received yet: only the empty lines that
    /// RFC 9112 §2.2 tells us to ignore, if any. The transport closes such a connection silently
    /// when its keep-alive timeout fires, and answers 408 to one that is not idle.
    package var isIdle: Bool {
        if case .requestLine = state { return carry.isEmpty }
        return false
    }

    /// Forgets the current request, ready for a new one. Not needed after `.end`.
    package mutating func reset() {
        state = .requestLine(emptyLines: 0)
        head = PartialHead()
        carry.removeAll(keepingCapacity: true)
    }

    /// Returns the next event, or nil when `input` is exhausted (every byte of it then consumed).
    /// After it throws, the parser is dead.
    package mutating func next(_ input: inout UnsafeRawBufferPointer) throws(HTTPRequestError) -> HTTPRequestEvent? {
        do {
            return try step(&input)
        } catch {
            state = .failed(error)
            throw error
        }
    }

    private mutating func step(_ input: inout UnsafeRawBufferPointer) throws(HTTPRequestError) -> HTTPRequestEvent? {
        while true {
            switch state {
            case .failed(let error):
                throw error
            case .endOfMessage:
                state = .requestLine(emptyLines: 0)
                return .end
            case .fixedLengthBody(let remaining):
                guard !input.isEmpty else { return nil }
                let bytes = Self.take(&input, atMost: remaining)
                let left = remaining - bytes.count
                state = left == 0 ? .endOfMessage : .fixedLengthBody(remaining: left)
                return .body(bytes)
            case .chunkData(let remaining, let received):
                guard !input.isEmpty else { return nil }
                let bytes = Self.take(&input, atMost: remaining)
                let left = remaining - bytes.count
                state = left == 0 ? .chunkDataEnd(received: received) : .chunkData(remaining: left, received: received)
                return .body(bytes)
            case .requestLine, .fieldLines, .chunkSizeLine, .chunkDataEnd, .trailerLines:
                switch try readLine(&input) {
                case .needMoreInput: return nil
                case .handled(.some(let event)): return event
                case .handled(.none): continue
                }
            }
        }
    }

    /// Removes up to `count` bytes from the front of `input` and returns a copy of them.
    private static func take(_ input: inout UnsafeRawBufferPointer, atMost count: Int) -> [UInt8] {
        let n = min(count, input.count)
        let bytes = [UInt8](UnsafeRawBufferPointer(rebasing: input[..<n]))
        input = UnsafeRawBufferPointer(rebasing: input[n...])
        return bytes
    }

    // MARK: Lines

    /// The longest line the current state accepts, excluding CRLF, and the error for a longer one.
    private var lineLimit: (length: Int, error: HTTPRequestError) {
        switch state {
        case .requestLine:
            (limits.maxRequestLineLength, .requestLineTooLong)
        case .fieldLines(let bytes):
            (max(0, limits.maxHeaderBytes - bytes - 2), .headerBlockTooLarge)
        case .trailerLines(_, let bytes):
            (max(0, limits.maxHeaderBytes - bytes - 2), .headerBlockTooLarge)
        case .chunkSizeLine:
            (limits.maxChunkLineLength, .chunkLineTooLong)
        case .chunkDataEnd:
            (0, .missingChunkDataCRLF)
        case .endOfMessage, .fixedLengthBody, .chunkData, .failed:
            preconditionFailure("no line is read in this state")
        }
    }

    /// Finds the end of the current line and hands the line, without its CRLF, to `handle(line:)`.
    ///
    /// One pass over the bytes stops at the first CR or LF, and never looks further than the line
    /// may be long. A line that arrived whole is handled in place; only a line cut by the end of
    /// `input` is copied into `carry`.
    private mutating func readLine(_ input: inout UnsafeRawBufferPointer) throws(HTTPRequestError) -> LineOutcome {
        guard !input.isEmpty else { return .needMoreInput }
        if carry.last == ASCII.cr {
            // The line's CR ended the previous input; only its LF may follow.
            guard input[0] == ASCII.lf else { throw .bareCarriageReturn }
            input = UnsafeRawBufferPointer(rebasing: input[1...])
            carry.removeLast()
            return .handled(try handleCarriedLine())
        }
        let limit = lineLimit
        let allowed = limit.length - carry.count  // never negative: `carry` was checked against it
        let n = input.count
        let scanEnd = min(n, allowed + 1)
        let i = ASCII.firstLineBreak(in: input, from: 0, to: scanEnd)
        if i == scanEnd {
            // No line end among the bytes that could still belong to a line of allowed length.
            guard n <= allowed else { throw limit.error }
            carry.append(contentsOf: input)
            input = UnsafeRawBufferPointer(rebasing: input[n...])
            return .needMoreInput
        }
        guard input[i] == ASCII.cr else { throw .bareLineFeed }
        guard i + 1 < n else {
            // The CR is the last byte we have: keep it and wait for its LF.
            carry.append(contentsOf: input)
            input = UnsafeRawBufferPointer(rebasing: input[n...])
            return .needMoreInput
        }
        guard input[i + 1] == ASCII.lf else { throw .bareCarriageReturn }
        let line = UnsafeRawBufferPointer(rebasing: input[..<i])
        input = UnsafeRawBufferPointer(rebasing: input[(i + 2)...])
        if carry.isEmpty {
            return .handled(try handle(line: line))
        }
        carry.append(contentsOf: line)
        return .handled(try handleCarriedLine())
    }

    /// Handles the line assembled in `carry`, then empties `carry`, keeping its capacity.
    private mutating func handleCarriedLine() throws(HTTPRequestError) -> HTTPRequestEvent? {
        var line = carry
        carry = []
        let result = line.withUnsafeBytes { bytes -> Result<HTTPRequestEvent?, HTTPRequestError> in
            do throws(HTTPRequestError) {
                return .success(try handle(line: bytes))
            } catch {
                return .failure(error)
            }
        }
        line.removeAll(keepingCapacity: true)
        carry = line
        return try result.get()
    }

    /// Handles one complete line, CRLF removed, according to the state.
    private mutating func handle(line: UnsafeRawBufferPointer) throws(HTTPRequestError) -> HTTPRequestEvent? {
        switch state {
        case .requestLine(let emptyLines):
            if line.isEmpty {
                guard emptyLines < limits.maxEmptyLinesBeforeRequest else { throw .tooManyEmptyLines }
                state = .requestLine(emptyLines: emptyLines + 1)
                return nil
            }
            head = try Self.parseRequestLine(line)
            state = .fieldLines(bytes: 0)
            return nil

        case .fieldLines(let bytes):
            if line.isEmpty {
                var complete = PartialHead()
                swap(&complete, &head)
                let requestHead = try Self.completeHead(complete, limits: limits)
                state = Self.bodyState(after: requestHead.framing)
                return .head(requestHead)
            }
            guard head.headers.count < limits.maxHeaderCount else { throw .tooManyHeaders }
            if head.headers.isEmpty, ASCII.isWhitespace(line[0]) { throw .whitespaceBeforeFirstField }
            let (nameEnd, value) = try Self.checkFieldLine(line)
            let name = UnsafeRawBufferPointer(rebasing: line[..<nameEnd])
            let valueBytes = UnsafeRawBufferPointer(rebasing: line[value])
            head.framingFields.record(name: name, value: valueBytes, bodyLimit: limits.maxBodySize)
            head.headers.add(ASCII.string(name), ASCII.string(valueBytes))
            state = .fieldLines(bytes: bytes + line.count + 2)
            return nil

        case .chunkSizeLine(let received):
            let size = try Self.parseChunkSizeLine(line)
            if size == 0 {
                state = .trailerLines(count: 0, bytes: 0)
            } else {
                guard size <= limits.maxBodySize - received else { throw .bodyTooLarge }
                state = .chunkData(remaining: size, received: received + size)
            }
            return nil

        case .chunkDataEnd(let received):
            // `lineLimit` is 0 here: any byte before the CRLF was refused while reading the line.
            state = .chunkSizeLine(received: received)
            return nil

        case .trailerLines(let count, let bytes):
            if line.isEmpty {
                state = .requestLine(emptyLines: 0)
                return .end
            }
            guard count < limits.maxHeaderCount else { throw .tooManyHeaders }
            _ = try Self.checkFieldLine(line)
            state = .trailerLines(count: count + 1, bytes: bytes + line.count + 2)
            return nil

        case .endOfMessage, .fixedLengthBody, .chunkData, .failed:
            preconditionFailure("no line is read in this state")
        }
    }

    /// Where the parser goes once the head has been returned.
    private static func bodyState(after framing: HTTPBodyFraming) -> State {
        switch framing {
        case .none, .contentLength(0): .endOfMessage
        case .contentLength(let length): .fixedLengthBody(remaining: length)
        case .chunked: .chunkSizeLine(received: 0)
        }
    }
}

extension HTTPRequestParser {
    /// What the fields that decide framing, persistence and expectations said, gathered from the raw
    /// bytes as each field line is read; the decision waits for the end of the header section, where
    /// `completeHead` takes it in one fixed order.
    struct FramingFields {
        /// Host field lines (RFC 9112 §3.2), and whether one was not `uri-host [ ":" port ]`.
        var hostCount = 0
        var invalidHost = false
        /// The Content-Length value (RFC 9110 §8.6), `Int.max` standing for any value above the body
        /// limit; whether one was not `1*DIGIT` (or a list of them); whether two differed.
        var contentLength: Int?
        var invalidContentLength = false
        var conflictingContentLength = false
        /// Transfer-Encoding field lines and their codings, in order (RFC 9112 §6.1).
        var transferEncodingCount = 0
        var transferCodings = 0
        var chunkedCodings = 0
        var lastCodingIsChunked = false
        var invalidTransferEncoding = false
        /// Connection options (RFC 9110 §7.6.1).
        var close = false
        var keepAlive = false
        /// Expect (RFC 9110 §10.1.1).
        var expectsContinue = false
        var unsupportedExpectation = false

        /// Notes what a field says, if it is one of those that decide framing.
        mutating func record(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, bodyLimit: Int) {
            // The names differ in length, so at most one comparison per field.
            switch name.count {
            case 4 where ASCII.equalsCaseInsensitive(name, lowercase: "host"):
                hostCount += 1
                if !value.allSatisfy(ASCII.isHostChar) { invalidHost = true }
            case 14 where ASCII.equalsCaseInsensitive(name, lowercase: "content-length"):
                recordContentLength(value, bodyLimit: bodyLimit)
            case 17 where ASCII.equalsCaseInsensitive(name, lowercase: "transfer-encoding"):
                transferEncodingCount += 1
                Self.forEachListElement(value) { recordTransferCoding($0) }
            case 10 where ASCII.equalsCaseInsensitive(name, lowercase: "connection"):
                Self.forEachListElement(value) { option in
                    if ASCII.equalsCaseInsensitive(option, lowercase: "close") { close = true }
                    if ASCII.equalsCaseInsensitive(option, lowercase: "keep-alive") { keepAlive = true }
                }
            case 6 where ASCII.equalsCaseInsensitive(name, lowercase: "expect"):
                Self.forEachListElement(value) { expectation in
                    if ASCII.equalsCaseInsensitive(expectation, lowercase: "100-continue") {
                        expectsContinue = true
                    } else {
                        unsupportedExpectation = true
                    }
                }
            default:
                break
            }
        }

        /// `Content-Length = 1*DIGIT`, or a comma-separated list of identical values (RFC 9110 §8.6).
        /// A list with an empty element ("5,,5", "5,") is invalid. Digits stop being accumulated
        /// once the value passes the body limit, so nothing overflows; two different values both
        /// above the limit then count as equal, and the request is refused with 413 all the same.
        private mutating func recordContentLength(_ value: UnsafeRawBufferPointer, bodyLimit: Int) {
            var start = 0
            while true {
                var end = start
                while end < value.count, value[end] != ASCII.comma { end += 1 }
                var lower = start, upper = end
                while lower < upper, ASCII.isWhitespace(value[lower]) { lower += 1 }
                while upper > lower, ASCII.isWhitespace(value[upper - 1]) { upper -= 1 }
                guard lower < upper else {
                    invalidContentLength = true
                    return
                }
                var number = 0
                for index in lower..<upper {
                    let byte = value[index]
                    guard ASCII.isDigit(byte) else {
                        invalidContentLength = true
                        return
                    }
                    if number <= bodyLimit { number = number * 10 + Int(byte &- 0x30) }
                }
                if number > bodyLimit { number = .max }
                if let contentLength, contentLength != number { conflictingContentLength = true }
                contentLength = number
                guard end < value.count else { return }
                start = end + 1
            }
        }

        /// `transfer-coding = token *( OWS ";" OWS transfer-parameter )` (RFC 9112 §7). chunked
        /// takes no parameters (RFC 9112 §7.1).
        private mutating func recordTransferCoding(_ coding: UnsafeRawBufferPointer) {
            var nameEnd = 0
            while nameEnd < coding.count, ASCII.isTokenChar(coding[nameEnd]) { nameEnd += 1 }
            let name = UnsafeRawBufferPointer(rebasing: coding[..<nameEnd])
            let isChunked = ASCII.equalsCaseInsensitive(name, lowercase: "chunked")
            var rest = nameEnd
            while rest < coding.count, ASCII.isWhitespace(coding[rest]) { rest += 1 }
            let hasParameters = rest < coding.count
            if nameEnd == 0 || (hasParameters && (coding[rest] != ASCII.semicolon || isChunked)) {
                invalidTransferEncoding = true
            }
            transferCodings += 1
            if isChunked { chunkedCodings += 1 }
            lastCodingIsChunked = isChunked
        }

        /// Calls `body` with each element of a comma-separated list (RFC 9110 §5.6.1), trimmed of OWS,
        /// empty elements skipped.
        private static func forEachListElement(_ value: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
            var start = 0
            while start < value.count {
                var end = start
                while end < value.count, value[end] != ASCII.comma { end += 1 }
                var lower = start, upper = end
                while lower < upper, ASCII.isWhitespace(value[lower]) { lower += 1 }
                while upper > lower, ASCII.isWhitespace(value[upper - 1]) { upper -= 1 }
                if lower < upper { body(UnsafeRawBufferPointer(rebasing: value[lower..<upper])) }
                start = end + 1
            }
        }
    }

    /// Turns a complete header section into a head: checks Host, decides the framing of the content
    /// (RFC 9112 §6.3), persistence (RFC 9112 §9.3) and expectations (RFC 9110 §10.1.1).
    ///
    /// The checks run in this order, so that each request has exactly one answer:
    /// 1. Host: more than one (in any version), missing in HTTP/1.1, invalid (RFC 9112 §3.2);
    /// 2. Transfer-Encoding: present in HTTP/1.0 (RFC 9112 §6.1); next to Content-Length (RFC 9112
    ///    §6.3 rule 3); malformed; chunked not final (§6.3 rule 4, 400); chunked twice (§6.1, 400);
    ///    another coding (§6.1, 501);
    /// 3. Content-Length: malformed, conflicting (RFC 9110 §8.6), above the body limit (413);
    /// 4. Expect: anything but 100-continue (RFC 9110 §10.1.1, 417).
    static func completeHead(_ head: consuming PartialHead, limits: HTTPLimits) throws(HTTPRequestError) -> HTTPRequestHead {
        let fields = head.framingFields
        let isHTTP11 = head.version == .http1_1

        guard fields.hostCount <= 1 else { throw .duplicateHost }
        guard fields.hostCount == 1 || !isHTTP11 else { throw .missingHost }
        guard !fields.invalidHost else { throw .invalidHost }

        let framing: HTTPBodyFraming
        if fields.transferEncodingCount > 0 {
            guard isHTTP11 else { throw .transferEncodingInHTTP10 }
            guard fields.contentLength == nil, !fields.invalidContentLength else {
                throw .contentLengthWithTransferEncoding
            }
            guard !fields.invalidTransferEncoding, fields.transferCodings > 0 else { throw .invalidTransferEncoding }
            guard fields.lastCodingIsChunked else { throw .chunkedNotFinal }
            guard fields.chunkedCodings == 1 else { throw .chunkedAppliedTwice }
            guard fields.transferCodings == 1 else { throw .unsupportedTransferEncoding }
            framing = .chunked
        } else if fields.invalidContentLength {
            throw .invalidContentLength
        } else if let length = fields.contentLength {
            guard !fields.conflictingContentLength else { throw .conflictingContentLength }
            guard length <= limits.maxBodySize else { throw .bodyTooLarge }
            framing = .contentLength(length)
        } else {
            framing = .none
        }

        guard !fields.unsupportedExpectation else { throw .unsupportedExpectation }

        return HTTPRequestHead(
            method: head.method,
            target: head.target,
            path: head.path,
            query: head.query,
            version: head.version,
            headers: head.headers,
            framing: framing,
            keepAlive: fields.close ? false : isHTTP11 || fields.keepAlive,
            expectsContinue: fields.expectsContinue && isHTTP11
        )
    }
}

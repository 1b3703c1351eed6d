/// Why a request was refused: one case per rule, each mapped once to the status to answer with
/// and a stable code for logs and tests. After any of these the connection closes: the parser
/// can no longer tell where the next request would start.
package enum HTTPRequestError: Error, Sendable, Equatable, CaseIterable {
    // MARK: Lines

    /// A CR not followed by LF in the head or in chunked framing (RFC 9112 §2.2).
    case bareCarriageReturn
    /// A line ended by LF alone. RFC 9112 §2.2 lets a recipient accept it; we refuse it, because
    /// a parser that accepts it and one that does not see different messages in the same bytes.
    case bareLineFeed
    /// More empty lines before the request-line than `maxEmptyLinesBeforeRequest` (RFC 9112 §2.2
    /// asks us to ignore "at least one", not any number).
    case tooManyEmptyLines

    // MARK: Request-line (RFC 9112 §3)

    /// Not `method SP request-target SP HTTP-version` with single spaces (RFC 9112 §3).
    case malformedRequestLine
    /// The method is not a token (RFC 9110 §9.1).
    case invalidMethod
    /// The request-line is longer than `maxRequestLineLength` (RFC 9112 §3: 414 for a target longer
    /// than we wish to parse).
    case requestLineTooLong
    /// The request-target has a byte outside visible US-ASCII, a "#", or is in no form of
    /// RFC 9112 §3.2 that we accept (authority-form is CONNECT only; absolute-form needs an
    /// http(s) scheme and a host without userinfo, RFC 9110 §4.2.1 and §4.2.4).
    case invalidTarget
    /// asterisk-form with a method other than OPTIONS (RFC 9112 §3.2.4).
    case asteriskFormWithoutOptions
    /// CONNECT (RFC 9110 §9.3.6): we are an origin server, not a tunnel, so 501.
    case connectNotSupported
    /// The HTTP-version is not `"HTTP/" DIGIT "." DIGIT` (RFC 9112 §2.3).
    case malformedVersion
    /// A major version other than 1 (RFC 9110 §15.6.6, 505).
    case unsupportedVersion

    // MARK: Field lines (RFC 9112 §5, RFC 9110 §5)

    /// The field lines are more than `maxHeaderBytes` (RFC 6585 §5, 431).
    case headerBlockTooLarge
    /// More field lines than `maxHeaderCount` (RFC 6585 §5, 431).
    case tooManyHeaders
    /// Whitespace between the request-line and the first field line (RFC 9112 §2.2: reject, or
    /// skip such lines; skipping hides a field another parser may see, so we reject).
    case whitespaceBeforeFirstField
    /// A field line starting with SP or HTAB, i.e. obs-fold (RFC 9112 §5.2: a server MUST reject
    /// it with 400 or replace it; we reject).
    case obsoleteLineFolding
    /// Whitespace between a field name and the colon (RFC 9112 §5.1: MUST reject with 400).
    case whitespaceBeforeColon
    /// A field line without a colon (RFC 9112 §5).
    case malformedFieldLine
    /// A field name that is empty or not a token (RFC 9110 §5.1).
    case invalidFieldName
    /// A field value with NUL, DEL or another control character but HTAB (RFC 9110 §5.5).
    case invalidFieldValue

    // MARK: Host (RFC 9112 §3.2)

    /// An HTTP/1.1 request without Host (RFC 9112 §3.2: MUST answer 400).
    case missingHost
    /// More than one Host field line (RFC 9112 §3.2: MUST answer 400).
    case duplicateHost
    /// A Host value that is not `uri-host [ ":" port ]` (RFC 9112 §3.2, RFC 3986 §3.2.2).
    case invalidHost

    // MARK: Framing (RFC 9112 §6)

    /// A Content-Length that is not 1*DIGIT, or a list with an empty or non-numeric element
    /// (RFC 9110 §8.6, RFC 9112 §6.3 rule 5).
    case invalidContentLength
    /// Several Content-Length values that differ, in one field or in several (RFC 9110 §8.6,
    /// RFC 9112 §6.3 rule 5). Identical repeats are accepted.
    case conflictingContentLength
    /// Both Transfer-Encoding and Content-Length (RFC 9112 §6.1 lets a server reject it, §6.3
    /// rule 3 calls it a possible smuggling attempt; we reject).
    case contentLengthWithTransferEncoding
    /// Transfer-Encoding in an HTTP/1.0 request (RFC 9112 §6.1: the framing MUST be treated as faulty).
    case transferEncodingInHTTP10
    /// A Transfer-Encoding value that is not a list of transfer codings (RFC 9112 §6.1, §7.3).
    case invalidTransferEncoding
    /// chunked is not the final transfer coding, or is missing: the length cannot be determined
    /// (RFC 9112 §6.3 rule 4: MUST answer 400 and close).
    case chunkedNotFinal
    /// chunked applied more than once (RFC 9112 §6.1: a sender MUST NOT).
    case chunkedAppliedTwice
    /// A transfer coding other than chunked before the final chunked (RFC 9112 §6.1: SHOULD 501).
    case unsupportedTransferEncoding
    /// The content is larger than `maxBodySize` (RFC 9110 §15.5.14, 413).
    case bodyTooLarge

    // MARK: Chunked (RFC 9112 §7.1)

    /// A chunk-size that is not 1*HEXDIG (RFC 9112 §7.1).
    case malformedChunkSize
    /// A chunk-size that does not fit in a signed 64-bit integer (RFC 9112 §7.1: a recipient MUST
    /// anticipate and handle overflow).
    case chunkSizeOverflow
    /// A chunk extension that is not `BWS ";" BWS token [ BWS "=" BWS ( token / quoted-string ) ]`
    /// (RFC 9112 §7.1.1).
    case malformedChunkExtension
    /// A chunk-size line longer than `maxChunkLineLength` (RFC 9112 §7.1.1: a server ought to limit
    /// the length of chunk extensions).
    case chunkLineTooLong
    /// Chunk data not followed by exactly CRLF (RFC 9112 §7.1).
    case missingChunkDataCRLF

    // MARK: Expectations

    /// An Expect value other than 100-continue (RFC 9110 §10.1.1: MAY answer 417; we do).
    case unsupportedExpectation

    /// The status to answer with.
    package var status: Int {
        switch self {
        case .requestLineTooLong: 414
        case .headerBlockTooLarge, .tooManyHeaders: 431
        case .bodyTooLarge: 413
        case .unsupportedExpectation: 417
        case .unsupportedTransferEncoding, .connectNotSupported: 501
        case .unsupportedVersion: 505
        case .bareCarriageReturn, .bareLineFeed, .tooManyEmptyLines, .malformedRequestLine,
             .invalidMethod, .invalidTarget, .asteriskFormWithoutOptions, .malformedVersion,
             .whitespaceBeforeFirstField, .obsoleteLineFolding, .whitespaceBeforeColon,
             .malformedFieldLine, .invalidFieldName, .invalidFieldValue, .missingHost,
             .duplicateHost, .invalidHost, .invalidContentLength, .conflictingContentLength,
             .contentLengthWithTransferEncoding, .transferEncodingInHTTP10,
             .invalidTransferEncoding, .chunkedNotFinal, .chunkedAppliedTwice,
             .malformedChunkSize, .chunkSizeOverflow, .malformedChunkExtension,
             .chunkLineTooLong, .missingChunkDataCRLF:
            400
        }
    }

    /// A stable identifier for logs and tests.
    package var code: String {
        switch self {
        case .bareCarriageReturn: "http.bare_cr"
        case .bareLineFeed: "http.bare_lf"
        case .tooManyEmptyLines: "http.leading_empty_lines"
        case .malformedRequestLine: "http.malformed_request_line"
        case .invalidMethod: "http.invalid_method"
        case .requestLineTooLong: "http.request_line_too_long"
        case .invalidTarget: "http.invalid_target"
        case .asteriskFormWithoutOptions: "http.asterisk_form"
        case .connectNotSupported: "http.connect"
        case .malformedVersion: "http.malformed_version"
        case .unsupportedVersion: "http.unsupported_version"
        case .headerBlockTooLarge: "http.header_block_too_large"
        case .tooManyHeaders: "http.too_many_headers"
        case .whitespaceBeforeFirstField: "http.whitespace_before_first_field"
        case .obsoleteLineFolding: "http.obs_fold"
        case .whitespaceBeforeColon: "http.space_before_colon"
        case .malformedFieldLine: "http.malformed_field_line"
        case .invalidFieldName: "http.invalid_field_name"
        case .invalidFieldValue: "http.invalid_field_value"
        case .missingHost: "http.missing_host"
        case .duplicateHost: "http.duplicate_host"
        case .invalidHost: "http.invalid_host"
        case .invalidContentLength: "http.invalid_content_length"
        case .conflictingContentLength: "http.conflicting_content_length"
        case .contentLengthWithTransferEncoding: "http.te_and_cl"
        case .transferEncodingInHTTP10: "http.te_in_http10"
        case .invalidTransferEncoding: "http.invalid_transfer_encoding"
        case .chunkedNotFinal: "http.chunked_not_final"
        case .chunkedAppliedTwice: "http.chunked_twice"
        case .unsupportedTransferEncoding: "http.unsupported_transfer_encoding"
        case .bodyTooLarge: "http.body_too_large"
        case .malformedChunkSize: "http.malformed_chunk_size"
        case .chunkSizeOverflow: "http.chunk_size_overflow"
        case .malformedChunkExtension: "http.malformed_chunk_extension"
        case .chunkLineTooLong: "http.chunk_line_too_long"
        case .missingChunkDataCRLF: "http.chunk_data_crlf"
        case .unsupportedExpectation: "http.unsupported_expectation"
        }
    }

    /// A short human sentence for the JSON error body.
    package var message: String {
        switch self {
        case .bareCarriageReturn: "CR must be followed by LF."
        case .bareLineFeed: "Lines must end with CRLF."
        case .tooManyEmptyLines: "Too many empty lines before the request line."
        case .malformedRequestLine: "Malformed request line."
        case .invalidMethod: "The method is not a token."
        case .requestLineTooLong: "The request line is too long."
        case .invalidTarget: "Invalid request target."
        case .asteriskFormWithoutOptions: "The target * is only allowed with OPTIONS."
        case .connectNotSupported: "CONNECT is not supported."
        case .malformedVersion: "Malformed HTTP version."
        case .unsupportedVersion: "Only HTTP/1.x is supported."
        case .headerBlockTooLarge: "The header section is too large."
        case .tooManyHeaders: "Too many header fields."
        case .whitespaceBeforeFirstField: "Whitespace before the first header field."
        case .obsoleteLineFolding: "Obsolete line folding is not allowed."
        case .whitespaceBeforeColon: "Whitespace between a field name and its colon."
        case .malformedFieldLine: "A header line has no colon."
        case .invalidFieldName: "Invalid header field name."
        case .invalidFieldValue: "Invalid character in a header field value."
        case .missingHost: "Missing Host header."
        case .duplicateHost: "More than one Host header."
        case .invalidHost: "Invalid Host header."
        case .invalidContentLength: "Invalid Content-Length."
        case .conflictingContentLength: "Conflicting Content-Length values."
        case .contentLengthWithTransferEncoding: "Content-Length and Transfer-Encoding together."
        case .transferEncodingInHTTP10: "Transfer-Encoding in an HTTP/1.0 request."
        case .invalidTransferEncoding: "Invalid Transfer-Encoding."
        case .chunkedNotFinal: "chunked must be the final transfer coding."
        case .chunkedAppliedTwice: "chunked applied more than once."
        case .unsupportedTransferEncoding: "Only the chunked transfer coding is supported."
        case .bodyTooLarge: "The request body is too large."
        case .malformedChunkSize: "Malformed chunk size."
        case .chunkSizeOverflow: "Chunk size out of range."
        case .malformedChunkExtension: "Malformed chunk extension."
        case .chunkLineTooLong: "Chunk size line too long."
        case .missingChunkDataCRLF: "Chunk data must be followed by CRLF."
        case .unsupportedExpectation: "Only Expect: 100-continue is supported."
        }
    }
}

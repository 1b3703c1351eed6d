import HTTP1
import Testing

@Suite struct HTTPRequestErrorTests {
    /// The wire outcome of every error, written out once more so that a change is a visible decision.
    static let outcomes: [HTTPRequestError: (status: Int, code: String)] = [
        .bareCarriageReturn: (400, "http.bare_cr"),
        .bareLineFeed: (400, "http.bare_lf"),
        .tooManyEmptyLines: (400, "http.leading_empty_lines"),
        .malformedRequestLine: (400, "http.malformed_request_line"),
        .invalidMethod: (400, "http.invalid_method"),
        .requestLineTooLong: (414, "http.request_line_too_long"),
        .invalidTarget: (400, "http.invalid_target"),
        .asteriskFormWithoutOptions: (400, "http.asterisk_form"),
        .connectNotSupported: (501, "http.connect"),
        .malformedVersion: (400, "http.malformed_version"),
        .unsupportedVersion: (505, "http.unsupported_version"),
        .headerBlockTooLarge: (431, "http.header_block_too_large"),
        .tooManyHeaders: (431, "http.too_many_headers"),
        .whitespaceBeforeFirstField: (400, "http.whitespace_before_first_field"),
        .obsoleteLineFolding: (400, "http.obs_fold"),
        .whitespaceBeforeColon: (400, "http.space_before_colon"),
        .malformedFieldLine: (400, "http.malformed_field_line"),
        .invalidFieldName: (400, "http.invalid_field_name"),
        .invalidFieldValue: (400, "http.invalid_field_value"),
        .missingHost: (400, "http.missing_host"),
        .duplicateHost: (400, "http.duplicate_host"),
        .invalidHost: (400, "http.invalid_host"),
        .invalidContentLength: (400, "http.invalid_content_length"),
        .conflictingContentLength: (400, "http.conflicting_content_length"),
        .contentLengthWithTransferEncoding: (400, "http.te_and_cl"),
        .transferEncodingInHTTP10: (400, "http.te_in_http10"),
        .invalidTransferEncoding: (400, "http.invalid_transfer_encoding"),
        .chunkedNotFinal: (400, "http.chunked_not_final"),
        .chunkedAppliedTwice: (400, "http.chunked_twice"),
        .unsupportedTransferEncoding: (501, "http.unsupported_transfer_encoding"),
        .bodyTooLarge: (413, "http.body_too_large"),
        .malformedChunkSize: (400, "http.malformed_chunk_size"),
        .chunkSizeOverflow: (400, "http.chunk_size_overflow"),
        .malformedChunkExtension: (400, "http.malformed_chunk_extension"),
        .chunkLineTooLong: (400, "http.chunk_line_too_long"),
        .missingChunkDataCRLF: (400, "http.chunk_data_crlf"),
        .unsupportedExpectation: (417, "http.unsupported_expectation"),
    ]

    @Test(arguments: HTTPRequestError.allCases)
    func mapsEachErrorToItsStatusAndStableCode(_ error: HTTPRequestError) throws {
        let outcome = try #require(Self.outcomes[error], "no expected outcome for \(error)")
        #expect(error.status == outcome.status)
        #expect(error.code == outcome.code)
        #expect(!error.message.isEmpty)
    }

    @Test func givesEveryErrorItsOwnCode() {
        let codes = HTTPRequestError.allCases.map(\.code)
        #expect(Set(codes).count == codes.count)
    }
}

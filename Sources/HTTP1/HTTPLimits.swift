/// The size limits of the HTTP/1.1 parser: every one has a name, a unit, a default and a reason,
/// and each is checked the moment the size it bounds is known, before anything is buffered.
package struct HTTPLimits: Sendable {
    /// Bytes of the request-line, excluding its CRLF. Default 8 KiB, the size RFC 9112 §3 recommends
    /// supporting at least. Exceeded → 414 (URI Too Long, RFC 9110 §15.5.15; the target is what makes a
    /// request-line long).
    package var maxRequestLineLength: Int
    /// Field lines in the header section (and, separately, in a trailer section). Default 100. → 431.
    package var maxHeaderCount: Int
    /// Bytes of the field lines of the header section, each counted with its CRLF (and, separately,
    /// of a trailer section). Default 16 KiB. Exceeded → 431 (RFC 6585 §5).
    package var maxHeaderBytes: Int
    /// Bytes of content. Default 1 MiB. Exceeded → 413 (RFC 9110 §15.5.14), decided as soon as a
    /// Content-Length or a chunk size is read, before any of those bytes arrive.
    package var maxBodySize: Int
    /// Bytes of a chunk-size line, extensions included, excluding its CRLF. Default 256. → 400.
    /// A size needs at most 16 hex digits (6 for our 1 MiB body limit); nothing we serve sends chunk
    /// extensions, and unbounded extensions let a client make us read far more than the body
    /// (Go's CVE-2023-39326); 256 leaves room for a few short ones.
    package var maxChunkLineLength: Int
    /// Empty lines ignored before a request-line (RFC 9112 §2.2 says a server SHOULD ignore at least
    /// one: some clients send a CRLF after a body). Default 4; one more → 400.
    package var maxEmptyLinesBeforeRequest: Int

    package init(
        maxRequestLineLength: Int = 8 * 1024,
        maxHeaderCount: Int = 100,
        maxHeaderBytes: Int = 16 * 1024,
        maxBodySize: Int = 1024 * 1024,
        maxChunkLineLength: Int = 256,
        maxEmptyLinesBeforeRequest: Int = 4
    ) {
        precondition(maxRequestLineLength > 0 && maxHeaderCount >= 0 && maxHeaderBytes >= 0)
        // Sizes are accumulated digit by digit up to just past the limit: keep that far from overflow.
        precondition(maxBodySize >= 0 && maxBodySize <= Int.max / 16)
        precondition(maxChunkLineLength > 0 && maxEmptyLinesBeforeRequest >= 0)
        self.maxRequestLineLength = maxRequestLineLength
        self.maxHeaderCount = maxHeaderCount
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodySize = maxBodySize
        self.maxChunkLineLength = maxChunkLineLength
        self.maxEmptyLinesBeforeRequest = maxEmptyLinesBeforeRequest
    }

    package static let `default` = HTTPLimits()
}

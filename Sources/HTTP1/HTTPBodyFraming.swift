/// How the content of a request is delimited (RFC 9112 §6.3).
package enum HTTPBodyFraming: Sendable, Equatable {
    /// Neither Content-Length nor Transfer-Encoding: a request has no content (RFC 9112 §6.3, rule 7).
    case none
    /// Exactly this many bytes follow the head (RFC 9112 §6.2).
    case contentLength(Int)
    /// The chunked transfer coding (RFC 9112 §7.1).
    case chunked
}

/// What `HTTPRequestParser.next(_:)` reports: the head once, then the content in pieces (never
/// empty), then the end of the request.
package enum HTTPRequestEvent: Sendable, Equatable {
    case head(HTTPRequestHead)
    case body([UInt8])
    case end
}

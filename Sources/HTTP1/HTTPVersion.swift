/// The HTTP versions we speak (RFC 9110 §6.2). A request with another HTTP/1 minor version is
/// handled as HTTP/1.1, the highest minor version we implement; any other major version is 505.
package enum HTTPVersion: Sendable, Equatable {
    case http1_0
    case http1_1

    /// "HTTP/1.0" or "HTTP/1.1" as written on the wire (RFC 9112 §2.3).
    package var text: String {
        switch self {
        case .http1_0: "HTTP/1.0"
        case .http1_1: "HTTP/1.1"
        }
    }
}

/// A status code and the header fields to send with it (RFC 9112 §4).
package struct HTTPResponseHead: Sendable, Equatable {
    package var status: Int
    package var headers: HTTPHeaders

    package init(status: Int, headers: HTTPHeaders = [:]) {
        self.status = status
        self.headers = headers
    }
}

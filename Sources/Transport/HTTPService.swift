import HTTP1

/// What the transport asks of the application. Both calls happen on the connection's event loop and must not block it.
package protocol HTTPService: Sendable {
    /// Answer `request` by calling `responder.respond(_:)` exactly once, now or later, from any thread.
    func handle(_ request: HTTPRequest, responder: HTTPResponder)
    /// The endpoint for a WebSocket upgrade of `request.path`, or nil (then the client gets 404).
    func webSocketEndpoint(for request: HTTPRequest) -> (any WebSocketEndpoint)?
}

/// Completes one request. Sendable: a handler may answer from another thread (after a database commit, say);
/// the response then hops to the connection's loop. A second call, or a call after the connection closed, is ignored.
package struct HTTPResponder: Sendable {
    private let connection: WeakLoopBound<Connection>
    private let generation: UInt64

    init(connection: Connection, generation: UInt64) {
        self.connection = WeakLoopBound(connection, loop: connection.loop)
        self.generation = generation
    }

    package func respond(_ response: HTTPResponse) {
        let connection = self.connection
        let generation = self.generation
        connection.loop.executeSoon {
            connection.value?.respond(response, generation: generation)
        }
    }
}

/// A weak reference that may cross threads but is only dereferenced on its loop.
struct WeakLoopBound<Value: AnyObject>: @unchecked Sendable {
    // @unchecked Sendable: `_value` is reachable only through `value`, which asserts we are on `loop`.
    let loop: EventLoop
    private weak var _value: Value?

    init(_ value: Value, loop: EventLoop) {
        self.loop = loop
        self._value = value
    }

    var value: Value? {
        loop.assertInLoop()
        return _value
    }
}

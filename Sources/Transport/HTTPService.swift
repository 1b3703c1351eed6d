import HTTP1

/// What the transport asks of the application. Both calls happen on the connection's event loop and must not block it.
package protocol HTTPService: Sendable {
    /// Answer `request` by calling `responder.respond(_:)` exactly once, now or later, from any thread.
    func handle(_ request: HTTPRequest, responder: HTTPResponder)
    /// The endpoint for a WebSocket upgrade of `request.path`, or nil (then the client gets 404).
    func webSocketEndpoint(for request: HTTPRequest) -> (any WebSocketEndpoint)?
    /// Whether a request with `Upgrade: websocket` is a WebSocket handshake (true) or a request like any other, given
    /// to `handle` (the HTTPS redirect answers it with its redirect).
    var acceptsUpgrades: Bool { get }
}

extension HTTPService {
    package var acceptsUpgrades: Bool { true }
}

/// Completes one request. Sendable: a handler may answer from another thread (after a database commit, say);
/// the response then hops to the connection's loop. A second call, or a call after the connection closed, is ignored.
package struct HTTPResponder: Sendable {
    private let connection: ConnectionReference
    private let generation: UInt64
    /// Where the response is counted once it is written (the route's counters), if anywhere.
    private var counters: StatusCounters?

    init(connection: Connection, generation: UInt64) {
        self.connection = ConnectionReference(connection)
        self.generation = generation
    }

    /// This responder, counting the response by status in `counters` when it is written.
    package func counting(in counters: StatusCounters) -> HTTPResponder {
        var copy = self
        copy.counters = counters
        return copy
    }

    package func respond(_ response: HTTPResponse) {
        let connection = self.connection
        let generation = self.generation
        let counters = self.counters
        connection.loop.executeSoon {
            connection.value?.respond(response, generation: generation, counters: counters)
        }
    }
}

/// Names a connection from anywhere; resolved on its loop, where it is nil once the connection has closed.
/// An id looked up in the loop's registry rather than a weak reference: a weak reference gives the object a side
/// table, and every retain and release of a connection — one per message on the hot paths — would take the slow path.
struct ConnectionReference: Sendable {
    let id: UInt64
    let loop: EventLoop

    init(_ connection: Connection) {
        self.id = connection.id
        self.loop = connection.loop
    }

    var value: Connection? {
        loop.assertInLoop()
        return loop.connection(id)
    }
}

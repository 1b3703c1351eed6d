import WebSocket

/// `/ws/echo`: every message back to its sender with the same type — the endpoint the Autobahn suite and the
/// echo benchmark talk to. Enabled by configuration (on in development, off in production).
package struct EchoEndpoint: WebSocketEndpoint {
    package init() {}

    package func accept(_ request: HTTPRequest) -> WebSocketAcceptance {
        .accept(EchoHandler.shared)
    }

    /// One stateless handler serves every echo connection: it keeps nothing per connection.
    private final class EchoHandler: WebSocketHandler, Sendable {
        static let shared = EchoHandler()

        func webSocket(_ connection: WebSocketConnection, didReceive message: WebSocketMessage) {
            switch message {
            case .text(let bytes): bytes.withUnsafeBytes { _ = connection.send(opcode: .text, payload: $0) }
            case .binary(let bytes): bytes.withUnsafeBytes { _ = connection.send(opcode: .binary, payload: $0) }
            }
        }
    }
}

/// `/ws/hub`: every text message received is broadcast to every hub member (the sender included) through the
/// broadcast primitive — the endpoint of the broadcast benchmarks. A receiver that falls a high-water mark
/// behind is closed with 1008.
package struct HubEndpoint: WebSocketEndpoint {
    private let handler: HubHandler

    package init(loops: EventLoopGroup) {
        handler = HubHandler(group: BroadcastGroup(loops: loops))
    }

    package var members: Int { handler.group.count }

    package func accept(_ request: HTTPRequest) -> WebSocketAcceptance {
        .accept(handler)
    }

    /// Shared by every hub connection (it holds only the group), so a member costs no handler of its own.
    private final class HubHandler: WebSocketHandler, Sendable {
        let group: BroadcastGroup
        init(group: BroadcastGroup) { self.group = group }

        func webSocketDidOpen(_ connection: WebSocketConnection) {
            connection.join(group)
        }

        func webSocket(_ connection: WebSocketConnection, didReceive message: WebSocketMessage) {
            guard case .text(let bytes) = message else { return }
            group.broadcast(PreparedMessage(opcode: .text, payload: bytes), policy: .close)
        }
    }
}

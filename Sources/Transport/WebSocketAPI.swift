import HTTP1
import WebSocket

/// A complete WebSocket data message.
package enum WebSocketMessage: Sendable, Equatable {
    case text([UInt8])    // valid UTF-8, checked by the reader
    case binary([UInt8])

    /// The text of a text message.
    package var text: String? {
        if case .text(let bytes) = self { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }

    package var bytes: [UInt8] {
        switch self {
        case .text(let bytes), .binary(let bytes): return bytes
        }
    }
}

/// Receives one WebSocket's events, on that connection's event loop. Not Sendable: it lives on the loop.
package protocol WebSocketHandler: AnyObject {
    func webSocketDidOpen(_ connection: WebSocketConnection)
    func webSocket(_ connection: WebSocketConnection, didReceive message: WebSocketMessage)
    /// Called once, whichever side closed and however. `code` is the peer's close code, or ours when we failed it; nil if none.
    func webSocketDidClose(_ connection: WebSocketConnection, code: UInt16?, reason: String)
    /// Called when a congested connection's buffered output fell below the low-water mark.
    func webSocketDidDrain(_ connection: WebSocketConnection)
}

extension WebSocketHandler {
    package func webSocketDidOpen(_ connection: WebSocketConnection) {}
    package func webSocketDidClose(_ connection: WebSocketConnection, code: UInt16?, reason: String) {}
    package func webSocketDidDrain(_ connection: WebSocketConnection) {}
}

/// Decides whether an upgrade is accepted, and with which handler. Called on the connection's loop after the
/// transport has validated the handshake (RFC 6455 §4.2.1) and the Origin.
package protocol WebSocketEndpoint: Sendable {
    /// Subprotocols this endpoint speaks, in order of preference (RFC 6455 §1.9). Empty: none.
    var subprotocols: [String] { get }
    func accept(_ request: HTTPRequest) -> WebSocketAcceptance
}

extension WebSocketEndpoint {
    package var subprotocols: [String] { [] }
}

package enum WebSocketAcceptance {
    case accept(any WebSocketHandler)
    case reject(HTTPResponse)
}

/// What became of one send (issue: "every send reports whether it was written, queued, dropped, or closed the connection").
package enum SendResult: Sendable, Equatable {
    /// The kernel took every byte before the call returned (only outside a tick; inside one, output is flushed as the tick ends).
    case written
    /// Buffered; it goes out when the tick ends or the socket drains.
    case queued
    /// Not sent: the connection is closing, or the message lost to a newer one for its topic.
    case dropped
    /// The connection was above its high-water mark and the policy closed it (1008).
    case closedConnection
}

/// What happens to a message for a receiver whose buffered output is above its high-water mark.
package enum OverflowPolicy: Sendable, Equatable {
    /// Keep only the newest unsent message of this topic (a live tally: the reader gets the latest state, never a backlog).
    case keepNewest(topic: UInt64)
    /// Close the connection with 1008 (a chat reader that fell too far behind resumes from history on reconnect).
    case close
    /// Drop this message, keep the connection.
    case drop
}

import WebSocket

/// The application's handle on one WebSocket. Sendable and Hashable, so it can be stored anywhere; the methods
/// that act on the connection must be called on its loop (in a handler, or through `execute`), and do nothing
/// once the connection is gone.
package struct WebSocketConnection: Sendable, Hashable {
    package let id: UInt64
    private let reference: ConnectionReference

    init(_ connection: Connection) {
        self.id = connection.id
        self.reference = ConnectionReference(connection)
    }

    package var loop: EventLoop { reference.loop }

    package static func == (lhs: Self, rhs: Self) -> Bool { lhs.id == rhs.id }
    package func hash(into hasher: inout Hasher) { hasher.combine(id) }

    /// Runs `body` on this connection's loop (now, if already there).
    package func execute(_ body: @escaping @Sendable (WebSocketConnection) -> Void) {
        let handle = self
        reference.loop.executeSoon { body(handle) }
    }

    var connection: Connection? { reference.value }

    /// Open and not closing.
    package var isOpen: Bool { connection?.webSocketIsOpen ?? false }

    /// Bytes queued and not yet taken by the kernel.
    package var bufferedAmount: Int { connection?.output.byteCount ?? 0 }

    /// The subprotocol chosen in the handshake.
    package var subprotocol: String? { connection?.webSocket?.subprotocol }

    /// The negotiated permessage-deflate parameters, if any.
    package var compression: PerMessageDeflateParameters? { connection?.webSocket?.deflate }

    package var peer: SocketAddress? { connection?.peer }

    /// Sends a text message as a reply: always queued; while the output is above the high-water mark the
    /// connection stops reading from its peer.
    @discardableResult
    package func send(text: String) -> SendResult {
        var text = text
        return text.withUTF8 { send(opcode: .text, payload: UnsafeRawBufferPointer($0)) }
    }

    @discardableResult
    package func send(binary: [UInt8]) -> SendResult {
        binary.withUnsafeBytes { send(opcode: .binary, payload: $0) }
    }

    @discardableResult
    package func send(opcode: WebSocketOpcode, payload: UnsafeRawBufferPointer) -> SendResult {
        guard let connection else { return .dropped }
        return connection.sendWebSocketReply(opcode: opcode, payload: payload)
    }

    /// Sends a message prepared once for many receivers; `policy` applies if this connection is congested.
    @discardableResult
    package func send(_ message: PreparedMessage, policy: OverflowPolicy) -> SendResult {
        guard let connection else { return .dropped }
        let result = connection.sendPrepared(message, policy: policy)
        if result == .queued { connection.loop.traffic.sent(bytes: message.payload.count) }
        return result
    }

    /// Starts the closing handshake (RFC 6455 §7.1.2).
    package func close(code: UInt16 = 1000, reason: String = "") {
        connection?.closeWebSocket(code: code, reason: reason)
    }

    /// Joins `group`, so its broadcasts reach this connection until it leaves or closes.
    package func join(_ group: BroadcastGroup) {
        guard let connection, connection.webSocketIsOpen else { return }
        if group.insert(self, connection: connection) {
            connection.webSocket!.groups.append(group)
        }
    }

    package func leave(_ group: BroadcastGroup) {
        guard let connection else { return }
        group.remove(self)
        connection.webSocket?.groups.removeAll { $0 === group }
    }
}

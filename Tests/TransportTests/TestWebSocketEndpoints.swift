import TestSupport
import Dispatch
import HTTP1
import Synchronization
import Transport

/// What the server-side handlers of one endpoint saw: messages received and how each connection closed.
final class WebSocketLog: Sendable {
    struct Closure: Sendable, Equatable {
        var code: UInt16?
        var reason: String
    }

    private let state = Mutex<(opened: Int, messages: [WebSocketMessage], closures: [Closure])>((0, [], []))
    private let closedSignal = DispatchSemaphore(value: 0)

    var opened: Int { state.withLock { $0.opened } }
    var messages: [WebSocketMessage] { state.withLock { $0.messages } }
    var closures: [Closure] { state.withLock { $0.closures } }

    func didOpen() { state.withLock { $0.opened += 1 } }
    func received(_ message: WebSocketMessage) { state.withLock { $0.messages.append(message) } }
    func didClose(code: UInt16?, reason: String) {
        state.withLock { $0.closures.append(Closure(code: code, reason: reason)) }
        closedSignal.signal()
    }

    /// Waits for the next `webSocketDidClose` and returns what it said.
    func waitForClosure(seconds: Double = 10) -> Closure? {
        guard closedSignal.wait(timeout: .now() + seconds) == .success else { return nil }
        return state.withLock { $0.closures.last }
    }
}

/// Echoes every message and logs what happened. A text message "close <code>" makes the server start the closing
/// handshake with that code instead.
struct RecordingEndpoint: WebSocketEndpoint {
    let log: WebSocketLog
    var subprotocols: [String] = []

    func accept(_ request: HTTPRequest) -> WebSocketAcceptance {
        .accept(Handler(log: log))
    }

    final class Handler: WebSocketHandler, Sendable {
        let log: WebSocketLog
        init(log: WebSocketLog) { self.log = log }

        func webSocketDidOpen(_ connection: WebSocketConnection) { log.didOpen() }

        func webSocket(_ connection: WebSocketConnection, didReceive message: WebSocketMessage) {
            log.received(message)
            if let text = message.text, text.hasPrefix("close "), let code = UInt16(text.dropFirst(6)) {
                connection.close(code: code, reason: "asked to")
                return
            }
            switch message {
            case .text(let bytes): bytes.withUnsafeBytes { _ = connection.send(opcode: .text, payload: $0) }
            case .binary(let bytes): _ = connection.send(binary: bytes)
            }
        }

        func webSocketDidClose(_ connection: WebSocketConnection, code: UInt16?, reason: String) {
            log.didClose(code: code, reason: reason)
        }
    }
}

/// Refuses every upgrade with the response it was given (an endpoint that checks a session, say).
struct RejectingEndpoint: WebSocketEndpoint {
    let response: HTTPResponse

    func accept(_ request: HTTPRequest) -> WebSocketAcceptance {
        .reject(response)
    }
}

/// Members of one `BroadcastGroup`, by the name each client gives in its query (`?name=slow`), with the loop each
/// landed on and how each closed.
final class GroupMembers: Sendable {
    let group: BroadcastGroup
    let log = WebSocketLog()
    private let handles = Mutex<[String: WebSocketConnection]>([:])
    private let loopIndexes = Mutex<Set<Int>>([])

    init(loops: EventLoopGroup) {
        group = BroadcastGroup(loops: loops)
    }

    func connection(_ name: String) -> WebSocketConnection? { handles.withLock { $0[name] } }
    var loopsUsed: Set<Int> { loopIndexes.withLock { $0 } }

    fileprivate func joined(_ name: String, _ connection: WebSocketConnection) {
        handles.withLock { $0[name] = connection }
        loopIndexes.withLock { _ = $0.insert(connection.loop.index) }
    }

    /// Runs `body` on the member's loop and returns its result (for state only the loop may read, such as
    /// `bufferedAmount`).
    func onLoop<R: Sendable>(of name: String, _ body: @escaping @Sendable (WebSocketConnection) -> R) -> R? {
        guard let connection = connection(name) else { return nil }
        let result = Mutex<R?>(nil)
        let done = DispatchSemaphore(value: 0)
        connection.execute { handle in
            result.withLock { $0 = body(handle) }
            done.signal()
        }
        guard done.wait(timeout: .now() + 10) == .success else { return nil }
        return result.withLock { $0 }
    }
}

/// Joins every connection to `members.group` as it opens; messages from members are ignored.
struct GroupEndpoint: WebSocketEndpoint {
    let members: GroupMembers

    func accept(_ request: HTTPRequest) -> WebSocketAcceptance {
        .accept(Handler(name: request.query("name") ?? "", members: members))
    }

    final class Handler: WebSocketHandler, Sendable {
        let name: String
        let members: GroupMembers
        init(name: String, members: GroupMembers) {
            self.name = name
            self.members = members
        }

        func webSocketDidOpen(_ connection: WebSocketConnection) {
            connection.join(members.group)
            members.joined(name, connection)
            members.log.didOpen()
        }

        func webSocket(_ connection: WebSocketConnection, didReceive message: WebSocketMessage) {
            members.log.received(message)
        }

        func webSocketDidClose(_ connection: WebSocketConnection, code: UInt16?, reason: String) {
            members.log.didClose(code: code, reason: reason)
        }
    }
}

/// Echoes binary messages and records the largest `bufferedAmount` seen after an echo.
final class BufferProbe: Sendable {
    private let state = Mutex<(received: Int, maxBuffered: Int)>((0, 0))
    var received: Int { state.withLock { $0.received } }
    var maxBuffered: Int { state.withLock { $0.maxBuffered } }
    func record(_ buffered: Int) {
        state.withLock {
            $0.received += 1
            $0.maxBuffered = max($0.maxBuffered, buffered)
        }
    }
}

struct ProbeEndpoint: WebSocketEndpoint {
    let probe: BufferProbe

    func accept(_ request: HTTPRequest) -> WebSocketAcceptance {
        .accept(Handler(probe: probe))
    }

    final class Handler: WebSocketHandler, Sendable {
        let probe: BufferProbe
        init(probe: BufferProbe) { self.probe = probe }

        func webSocket(_ connection: WebSocketConnection, didReceive message: WebSocketMessage) {
            connection.send(binary: message.bytes)
            probe.record(connection.bufferedAmount)
        }
    }
}

import Transport

/// One connection's watch of ordered topics under one name (the topic the client subscribed to: `thread:<code>`,
/// `case:<id>`, `inbox`), which may cover several keys (an inbox: every department the user sees).
final class OrderedWatch: @unchecked Sendable {
    // @unchecked Sendable: `connection`, `name` and `keys` are immutable; `lastSent` is read and written only on
    // the connection's loop (in `deliver` and `catchUp`, both asserted there), and the engine's table only holds the
    // reference.
    let connection: WebSocketConnection
    let name: String
    let keys: [String]
    /// The highest `seq` sent under this watch: a numbered message at or below it is not sent again.
    private var _lastSent: Int64

    init(connection: WebSocketConnection, name: String, keys: [String], since: Int64) {
        self.connection = connection
        self.name = name
        self.keys = keys
        self._lastSent = since
    }

    var lastSent: Int64 {
        get { connection.loop.assertInLoop(); return _lastSent }
        set { connection.loop.assertInLoop(); _lastSent = newValue }
    }
}

struct OrderedState {
    /// Watches by key, then by connection id and name.
    var byKey: [String: [WatchID: OrderedWatch]] = [:]
    /// Watches by connection, then by name.
    var byConnection: [UInt64: [String: OrderedWatch]] = [:]
}

struct WatchID: Hashable {
    var connection: UInt64
    var name: String
}

/// Ordered topics: every message to every watcher, once, in publication order (see `TopicEngine`).
///
/// **Exactly once across a resume.** A page that comes back with its last `seq` is watched first (`watch`), then
/// its client reads what it missed from the database and hands it to `catchUp`. A message published before the
/// watch is in the read; one published after it reaches the watch — queued on the connection's loop behind the
/// handler that is reading; one in between is in both and sent once, because a watch sends a numbered message only
/// above the highest `seq` it has sent. Reading before watching could lose one.
///
/// **Order.** Publishers call `publish` in the order messages are made (the direct line: the single writer's
/// completions, in commit order), and each message is handed to each watcher's loop, which runs what it is handed
/// in order.
extension TopicEngine {
    /// Starts delivering to `connection`, under `name`, every message published to any of `keys` from now on; a
    /// numbered message at or below `since` is not sent. Replaces an earlier watch of the same name. On the
    /// connection's loop.
    package func watch(_ connection: WebSocketConnection, as name: String, keys: [String], since: Int64) {
        connection.loop.assertInLoop()
        let watch = OrderedWatch(connection: connection, name: name, keys: keys, since: since)
        ordered.withLock { state in
            if let old = state.byConnection[connection.id]?[name] { Self.remove(old, from: &state) }
            state.byConnection[connection.id, default: [:]][name] = watch
            let id = WatchID(connection: connection.id, name: name)
            for key in keys { state.byKey[key, default: [:]][id] = watch }
        }
    }

    /// Sends what the client read from the database for a watch just made: each message above the watch's highest
    /// sent `seq`, in order. Returns the highest `seq` sent (or `since` if none). On the connection's loop.
    @discardableResult
    package func catchUp(_ connection: WebSocketConnection, as name: String, with backlog: [(seq: Int64, bytes: [UInt8])]) -> Int64 {
        guard let watch = ordered.withLock({ $0.byConnection[connection.id]?[name] }) else { return 0 }
        for (seq, bytes) in backlog where seq > watch.lastSent {
            watch.lastSent = seq
            send(bytes, to: watch)
        }
        return watch.lastSent
    }

    /// The highest `seq` a watch has sent, or nil if there is no such watch. On the connection's loop.
    package func lastSent(_ connection: WebSocketConnection, as name: String) -> Int64? {
        ordered.withLock({ $0.byConnection[connection.id]?[name] })?.lastSent
    }

    package func unwatch(_ connection: WebSocketConnection, as name: String) {
        ordered.withLock { state in
            if let watch = state.byConnection[connection.id]?[name] { Self.remove(watch, from: &state) }
        }
    }

    /// Ends every watch of a connection (it closed).
    package func unwatchAll(_ connection: WebSocketConnection) {
        ordered.withLock { state in
            for watch in Array((state.byConnection[connection.id] ?? [:]).values) { Self.remove(watch, from: &state) }
        }
    }

    private static func remove(_ watch: OrderedWatch, from state: inout OrderedState) {
        let id = WatchID(connection: watch.connection.id, name: watch.name)
        for key in watch.keys {
            state.byKey[key]?[id] = nil
            if state.byKey[key]?.isEmpty == true { state.byKey[key] = nil }
        }
        state.byConnection[watch.connection.id]?[watch.name] = nil
        if state.byConnection[watch.connection.id]?.isEmpty == true { state.byConnection[watch.connection.id] = nil }
    }

    /// Watches that cover `key` now.
    package func orderedWatchers(_ key: String) -> Int {
        ordered.withLock { $0.byKey[key]?.count ?? 0 }
    }

    /// Publishes one message, rendered per key (each key's watchers see their own view: a citizen's, staff's), to
    /// every watch that covers one of the keys — once per watch, with the first key's rendering that covers it.
    /// `seq`: the message's number in its thread, or nil for what is not numbered (typing, read marks, a status
    /// change: sent as they happen, not replayed). `except`: a connection not to send to (its own typing).
    package func publish(_ renderings: [(key: String, bytes: [UInt8])], seq: Int64?, except: UInt64? = nil) {
        publish(to: renderings.map(\.key), seq: seq, except: except) { key in renderings.first { $0.key == key }!.bytes }
    }

    /// `publish`, rendering a key's view only when someone watches it (`render` runs at most once per key, on the
    /// caller's thread, outside the engine's lock).
    package func publish(to keys: [String], seq: Int64?, except: UInt64? = nil, render: (String) -> [UInt8]) {
        var targets: [(watch: OrderedWatch, key: String)] = []
        ordered.withLock { state in
            var seen: Set<WatchID> = []
            for key in keys {
                guard let watches = state.byKey[key] else { continue }
                for (id, watch) in watches where id.connection != except && seen.insert(id).inserted {
                    targets.append((watch, key))
                }
            }
        }
        guard !targets.isEmpty else { return }
        var rendered: [String: [UInt8]] = [:]
        for (watch, key) in targets {
            let bytes = rendered[key] ?? render(key)
            rendered[key] = bytes
            watch.connection.execute { [self] _ in deliver(bytes, seq: seq, to: watch) }
        }
    }

    /// On the watch's loop.
    private func deliver(_ bytes: [UInt8], seq: Int64?, to watch: OrderedWatch) {
        // A watch replaced or ended since this was handed over: its successor has read the backlog.
        guard ordered.withLock({ $0.byConnection[watch.connection.id]?[watch.name] === watch }) else { return }
        if let seq {
            guard seq > watch.lastSent else { return }
            watch.lastSent = seq
        }
        send(bytes, to: watch)
    }

    private func send(_ bytes: [UInt8], to watch: OrderedWatch) {
        let connection = watch.connection
        if connection.bufferedAmount > configuration.maxOrderedBacklogBytes {
            // Never drop a message silently: the page reconnects and resumes from its last seq.
            if connection.isOpen { closedBehind.add(1, ordering: .relaxed) }
            connection.close(code: 1008, reason: "too far behind; resume with since")
            return
        }
        bytes.withUnsafeBytes { _ = connection.send(opcode: .text, payload: $0) }
    }
}

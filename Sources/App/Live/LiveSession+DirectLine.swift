import Domain
import Storage
import Transport

/// One thread, case or inbox a connection watches.
struct WatchedConversation {
    /// The hub's keys (`thread:<id>`, `case:<id>`, `inbox:<department>`…).
    var keys: [String]
    var thread: ThreadRecord?
    /// Staff's view (notes, contact) rather than the citizen's.
    var staff: Bool
    /// The highest entry `seq` sent on this topic: an entry at or below it is not sent again.
    var lastSent: Int64
}

/// The direct line over the page's WebSocket (docs/PROTOCOL.md): `thread:<code>` for a citizen, `case:<id>` and
/// `inbox` for staff; `post`, `typing` and `read`.
extension LiveSession {
    /// Output a watcher may have queued before it counts as too far behind (it is closed and resumes by `seq`).
    static let maxConversationBacklogBytes = 4 << 20

    static func isConversationTopic(_ topic: String) -> Bool {
        topic.hasPrefix("thread:") || topic.hasPrefix("case:") || topic == "inbox"
    }

    /// The staff session, checked now (a logout or `user disable` elsewhere ends it at once).
    func staffSession() throws(DomainError) -> StaffSessions.Session {
        guard let staffToken else { throw .authRequired }
        return try services.staffSessions.session(token: staffToken)
    }

    func subscribeConversation(_ message: ClientMessage, topic: String, on connection: WebSocketConnection) {
        do throws(DomainError) {
            if conversations[topic] == nil, watchedTopicCount >= services.maxTopicsPerConnection {
                throw .tooManyTopics(limit: services.maxTopicsPerConnection)
            }
            let directLine = services.directLine
            if topic == "inbox" {
                let staff = try staffSession().principal
                try directLine.access.check(staff, .seeInbox, department: nil)
                let keys = directLine.inboxKeys(staff)
                watch(topic, WatchedConversation(keys: keys, thread: nil, staff: true, lastSent: 0), on: connection)
                var json = JSONWriter()
                json.beginObject()
                json.field("type", "subscribed")
                json.field("topic", topic)
                json.endObject()
                return send(json.bytes, on: connection)
            }
            let since = Int64(message.since ?? 0)
            let thread: ThreadRecord
            let entries: [EntryRecord]
            let staff: Bool
            let key: String
            if topic.hasPrefix("thread:") {
                (thread, entries) = try directLine.lookup(code: String(topic.dropFirst("thread:".count)), ip: ip)
                staff = false
                key = "thread:\(thread.id)"
            } else {
                guard let id = Int64(topic.dropFirst("case:".count)) else { throw .threadNotFound }
                let principal = try staffSession().principal
                (thread, entries) = try directLine.staffView(thread: id, staff: principal)
                staff = true
                key = "case:\(thread.id)"
            }
            var watched = WatchedConversation(keys: [key], thread: thread, staff: staff, lastSent: since)
            watch(topic, watched, on: connection)
            // The backlog is read after watching: an entry that committed before the watch is in the read, one that
            // commits after it comes from the hub (queued on this loop behind this handler), and one in between
            // is in both and sent once, by its seq. Reading before watching could miss one.
            let fresh = (try? services.directLine.store.entries(thread: thread.id, after: since)) ?? entries.filter { $0.seq > since }
            for entry in fresh where staff || entry.visibleToCitizen {
                send(DirectLineJSON.entryMessage(entry, topic: topic, staff: staff), on: connection)
            }
            watched.lastSent = max(since, fresh.last?.seq ?? since)
            let current = (try? services.directLine.store.thread(id: thread.id)) ?? thread
            watched.thread = current
            conversations[topic] = watched
            send(DirectLineJSON.caughtUp(topic: topic, thread: current, seq: watched.lastSent), on: connection)
        } catch {
            send(error: error, id: message.id, on: connection)
        }
    }

    private func watch(_ topic: String, _ watched: WatchedConversation, on connection: WebSocketConnection) {
        if let old = conversations[topic] {
            for key in old.keys { services.directLine.hub.unwatch(key, connection: connection) }
        }
        conversations[topic] = watched
        let session = LoopBound(self, loop: connection.loop)
        for key in watched.keys {
            services.directLine.hub.watch(key, ThreadHub.Watcher(connection: connection) { connection, message in
                session.value.deliver(message, topic: topic, on: connection)
            })
        }
    }

    func unwatchConversation(_ topic: String, on connection: WebSocketConnection) {
        guard let watched = conversations.removeValue(forKey: topic) else { return }
        for key in watched.keys { services.directLine.hub.unwatch(key, connection: connection) }
    }

    func stopWatchingConversations(_ connection: WebSocketConnection) {
        for topic in Array(conversations.keys) { unwatchConversation(topic, on: connection) }
    }

    /// A message from the hub, on this connection's loop.
    func deliver(_ message: HubMessage, topic: String, on connection: WebSocketConnection) {
        guard var watched = conversations[topic] else { return }
        if let seq = message.seq {
            guard seq > watched.lastSent else { return }
            watched.lastSent = seq
            conversations[topic] = watched
        }
        guard let bytes = watched.staff ? message.staff : message.citizen else { return }
        if connection.bufferedAmount > Self.maxConversationBacklogBytes {
            // Never drop an entry silently: the page reconnects and resumes from its last seq.
            connection.close(code: 1008, reason: "too far behind; resume with since")
            return
        }
        send(bytes, on: connection)
    }

    func post(_ message: ClientMessage, on connection: WebSocketConnection) {
        do throws(DomainError) {
            guard let topic = message.topic, let watched = conversations[topic], let thread = watched.thread else {
                throw .invalidRequest("post needs the topic of a thread or case this connection has subscribed to")
            }
            guard pendingWrites < services.maxPendingWritesPerConnection else { throw DomainError.overloaded }
            let session = LoopBound(self, loop: connection.loop)
            let id = message.id
            let completion: DirectLineService.Completion = { outcome in
                connection.execute { connection in session.value.posted(outcome, id: id, topic: topic, on: connection) }
            }
            if watched.staff {
                let staff = try staffSession().principal
                try services.directLine.reply(message, thread: thread.id, note: false, staff: staff, completion: completion)
            } else {
                guard let citizen else { throw cookieRefused ? DomainError.invalidCitizen : DomainError.missingCitizen }
                try services.directLine.post(message, code: thread.code, citizen: citizen, ip: ip, completion: completion)
            }
            pendingWrites += 1
        } catch {
            send(error: error, id: message.id, on: connection)
        }
    }

    private func posted(_ outcome: OfficeOutcome, id: String?, topic: String, on connection: WebSocketConnection) {
        pendingWrites -= 1
        let staff = conversations[topic]?.staff ?? false
        switch outcome {
        case .applied(let receipt), .duplicate(let receipt):
            var json = JSONWriter()
            json.beginObject()
            json.field("type", "ack")
            json.field("id", id)
            if case .applied = outcome { json.field("status", "applied") } else { json.field("status", "duplicate") }
            json.field("topic", topic)
            if let entry = receipt.entries.first {
                json.key("entry")
                DirectLineJSON.entry(entry, staff: staff, into: &json)
            }
            json.endObject()
            send(json.bytes, on: connection)
        case .rejected(let error):
            send(error: error, id: id, on: connection)
        }
    }

    func typing(_ message: ClientMessage, on connection: WebSocketConnection) {
        guard let topic = message.topic, let watched = conversations[topic], let thread = watched.thread else { return }
        let now = services.time.now()
        if let last = lastTyping[topic], now - last < 1_000 { return }
        lastTyping[topic] = now
        var name: String?
        if watched.staff {
            guard let staff = try? staffSession() else { return }
            name = staff.user.displayName
        }
        services.directLine.typing(thread: thread, by: watched.staff ? .staff : .citizen, name: name, except: connection.id)
    }

    func read(_ message: ClientMessage, on connection: WebSocketConnection) {
        do throws(DomainError) {
            guard let topic = message.topic, let watched = conversations[topic], let thread = watched.thread else {
                throw .invalidRequest("read needs the topic of a thread or case this connection has subscribed to")
            }
            guard let seq = message.seq, seq >= 0 else { throw .invalidRequest("read needs seq, a whole number") }
            let staff: StaffPrincipal? = watched.staff ? try staffSession().principal : nil
            let session = LoopBound(self, loop: connection.loop)
            let id = message.id
            services.directLine.markRead(code: watched.staff ? nil : thread.code, thread: watched.staff ? thread.id : nil,
                                         by: watched.staff ? .staff : .citizen, seq: Int64(seq), staff: staff) { outcome in
                if case .rejected(let error) = outcome {
                    connection.execute { connection in session.value.send(error: error, id: id, on: connection) }
                }
            }
        } catch {
            send(error: error, id: message.id, on: connection)
        }
    }
}

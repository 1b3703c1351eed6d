import Domain
import Storage
import Transport

/// One thread, case or inbox a connection watches (the topic engine keeps what was sent; this, what to act on).
struct WatchedConversation {
    var thread: ThreadRecord?
    /// Staff's view (notes, contact) rather than the citizen's.
    var staff: Bool
}

/// The direct line over the page's WebSocket (docs/PROTOCOL.md): `thread:<code>` for a citizen, `case:<id>` and
/// `inbox` for staff; `post`, `typing` and `read`.
extension LiveSession {
    static func isConversationTopic(_ topic: String) -> Bool {
        topic.hasPrefix("thread:") || topic.hasPrefix("case:") || topic == "inbox" || topic == ModerationService.queueKey
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
            if topic == "inbox" || topic == ModerationService.queueKey {
                let staff = try staffSession().principal
                let keys: [String]
                if topic == "inbox" {
                    try directLine.access.check(staff, .seeInbox, department: nil)
                    keys = directLine.inboxKeys(staff)
                } else {
                    try directLine.access.check(staff, .seeModerationQueue, department: nil)
                    keys = [ModerationService.queueKey]
                }
                conversations[topic] = WatchedConversation(thread: nil, staff: true)
                services.topics.watch(connection, as: topic, keys: keys, since: 0)
                var json = JSONWriter()
                json.beginObject()
                json.field("type", "subscribed")
                json.field("topic", topic)
                json.endObject()
                return send(json.bytes, on: connection)
            }
            let since = Int64(message.since ?? 0)
            let thread: ThreadRecord
            let staff: Bool
            let key: String
            if topic.hasPrefix("thread:") {
                thread = try directLine.thread(code: String(topic.dropFirst("thread:".count)), ip: ip)
                staff = false
                key = "thread:\(thread.id)"
            } else {
                guard let id = Int64(topic.dropFirst("case:".count)) else { throw .caseNotFound }
                let principal = try staffSession().principal
                thread = try directLine.staffThread(id, staff: principal)
                staff = true
                key = "case:\(thread.id)"
            }
            // Watch first, then read the backlog: the engine sends each seq once (see TopicEngine+Ordered).
            conversations[topic] = WatchedConversation(thread: thread, staff: staff)
            services.topics.watch(connection, as: topic, keys: [key], since: since)
            guard let fresh = try? services.directLine.store.entries(thread: thread.id, after: since) else {
                conversations[topic] = nil
                services.topics.unwatch(connection, as: topic)
                throw .storageFailure
            }
            let backlog = fresh.filter { staff || $0.visibleToCitizen }.map { entry in
                (seq: entry.seq, bytes: DirectLineJSON.entryMessage(entry, topic: topic, staff: staff))
            }
            let lastSent = services.topics.catchUp(connection, as: topic, with: backlog)
            let current = (try? services.directLine.store.thread(id: thread.id)) ?? thread
            conversations[topic]?.thread = current
            send(DirectLineJSON.caughtUp(topic: topic, thread: current, seq: max(lastSent, fresh.last?.seq ?? since)), on: connection)
        } catch {
            send(error: error, id: message.id, on: connection)
        }
    }

    func unwatchConversation(_ topic: String, on connection: WebSocketConnection) {
        guard conversations.removeValue(forKey: topic) != nil else { return }
        services.topics.unwatch(connection, as: topic)
    }

    func post(_ message: ClientMessage, on connection: WebSocketConnection) {
        do throws(DomainError) {
            guard let topic = message.topic, let watched = conversations[topic], let thread = watched.thread else {
                throw .invalidRequest("post needs the topic of a thread or case this connection has subscribed to")
            }
            guard pendingWrites < services.maxPendingWritesPerConnection else { throw DomainError.overloaded }
            let session = LoopBound(self, loop: connection.loop)
            let id = message.id
            let actions = services.actions
            let completion: DirectLineService.Completion = { outcome in
                actions.record(.message, outcome)
                connection.execute { connection in session.value.posted(outcome, id: id, topic: topic, on: connection) }
            }
            if watched.staff {
                let staff = try staffSession().principal
                try services.directLine.reply(clientID: message.id, body: message.body, thread: thread.id, note: false, staff: staff,
                                              completion: completion)
            } else {
                guard let citizen else { throw cookieRefused ? DomainError.invalidCitizen : DomainError.missingCitizen }
                try services.directLine.post(clientID: message.id, body: message.body, code: thread.code, citizen: citizen, ip: ip,
                                             completion: completion)
            }
            pendingWrites += 1
        } catch {
            services.actions.refused(.message, code: error.code)
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

    /// `ping`: a pong. A staff console's ping (the connection watches a case or the inbox) also checks its session
    /// and keeps it alive, so a console left open for its notices stays signed in (within the session's absolute
    /// lifetime) and learns at once when it has been signed out.
    func ping(_ message: ClientMessage, on connection: WebSocketConnection) {
        if conversations.values.contains(where: \.staff) {
            do throws(DomainError) {
                _ = try staffSession()
            } catch {
                return send(error: error, id: message.id, on: connection)
            }
        }
        connection.send(text: #"{"type":"pong"}"#)
    }

    func typing(_ message: ClientMessage, on connection: WebSocketConnection) {
        guard let topic = message.topic, let watched = conversations[topic], let thread = watched.thread else { return }
        let now = services.time.now()
        if let last = lastTyping[topic], now - last < 1_000 { return }
        var name: String?
        if watched.staff {
            // Only someone who may answer the letter is "the office typing".
            guard let staff = try? staffSession(),
                  services.directLine.access.allows(staff.principal, .reply, department: thread.department) else { return }
            name = staff.user.displayName
        }
        lastTyping[topic] = now
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

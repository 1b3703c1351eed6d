import CoreMetrics
import Domain
import HTTP1
import LiveTopics
import Storage
import Transport
import WebSocket

/// Everything a live session needs, shared by all sessions.
package struct LiveServices: Sendable {
    package var catalog: CampaignDirectory
    package var tally: LiveTally
    /// Every live topic: the tallies (coalesced) and the direct line's threads, cases and inboxes (ordered).
    package var topics: TopicEngine
    package var writer: StoreWriter
    package var integrity: Integrity
    package var cookies: CitizenCookies
    /// Each citizen's open pages, told about the citizen's own writes.
    package var channels: CitizenChannels
    /// Topics one connection may watch at once.
    package var maxTopicsPerConnection: Int
    /// Ratings and likes of one connection waiting for their commit; more are refused until some are acknowledged.
    package var maxPendingWritesPerConnection: Int
    /// The wall clock (campaign windows, limits, sessions).
    package var time: any TimeSource
    /// The mayor's direct line: threads, their live conversation, staff sessions.
    package var directLine: DirectLineService
    package var staffSessions: StaffSessions
    /// Public versions and their moderation, the public message board.
    package var moderation: ModerationService
    /// The figures, satisfaction with answers, follow-ups.
    package var openness: OpennessService
    /// What a committed change does to the live state, whichever node committed it.
    package var changes: LiveChanges
    /// What became of every rating, like, withdrawal, letter and message (the metrics).
    package var actions = ActionCounters(factory: NOOPMetricsHandler.instance)

    /// The one path of every citizen write.
    var writes: CitizenWrites {
        CitizenWrites(writer: writer, integrity: integrity, changes: changes)
    }
}

/// `/ws`: one WebSocket per page. The page subscribes to topics and sends ratings and likes; see docs/PROTOCOL.md.
package struct LiveEndpoint: WebSocketEndpoint {
    let services: LiveServices

    package var subprotocols: [String] { ["lastword.v1"] }

    package func accept(_ request: HTTPRequest) -> WebSocketAcceptance {
        // A staff console's socket carries its session cookie; it is checked again at every staff action.
        let staffToken = CitizenCookies.cookieValue(named: StaffSessions.cookieName, in: request.headers)
        switch services.cookies.citizen(in: request.headers) {
        case .invalid:
            // A tampered or foreign cookie may watch (watching needs no identity) but not rate: its writes get
            // citizen.invalid, and GET /api/session clears the cookie and issues a new one.
            return .accept(LiveSession(services: services, citizen: nil, cookieRefused: true, ip: request.peer?.ip, staffToken: staffToken))
        case .valid(let citizen):
            return .accept(LiveSession(services: services, citizen: citizen, cookieRefused: false, ip: request.peer?.ip, staffToken: staffToken))
        case .none:
            // Watching needs no identity; rating does (the page calls /api/session first).
            return .accept(LiveSession(services: services, citizen: nil, cookieRefused: false, ip: request.peer?.ip, staffToken: staffToken))
        }
    }
}

/// One page's session, on its connection's loop.
final class LiveSession: WebSocketHandler {
    let services: LiveServices
    let citizen: CitizenID?
    /// The handshake carried a cookie whose signature did not verify.
    let cookieRefused: Bool
    let ip: IPAddress?
    /// The staff session cookie the handshake carried, if any.
    let staffToken: String?
    /// The coalesced (tally) topics this connection watches.
    private var coalescedTopics: Set<String> = []
    var pendingWrites = 0
    /// Threads, cases and the inbox this connection watches, by the topic the client named.
    var conversations: [String: WatchedConversation] = [:]
    /// When this connection last passed on a typing notice, by topic.
    var lastTyping: [String: Int64] = [:]

    init(services: LiveServices, citizen: CitizenID?, cookieRefused: Bool, ip: IPAddress?, staffToken: String? = nil) {
        self.services = services
        self.citizen = citizen
        self.cookieRefused = cookieRefused
        self.ip = ip
        self.staffToken = staffToken
    }

    var watchedTopicCount: Int { coalescedTopics.count + conversations.count }

    func webSocketDidOpen(_ connection: WebSocketConnection) {
        if let citizen { services.channels.join(connection, citizen: citizen) }
    }

    func webSocketDidClose(_ connection: WebSocketConnection, code: UInt16?, reason: String) {
        services.topics.connectionClosed(connection, coalescedTopics: coalescedTopics)
        coalescedTopics = []
        conversations = [:]
        if let citizen { services.channels.leave(connection, citizen: citizen) }
    }

    func webSocket(_ connection: WebSocketConnection, didReceive message: WebSocketMessage) {
        guard case .text(let bytes) = message else {
            connection.close(code: 1003, reason: "text messages only")
            return
        }
        let decoded: ClientMessage
        switch bytes.withUnsafeBytes({ raw in Result { () throws(ClientMessage.ParseError) in try ClientMessage.parse(raw) } }) {
        case .success(let message):
            decoded = message
        case .failure(let error):
            send(error: DomainError.invalidRequest("").code, message: error.message, id: nil, on: connection)
            return
        }
        switch decoded.type {
        case "subscribe": subscribe(decoded, on: connection)
        case "unsubscribe": unsubscribe(decoded, on: connection)
        case "rate", "like", "withdraw": write(decoded, on: connection)
        case "post": post(decoded, on: connection)
        case "typing": typing(decoded, on: connection)
        case "read": read(decoded, on: connection)
        case "ping": ping(decoded, on: connection)
        default:
            send(error: .unknownMessageType(decoded.type), id: decoded.id, on: connection)
        }
    }

    private func subscribe(_ message: ClientMessage, on connection: WebSocketConnection) {
        guard let topic = message.topic else {
            return send(error: .invalidRequest("subscribe needs a topic"), id: message.id, on: connection)
        }
        if Self.isConversationTopic(topic) { return subscribeConversation(message, topic: topic, on: connection) }
        if !coalescedTopics.contains(topic), watchedTopicCount >= services.maxTopicsPerConnection {
            return send(error: .tooManyTopics(limit: services.maxTopicsPerConnection), id: message.id, on: connection)
        }
        do {
            // Subscribing again to a watched topic is a resume (the client saw a gap): it gets what it missed.
            try services.topics.subscribe(connection, to: topic, since: message.since, epoch: message.epoch,
                                          alreadyWatching: coalescedTopics.contains(topic))
            coalescedTopics.insert(topic)
        } catch {
            send(error: .unknownTopic(topic), id: message.id, on: connection)
        }
    }

    private func unsubscribe(_ message: ClientMessage, on connection: WebSocketConnection) {
        if let topic = message.topic, Self.isConversationTopic(topic) { return unwatchConversation(topic, on: connection) }
        guard let topic = message.topic, coalescedTopics.remove(topic) != nil else { return }
        services.topics.unsubscribe(connection, from: topic)
    }

    private func write(_ message: ClientMessage, on connection: WebSocketConnection) {
        let command: WriteCommand
        // `type` is rate, like or withdraw here (the caller switched on it).
        let action = CountedAction(writeType: message.type) ?? .rating
        do throws(DomainError) {
            guard let citizen else { throw cookieRefused ? DomainError.invalidCitizen : DomainError.missingCitizen }
            command = try LiveCommands.command(from: message, citizen: citizen, now: services.time.now())
            guard pendingWrites < services.maxPendingWritesPerConnection else { throw DomainError.overloaded }
            let session = LoopBound(self, loop: connection.loop)
            let id = message.id
            let actions = services.actions
            try services.writes.submit(command, ip: ip, fromPage: true) { outcome, applied in
                actions.record(action, outcome)
                connection.execute { connection in
                    session.value.completed(outcome, id: id, applied: applied, on: connection)
                }
            }
        } catch {
            services.actions.refused(action, code: error.code)
            return send(error: error, id: message.id, on: connection)
        }
        pendingWrites += 1
    }

    private func completed(_ outcome: WriteOutcome, id: String?, applied: UInt64?, on connection: WebSocketConnection) {
        pendingWrites -= 1
        switch outcome {
        case .applied(let receipt): send(LiveCommands.ack(receipt, status: "applied", applied: applied), on: connection)
        case .duplicate(let receipt): send(LiveCommands.ack(receipt, status: "duplicate"), on: connection)
        case .rejected(let error): send(error: error, id: id, on: connection)
        }
    }

    func send(_ json: [UInt8], on connection: WebSocketConnection) {
        json.withUnsafeBytes { _ = connection.send(opcode: .text, payload: $0) }
    }

    func send(error: DomainError, id: String?, on connection: WebSocketConnection) {
        send(error: error.code, message: error.message, id: id, on: connection, retryAfter: error.retryAfterSeconds)
    }

    private func send(error code: String, message: String, id: String?, on connection: WebSocketConnection, retryAfter: Int? = nil) {
        var json = JSONWriter()
        json.beginObject()
        json.field("type", "error")
        json.field("id", id)
        json.field("error", code)
        json.field("message", message)
        if let retryAfter { json.field("retryAfter", retryAfter) }
        json.endObject()
        json.bytes.withUnsafeBytes { _ = connection.send(opcode: .text, payload: $0) }
    }
}

/// Turning client requests into write commands, and receipts into acknowledgements: shared by the WebSocket and
/// the HTTP API so both behave the same.
enum LiveCommands {
    static func command(from message: ClientMessage, citizen: CitizenID, now: Int64) throws(DomainError) -> WriteCommand {
        guard let rawID = message.id else { throw DomainError.invalidClientID }
        let clientID = try ClientActionID(validating: rawID)
        guard let project = message.project, !project.isEmpty else { throw DomainError.unknownProject(message.project ?? "") }
        if message.type == "withdraw" {
            return .withdraw(citizen: citizen, project: project, clientID: clientID, at: now)
        }
        if message.type == "like" {
            guard let liked = message.liked else { throw DomainError.invalidRequest("like needs liked: true or false") }
            return .like(citizen: citizen, project: project, liked: liked, clientID: clientID, at: now)
        }
        guard let raw = message.level else { throw DomainError.invalidLevel(0) }
        guard let level = SatisfactionLevel(rawValue: raw) else { throw DomainError.invalidLevel(raw) }
        let suggestion = try Suggestion.normalize(message.suggestion)
        return .rate(citizen: citizen, project: project, level: level, suggestion: suggestion, clientID: clientID, at: now)
    }

    /// `{"type":"ack","id":…,"status":"applied"|"duplicate","action":"rate"|"like"|"withdraw","project":…,"level":…,
    /// "suggestion":…,"liked":…}`
    /// `applied`: the count of writes the server had applied with this one (with `live.includeAppliedCount`).
    static func ack(_ receipt: WriteReceipt, status: String, applied: UInt64? = nil) -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.field("type", "ack")
        json.field("id", receipt.clientID)
        json.field("status", status)
        json.field("action", receipt.action.rawValue)
        json.receiptFields(receipt)
        if let thread = receipt.thread { json.field("thread", thread) }
        if let applied { json.field("applied", applied) }
        json.endObject()
        return json.bytes
    }
}

extension DomainError {
    /// Seconds a rate-limited client should wait.
    var retryAfterSeconds: Int? {
        switch self {
        case .rateLimited(let seconds), .tooManyNewCitizens(let seconds), .authLocked(let seconds): return seconds
        default: return nil
        }
    }
}

extension JSONWriter {
    /// What a committed write did, as acknowledgements and `mine` messages say it: `"project":…,"level":…,
    /// "suggestion":…,"liked":…` (null where the action does not set them).
    mutating func receiptFields(_ receipt: WriteReceipt) {
        field("project", receipt.project)
        key("level")
        if let level = receipt.level { int(level.rawValue) } else { null() }
        field("suggestion", receipt.suggestion)
        key("liked")
        if let liked = receipt.liked { bool(liked) } else { null() }
    }
}

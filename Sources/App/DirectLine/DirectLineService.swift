import Domain
import LiveTopics
import Logging
import Storage
import Transport

/// The direct line's use cases, for both adapters (the HTTP routes and the live WebSocket): each write is validated
/// once (here and in Domain), admitted (rate limits, screening), committed by the single writer (which checks access
/// against the thread as it is in the transaction), published to the thread's watchers and the inboxes in commit
/// order, and only then acknowledged through `completion` (on the writer's thread).
package struct DirectLineService: Sendable {
    let store: Store
    let writer: StoreWriter
    /// The live topics: `thread:<id>` (the citizen's view), `case:<id>` (staff's), `inbox:<department>` and
    /// `inbox:*` (every thread: the triage department, moderators, admins) are ordered topics of the engine.
    let topics: TopicEngine
    let limits: DirectLineLimits
    let screening: WordRules
    let access: AccessPolicy
    let time: any TimeSource
    /// The office's promises on the working-day calendar: what each letter owes, for staff's views.
    let clock: ResponseClock
    /// Where a committed command reaches the thread's watchers, the inboxes and the figures (`publish`).
    let changes: LiveChanges

    package typealias Completion = @Sendable (OfficeOutcome) -> Void

    // MARK: citizens

    /// A citizen opens a thread.
    func open(_ letter: LetterRequest, citizen: CitizenID, ip: IPAddress?, completion: @escaping Completion) throws(DomainError) {
        let clientID = try Self.clientID(letter.clientID)
        guard let rawKind = letter.kind, let kind = ThreadKind(rawValue: rawKind) else {
            throw .invalidThread("kind must be one of enquiry, complaint, suggestion, help")
        }
        let draft = try ThreadDraft.validate(kind: kind, subject: letter.subject ?? "", body: letter.body ?? "",
                                             project: letter.project.flatMap { $0.isEmpty ? nil : $0 },
                                             contact: letter.contact, publish: letter.publish ?? false)
        var held: String?
        switch screening.screen(draft.subject + "\n" + draft.body) {
        case .block: throw .blockedWord
        case .hold(let word): held = word
        case .pass: break
        }
        let now = time.now()
        try limits.admitThread(citizen: citizen, ip: ip, now: now)
        submit(.openThread(citizen: citizen, clientID: clientID, draft: draft, code: QueryCode.generate(), department: nil,
                           held: held, at: now), completion: completion)
    }

    /// A citizen writes in the thread whose code they have.
    func post(clientID rawID: String?, body rawBody: String?, code: String, citizen: CitizenID, ip: IPAddress?,
              completion: @escaping Completion) throws(DomainError) {
        let clientID = try Self.clientID(rawID)
        guard let code = QueryCode(typed: code) else { throw .threadNotFound }
        let body = try MessageText.normalize(rawBody ?? "")
        if case .block = screening.screen(body) { throw .blockedWord }
        let now = time.now()
        try limits.admitMessage(citizen: citizen, ip: ip, now: now)
        submit(.citizenMessage(citizen: citizen, code: code.value, clientID: clientID, body: body, at: now), completion: completion)
    }

    /// A thread by its code, for the citizen (wrong codes are rate-limited per address so codes cannot be guessed).
    func lookup(code typed: String, ip: IPAddress?) throws(DomainError) -> (ThreadRecord, [EntryRecord]) {
        let thread = try thread(code: typed, ip: ip)
        guard let entries = try? store.entries(thread: thread.id) else { throw .storageFailure }
        return (thread, entries.filter(\.visibleToCitizen))
    }

    /// `lookup` without the entries (a live page reads only those after its `since`).
    func thread(code typed: String, ip: IPAddress?) throws(DomainError) -> ThreadRecord {
        let now = time.now()
        try limits.checkLookup(ip: ip, now: now)
        guard let code = QueryCode(typed: typed), let thread = try? store.thread(code: code.value) else {
            // Only a wrong code counts against the address: guessing is many wrong codes, while a citizen who opens
            // their letter again and again (or a page reconnecting after a restart) costs nothing.
            limits.chargeFailedLookup(ip: ip, now: now)
            throw .threadNotFound
        }
        return thread
    }

    // MARK: staff

    func reply(clientID rawID: String?, body rawBody: String?, thread: Int64, note: Bool, staff: StaffPrincipal,
               completion: @escaping Completion) throws(DomainError) {
        let clientID = try Self.clientID(rawID)
        let body = try MessageText.normalize(rawBody ?? "")
        submit(.staffMessage(staff: staff, thread: thread, clientID: clientID, body: body, note: note, at: time.now()),
               completion: completion)
    }

    func act(_ action: ThreadAction, clientID rawID: String?, thread: Int64, staff: StaffPrincipal,
             completion: @escaping Completion) throws(DomainError) {
        let clientID = try Self.clientID(rawID)
        submit(.act(staff: staff, thread: thread, clientID: clientID, action: action, at: time.now()), completion: completion)
    }

    /// The thread as staff see it, with every entry; `caseNotFound` for one this user may not see.
    func staffView(thread id: Int64, staff: StaffPrincipal) throws(DomainError) -> (ThreadRecord, [EntryRecord]) {
        let thread = try staffThread(id, staff: staff)
        guard let entries = try? store.entries(thread: id) else { throw .storageFailure }
        return (thread, entries)
    }

    /// `staffView` without the entries: the thread, if `staff` may read it.
    func staffThread(_ id: Int64, staff: StaffPrincipal) throws(DomainError) -> ThreadRecord {
        guard let thread = try? store.thread(id: id), access.canSee(department: thread.department, staff) else { throw .caseNotFound }
        try access.check(staff, .readThread, department: thread.department)
        return thread
    }

    /// The departments whose threads `staff` sees; nil: all.
    func visibleDepartments(_ staff: StaffPrincipal) -> Set<String>? {
        if staff.role != .staff || staff.departments.contains(access.triageDepartment) { return nil }
        return staff.departments
    }

    /// The inbox keys a staff member's console watches.
    func inboxKeys(_ staff: StaffPrincipal) -> [String] {
        guard let departments = visibleDepartments(staff) else { return ["inbox:*"] }
        return departments.sorted().map { "inbox:" + $0 }
    }

    // MARK: read marks and typing

    func markRead(code: String?, thread: Int64?, by reader: ThreadReader, seq: Int64, staff: StaffPrincipal?,
                  completion: @escaping Completion) {
        submit(.markRead(code: code, thread: thread, by: reader, seq: seq, staff: staff), completion: completion)
    }

    /// Someone is typing: passed on to the thread's other watchers, on this node and (a cluster) the others, not
    /// stored.
    func typing(thread: ThreadRecord, by reader: ThreadReader, name: String?, except connection: UInt64) {
        showTyping(thread: thread.id, code: thread.code, by: reader, name: name, except: connection)
        if let signal = LiveSignal.typing(thread: thread.id, code: thread.code, by: reader, name: name).encoded {
            store.publishSignal(signal)
        }
    }

    /// Another node's signal, shown to this node's watchers.
    func received(_ signal: LiveSignal) {
        switch signal {
        case .typing(let thread, let code, let reader, let name):
            showTyping(thread: thread, code: code, by: reader, name: name, except: nil)
        }
    }

    private func showTyping(thread: Int64, code: String, by reader: ThreadReader, name: String?, except connection: UInt64?) {
        let citizenTopic = "thread:" + code
        let staffTopic = "case:\(thread)"
        var renderings = [(key: staffTopic, bytes: DirectLineJSON.typingMessage(topic: staffTopic, by: reader, name: name))]
        if reader == .staff {
            renderings.append((key: "thread:\(thread)", bytes: DirectLineJSON.typingMessage(topic: citizenTopic, by: reader, name: nil)))
        }
        topics.publish(renderings, seq: nil, except: connection)
    }

    // MARK: the one path

    private func submit(_ command: OfficeCommand, completion: @escaping Completion) {
        let changes = changes
        writer.submit(command) { outcome in
            if case .applied(let receipt) = outcome { changes.apply(.office(command, receipt), origin: .local(fromPage: false)) }
            completion(outcome)
        }
    }

    /// Tells the thread's watchers and the inboxes what a committed command did. Runs on the writer's completion queue, in
    /// commit order (from `LiveChanges.apply`).
    static func publish(_ receipt: OfficeReceipt, topics: TopicEngine, clock: ResponseClock) {
        guard let thread = receipt.thread else {
            if let followUp = receipt.followUp { publishFollowUp(followUp, topics: topics, clock: clock) }
            return
        }
        let citizenTopic = "thread:" + thread.code
        let citizenKey = "thread:\(thread.id)"
        let staffTopic = "case:\(thread.id)"
        // Each view is rendered only if someone watches it.
        for entry in receipt.entries {
            let keys = entry.visibleToCitizen ? [staffTopic, citizenKey] : [staffTopic]
            topics.publish(to: keys, seq: entry.seq) { key in
                key == staffTopic ? DirectLineJSON.entryMessage(entry, topic: staffTopic, staff: true)
                                  : DirectLineJSON.entryMessage(entry, topic: citizenTopic, staff: false)
            }
        }
        if let seq = receipt.readSeq, let by = receipt.readBy {
            topics.publish(to: [staffTopic, citizenKey], seq: nil) { key in
                DirectLineJSON.readMessage(topic: key == staffTopic ? staffTopic : citizenTopic, by: by, seq: seq)
            }
        }
        let statusChanged = receipt.previous.map { $0 != thread.state } ?? false
        if statusChanged {
            // The citizen hears of a change of status or of the department handling the letter, not of who in it does.
            let citizenSees = receipt.previous?.status != thread.status || receipt.previous?.department != thread.department
            let keys = citizenSees ? [staffTopic, citizenKey] : [staffTopic]
            topics.publish(to: keys, seq: nil) { key in
                key == staffTopic ? DirectLineJSON.threadMessage(thread, topic: staffTopic, staff: true, clock: clock)
                                  : DirectLineJSON.threadMessage(thread, topic: citizenTopic, staff: false)
            }
        }
        if let followUp = receipt.followUp { publishFollowUp(followUp, topics: topics, clock: clock) }
        // Every change of a thread reaches the inboxes of its department (and, when it was routed, the one it left).
        if !receipt.entries.isEmpty || statusChanged || receipt.readSeq != nil {
            var inboxes = ["inbox:*", "inbox:" + thread.department]
            if let before = receipt.previous?.department, before != thread.department { inboxes.append("inbox:" + before) }
            var message: [UInt8]?
            topics.publish(to: inboxes, seq: nil) { _ in
                if message == nil { message = DirectLineJSON.threadMessage(thread, topic: "inbox", staff: true, clock: clock) }
                return message!
            }
        }
    }

    /// A follow-up opened or recorded: `{"type":"followup","topic":"inbox","followUp":FollowUp}` to the inboxes of its
    /// department.
    static func publishFollowUp(_ followUp: FollowUpRecord, topics: TopicEngine, clock: ResponseClock) {
        topics.publish(to: ["inbox:*", "inbox:" + followUp.department], seq: nil) { _ in
            var json = JSONWriter()
            json.beginObject()
            json.field("type", "followup")
            json.field("topic", "inbox")
            json.key("followUp")
            OpennessJSON.followUp(followUp, clock: clock, into: &json)
            json.endObject()
            return json.bytes
        }
    }

    static func clientID(_ raw: String?) throws(DomainError) -> String {
        guard let raw else { throw .invalidClientID }
        return try ClientActionID(validating: raw).value
    }
}

/// A letter as a citizen sends it — the same fields whichever adapter carried it — checked once, by `open`.
struct LetterRequest: Sendable {
    var clientID: String?
    var kind: String?
    var subject: String?
    var body: String?
    var project: String?
    var contact: String?
    var publish: Bool?
}

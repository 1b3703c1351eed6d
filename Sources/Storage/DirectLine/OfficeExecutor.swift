import Domain
import Foundation

/// A command the domain refused; anything else thrown inside a command is a database problem.
struct OfficeRefusal: Error {
    var error: DomainError
}

/// Runs office commands inside the single writer's transaction, each in its own savepoint: a command the domain or
/// the database refuses is undone alone. Reads see the transaction's own earlier writes, so commands of one batch
/// build on each other in order (two replies to one thread get consecutive numbers).
///
/// Written once against the writer's connection (`WriterConnection`: SQLite's or PostgreSQL's); a refusal of the
/// database is an `SQLError` of kind `.constraint`, after which the command's savepoint is rolled back.
struct OfficeExecutor<Connection: WriterConnection> {
    let db: Connection
    /// Citizens' row ids this transaction created or looked up (adopted into the writer's cache after COMMIT, so a
    /// citizen who writes again is not looked up again).
    private(set) var newCitizens: [String: Int64] = [:]
    private let knownCitizens: [String: Int64]
    private var triage: String??

    init(_ db: Connection, citizens: [String: Int64]) {
        self.db = db
        knownCitizens = citizens
    }

    /// Throws only when the transaction itself is lost.
    mutating func execute(_ command: OfficeCommand) throws -> OfficeOutcome {
        try db.savepoint("office")
        // A citizen row made by a command that is undone is undone with it.
        let citizensBefore = newCitizens
        do {
            let outcome = try run(command)
            if case .applied = outcome {
                try db.releaseSavepoint("office")
            } else {
                try db.rollbackToSavepoint("office")
                try db.releaseSavepoint("office")
                newCitizens = citizensBefore
            }
            return outcome
        } catch let refusal as OfficeRefusal {
            try db.rollbackToSavepoint("office")
            try db.releaseSavepoint("office")
            newCitizens = citizensBefore
            return .rejected(refusal.error)
        } catch let error as SQLError where error.kind == .constraint && db.isInsideTransaction {
            try db.rollbackToSavepoint("office")
            try db.releaseSavepoint("office")
            newCitizens = citizensBefore
            lastFailure = String(describing: error)
            return .rejected(.storageFailure)
        }
    }

    private(set) var lastFailure: String?

    private mutating func run(_ command: OfficeCommand) throws -> OfficeOutcome {
        switch command {
        case .openThread(let citizen, let clientID, let draft, let code, let department, let held, let at):
            return try openThread(citizen: citizen, clientID: clientID, draft: draft, code: code, department: department,
                                  held: held, at: at)
        case .citizenMessage(let citizen, let code, let clientID, let body, let at):
            return try citizenMessage(citizen: citizen, code: code, clientID: clientID, body: body, at: at)
        case .staffMessage(let staff, let thread, let clientID, let body, let note, let at):
            return try staffMessage(staff: staff, threadID: thread, clientID: clientID, body: body, note: note, at: at)
        case .act(let staff, let thread, let clientID, let action, let at):
            return try act(staff: staff, threadID: thread, clientID: clientID, action: action, at: at)
        case .markRead(let code, let threadID, let reader, let seq, let staff):
            return try markRead(code: code, threadID: threadID, reader: reader, seq: seq, staff: staff)
        case .createSession(let user, let tokenHash, let address, let at):
            try run(sql: """
                INSERT INTO staff_session (token_hash, "user", created_at, last_seen_at) VALUES (?1, ?2, ?3, ?4)
                """, arguments: [Data(tokenHash), user, at, at])
            try audit(actor: "user:\(user)", action: "login", subject: nil, detail: address, at: at)
            return .applied(OfficeReceipt())
        case .touchSession(let tokenHash, let at):
            try run(sql: """
                UPDATE staff_session SET last_seen_at = CASE WHEN last_seen_at > ?1 THEN last_seen_at ELSE ?1 END
                WHERE token_hash = ?2
                """,
                           arguments: [at, Data(tokenHash)])
            return .applied(OfficeReceipt())
        case .revokeSession(let tokenHash, let at):
            try run(sql: "UPDATE staff_session SET revoked_at = ?1 WHERE token_hash = ?2 AND revoked_at IS NULL",
                           arguments: [at, Data(tokenHash)])
            return .applied(OfficeReceipt())
        case .changePassword(let user, let passwordHash, let newSession, let at):
            try run(sql: "UPDATE staff_user SET password_hash = ?1, password_changed_at = ?2 WHERE id = ?3",
                           arguments: [passwordHash, at, user])
            try run(sql: #"UPDATE staff_session SET revoked_at = ?1 WHERE "user" = ?2 AND revoked_at IS NULL"#,
                           arguments: [at, user])
            try run(sql: """
                INSERT INTO staff_session (token_hash, "user", created_at, last_seen_at) VALUES (?1, ?2, ?3, ?4)
                """, arguments: [Data(newSession), user, at, at])
            try audit(actor: "user:\(user)", action: "password.change", subject: nil, detail: nil, at: at)
            return .applied(OfficeReceipt())
        case .addCannedReply(let staff, let department, let title, let body, let at):
            try AccessPolicy(triageDepartment: try triageDepartment() ?? "").refuse(staff, .manageCanned, department: nil)
            guard try departmentExists(department) else { throw OfficeRefusal(error: .departmentNotFound(department)) }
            let title = TypedText.clean(title, singleLine: true)
            guard (1...ThreadDraft.maxSubjectLength).contains(title.unicodeScalars.count) else {
                throw OfficeRefusal(error: .invalidThread("title must be 1 to \(ThreadDraft.maxSubjectLength) characters"))
            }
            let body = try refusing { () throws(DomainError) in try MessageText.normalize(body) }
            // The same reply again (a retry) is the one already there.
            if let existing = try one(Int64.self, sql: "SELECT id FROM canned_reply WHERE department = ?1 AND title = ?2 AND body = ?3",
                                      arguments: [department, title, body]) {
                return .duplicate(OfficeReceipt(cannedReply: CannedReply(id: existing, department: department, title: title, body: body)))
            }
            let id = try insert(sql: """
                INSERT INTO canned_reply (department, title, body, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
                RETURNING id
                """, arguments: [department, title, body, staff.userID, at])
            let reply = CannedReply(id: id, department: department, title: title, body: body)
            try audit(actor: staff.name, action: "canned.add", subject: "canned:\(reply.id)", detail: title, at: at)
            return .applied(OfficeReceipt(cannedReply: reply))
        case .submitPublicVersion(let staff, let thread, let clientID, let question, let answer, let at):
            return try submitPublicVersion(staff: staff, threadID: thread, clientID: clientID, question: question, answer: answer, at: at)
        case .holdPublicVersion(let moderator, let version, let release, let at):
            return try holdPublicVersion(moderator: moderator, versionID: version, release: release, at: at)
        case .moderate(let moderator, let version, let clientID, let decision, let at):
            return try moderate(moderator: moderator, versionID: version, clientID: clientID, decision: decision, at: at)
        case .rateAnswer(let code, let level, let at):
            return try rateAnswer(code: code, level: level, at: at)
        case .recordFollowUp(let staff, let target, let contacted, let outcome, let at):
            return try recordFollowUp(staff: staff, target: target, contacted: contacted, outcome: outcome, at: at)
        case .admin(let admin, let change, let at):
            return try administer(admin: admin, change: change, at: at)
        case .deleteCannedReply(let staff, let id, let at):
            try AccessPolicy(triageDepartment: try triageDepartment() ?? "").refuse(staff, .manageCanned, department: nil)
            guard try run(sql: "DELETE FROM canned_reply WHERE id = ?1", arguments: [id]) == 1 else { throw OfficeRefusal(error: .cannedReplyNotFound(id)) }
            try audit(actor: staff.name, action: "canned.delete", subject: "canned:\(id)", detail: nil, at: at)
            return .applied(OfficeReceipt())
        }
    }

    // MARK: threads

    private mutating func openThread(
        citizen: CitizenID, clientID: String, draft: ThreadDraft, code: QueryCode, department: String?, held: String?,
        at: Int64
    ) throws -> OfficeOutcome {
        let citizenID = try citizenRow(citizen, at: at)
        if let existing = try one(Int64.self, sql: "SELECT id FROM thread WHERE citizen = ?1 AND client_id = ?2",
                                              arguments: [citizenID, clientID]) {
            let thread = try threadRecord(id: existing)
            return .duplicate(OfficeReceipt(thread: thread, entries: try entries(of: existing, after: 0, limit: 1)))
        }
        try refuseDuplicateText(draft.body, citizen: citizenID, at: at)
        var projectID: Int64?
        let target = department
        if let slug = draft.project {
            guard let id = try one(Int64.self, sql: "SELECT id FROM project WHERE slug = ?1", arguments: [slug]) else {
                throw OfficeRefusal(error: .unknownProject(slug))
            }
            projectID = id
        }
        if let given = target, !(try departmentExists(given)) { throw OfficeRefusal(error: .departmentNotFound(given)) }
        let routed = try target ?? triageDepartment()
        guard let routed else { throw OfficeRefusal(error: .departmentNotFound("(a triage department: config/departments.yaml)")) }
        let threadID = try insertThread(
            code: code, citizen: citizenID, clientID: clientID, kind: draft.kind, subject: draft.subject,
            department: routed, project: projectID, contact: draft.contact, publish: draft.publish, held: held, at: at)
        let entry = try appendEntry(thread: threadID, kind: .citizen, body: draft.body, citizen: citizenID, author: nil,
                                    clientID: nil, event: nil, at: at)
        return .applied(OfficeReceipt(thread: try threadRecord(id: threadID), entries: [entry]))
    }

    private func insertThread(
        code: QueryCode, citizen: Int64, clientID: String, kind: ThreadKind, subject: String, department: String,
        project: Int64?, contact: String?, publish: Bool, held: String?, at: Int64
    ) throws -> Int64 {
        try insert(sql: """
            INSERT INTO thread (code, citizen, client_id, kind, subject, status, department, project, contact, publish,
                held, created_at, updated_at)
            VALUES (?1, ?2, ?3, ?4, ?5, 'new', ?6, ?7, ?8, ?9, ?10, ?11, ?11)
            RETURNING id
            """, arguments: [code.value, citizen, clientID, kind.rawValue, subject, department, project, contact,
                             publish, held, at])
    }

    /// A rating's suggestion becomes a thread of kind suggestion, routed to the project's department — or, when the
    /// citizen already has an open suggestion thread about the project, a new message in it. Runs inside the
    /// rating's own savepoint (part of the same transaction). Nil when the text is what the citizen last said there.
    mutating func suggestionThread(
        citizenID: Int64, projectID: Int64, suggestion: String, ratingClientID: String, at: Int64
    ) throws -> OfficeReceipt? {
        let clientID = "rating:" + ratingClientID
        if let open = try one(SQLRow.self, sql: """
            SELECT id, status, assignee IS NOT NULL FROM thread
            WHERE citizen = ?1 AND project = ?2 AND kind = 'suggestion' AND status NOT IN ('closed', 'invalid')
            ORDER BY id DESC LIMIT 1
            """, arguments: [citizenID, projectID]) {
            let threadID: Int64 = open[0]
            let last = try one(String.self, sql: """
                SELECT body FROM thread_entry WHERE thread = ?1 AND kind = 'citizen' ORDER BY seq DESC LIMIT 1
                """, arguments: [threadID])
            if last == suggestion { return nil }
            let before = try threadRecord(id: threadID)
            let effect = try ThreadMachine.apply(.citizenMessage, to: before.state)
            try applyState(effect.state, to: threadID, at: at)
            let entry = try appendEntry(thread: threadID, kind: .citizen, body: suggestion, citizen: citizenID, author: nil,
                                        clientID: clientID, event: nil, at: at)
            return OfficeReceipt(thread: try threadRecord(id: threadID), entries: [entry], previous: before.state)
        }
        guard let project = try one(SQLRow.self, sql: "SELECT title_zh, department_zh FROM project WHERE id = ?1",
                                             arguments: [projectID]) else { return nil }
        guard let department = try departmentNamed(project[1]) ?? triageDepartment() else { return nil }
        let title: String = project[0]
        let subject = String(String.UnicodeScalarView(title.unicodeScalars.prefix(60)))
        let threadID = try insertThread(
            code: QueryCode.generate(), citizen: citizenID, clientID: clientID, kind: .suggestion, subject: subject,
            department: department, project: projectID, contact: nil, publish: false, held: nil, at: at)
        let entry = try appendEntry(thread: threadID, kind: .citizen, body: suggestion, citizen: citizenID, author: nil,
                                    clientID: clientID, event: nil, at: at)
        return OfficeReceipt(thread: try threadRecord(id: threadID), entries: [entry])
    }

    /// The code of the suggestion thread a rating's client id wrote to (for the receipt of a retried rating).
    func suggestionThreadCode(citizenID: Int64, ratingClientID: String) throws -> String? {
        try one(String.self, sql: """
            SELECT t.code FROM thread_entry e JOIN thread t ON t.id = e.thread WHERE e.citizen = ?1 AND e.client_id = ?2
            """, arguments: [citizenID, "rating:" + ratingClientID])
    }

    private mutating func citizenMessage(citizen: CitizenID, code: String, clientID: String, body: String, at: Int64) throws -> OfficeOutcome {
        let citizenID = try citizenRow(citizen, at: at)
        guard let before = try threadRecordIfAny(code: code) else { throw OfficeRefusal(error: .threadNotFound) }
        let threadID = before.id
        if let original = try entry(citizen: citizenID, clientID: clientID) {
            guard original.thread == threadID, original.body == body else { throw OfficeRefusal(error: .clientIDReused) }
            return .duplicate(OfficeReceipt(thread: before, entries: [original]))
        }
        try refuseDuplicateText(body, citizen: citizenID, at: at)
        let effect = try refusing { () throws(DomainError) in try ThreadMachine.apply(.citizenMessage, to: before.state) }
        if effect.state != before.state { try applyState(effect.state, to: threadID, at: at) }
        let entry = try appendEntry(thread: threadID, kind: .citizen, body: body, citizen: citizenID, author: nil,
                                    clientID: clientID, event: nil, at: at)
        return .applied(OfficeReceipt(thread: before.after(effect.state, entry: entry), entries: [entry], previous: before.state))
    }

    private mutating func staffMessage(
        staff: StaffPrincipal, threadID: Int64, clientID: String, body: String, note: Bool, at: Int64
    ) throws -> OfficeOutcome {
        guard let before = try threadRecordIfAny(id: threadID) else { throw OfficeRefusal(error: .caseNotFound) }
        let policy = AccessPolicy(triageDepartment: try triageDepartment() ?? "")
        guard policy.canSee(department: before.department, staff) else { throw OfficeRefusal(error: .caseNotFound) }
        try policy.refuse(staff, note ? .addNote : .reply, department: before.department)
        if let original = try entry(author: staff.userID, clientID: clientID) {
            guard original.thread == threadID, original.body == body else { throw OfficeRefusal(error: .clientIDReused) }
            return .duplicate(OfficeReceipt(thread: before, entries: [original]))
        }
        if note {
            let entry = try appendEntry(thread: threadID, kind: .note, body: body, citizen: nil, author: staff.userID,
                                        clientID: clientID, event: nil, at: at)
            return .applied(OfficeReceipt(thread: before.after(before.state, entry: entry), entries: [entry], previous: before.state))
        }
        let effect = try refusing { () throws(DomainError) in
            try ThreadMachine.apply(.staffReply(by: staff.name), to: before.state)
        }
        if effect.state != before.state { try applyState(effect.state, to: threadID, at: at) }
        var after = before
        if effect.answers, before.firstAnswerAt == nil {
            try run(sql: "UPDATE thread SET first_answer_at = ?1 WHERE id = ?2", arguments: [at, threadID])
            after.firstAnswerAt = at
        }
        if before.firstResponseAt == nil {
            try run(sql: "UPDATE thread SET first_response_at = ?1 WHERE id = ?2", arguments: [at, threadID])
            after.firstResponseAt = at
        }
        let entry = try appendEntry(thread: threadID, kind: .staff, body: body, citizen: nil, author: staff.userID,
                                    clientID: clientID, event: nil, at: at)
        return .applied(OfficeReceipt(thread: after.after(effect.state, entry: entry), entries: [entry], previous: before.state))
    }

    private mutating func act(
        staff: StaffPrincipal, threadID: Int64, clientID: String, action: ThreadAction, at: Int64
    ) throws -> OfficeOutcome {
        guard let before = try threadRecordIfAny(id: threadID) else { throw OfficeRefusal(error: .caseNotFound) }
        let policy = AccessPolicy(triageDepartment: try triageDepartment() ?? "")
        guard policy.canSee(department: before.department, staff) else { throw OfficeRefusal(error: .caseNotFound) }
        let needed: DirectLineAction = switch action {
        case .claim: .claim
        case .assign: .assign
        case .route: .route
        case .close, .reopen, .markInvalid, .reinstate, .staffReply, .citizenMessage: .changeStatus
        }
        try policy.refuse(staff, needed, department: before.department)
        if let original = try entry(author: staff.userID, clientID: clientID) {
            guard original.thread == threadID else { throw OfficeRefusal(error: .clientIDReused) }
            return .duplicate(OfficeReceipt(thread: before, entries: [original]))
        }
        switch action {
        case .assign(let name):
            guard let row = try one(SQLRow.self, sql: """
                SELECT u.id, u.role, (SELECT string_agg(m.department, ',') FROM staff_membership m WHERE m."user" = u.id)
                FROM staff_user u WHERE u.name = ?1 AND u.disabled = 0
                """, arguments: [name]) else {
                throw OfficeRefusal(error: .userNotFound(name))
            }
            // Only someone who may answer the letter can handle it.
            let departments = ((row[2] as String?) ?? "").split(separator: ",").map(String.init)
            let assignee = StaffPrincipal(userID: row[0], name: name, role: StaffRole(rawValue: row[1]) ?? .moderator,
                                          departments: Set(departments))
            guard policy.allows(assignee, .reply, department: before.department) else {
                throw OfficeRefusal(error: .assigneeNotEligible(name))
            }
        case .route(let department, _):
            guard try departmentExists(department) else { throw OfficeRefusal(error: .departmentNotFound(department)) }
        default: break
        }
        let effect = try refusing { () throws(DomainError) in try ThreadMachine.apply(action, to: before.state) }
        try applyState(effect.state, to: threadID, at: at)
        // Claiming, assigning or routing takes the letter up: its first response, for the figures.
        switch action {
        case .claim, .assign, .route:
            try run(sql: "UPDATE thread SET first_response_at = ?1 WHERE id = ?2 AND first_response_at IS NULL", arguments: [at, threadID])
        case .close, .reopen, .markInvalid, .reinstate, .staffReply, .citizenMessage:
            break
        }
        var entries: [EntryRecord] = []
        if let event = effect.event {
            entries.append(try appendEntry(thread: threadID, kind: .event, body: nil, citizen: nil, author: staff.userID,
                                           clientID: clientID, event: event, at: at))
        }
        try audit(actor: staff.name, action: "thread.\(needed.rawValue)", subject: "thread:\(threadID)",
                  detail: effect.event?.encoded(), at: at)
        return .applied(OfficeReceipt(thread: try threadRecord(id: threadID), entries: entries, previous: before.state))
    }

    private mutating func markRead(code: String?, threadID: Int64?, reader: ThreadReader, seq: Int64, staff: StaffPrincipal?) throws -> OfficeOutcome {
        let id: Int64?
        if let code {
            id = try one(Int64.self, sql: "SELECT id FROM thread WHERE code = ?1", arguments: [code])
        } else {
            id = threadID
        }
        guard let id, let before = try threadRecordIfAny(id: id) else { throw OfficeRefusal(error: .threadNotFound) }
        if reader == .staff {
            let policy = AccessPolicy(triageDepartment: try triageDepartment() ?? "")
            guard let staff, policy.canSee(department: before.department, staff) else { throw OfficeRefusal(error: .caseNotFound) }
            // The office has read a letter when someone who may answer it has: a moderator or an admin looking on
            // does not take it off the unread list.
            try policy.refuse(staff, .reply, department: before.department)
        }
        let column = reader == .citizen ? "citizen_read_seq" : "staff_read_seq"
        let mark = min(max(seq, 0), before.lastSeq)
        let moved = try run(sql: "UPDATE thread SET \(column) = ?1 WHERE id = ?2 AND \(column) < ?1", arguments: [mark, id]) == 1
        return .applied(OfficeReceipt(thread: try threadRecord(id: id), readSeq: moved ? mark : nil, readBy: reader))
    }

    // MARK: helpers

    /// Statements are prepared once per connection (the writer's) and reused: most commands run the same dozen.
    /// Returns how many rows the statement changed.
    @discardableResult
    func run(sql: String, arguments: [any SQLBindable] = []) throws -> Int {
        try db.execute(sql, arguments.map(\.sqlValue))
    }

    /// Runs an `INSERT … RETURNING id` and returns the new row's id.
    func insert(sql: String, arguments: [any SQLBindable]) throws -> Int64 {
        guard let id = try db.value(Int64.self, sql, arguments.map(\.sqlValue)) else {
            throw SQLError(kind: .other, message: "INSERT … RETURNING returned no id", sql: sql)
        }
        return id
    }

    /// The first column of the first row; nil when there is no row or the value is null.
    func one<T: SQLColumnDecodable>(_ type: T.Type, sql: String, arguments: [any SQLBindable] = []) throws -> T? {
        try db.value(T.self, sql, arguments.map(\.sqlValue))
    }

    func one(_ type: SQLRow.Type, sql: String, arguments: [any SQLBindable] = []) throws -> SQLRow? {
        try db.row(sql, arguments.map(\.sqlValue))
    }

    func all(sql: String, arguments: [any SQLBindable] = []) throws -> [SQLRow] {
        try db.rows(sql, arguments.map(\.sqlValue))
    }

    func refusing<T>(_ body: () throws(DomainError) -> T) throws -> T {
        do { return try body() } catch { throw OfficeRefusal(error: error) }
    }

    mutating func citizenRow(_ citizen: CitizenID, at: Int64) throws -> Int64 {
        if let id = knownCitizens[citizen.rawValue] ?? newCitizens[citizen.rawValue] { return id }
        if let id = try one(Int64.self, sql: "SELECT id FROM citizen WHERE token = ?1", arguments: [citizen.rawValue]) {
            newCitizens[citizen.rawValue] = id
            return id
        }
        let id = try insert(sql: "INSERT INTO citizen (token, created_at) VALUES (?1, ?2) RETURNING id",
                            arguments: [citizen.rawValue, at])
        newCitizens[citizen.rawValue] = id
        return id
    }

    /// The same citizen sent the same text within 24 hours.
    private func refuseDuplicateText(_ body: String, citizen: Int64, at: Int64) throws {
        let recent = try one(Int64.self, sql: """
            SELECT 1 FROM thread_entry WHERE citizen = ?1 AND body = ?2 AND created_at > ?3 LIMIT 1
            """, arguments: [citizen, body, at - 24 * 3_600_000])
        if recent != nil { throw OfficeRefusal(error: .duplicateText) }
    }

    mutating func triageDepartment() throws -> String? {
        if let triage { return triage }
        let found = try one(String.self, sql: "SELECT id FROM department WHERE triage = 1 ORDER BY position LIMIT 1")
        triage = .some(found)
        return found
    }

    func departmentExists(_ id: String) throws -> Bool {
        try one(Int64.self, sql: "SELECT 1 FROM department WHERE id = ?1", arguments: [id]) != nil
    }

    /// The department whose Chinese name a project gives (campaign files name departments in words).
    func departmentNamed(_ name: String) throws -> String? {
        try one(String.self, sql: "SELECT id FROM department WHERE name_zh = ?1 LIMIT 1", arguments: [name])
    }

    /// Writes the thread's new status, department, assignee and reason (the caller's `appendEntry` moves `updated_at`
    /// when it adds an entry).
    private func applyState(_ state: ThreadState, to thread: Int64, at: Int64) throws {
        let assignee: Int64? = try state.assignee.flatMap {
            try one(Int64.self, sql: "SELECT id FROM staff_user WHERE name = ?1", arguments: [$0])
        }
        try run(sql: """
            UPDATE thread SET status = ?1, department = ?2, assignee = ?3, invalid_reason = ?4,
                updated_at = CASE WHEN updated_at > ?5 THEN updated_at ELSE ?5 END
            WHERE id = ?6
            """, arguments: [state.status.rawValue, state.department, assignee, state.invalidReason, at, thread])
    }

    func appendEntry(
        thread: Int64, kind: EntryRecord.Kind, body: String?, citizen: Int64?, author: Int64?, clientID: String?,
        event: ThreadEventRecord?, at: Int64
    ) throws -> EntryRecord {
        guard let seq = try one(Int64.self, sql: """
            UPDATE thread SET last_seq = last_seq + 1, updated_at = CASE WHEN updated_at > ?1 THEN updated_at ELSE ?1 END
            WHERE id = ?2 RETURNING last_seq
            """, arguments: [at, thread]) else { throw OfficeRefusal(error: .threadNotFound) }
        try run(sql: """
            INSERT INTO thread_entry (thread, seq, kind, citizen, author, client_id, body, event, created_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
            """, arguments: [thread, seq, kind.rawValue, citizen, author, clientID, body, event?.encoded(), at])
        var names: (String?, String?) = (nil, nil)
        if let author, let row = try one(SQLRow.self, sql: "SELECT name, display_name FROM staff_user WHERE id = ?1", arguments: [author]) {
            names = (row[0], row[1])
        }
        return EntryRecord(thread: thread, seq: seq, kind: kind, body: body, author: names.0, authorDisplayName: names.1,
                           clientID: clientID, event: event, at: at)
    }

    private func entry(citizen: Int64, clientID: String) throws -> EntryRecord? {
        try one(SQLRow.self, sql: "SELECT \(EntryRecord.selection) WHERE e.citizen = ?1 AND e.client_id = ?2",
                         arguments: [citizen, clientID]).map(EntryRecord.init(row:))
    }

    private func entry(author: Int64, clientID: String) throws -> EntryRecord? {
        try one(SQLRow.self, sql: "SELECT \(EntryRecord.selection) WHERE e.author = ?1 AND e.client_id = ?2",
                         arguments: [author, clientID]).map(EntryRecord.init(row:))
    }

    private func entries(of thread: Int64, after seq: Int64, limit: Int) throws -> [EntryRecord] {
        try all(sql: "SELECT \(EntryRecord.selection) WHERE e.thread = ?1 AND e.seq > ?2 ORDER BY e.seq LIMIT ?3",
                         arguments: [thread, seq, limit]).map(EntryRecord.init(row:))
    }

    /// The thread as a command about to change it reads it. On PostgreSQL its row is locked first, until COMMIT
    /// (`FOR UPDATE`): several nodes' writers may act on one thread at once, and each decides from what it read (two
    /// staff answering, a claim and a close), so the second waits for the first to commit and then reads its outcome.
    /// The lock is a statement of its own: a locking read that waited returns the row's new version but keeps the
    /// rows it had joined (the assignee's name) from before. SQLite has one writer, which is the lock.
    func threadRecordIfAny(id: Int64) throws -> ThreadRecord? {
        if db.dialect == .postgres { _ = try one(Int64.self, sql: "SELECT id FROM thread WHERE id = ?1 FOR UPDATE", arguments: [id]) }
        return try one(SQLRow.self, sql: "SELECT \(ThreadRecord.selection) WHERE t.id = ?1", arguments: [id]).map(ThreadRecord.init(row:))
    }

    func threadRecordIfAny(code: String) throws -> ThreadRecord? {
        if db.dialect == .postgres { _ = try one(Int64.self, sql: "SELECT id FROM thread WHERE code = ?1 FOR UPDATE", arguments: [code]) }
        return try one(SQLRow.self, sql: "SELECT \(ThreadRecord.selection) WHERE t.code = ?1", arguments: [code]).map(ThreadRecord.init(row:))
    }

    func threadRecord(id: Int64) throws -> ThreadRecord {
        guard let thread = try threadRecordIfAny(id: id) else { throw OfficeRefusal(error: .threadNotFound) }
        return thread
    }

    func audit(actor: String, action: String, subject: String?, detail: String?, at: Int64) throws {
        try run(sql: "INSERT INTO audit_entry (at, actor, action, subject, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
                       arguments: [at, actor, action, subject, detail])
    }
}

extension AccessPolicy {
    /// `check`, as a refusal the executor undoes the command for.
    func refuse(_ principal: StaffPrincipal, _ action: DirectLineAction, department: String?) throws {
        do { try check(principal, action, department: department) } catch { throw OfficeRefusal(error: error) }
    }
}

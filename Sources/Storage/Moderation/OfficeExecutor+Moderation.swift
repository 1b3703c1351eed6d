import Domain
import Foundation

/// Public versions and their moderation, inside the writer's transaction: the role, the thread's consent and answer,
/// the version's status (`ModerationMachine`) and a moderator's hold are all checked against the data as it is then.
extension OfficeExecutor {
    /// Unicode scalars of a public question or answer.
    static var maxPublicTextLength: Int { MessageText.maxLength }

    mutating func submitPublicVersion(
        staff: StaffPrincipal, threadID: Int64, clientID: String, question: String, answer: String, at: Int64
    ) throws -> OfficeOutcome {
        guard let thread = try threadRecordIfAny(id: threadID) else { throw OfficeRefusal(error: .caseNotFound) }
        let policy = AccessPolicy(triageDepartment: try triageDepartment() ?? "")
        guard policy.canSee(department: thread.department, staff) else { throw OfficeRefusal(error: .caseNotFound) }
        try policy.refuse(staff, .writePublicVersion, department: thread.department)
        let question = try publicText(question, field: "question")
        let answer = try publicText(answer, field: "answer")
        if let original = try one(SQLRow.self, sql: "SELECT id, thread, question, answer FROM public_version WHERE author = ?1 AND client_id = ?2",
                                  arguments: [staff.userID, clientID]) {
            guard original[1] == threadID, original[2] == question, original[3] == answer else {
                throw OfficeRefusal(error: .clientIDReused)
            }
            return .duplicate(OfficeReceipt(thread: thread, publicVersion: try publicVersion(id: original[0]), queue: try queueState()))
        }
        guard thread.publish else { throw OfficeRefusal(error: .publicationNotAgreed) }
        guard thread.firstAnswerAt != nil else { throw OfficeRefusal(error: .notYetAnswered) }
        let latest = try one(SQLRow.self, sql: "SELECT id, revision, status FROM public_version WHERE thread = ?1 ORDER BY revision DESC LIMIT 1",
                             arguments: [threadID])
        let latestStatus = (latest?[2] as String?).flatMap(PublicVersionStatus.init(rawValue:))
        let effect = try refusing { () throws(DomainError) in try ModerationMachine.apply(.submit, to: latestStatus) }
        var superseded: PublicVersionRecord?
        if let previous = effect.previous, let latest {
            try run(sql: "UPDATE public_version SET status = ?1, hold_by = NULL, hold_until = NULL WHERE id = ?2",
                    arguments: [previous.rawValue, latest[0] as Int64])
            superseded = try publicVersion(id: latest[0])
        }
        let revision = (latest?[1] as Int64? ?? 0) + 1
        let id = try insert(sql: """
            INSERT INTO public_version (thread, revision, author, client_id, question, answer, submitted_at, status)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
            RETURNING id
            """, arguments: [threadID, revision, staff.userID, clientID, question, answer, at, effect.status.rawValue])
        try audit(actor: staff.name, action: "public.submit", subject: "public:\(id)",
                  detail: Self.json(["thread": threadID, "revision": revision, "question": question, "answer": answer]), at: at)
        return .applied(OfficeReceipt(thread: thread, publicVersion: try publicVersion(id: id), superseded: superseded,
                                      queue: try queueState()))
    }

    mutating func holdPublicVersion(moderator: StaffPrincipal, versionID: Int64, release: Bool, at: Int64) throws -> OfficeOutcome {
        try AccessPolicy(triageDepartment: try triageDepartment() ?? "").refuse(moderator, .moderate, department: nil)
        guard let version = try publicVersionIfAny(id: versionID) else { throw OfficeRefusal(error: .publicVersionNotFound) }
        if release {
            // Only its holder lets an item go; closing someone else's (or a lapsed) hold changes nothing.
            guard version.hold?.holder == moderator.name else { return .applied(OfficeReceipt(publicVersion: version)) }
            try run(sql: "UPDATE public_version SET hold_by = NULL, hold_until = NULL WHERE id = ?1", arguments: [versionID])
        } else {
            guard version.status == .pending else {
                throw OfficeRefusal(error: .invalidModeration(from: version.status.rawValue, action: "opened for a decision"))
            }
            let hold = try refusing { () throws(DomainError) in try ModerationLock.take(version.hold, by: moderator.name, now: at) }
            try run(sql: "UPDATE public_version SET hold_by = ?1, hold_until = ?2 WHERE id = ?3",
                    arguments: [moderator.userID, hold.expiresAt, versionID])
        }
        return .applied(OfficeReceipt(publicVersion: try publicVersion(id: versionID), queue: try queueState()))
    }

    mutating func moderate(
        moderator: StaffPrincipal, versionID: Int64, clientID: String, decision: ModerationDecision, at: Int64
    ) throws -> OfficeOutcome {
        try AccessPolicy(triageDepartment: try triageDepartment() ?? "").refuse(moderator, .moderate, department: nil)
        if let original = try one(Int64.self, sql: "SELECT version FROM moderation_decision WHERE moderator = ?1 AND client_id = ?2",
                                  arguments: [moderator.userID, clientID]) {
            guard original == versionID else { throw OfficeRefusal(error: .clientIDReused) }
            return .duplicate(OfficeReceipt(publicVersion: try publicVersion(id: versionID), queue: try queueState()))
        }
        guard let version = try publicVersionIfAny(id: versionID) else { throw OfficeRefusal(error: .publicVersionNotFound) }
        guard ModerationLock.allows(version.hold, moderator.name, now: at) else {
            throw OfficeRefusal(error: .itemLocked(by: version.hold?.holder ?? ""))
        }
        let action: ModerationAction
        var published: (question: String, answer: String)?
        switch decision {
        case .approve(let question, let answer):
            let editedQuestion = try question.map { try publicText($0, field: "question") } ?? version.question
            let editedAnswer = try answer.map { try publicText($0, field: "answer") } ?? version.answer
            published = (editedQuestion, editedAnswer)
            action = .approve(edited: editedQuestion != version.question || editedAnswer != version.answer)
        case .reject(let category, let note): action = .reject(category, note: note)
        case .withdraw(let category, let note): action = .withdraw(category, note: note)
        }
        let effect = try refusing { () throws(DomainError) in try ModerationMachine.apply(action, to: version.status) }
        let recorded: ModerationDecisionRecord.Action
        var category: ModerationCategory?
        switch action {
        case .approve(let edited):
            recorded = edited ? .edited : .approved
            try run(sql: """
                UPDATE public_version SET status = ?1, published_question = ?2, published_answer = ?3, published_at = ?4,
                    hold_by = NULL, hold_until = NULL WHERE id = ?5
                """, arguments: [effect.status.rawValue, published!.question, published!.answer, at, versionID])
        case .reject(let reason, _), .withdraw(let reason, _):
            recorded = effect.status == .rejected ? .rejected : .withdrawn
            category = reason
            try run(sql: "UPDATE public_version SET status = ?1, hold_by = NULL, hold_until = NULL WHERE id = ?2",
                    arguments: [effect.status.rawValue, versionID])
        case .submit:
            throw OfficeRefusal(error: .invalidRequest("a moderator does not submit"))
        }
        try run(sql: """
            INSERT INTO moderation_decision (version, action, moderator, client_id, category, note, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
            """, arguments: [versionID, recorded.rawValue, moderator.userID, clientID, category?.rawValue, effect.note, at])
        // The record keeps the texts before and after a decision (an edit's both), never shown publicly.
        var detail: [String: Any] = ["thread": version.thread, "revision": version.revision,
                                     "category": category?.rawValue ?? NSNull(), "note": effect.note ?? NSNull(),
                                     "before": ["question": version.question, "answer": version.answer]]
        if let published { detail["after"] = ["question": published.question, "answer": published.answer] }
        try audit(actor: moderator.name, action: "public.\(recorded.rawValue)", subject: "public:\(versionID)",
                  detail: Self.json(detail), at: at)
        return .applied(OfficeReceipt(publicVersion: try publicVersion(id: versionID), queue: try queueState()))
    }

    // MARK: satisfaction and follow-ups

    mutating func rateAnswer(code: String, level: SatisfactionLevel, at: Int64) throws -> OfficeOutcome {
        guard let before = try threadRecordIfAny(code: code) else { throw OfficeRefusal(error: .threadNotFound) }
        switch before.status {
        case .closed, .invalid:
            throw OfficeRefusal(error: .invalidTransition(from: before.status.rawValue, action: "rated"))
        case .new, .assigned, .answered:
            guard before.firstAnswerAt != nil else {
                throw OfficeRefusal(error: .invalidTransition(from: "not answered yet", action: "rated"))
            }
        }
        if before.satisfaction == level {
            return .duplicate(OfficeReceipt(thread: before))
        }
        try run(sql: "UPDATE thread SET satisfaction = ?1, satisfaction_at = ?2 WHERE id = ?3", arguments: [level.rawValue, at, before.id])
        let entry = try appendEntry(thread: before.id, kind: .event, body: nil, citizen: nil, author: nil, clientID: nil,
                                    event: .rated(level), at: at)
        var followUp: FollowUpRecord?
        if level.rawValue <= 2,
           try one(Int64.self, sql: "SELECT id FROM follow_up WHERE thread = ?1 AND recorded_at IS NULL", arguments: [before.id]) == nil {
            let id = try insert(sql: """
                INSERT INTO follow_up (thread, department, level, opened_at) VALUES (?1, ?2, ?3, ?4) RETURNING id
                """, arguments: [before.id, before.department, level.rawValue, at])
            followUp = try one(SQLRow.self, sql: "SELECT \(FollowUpRecord.letterSelection) WHERE f.id = ?1",
                               arguments: [id]).map(FollowUpRecord.init(letter:))
        }
        var after = before.after(before.state, entry: entry)
        after.satisfaction = level
        return .applied(OfficeReceipt(thread: after, entries: [entry], previous: before.state, followUp: followUp))
    }

    mutating func recordFollowUp(staff: StaffPrincipal, target: FollowUpTarget, contacted: Bool, outcome: String, at: Int64)
        throws -> OfficeOutcome {
        let policy = AccessPolicy(triageDepartment: try triageDepartment() ?? "")
        let outcome = try publicText(outcome, field: "outcome")
        switch target {
        case .letter(let id):
            guard let current = try one(SQLRow.self, sql: "SELECT \(FollowUpRecord.letterSelection) WHERE f.id = ?1", arguments: [id])
                .map(FollowUpRecord.init(letter:)), policy.canSee(department: current.department, staff) else {
                throw OfficeRefusal(error: .followUpNotFound)
            }
            try policy.refuse(staff, .recordFollowUp, department: current.department)
            if current.recordedAt != nil {
                // The same record again (a retry) is the one there.
                guard current.outcome == outcome, current.contacted == contacted else { throw OfficeRefusal(error: .followUpRecorded) }
                return .duplicate(OfficeReceipt(followUp: current))
            }
            try run(sql: "UPDATE follow_up SET contacted = ?1, outcome = ?2, recorded_by = ?3, recorded_at = ?4 WHERE id = ?5",
                    arguments: [contacted ? 1 : 0, outcome, staff.userID, at, id])
            try audit(actor: staff.name, action: "followup.record", subject: "followup:\(id)", detail: nil, at: at)
            let recorded = try one(SQLRow.self, sql: "SELECT \(FollowUpRecord.letterSelection) WHERE f.id = ?1", arguments: [id])
                .map(FollowUpRecord.init(letter:))
            return .applied(OfficeReceipt(thread: try threadRecordIfAny(id: current.thread ?? 0), followUp: recorded))
        case .rating(let citizen, let slug, let ratedAt):
            guard let rating = try one(SQLRow.self, sql: """
                SELECT p.id, p.department_zh, r.level, r.suggestion FROM rating r JOIN project p ON p.id = r.project
                WHERE r.citizen = ?1 AND p.slug = ?2 AND r.updated_at = ?3 AND r.level <= 2
                """, arguments: [citizen, slug, ratedAt]) else { throw OfficeRefusal(error: .followUpNotFound) }
            let department = try departmentNamed(rating[1]) ?? triageDepartment() ?? ""
            guard policy.canSee(department: department, staff) else { throw OfficeRefusal(error: .followUpNotFound) }
            try policy.refuse(staff, .recordFollowUp, department: department)
            if let existing = try one(SQLRow.self, sql: """
                SELECT f.id, f.contacted, f.outcome, u.name, f.recorded_at FROM follow_up f JOIN staff_user u ON u.id = f.recorded_by
                WHERE f.citizen = ?1 AND f.project = ?2 AND f.opened_at = ?3
                """, arguments: [citizen, rating[0] as Int64, ratedAt]) {
                guard existing[2] == outcome, (existing[1] as Int64) == (contacted ? 1 : 0) else {
                    throw OfficeRefusal(error: .followUpRecorded)
                }
                return .duplicate(OfficeReceipt(followUp: FollowUpRecord(
                    kind: .rating, id: existing[0], citizen: citizen, project: slug, suggestion: rating[3], department: department,
                    level: rating[2], openedAt: ratedAt, contacted: contacted, outcome: outcome, recordedBy: existing[3], recordedAt: existing[4])))
            }
            let id = try insert(sql: """
                INSERT INTO follow_up (citizen, project, department, level, opened_at, contacted, outcome, recorded_by, recorded_at)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                RETURNING id
                """, arguments: [citizen, rating[0] as Int64, department, rating[2] as Int64, ratedAt, contacted ? 1 : 0, outcome,
                                 staff.userID, at])
            try audit(actor: staff.name, action: "followup.record", subject: "followup:\(id)", detail: nil, at: at)
            return .applied(OfficeReceipt(followUp: FollowUpRecord(
                kind: .rating, id: id, citizen: citizen, project: slug, suggestion: rating[3], department: department,
                level: rating[2], openedAt: ratedAt, contacted: contacted, outcome: outcome, recordedBy: staff.name, recordedAt: at)))
        }
    }

    // MARK: helpers

    func publicVersionIfAny(id: Int64) throws -> PublicVersionRecord? {
        try one(SQLRow.self, sql: "SELECT \(PublicVersionRecord.selection) WHERE v.id = ?1", arguments: [id]).map(PublicVersionRecord.init(row:))
    }

    func publicVersion(id: Int64) throws -> PublicVersionRecord {
        guard let version = try publicVersionIfAny(id: id) else { throw OfficeRefusal(error: .publicVersionNotFound) }
        return version
    }

    func queueState() throws -> QueueState {
        let row = try one(SQLRow.self, sql: "SELECT count(*), min(submitted_at) FROM public_version WHERE status = 'pending'")
        // `min` is null when nothing is pending: read as an optional (an `SQLRow` reads a null only as one).
        return QueueState(depth: row.map { $0[0] as Int } ?? 0, oldestSubmittedAt: row.flatMap { $0[1] as Int64? })
    }

    /// A question, an answer or an outcome: cleaned, 1 to 2,000 characters, or refused naming the field.
    func publicText(_ text: String, field: String) throws -> String {
        let cleaned = TypedText.clean(text)
        guard (1...Self.maxPublicTextLength).contains(cleaned.unicodeScalars.count) else {
            throw OfficeRefusal(error: .invalidRequest("\(field) must be 1 to \(Self.maxPublicTextLength) characters"))
        }
        return cleaned
    }

    /// A small JSON object for the audit record's detail (nil values as null).
    static func json(_ object: [String: Any]) -> String? {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}

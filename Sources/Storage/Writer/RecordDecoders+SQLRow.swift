import Domain

// TEMPORARY ADAPTER (port-writer): the writer's executors read thread, entry, public-version and follow-up rows as
// `SQLRow`s, while the read-side port (port-reads) moves these records' own decoders from GRDB's `Row` to `SQLRow`.
// These are copies of those decoders, taking an `SQLRow`. When both ports are merged, the records' own
// `init(row: SQLRow)` / `init(letter: SQLRow)` make these redeclarations: delete this file (call sites stay as they are).

extension ThreadRecord {
    init(row: SQLRow) {
        id = row[0]
        code = row[1]
        kind = ThreadKind(rawValue: row[2]) ?? .enquiry
        subject = row[3]
        status = ThreadStatus(rawValue: row[4]) ?? .new
        invalidReason = row[5]
        department = row[6]
        assignee = row[7]
        project = row[8]
        contact = row[9]
        publish = row[10]
        held = row[11]
        createdAt = row[12]
        updatedAt = row[13]
        firstAnswerAt = row[14]
        lastSeq = row[15]
        citizenReadSeq = row[16]
        staffReadSeq = row[17]
        citizen = row[18]
        preview = row[19]
        firstResponseAt = row[20]
        satisfaction = (row[21] as Int?).flatMap(SatisfactionLevel.init(rawValue:))
    }
}

extension EntryRecord {
    init(row: SQLRow) {
        thread = row[0]
        seq = row[1]
        kind = Kind(rawValue: row[2]) ?? .note
        body = row[3]
        author = row[4]
        authorDisplayName = row[5]
        clientID = row[6]
        let eventJSON: String? = row[7]
        event = eventJSON.flatMap { ThreadEventRecord.decode($0) }
        at = row[8]
    }
}

extension PublicVersionRecord {
    init(row: SQLRow) {
        id = row[0]
        thread = row[1]
        revision = row[2]
        author = row[3]
        authorName = row[4]
        question = row[5]
        answer = row[6]
        submittedAt = row[7]
        status = PublicVersionStatus(rawValue: row[8]) ?? .pending
        publishedQuestion = row[9]
        publishedAnswer = row[10]
        publishedAt = row[11]
        let holder: String? = row[12]
        let until: Int64? = row[13]
        hold = holder.flatMap { holder in until.map { ModerationLock(holder: holder, expiresAt: $0) } }
        holdName = row[25]
        threadKind = ThreadKind(rawValue: row[14]) ?? .enquiry
        department = row[15]
        project = row[16]
        answeredAt = row[17]
        if let decisionID: Int64 = row[18] {
            decision = ModerationDecisionRecord(
                id: decisionID, version: id, action: ModerationDecisionRecord.Action(rawValue: row[19]) ?? .approved,
                moderator: row[20], moderatorName: row[21], category: (row[22] as String?).flatMap(ModerationCategory.init(rawValue:)),
                note: row[23], at: row[24])
        }
    }
}

extension FollowUpRecord {
    init(letter row: SQLRow) {
        kind = .letter
        id = row[0]
        thread = row[1]
        code = row[2]
        subject = row[3]
        department = row[4]
        level = row[5]
        openedAt = row[6]
        contacted = (row[7] as Int64?).map { $0 == 1 }
        outcome = row[8]
        recordedBy = row[9]
        recordedAt = row[10]
    }
}

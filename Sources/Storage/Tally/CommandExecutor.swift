import Domain

/// What the writer thread remembers between transactions, so a command does not look it up again: citizens' row
/// ids and projects. Only committed facts enter it (`CommandExecutor` stages what a transaction adds, and the
/// writer adopts it after COMMIT), so a rolled-back transaction leaves nothing stale behind. Projects change only by
/// an import, after which the application calls `StoreWriter.forgetProjects()` and the next batch looks them up again.
struct WriterCache {
    /// Citizens kept at most (each ~100 bytes: about 5 MB); beyond it the cache starts afresh. It holds the citizens
    /// this writer created, whose next writes then need no lookup; one it no longer holds costs one indexed lookup
    /// (`findCitizen`), so a larger cap only grows the memory of a long-running server (the soak saw it rise).
    static let maxCitizens = 50_000
    var citizens: [String: Int64] = [:]
    var projects: [String: WriterProject?] = [:]

    mutating func adopt(citizens staged: [String: Int64]) {
        if citizens.count + staged.count > Self.maxCitizens { citizens.removeAll(keepingCapacity: true) }
        citizens.merge(staged) { _, new in new }
    }
}

struct WriterProject {
    var id: Int64
    var campaignID: String
    var opensAt: Int64
    var closesAt: Int64
}

/// The database refused something on the fast path: the batch must run again on the careful path.
struct FastPathRefused: Error, CustomStringConvertible {
    var description: String
}

/// Runs the commands of one batch inside the writer's transaction, on one of two paths.
///
/// The fast path (`careful == false`) runs each command without a savepoint and sums tally and participant counts in
/// memory, writing them once per project and campaign at the end (`finish()`). The database should never refuse a
/// validated command; if it does (a constraint, or a tally row damaged so a count would go below zero), the fast path
/// throws `FastPathRefused` and the writer rolls the transaction back and runs the batch again on the careful path:
/// each command inside its own savepoint, moving the tallies itself, so only the command that meets the problem is
/// refused. No outcome is answered before COMMIT, so running a batch twice is invisible to clients.
///
/// Generic over the connection, so SQLite's statements (`RawStatement`) are called directly, and the same code runs on
/// any `WriterConnection`. A refusal is an `SQLError` of kind `.constraint`. On PostgreSQL any error aborts the
/// transaction: a refusal on the fast path is rolled back with the whole batch as here, and on the careful path the
/// command's savepoint recovers it.
struct CommandExecutor<Connection: WriterConnection> {
    private typealias Statement = Connection.Statement
    private let db: Connection
    private let statements: Statements
    private let cache: WriterCache
    private let careful: Bool
    private var projects: [String: WriterProject?] = [:]
    /// Citizens created by this transaction's committed commands, adopted into the cache after COMMIT.
    private(set) var newCitizens: [String: Int64] = [:]
    /// Projects looked up by this transaction, adopted into the cache after COMMIT.
    var lookedUpProjects: [String: WriterProject?] { projects }
    /// Tally changes of the applied commands, by project row id: levels 1…5, likes, suggestions.
    private var tallyDeltas: [Int64: (slug: String, deltas: [Int])] = [:]
    /// New participants of the applied commands, by campaign.
    private var participantDeltas: [String: Int] = [:]
    /// The last database error a command met, for the writer's statistics.
    private(set) var lastFailure: String?
    /// The direct line's commands, and the thread a rating's suggestion becomes, in the same transaction.
    private var office: OfficeExecutor<Connection>

    private typealias Project = WriterProject

    private struct Citizen {
        var id: Int64
        /// Created by this command: it has no rows yet.
        var isNew: Bool
    }

    /// The statements of the write path, prepared once per connection.
    private struct Statements {
        let findCitizen: Statement
        let addCitizen: Statement
        let findAction: Statement
        let findProject: Statement
        let findRating: Statement
        let saveRating: Statement
        let moveTally: Statement
        let addParticipant: Statement
        let countParticipant: Statement
        let addLike: Statement
        let removeLike: Statement
        let recordAction: Statement
        let deleteRating: Statement
        let remainingRating: Statement
        let removeParticipant: Statement
        /// PostgreSQL only: the citizen's lock for the rest of the transaction. Several nodes write at once there, and
        /// a command reads the citizen's rating, like and receipts before it writes; two commands of one citizen on
        /// two nodes (two tabs) would otherwise both see "no rating yet" and count it twice. SQLite has one writer.
        let lockCitizen: Statement?

        init(_ db: Connection) throws {
            lockCitizen = db.dialect == .postgres ? try db.prepare("SELECT pg_advisory_xact_lock(hashtextextended(?1, 0))") : nil
            findCitizen = try db.prepare("SELECT id FROM citizen WHERE token = ?1")
            addCitizen = try db.prepare("INSERT INTO citizen (token, created_at) VALUES (?1, ?2) RETURNING id")
            findAction = try db.prepare("""
                SELECT a.kind, a.level, a.suggestion, a.liked, a.old_level, a.likes_delta, a.suggestions_delta,
                    a.new_participant, p.slug, p.campaign, a.left_participant
                FROM applied_action a JOIN project p ON p.id = a.project
                WHERE a.citizen = ?1 AND a.client_id = ?2
                """)
            findProject = try db.prepare("""
                SELECT p.id, p.campaign, c.opens_at, c.closes_at
                FROM project p JOIN campaign c ON c.id = p.campaign WHERE p.slug = ?1
                """)
            findRating = try db.prepare("""
                SELECT level, suggestion IS NOT NULL FROM rating WHERE citizen = ?1 AND project = ?2
                """)
            saveRating = try db.prepare("""
                INSERT INTO rating (citizen, project, level, suggestion, created_at, updated_at)
                VALUES (?1, ?2, ?3, ?4, ?5, ?5)
                ON CONFLICT (citizen, project) DO UPDATE SET
                    level = excluded.level, suggestion = excluded.suggestion,
                    updated_at = CASE WHEN excluded.updated_at > rating.created_at
                        THEN excluded.updated_at ELSE rating.created_at END
                """)
            // Relative: the row moves by the change, and CHECK (… >= 0) catches a tally that would go negative.
            moveTally = try db.prepare("""
                UPDATE tally SET level1 = level1 + ?2, level2 = level2 + ?3, level3 = level3 + ?4,
                    level4 = level4 + ?5, level5 = level5 + ?6, likes = likes + ?7, suggestions = suggestions + ?8
                WHERE project = ?1
                """)
            addParticipant = try db.prepare("""
                INSERT INTO participant (campaign, citizen) VALUES (?1, ?2) ON CONFLICT DO NOTHING
                """)
            countParticipant = try db.prepare("""
                UPDATE campaign_tally SET participants = participants + ?2 WHERE campaign = ?1
                """)
            addLike = try db.prepare("""
                INSERT INTO "like" (citizen, project, created_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING
                """)
            removeLike = try db.prepare(#"DELETE FROM "like" WHERE citizen = ?1 AND project = ?2"#)
            recordAction = try db.prepare("""
                INSERT INTO applied_action (citizen, client_id, project, kind, level, suggestion, liked, old_level,
                    likes_delta, suggestions_delta, new_participant, applied_at, left_participant)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                """)
            deleteRating = try db.prepare("DELETE FROM rating WHERE citizen = ?1 AND project = ?2")
            remainingRating = try db.prepare("""
                SELECT 1 FROM rating r JOIN project p ON p.id = r.project
                WHERE r.citizen = ?1 AND p.campaign = ?2 LIMIT 1
                """)
            removeParticipant = try db.prepare("DELETE FROM participant WHERE campaign = ?1 AND citizen = ?2")
        }
    }

    /// A row that should exist does not (the import creates a tally row per project and per campaign): damage that
    /// `Store.verify()` reports. The command is refused rather than silently not counted.
    private struct MissingRow: Error, CustomStringConvertible {
        var table: String
        var key: String
        var description: String { "no \(table) row for \(key)" }
    }

    init(_ db: Connection, cache: WriterCache, careful: Bool = false) throws {
        self.db = db
        self.cache = cache
        self.careful = careful
        statements = try Statements(db)
        office = OfficeExecutor(db, citizens: cache.citizens)
    }

    /// Writes the summed tally and participant changes; call once, after the batch's last command.
    mutating func finish() throws {
        do {
            try db.flushDeferred()
            // In one order, by key: on PostgreSQL several nodes' writers update the same tally rows at once, and two
            // transactions that lock the same rows in different orders deadlock (one is then refused whole).
            for (projectID, entry) in tallyDeltas.sorted(by: { $0.key < $1.key }) {
                try moveTally(projectID: projectID, slug: entry.slug, deltas: entry.deltas)
            }
            for (campaignID, count) in participantDeltas.sorted(by: { $0.key < $1.key }) {
                try countParticipants(campaignID: campaignID, count: count)
            }
        } catch let error as SQLError where error.kind == .constraint {
            throw FastPathRefused(description: String(describing: error))
        } catch let error as MissingRow {
            throw FastPathRefused(description: error.description)
        }
        tallyDeltas = [:]
        participantDeltas = [:]
        newCitizens.merge(office.newCitizens) { current, _ in current }
    }

    /// Runs one office command in its own savepoint (see `OfficeExecutor`), after the statements the commands before
    /// it left waiting (`runDeferred`): their failure is theirs, never the office command's.
    mutating func execute(_ command: OfficeCommand) throws -> OfficeOutcome {
        try refusedOnTheFastPath { try db.flushDeferred() }
        let outcome = try office.execute(command)
        if let failure = office.lastFailure { lastFailure = failure }
        return outcome
    }

    private func moveTally(projectID: Int64, slug: String, deltas: [Int]) throws {
        let move = statements.moveTally
        move.bind(1, projectID)
        for index in 0..<7 { move.bind(Int32(index + 2), deltas[index]) }
        try move.run()
        guard move.changes == 1 else { throw MissingRow(table: "tally", key: "project \(slug)") }
    }

    private func countParticipants(campaignID: String, count: Int) throws {
        let statement = statements.countParticipant
        statement.bind(1, campaignID)
        statement.bind(2, count)
        try statement.run()
        guard statement.changes == 1 else { throw MissingRow(table: "campaign_tally", key: "campaign \(campaignID)") }
    }

    /// Validates and applies one command. Returns `.rejected` for what the domain refuses and for a command the
    /// database refuses (undone alone, through its savepoint); throws only when the transaction itself is lost.
    ///
    /// On the fast path a statement may be sent ahead with a later one (`runDeferred`), so a refusal can surface in a
    /// later statement, even the next command's first: on the fast path any refusal sends the batch to the careful
    /// path, where every statement runs at once, inside its command's savepoint.
    mutating func execute(_ command: WriteCommand) throws -> WriteOutcome {
        try refusedOnTheFastPath { try executeOnce(command) }
    }

    /// `body`, with a constraint violation on the fast path as `FastPathRefused`.
    private func refusedOnTheFastPath<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SQLError where error.kind == .constraint && !careful {
            throw FastPathRefused(description: String(describing: error))
        }
    }

    private mutating func executeOnce(_ command: WriteCommand) throws -> WriteOutcome {
        if let lock = statements.lockCitizen {
            lock.bind(1, command.citizen.rawValue)
            try careful ? lock.run() : lock.runDeferred()
        }
        // A citizen seen for the first time has no receipt and no rating yet: two lookups fewer.
        let knownCitizen = try findCitizen(command.citizen)
        if let knownCitizen, let original = try findAction(citizen: knownCitizen, clientID: command.clientID) {
            guard original.sameAction(as: command) else { return .rejected(.clientIDReused) }
            var receipt = original.receipt
            if receipt.action == .rate, receipt.suggestion != nil {
                receipt.thread = try office.suggestionThreadCode(citizenID: knownCitizen, ratingClientID: command.clientID)
            }
            // The same receipt as the first time (a duplicate announces nothing: only applied writes are published).
            if receipt.action == .rate, let level = receipt.level, level.rawValue <= 2 { receipt.lowRatingCitizen = knownCitizen }
            return .duplicate(receipt)
        }
        guard let project = try findProject(command.project) else {
            return .rejected(.unknownProject(command.project))
        }
        let at = command.at
        switch CampaignDefinition.state(at: at, opensAt: project.opensAt, closesAt: project.closesAt) {
        case .upcoming: return .rejected(.campaignNotOpen)
        case .closed: return .rejected(.campaignClosed)
        case .open: break
        }

        if careful { try db.savepoint("command") }
        do {
            let citizen: Citizen
            if let knownCitizen {
                citizen = Citizen(id: knownCitizen, isNew: false)
            } else {
                statements.addCitizen.bind(1, command.citizen.rawValue)
                statements.addCitizen.bind(2, at)
                citizen = Citizen(id: try statements.addCitizen.insertReturningID(), isNew: true)
            }
            let receipt: WriteReceipt
            switch command {
            case .rate(_, let slug, let level, let suggestion, let clientID, let at):
                receipt = try rate(
                    citizen: citizen, project: project, slug: slug, level: level, suggestion: suggestion?.text,
                    clientID: clientID.value, at: at)
            case .like(_, let slug, let liked, let clientID, let at):
                receipt = try like(citizen: citizen, project: project, slug: slug, liked: liked, clientID: clientID.value, at: at)
            case .withdraw(_, let slug, let clientID, let at):
                guard let withdrawn = try withdraw(citizen: citizen, project: project, slug: slug, clientID: clientID.value, at: at) else {
                    // Nothing was written for it (a new citizen row is rolled back with the savepoint or not kept).
                    if careful { try db.releaseSavepoint("command") }
                    if citizen.isNew { newCitizens[command.citizen.rawValue] = citizen.id }
                    return .rejected(.ratingNotFound(slug))
                }
                receipt = withdrawn
            }
            try count(receipt.change, projectID: project.id)
            if careful { try db.releaseSavepoint("command") }
            if citizen.isNew { newCitizens[command.citizen.rawValue] = citizen.id }
            return .applied(receipt)
        } catch let error as SQLError where error.kind == .constraint {
            guard careful else { throw FastPathRefused(description: String(describing: error)) }
            lastFailure = String(describing: error)
        } catch let error as MissingRow {
            guard careful else { throw FastPathRefused(description: error.description) }
            lastFailure = String(describing: error)
        }
        // The database refused this command: undo it alone. Any other error (disk full, I/O) propagates and loses
        // the whole transaction; so does a refusal after which SQLite has already rolled the transaction back.
        guard db.isInsideTransaction else { throw SQLError(kind: .other, message: "transaction lost") }
        try db.rollbackToSavepoint("command")
        try db.releaseSavepoint("command")
        return .rejected(.storageFailure)
    }

    private mutating func rate(
        citizen: Citizen, project: Project, slug: String, level: SatisfactionLevel, suggestion: String?,
        clientID: String, at: Int64
    ) throws -> WriteReceipt {
        let existing = try findRating(citizen: citizen, project: project)
        let oldLevel = existing?.level
        let hadSuggestion = existing?.hasSuggestion ?? false
        let save = statements.saveRating
        save.bind(1, citizen.id)
        save.bind(2, project.id)
        save.bind(3, level.rawValue)
        save.bind(4, suggestion)
        save.bind(5, at)
        try careful ? save.run() : save.runDeferred()

        let suggestionsDelta = (suggestion == nil ? 0 : 1) - (hadSuggestion ? 1 : 0)

        var newParticipant = false
        if oldLevel == nil {
            let add = statements.addParticipant
            add.bind(1, project.campaignID)
            add.bind(2, citizen.id)
            try add.run()
            newParticipant = add.changes == 1
        }

        let change = TallyChange(
            campaignID: project.campaignID, projectSlug: slug, oldLevel: oldLevel, newLevel: level,
            likesDelta: 0, suggestionsDelta: suggestionsDelta, newParticipant: newParticipant)
        try recordAction(
            citizen: citizen, clientID: clientID, project: project, kind: "rate", level: level.rawValue,
            suggestion: suggestion, liked: nil, change: change, at: at)
        var receipt = WriteReceipt(clientID: clientID, project: slug, level: level, suggestion: suggestion, liked: nil, change: change)
        if level.rawValue <= 2 { receipt.lowRatingCitizen = citizen.id }
        if let suggestion {
            receipt.suggestionThread = try office.suggestionThread(
                citizenID: citizen.id, projectID: project.id, suggestion: suggestion, ratingClientID: clientID, at: at)
            receipt.thread = try receipt.suggestionThread?.thread?.code
                ?? office.suggestionThreadCode(citizenID: citizen.id, ratingClientID: clientID)
        }
        return receipt
    }

    private func like(
        citizen: Citizen, project: Project, slug: String, liked: Bool, clientID: String, at: Int64
    ) throws -> WriteReceipt {
        var likesDelta = 0
        if liked {
            let add = statements.addLike
            add.bind(1, citizen.id)
            add.bind(2, project.id)
            add.bind(3, at)
            try add.run()
            likesDelta = add.changes
        } else if !citizen.isNew {
            let remove = statements.removeLike
            remove.bind(1, citizen.id)
            remove.bind(2, project.id)
            try remove.run()
            likesDelta = -remove.changes
        }
        let change = TallyChange(campaignID: project.campaignID, projectSlug: slug, likesDelta: likesDelta)
        try recordAction(
            citizen: citizen, clientID: clientID, project: project, kind: "like", level: nil, suggestion: nil,
            liked: liked, change: change, at: at)
        return WriteReceipt(clientID: clientID, project: slug, level: nil, suggestion: nil, liked: liked, change: change)
    }

    /// The citizen's rating of the project, if any (a citizen created by this command has none).
    private func findRating(citizen: Citizen, project: Project) throws -> (level: SatisfactionLevel, hasSuggestion: Bool)? {
        guard !citizen.isNew else { return nil }
        let find = statements.findRating
        find.bind(1, citizen.id)
        find.bind(2, project.id)
        guard try find.step() else { return nil }
        defer { find.reset() }
        guard let level = SatisfactionLevel(rawValue: find.int(0)) else { return nil }
        return (level, find.int(1) != 0)
    }

    /// Deletes the citizen's rating of the project; nil when there is none. The last rating of a campaign withdrawn
    /// removes the citizen from its participants.
    private func withdraw(citizen: Citizen, project: Project, slug: String, clientID: String, at: Int64) throws -> WriteReceipt? {
        guard let (oldLevel, hadSuggestion) = try findRating(citizen: citizen, project: project) else { return nil }
        let delete = statements.deleteRating
        delete.bind(1, citizen.id)
        delete.bind(2, project.id)
        try delete.run()

        let remaining = statements.remainingRating
        remaining.bind(1, citizen.id)
        remaining.bind(2, project.campaignID)
        var leftParticipant = false
        if try remaining.step() {
            remaining.reset()
        } else {
            let remove = statements.removeParticipant
            remove.bind(1, project.campaignID)
            remove.bind(2, citizen.id)
            try remove.run()
            leftParticipant = remove.changes == 1
        }
        let change = TallyChange(
            campaignID: project.campaignID, projectSlug: slug, oldLevel: oldLevel, newLevel: nil,
            likesDelta: 0, suggestionsDelta: hadSuggestion ? -1 : 0, leftParticipant: leftParticipant)
        try recordAction(
            citizen: citizen, clientID: clientID, project: project, kind: "withdraw", level: nil, suggestion: nil,
            liked: nil, change: change, at: at)
        return WriteReceipt(clientID: clientID, project: slug, level: nil, suggestion: nil, liked: nil, change: change,
                            action: .withdraw)
    }

    /// Counts a command's change: into the batch's sums (fast path), or straight into the tally rows (careful path).
    private mutating func count(_ change: TallyChange, projectID: Int64) throws {
        var deltas = [0, 0, 0, 0, 0, 0, 0]
        if let newLevel = change.newLevel { deltas[newLevel.index] += 1 }
        if let oldLevel = change.oldLevel { deltas[oldLevel.index] -= 1 }
        deltas[5] = change.likesDelta
        deltas[6] = change.suggestionsDelta
        guard !careful else {
            if deltas != [0, 0, 0, 0, 0, 0, 0] { try moveTally(projectID: projectID, slug: change.projectSlug, deltas: deltas) }
            if change.newParticipant { try countParticipants(campaignID: change.campaignID, count: 1) }
            if change.leftParticipant { try countParticipants(campaignID: change.campaignID, count: -1) }
            return
        }
        var entry = tallyDeltas[projectID] ?? (change.projectSlug, [0, 0, 0, 0, 0, 0, 0])
        for index in 0..<7 { entry.deltas[index] += deltas[index] }
        tallyDeltas[projectID] = entry
        if change.newParticipant { participantDeltas[change.campaignID, default: 0] += 1 }
        if change.leftParticipant { participantDeltas[change.campaignID, default: 0] -= 1 }
    }

    private func recordAction(
        citizen: Citizen, clientID: String, project: Project, kind: String, level: Int?, suggestion: String?,
        liked: Bool?, change: TallyChange, at: Int64
    ) throws {
        let record = statements.recordAction
        record.bind(1, citizen.id)
        record.bind(2, clientID)
        record.bind(3, project.id)
        record.bind(4, kind)
        record.bind(5, level)
        record.bind(6, suggestion)
        record.bind(7, liked.map { $0 ? 1 : 0 })
        record.bind(8, change.oldLevel?.rawValue)
        record.bind(9, change.likesDelta)
        record.bind(10, change.suggestionsDelta)
        record.bind(11, change.newParticipant)
        record.bind(12, at)
        record.bind(13, change.leftParticipant)
        try careful ? record.run() : record.runDeferred()
    }

    private func findCitizen(_ citizen: CitizenID) throws -> Int64? {
        if let known = cache.citizens[citizen.rawValue] ?? newCitizens[citizen.rawValue] { return known }
        let find = statements.findCitizen
        find.bind(1, citizen.rawValue)
        guard try find.step() else { return nil }
        defer { find.reset() }
        return find.int64(0)
    }

    private mutating func findProject(_ slug: String) throws -> Project? {
        if let known = projects[slug] ?? cache.projects[slug] { return known }
        let find = statements.findProject
        find.bind(1, slug)
        var project: Project?
        if try find.step() {
            project = Project(id: find.int64(0), campaignID: find.text(1) ?? "", opensAt: find.int64(2), closesAt: find.int64(3))
            find.reset()
        }
        projects[slug] = project
        return project
    }

    /// The receipt stored for a (citizen, client id), with what identifies its action.
    private struct AppliedAction {
        var receipt: WriteReceipt

        func sameAction(as command: WriteCommand) -> Bool {
            switch command {
            case .rate(_, let project, let level, let suggestion, _, _):
                receipt.action == .rate && receipt.project == project && receipt.level == level
                    && receipt.suggestion == suggestion?.text
            case .like(_, let project, let liked, _, _):
                receipt.action == .like && receipt.liked == liked && receipt.project == project
            case .withdraw(_, let project, _, _):
                receipt.action == .withdraw && receipt.project == project
            }
        }
    }

    private func findAction(citizen: Int64, clientID: String) throws -> AppliedAction? {
        let find = statements.findAction
        find.bind(1, citizen)
        find.bind(2, clientID)
        guard try find.step() else { return nil }
        defer { find.reset() }
        let action = WriteAction(rawValue: find.text(0) ?? "") ?? .rate
        let isRate = action == .rate
        let level = find.optionalInt(1).flatMap(SatisfactionLevel.init(rawValue:))
        let slug = find.text(8) ?? ""
        let change = TallyChange(
            campaignID: find.text(9) ?? "",
            projectSlug: slug,
            oldLevel: find.optionalInt(4).flatMap(SatisfactionLevel.init(rawValue:)),
            newLevel: level,
            likesDelta: find.int(5),
            suggestionsDelta: find.int(6),
            newParticipant: find.int(7) != 0,
            leftParticipant: find.int(10) != 0)
        return AppliedAction(receipt: WriteReceipt(
            clientID: clientID,
            project: slug,
            level: isRate ? level : nil,
            suggestion: find.text(2),
            liked: action == .like ? find.int(3) != 0 : nil,
            change: change,
            action: action))
    }
}

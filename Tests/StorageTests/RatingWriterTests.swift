import Domain
import Foundation
@testable import Storage
import Synchronization
import TestSupport
import Testing

@Suite(.postgresSlots) struct StoreWriterTests {
    // MARK: - Rating, revising, liking

    @Test(arguments: StoreKind.allCases)
    func aFirstRatingIsStoredAndCounted(_ kind: StoreKind) async throws {
        let test = try TestStore(kind)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }

        let receipt = try #require(await writer.outcome(of: Fixtures.rate(1, .satisfied, suggestion: "  加装电梯 ", id: "r1")).applied)
        #expect(receipt == WriteReceipt(
            clientID: "r1", project: "school-a", level: .satisfied, suggestion: "加装电梯", liked: nil,
            change: TallyChange(
                campaignID: "city-2025", projectSlug: "school-a", oldLevel: nil, newLevel: .satisfied,
                likesDelta: 0, suggestionsDelta: 1, newParticipant: true)))

        let campaign = try #require(try test.store.loadTallyBoard().campaigns["city-2025"])
        #expect(campaign.participants == 1)
        #expect(campaign.projects["school-a"] == ProjectTally(counts: [0, 0, 0, 1, 0], likes: 0, suggestions: 1))
        let record = try test.store.citizenRecord(Fixtures.citizen(1), campaignID: "city-2025")
        #expect(record.ratings == ["school-a": CitizenRecord.Rating(level: .satisfied, suggestion: "加装电梯", updatedAt: Fixtures.now)])
        #expect(try test.store.verify() == [])
    }

    @Test func aRevisionMovesTheTallyFromTheOldLevelToTheNewOne() async throws {
        let test = try TestStore(.standard)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }

        _ = try #require(await writer.outcome(of: Fixtures.rate(1, .dissatisfied, suggestion: "too slow", at: 1_200)).applied)
        let revision = try #require(await writer.outcome(of: Fixtures.rate(1, .verySatisfied, at: 1_300)).applied)
        #expect(revision.change == TallyChange(
            campaignID: "city-2025", projectSlug: "school-a", oldLevel: .dissatisfied, newLevel: .verySatisfied,
            suggestionsDelta: -1, newParticipant: false))

        let campaign = try #require(try test.store.loadTallyBoard().campaigns["city-2025"])
        #expect(campaign.participants == 1)
        #expect(campaign.projects["school-a"] == ProjectTally(counts: [0, 0, 0, 0, 1], likes: 0, suggestions: 0))
        let rating = try test.store.citizenRecord(Fixtures.citizen(1), campaignID: nil).ratings["school-a"]
        #expect(rating == CitizenRecord.Rating(level: .verySatisfied, suggestion: nil, updatedAt: 1_300))
        #expect(try test.store.lowRatings(campaignID: nil, department: nil) == [])
        #expect(try test.store.verify() == [])
    }

    @Test func aCitizenCountsOnceAsParticipantAcrossTheProjectsOfACampaign() async throws {
        let test = try TestStore(.standard)
        _ = try test.store.importCampaign(Fixtures.campaign(id: "county-2025", slugs: ["county-road"]))
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }

        let outcomes = await writer.outcomes(of: [
            Fixtures.rate(1, "school-a", .satisfied),
            Fixtures.rate(1, "bus-12", .basicallySatisfied),
            Fixtures.rate(1, "county-road", .verySatisfied),
            Fixtures.rate(2, "bus-12", .veryDissatisfied),
        ])
        #expect(outcomes.map { $0.applied?.change.newParticipant } == [true, false, true, true])
        let board = try test.store.loadTallyBoard()
        #expect(board.campaigns["city-2025"]?.participants == 2)
        #expect(board.campaigns["city-2025"]?.ratings == 3)
        #expect(board.campaigns["county-2025"]?.participants == 1)
        #expect(try test.store.citizenRecord(Fixtures.citizen(1), campaignID: "city-2025").ratings.keys.sorted() == ["bus-12", "school-a"])
        #expect(try test.store.citizenRecord(Fixtures.citizen(1), campaignID: nil).ratings.count == 3)
    }

    @Test func likesCountOnceAndCanBeTakenBack() async throws {
        let test = try TestStore(.standard)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }

        let outcomes = await writer.outcomes(of: [
            Fixtures.like(1, "bus-12", true),
            Fixtures.like(1, "bus-12", true),       // already liked: applied, changes nothing
            Fixtures.like(2, "bus-12", true),
            Fixtures.like(1, "bus-12", false),
            Fixtures.like(3, "bus-12", false),      // never liked
        ])
        #expect(outcomes.map { $0.applied?.change.likesDelta } == [1, 0, 1, -1, 0])
        #expect(outcomes.map { $0.applied?.liked } == [true, true, true, false, false])
        #expect(outcomes.allSatisfy { $0.applied?.change.newLevel == nil && $0.applied?.change.newParticipant == false })

        let campaign = try #require(try test.store.loadTallyBoard().campaigns["city-2025"])
        #expect(campaign.projects["bus-12"]?.likes == 1)
        #expect(campaign.participants == 0)                      // a like is not a rating
        #expect(try test.store.citizenRecord(Fixtures.citizen(2), campaignID: nil).likes == ["bus-12"])
        #expect(try test.store.citizenRecord(Fixtures.citizen(1), campaignID: nil).likes == [])
        #expect(try test.store.verify() == [])
    }

    @Test func theBoardFedWithReceiptsEqualsTheBoardLoadedFromTheDatabase() async throws {
        let test = try TestStore(.standardShared)
        var board = try test.store.loadTallyBoard()
        let writer = test.store.makeWriter()
        var generator = SystemRandomNumberGenerator()
        var commands: [WriteCommand] = []
        for index in 0..<600 {
            let citizen = Int.random(in: 0..<40, using: &generator)
            let project = ["school-a", "bus-12", "elder-care"].randomElement(using: &generator)!
            switch index % 3 {
            case 0, 1:
                let level = SatisfactionLevel.allCases.randomElement(using: &generator)!
                commands.append(Fixtures.rate(citizen, project, level, suggestion: Bool.random(using: &generator) ? "note \(index)" : nil))
            default:
                commands.append(Fixtures.like(citizen, project, Bool.random(using: &generator)))
            }
        }
        for outcome in await writer.outcomes(of: commands) {
            board.apply(try #require(outcome.applied).change)
        }
        writer.shutdown()
        #expect(board == (try test.store.loadTallyBoard()))
        #expect(try test.store.verify() == [])
    }

    // MARK: - Exactly once

    @Test func aRetryWithTheSameClientIDReturnsTheOriginalReceiptAndCountsNothing() async throws {
        let test = try TestStore(.standard)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }

        let original = try #require(await writer.outcome(of: Fixtures.rate(1, .satisfied, suggestion: "ok", id: "once", at: 1_100)).applied)
        _ = try #require(await writer.outcome(of: Fixtures.rate(1, .basicallySatisfied, id: "later")).applied)
        let board = try test.store.loadTallyBoard()

        // The retry arrives later (another `at`), after the citizen revised: still the original receipt.
        let retry = await writer.outcome(of: Fixtures.rate(1, .satisfied, suggestion: "ok\n", id: "once", at: 1_900))
        #expect(retry == .duplicate(original))
        let likeOriginal = try #require(await writer.outcome(of: Fixtures.like(1, "bus-12", id: "like-1")).applied)
        #expect(await writer.outcome(of: Fixtures.like(1, "bus-12", id: "like-1")) == .duplicate(likeOriginal))

        var expected = board
        expected.apply(likeOriginal.change)
        #expect(try test.store.loadTallyBoard() == expected)
        #expect(writer.statistics.duplicates == 2)
    }

    @Test func aDuplicateIsRecognisedEvenAfterTheWindowClosed() async throws {
        let test = try TestStore(.standard)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }
        let original = try #require(await writer.outcome(of: Fixtures.rate(1, .satisfied, id: "late-ack", at: 1_999)).applied)
        #expect(await writer.outcome(of: Fixtures.rate(1, .satisfied, id: "late-ack", at: 2_500)) == .duplicate(original))
    }

    @Test(arguments: [
        ("another level", Fixtures.rate(1, .dissatisfied, id: "same")),
        ("another suggestion", Fixtures.rate(1, .satisfied, suggestion: "different", id: "same")),
        ("another project", Fixtures.rate(1, "bus-12", .satisfied, id: "same")),
        ("a like", Fixtures.like(1, "school-a", id: "same")),
    ])
    func aClientIDReusedForAnotherActionIsRefused(_ what: String, _ reuse: WriteCommand) async throws {
        let test = try TestStore(.standard)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }
        _ = try #require(await writer.outcome(of: Fixtures.rate(1, .satisfied, id: "same")).applied)
        let board = try test.store.loadTallyBoard()

        #expect(await writer.outcome(of: reuse) == .rejected(.clientIDReused), "\(what)")
        #expect(try test.store.loadTallyBoard() == board)
        #expect(try test.store.citizenRecord(Fixtures.citizen(1), campaignID: nil).likes == [])
    }

    @Test func clientIDsBelongToOneCitizen() async throws {
        let test = try TestStore(.standard)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }
        let outcomes = await writer.outcomes(of: [Fixtures.rate(1, .satisfied, id: "same"), Fixtures.rate(2, .satisfied, id: "same")])
        #expect(outcomes.allSatisfy { $0.applied != nil })
    }

    // MARK: - Refusals

    @Test(arguments: [
        (Int64(999), DomainError.campaignNotOpen),
        (Int64.min, .campaignNotOpen),
        (2_000, .campaignClosed),
        (Int64.max, .campaignClosed),
    ] as [(Int64, DomainError)])
    func outsideTheWindowNothingIsStored(_ at: Int64, _ error: DomainError) async throws {
        let test = try TestStore(.standard)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }
        let outcomes = await writer.outcomes(of: [
            Fixtures.rate(1, .satisfied, id: "r", at: at),
            Fixtures.like(1, "bus-12", id: "l", at: at),
        ])
        #expect(outcomes == [.rejected(error), .rejected(error)])
        #expect(try test.store.citizenRecord(Fixtures.citizen(1), campaignID: nil) == CitizenRecord())
        #expect(try test.store.loadTallyBoard().campaigns["city-2025"] == CampaignTally(
            participants: 0, projects: ["school-a": .empty, "bus-12": .empty, "elder-care": .empty]))
        // Nothing stored means the id is still free once the window is open.
        #expect(await writer.outcome(of: Fixtures.rate(1, .satisfied, id: "r")).applied != nil)
    }

    @Test func anUnknownProjectIsRefused() async throws {
        let test = try TestStore(.standard)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }
        #expect(await writer.outcome(of: Fixtures.rate(1, "no-such-project", .satisfied)) == .rejected(.unknownProject("no-such-project")))
        #expect(await writer.outcome(of: Fixtures.like(1, "no-such-project")) == .rejected(.unknownProject("no-such-project")))
        #expect(try test.store.citizenRecord(Fixtures.citizen(1), campaignID: nil) == CitizenRecord())
    }

    // MARK: - Group commit

    @Test func commandsThatQueueDuringATransactionShareTheNextOne() async throws {
        let test = try TestStore(.standardShared)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }

        let hold = await writer.hold(with: Fixtures.rate(0, .satisfied))
        let collector = OutcomeCollector(count: 100)
        for citizen in 1...100 {
            writer.submit(Fixtures.rate(citizen, "bus-12", .basicallySatisfied)) { collector.record($0, at: citizen - 1) }
        }
        #expect(writer.statistics.queueDepth == 100)
        hold.release()
        let outcomes = await collector.all()

        #expect(outcomes.allSatisfy { $0.applied != nil })
        let statistics = writer.statistics
        #expect(statistics.transactions == 3, "the held command, its retry, and the hundred")
        #expect(statistics.commands == 102)
        #expect(statistics.largestBatch == 100)
        #expect(statistics.queueDepth == 0)
    }

    @Test func aBatchIsAtMostMaxBatchCommands() async throws {
        let test = try TestStore(.standard, maxBatch: 16)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }
        let hold = await writer.hold(with: Fixtures.rate(0, .satisfied))
        let commands = (1...100).map { Fixtures.rate($0, .satisfied) }
        let collector = OutcomeCollector(count: commands.count)
        for (index, command) in commands.enumerated() { writer.submit(command) { collector.record($0, at: index) } }
        hold.release()
        #expect(await collector.all().allSatisfy { $0.applied != nil })
        #expect(writer.statistics.largestBatch == 16)
        #expect(writer.statistics.transactions == 2 + 7)     // the hold (2), then 100 = 6 × 16 + 4
    }

    @Test func everyCompletionFindsItsRowCommittedThroughAnotherConnection() async throws {
        let test = try TestStore(.standardShared)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }
        let reader = try test.reopen()          // its own connections to the same file
        let missing = Mutex<[Int]>([])
        let commands = (0..<400).map { Fixtures.rate($0, ["school-a", "bus-12", "elder-care"][$0 % 3], .satisfied) }
        let collector = OutcomeCollector(count: commands.count)

        // Eight threads submit at once.
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for index in stride(from: thread, to: commands.count, by: 8) {
                writer.submit(commands[index]) { outcome in
                    let found = try? reader.citizenRecord(Fixtures.citizen(index), campaignID: nil).ratings.isEmpty == false
                    if found != true { missing.withLock { $0.append(index) } }
                    collector.record(outcome, at: index)
                }
            }
        }
        let outcomes = await collector.all()
        #expect(outcomes.allSatisfy { $0.applied != nil })
        #expect(missing.withLock { $0 } == [])
        #expect(try reader.loadTallyBoard().campaigns["city-2025"]?.participants == 400)
    }

    @Test func aCommandTheDatabaseRefusesDoesNotUndoTheOthersInItsBatch() async throws {
        let test = try TestStore(.standard)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }
        _ = try #require(await writer.outcome(of: Fixtures.rate(7, "bus-12", .basicallySatisfied)).applied)
        // Damage the derived state: the tally forgets citizen 7's level 3, so moving it away would go below zero.
        _ = try test.store.write { db in try db.execute("UPDATE tally SET level3 = 0") }

        let hold = await writer.hold(with: Fixtures.rate(0, .satisfied))
        let collector = OutcomeCollector(count: 3)
        writer.submit(Fixtures.rate(1, "bus-12", .satisfied)) { collector.record($0, at: 0) }
        writer.submit(Fixtures.rate(7, "bus-12", .verySatisfied, id: "seven")) { collector.record($0, at: 1) }
        writer.submit(Fixtures.rate(2, "bus-12", .dissatisfied, suggestion: "late")) { collector.record($0, at: 2) }
        hold.release()
        let outcomes = await collector.all()

        #expect(outcomes[0].applied != nil)
        #expect(outcomes[1] == .rejected(.storageFailure))
        #expect(outcomes[2].applied != nil)
        #expect(writer.statistics.largestBatch == 3)
        // SQLite: "CHECK constraint failed: …"; PostgreSQL: "… violates check constraint …".
        #expect(writer.statistics.lastFailure?.lowercased().contains("check constraint") == true, "\(writer.statistics.lastFailure ?? "")")
        // Citizen 7's rating and receipt are untouched; the two others are stored and counted.
        #expect(try test.store.citizenRecord(Fixtures.citizen(7), campaignID: nil).ratings["bus-12"]?.level == .basicallySatisfied)
        #expect(try test.store.citizenRecord(Fixtures.citizen(1), campaignID: nil).ratings["bus-12"]?.level == .satisfied)
        #expect(try test.store.citizenRecord(Fixtures.citizen(2), campaignID: nil).ratings["bus-12"]?.suggestion == "late")
        #expect(try test.store.loadTallyBoard().campaigns["city-2025"]?.projects["bus-12"] == ProjectTally(counts: [0, 1, 0, 1, 0], suggestions: 1))
        // The refused command can be retried with the same id once the tallies are rebuilt.
        #expect(try test.store.rebuildTallies().isEmpty == false)
        #expect(await writer.outcome(of: Fixtures.rate(7, "bus-12", .verySatisfied, id: "seven")).applied != nil)
        #expect(try test.store.verify() == [])
    }

    // MARK: - Back-pressure and shutdown

    /// A refused change of a rating: on PostgreSQL the fast path sends it ahead with the next command's first
    /// statement (`runDeferred`), so the refusal surfaces in the next command; the batch still runs again carefully
    /// and only the refused command is refused.
    @Test func aRefusalOfAStatementSentAheadRefusesItsOwnCommandOnly() async throws {
        let test = try TestStore(.standard)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }
        _ = try #require(await writer.outcome(of: Fixtures.rate(3, "bus-12", .satisfied)).applied)
        _ = try test.store.write { db in
            if db.dialect == .postgres {
                try db.execute("""
                    CREATE FUNCTION refuse_five() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
                    IF NEW.level = 5 THEN RAISE EXCEPTION 'no fives' USING ERRCODE = 'check_violation'; END IF;
                    RETURN NEW; END $$
                    """)
                try db.execute("CREATE TRIGGER refuse_five BEFORE INSERT ON rating FOR EACH ROW EXECUTE FUNCTION refuse_five()")
            } else {
                try db.execute("CREATE TRIGGER refuse_five BEFORE INSERT ON rating WHEN NEW.level = 5 BEGIN SELECT RAISE(ABORT, 'no fives'); END")
            }
        }
        let hold = await writer.hold(with: Fixtures.rate(0, .satisfied))
        let collector = OutcomeCollector(count: 3)
        writer.submit(Fixtures.rate(1, "bus-12", .satisfied)) { collector.record($0, at: 0) }
        writer.submit(Fixtures.rate(3, "bus-12", .verySatisfied)) { collector.record($0, at: 1) }
        writer.submit(Fixtures.rate(2, "bus-12", .dissatisfied)) { collector.record($0, at: 2) }
        hold.release()
        let outcomes = await collector.all()

        #expect(outcomes[0].applied != nil)
        #expect(outcomes[1] == .rejected(.storageFailure))
        #expect(outcomes[2].applied != nil)
        #expect(writer.statistics.largestBatch == 3)
        #expect(writer.statistics.lastFailure?.contains("no fives") == true, "\(writer.statistics.lastFailure ?? "")")
        #expect(try test.store.citizenRecord(Fixtures.citizen(3), campaignID: nil).ratings["bus-12"]?.level == .satisfied)
        #expect(try test.store.loadTallyBoard().campaigns["city-2025"]?.projects["bus-12"] == ProjectTally(counts: [0, 1, 0, 2, 0], suggestions: 0))
    }

    /// On PostgreSQL the change feed's row and its NOTIFY go out with the COMMIT, in one round trip. If the row is
    /// refused, the COMMIT is skipped: the batch fails whole (its clients are told to retry), nothing of it stays, the
    /// feed's numbers stay dense, and the connection is clean for the next batch.
    @Test(.enabled(if: TestDatabase.engine == .postgres, "the change feed is PostgreSQL's"))
    func aFeedRowRefusedWithTheCommitFailsItsBatchAndTheNextBatchCommits() async throws {
        let test = try TestStore(.standard)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }
        let before = try test.store.loadTallyBoard().campaigns["city-2025"]?.projects["bus-12"]
        _ = try test.store.write { db in
            // A sequence is not rolled back with the transaction: the trigger refuses the first row only.
            try db.execute("CREATE SEQUENCE feed_refusals")
            try db.execute("""
                CREATE FUNCTION refuse_first_feed_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
                IF nextval('feed_refusals') = 1 THEN RAISE EXCEPTION 'feed row refused'; END IF;
                RETURN NEW; END $$
                """)
            try db.execute("""
                CREATE TRIGGER refuse_first_feed_row BEFORE INSERT ON change_feed FOR EACH ROW
                EXECUTE FUNCTION refuse_first_feed_row()
                """)
        }

        #expect(await writer.outcome(of: Fixtures.rate(1, "bus-12", .verySatisfied)) == .rejected(.storageFailure))
        #expect(writer.statistics.lastFailure?.contains("feed row refused") == true, "\(writer.statistics.lastFailure ?? "")")
        #expect(await writer.outcome(of: Fixtures.rate(2, "bus-12", .dissatisfied)).applied != nil)

        #expect(try test.store.citizenRecord(Fixtures.citizen(1), campaignID: nil) == CitizenRecord())
        var expected = try #require(before)
        expected.counts[1] += 1
        #expect(try test.store.loadTallyBoard().campaigns["city-2025"]?.projects["bus-12"] == expected)
        let feed = try test.store.read { db in
            (try db.value(Int64.self, "SELECT seq FROM change_feed_head WHERE id = 1"),
             try db.rows("SELECT seq FROM change_feed ORDER BY seq").map { row -> Int64 in row["seq"] })
        }
        #expect(feed.1 == [feed.0].compactMap { $0 }, "the feed's rows \(feed.1), head \(String(describing: feed.0))")
    }

    @Test func aFullQueueRefusesAtOnceWithOverloaded() async throws {
        let test = try TestStore(.standard, maxQueue: 3)
        let writer = test.store.makeWriter()
        defer { writer.shutdown() }
        let hold = await writer.hold(with: Fixtures.rate(0, .satisfied))
        let collector = OutcomeCollector(count: 3)
        for index in 0..<3 { writer.submit(Fixtures.rate(index + 1, .satisfied)) { collector.record($0, at: index) } }

        let refused = Mutex<WriteOutcome?>(nil)
        writer.submit(Fixtures.rate(99, .satisfied)) { outcome in refused.withLock { $0 = outcome } }
        #expect(refused.withLock { $0 } == .rejected(.overloaded))
        #expect(writer.statistics.overloaded == 1)

        hold.release()
        #expect(await collector.all().allSatisfy { $0.applied != nil })
        #expect(try test.store.citizenRecord(Fixtures.citizen(99), campaignID: nil) == CitizenRecord())
    }

    @Test func shutdownFinishesTheQueueThenRefuses() async throws {
        let test = try TestStore(.standardShared)
        let writer = test.store.makeWriter()
        let hold = await writer.hold(with: Fixtures.rate(0, .satisfied))
        let collector = OutcomeCollector(count: 50)
        for index in 0..<50 { writer.submit(Fixtures.rate(index + 1, .satisfied)) { collector.record($0, at: index) } }

        Thread { writer.shutdown() }.start()    // blocks that thread until the queue is drained
        hold.release()
        #expect(await collector.all().allSatisfy { $0.applied != nil })

        writer.shutdown()                        // returns once the queue is drained; calling it twice is fine
        #expect(await writer.outcome(of: Fixtures.rate(1000, .satisfied)) == .rejected(.shuttingDown))
        #expect(try test.store.loadTallyBoard().campaigns["city-2025"]?.participants == 51)
    }

    @Test func shutdownFromACompletionDoesNotDeadlock() async throws {
        let test = try TestStore(.standard)
        let writer = test.store.makeWriter()
        let outcome = await withCheckedContinuation { continuation in
            writer.submit(Fixtures.rate(1, .satisfied)) { outcome in
                writer.shutdown()                // on the writer thread: asks to stop, does not wait for itself
                continuation.resume(returning: outcome)
            }
        }
        #expect(outcome.applied != nil)
        writer.shutdown()
        #expect(await writer.outcome(of: Fixtures.rate(2, .satisfied)) == .rejected(.shuttingDown))
    }
}

import Domain
import Foundation
import GRDB
@testable import Storage
import Testing

/// SQLite's schema and files, whatever `LASTWORD_TEST_DATABASE` says: its schema tables, pragmas, WAL, GRDB's
/// migrations table and old SQLite files. PostgreSQL's schema is checked against this one in PostgresSchemaTests.
@Suite struct StoreSchemaTests {
    /// Shipped migrations are frozen: editing one would leave databases migrated by the old text with a different
    /// schema than new ones. Add a migration instead. (FNV-1a 64 of the SQL text.)
    @Test func shippedMigrationsAreFrozen() {
        let shipped: [String: UInt64] = ["v1": 2_776_941_303_073_787_477, "v2": 17_611_902_528_797_344_971,
                                        "v3": 10_145_635_449_625_102_094, "v4": 718_730_661_168_505_738,
                                        "v5": 2_525_867_837_921_901_241]
        for migration in StoreSchema.migrations {
            #expect(shipped[migration.name] == Self.fnv1a(migration.sql), "migration \(migration.name) was edited")
        }
        #expect(StoreSchema.migrations.map(\.name) == ["v1", "v2", "v3", "v4", "v5"])
    }

    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
    }

    @Test(arguments: StoreKind.sqlite)
    func migratesAnEmptyDatabaseToTheWholeSchema(_ kind: StoreKind) throws {
        let test = try TestStore(kind, importFixture: false)
        let (tables, strict, migrations) = try test.store.database.read { db in
            (
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'grdb%' ORDER BY name"),
                try String.fetchAll(db, sql: "SELECT name FROM pragma_table_list WHERE strict = 1 ORDER BY name"),
                try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
            )
        }
        let expected = ["applied_action", "audit_entry", "campaign", "campaign_sample", "campaign_tally", "canned_reply",
                        "catalog_revision", "citizen", "department", "follow_up", "like", "moderation_decision", "participant",
                        "project", "public_version", "rating", "server_secret", "staff_membership", "staff_session", "staff_user",
                        "tally", "tally_sample", "thread", "thread_entry", "word_rule"]
        #expect(tables == expected)
        #expect(strict == expected)
        #expect(migrations == ["v1", "v2", "v3", "v4", "v5"])
    }

    @Test func aVersion2DatabaseKeepsItsReceiptsAndLearnsWithdrawals() async throws {
        let directory = try TemporaryDirectory()
        do { // what a version-2 build left behind: a rating and a like, with their receipts
            try FileManager.default.createDirectory(atPath: (directory.databasePath as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            let old = try DatabaseQueue(path: directory.databasePath)
            try StoreSchema.makeMigrator().migrate(old, upTo: "v2")
        }
        let store = try Store(configuration: StorageConfiguration(path: directory.databasePath))
        _ = try store.importCampaign(Fixtures.campaign())
        let writer = store.makeWriter()
        defer { writer.shutdown() }
        #expect(await writer.outcome(of: Fixtures.rate(1, .satisfied, id: "old-rate")).applied != nil)
        #expect(await writer.outcome(of: Fixtures.like(1, id: "old-like")).applied != nil)
        writer.shutdown()

        // Reopened: the migration to v3 ran before those writes; open it again to check what it rebuilt.
        let reopened = try Store(configuration: StorageConfiguration(path: directory.databasePath))
        let again = reopened.makeWriter()
        defer { again.shutdown() }
        guard case .duplicate(let receipt) = await again.outcome(of: Fixtures.rate(1, .satisfied, id: "old-rate")) else {
            Issue.record("a receipt written before v3 still answers a retry")
            return
        }
        #expect(receipt.action == .rate)
        guard case .duplicate(let like) = await again.outcome(of: Fixtures.like(1, id: "old-like")) else {
            Issue.record("a like's receipt still answers a retry")
            return
        }
        #expect(like.action == .like && like.liked == true)
        let withdrawn = await again.outcome(of: .withdraw(citizen: Fixtures.citizen(1), project: "school-a", clientID: Fixtures.clientID("w"), at: Fixtures.now))
        #expect(withdrawn.applied?.change.leftParticipant == true)
        #expect(try reopened.verify() == [])
        #expect(try reopened.receiptCount() == 3)
    }

    @Test func aVersion1DatabaseGainsTheReceiptIndexAndKeepsItsRows() async throws {
        let directory = try TemporaryDirectory()
        do { // what a version-1 build left behind
            try FileManager.default.createDirectory(atPath: (directory.databasePath as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            let old = try DatabaseQueue(path: directory.databasePath)
            try StoreSchema.makeMigrator().migrate(old, upTo: "v1")
            #expect(try await old.read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations") } == ["v1"])
        }
        let first = try Store(configuration: StorageConfiguration(path: directory.databasePath))
        _ = try first.importCampaign(Fixtures.campaign())
        let writer = first.makeWriter()
        #expect(await writer.outcome(of: Fixtures.rate(1, .satisfied, id: "kept")).applied != nil)
        writer.shutdown()

        let (migrations, index, plan) = try await first.database.read { db in
            (
                try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid"),
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'applied_action' AND sql IS NOT NULL"),
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT citizen FROM applied_action WHERE applied_at < 5 ORDER BY applied_at LIMIT 10")
                    .map { $0["detail"] as String }
            )
        }
        #expect(migrations == ["v1", "v2", "v3", "v4", "v5"])
        #expect(index == ["applied_action_by_time"])
        #expect(plan.contains { $0.contains("applied_action_by_time") }, "pruning reads the index: \(plan)")
        #expect(try first.receiptCount() == 1)
        // Opened again, with nothing left to migrate.
        #expect(try Store(configuration: StorageConfiguration(path: directory.databasePath)).receiptCount() == 1)
    }

    @Test func aFileDatabaseUsesWALWithFullSyncAndForeignKeys() throws {
        let test = try TestStore(.file, importFixture: false)
        let (journal, synchronous, foreignKeys) = try test.store.database.writeWithoutTransaction { db in
            (
                try String.fetchOne(db, sql: "PRAGMA journal_mode"),
                try Int.fetchOne(db, sql: "PRAGMA synchronous"),
                try Int.fetchOne(db, sql: "PRAGMA foreign_keys")
            )
        }
        #expect(journal == "wal")
        #expect(synchronous == 2)       // FULL
        #expect(foreignKeys == 1)
    }

    @Test func synchronousNormalIsAChoice() throws {
        let directory = try TemporaryDirectory()
        let store = try Store(configuration: StorageConfiguration(path: directory.databasePath, synchronousFull: false))
        #expect(try store.database.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == 1)
    }

    @Test func createsTheParentDirectory() throws {
        let directory = try TemporaryDirectory()
        _ = try Store(configuration: StorageConfiguration(path: directory.databasePath))
        #expect(FileManager.default.fileExists(atPath: directory.databasePath))
    }

    @Test func aFailedMigrationIsNamedAndLeavesTheDataAlone() throws {
        let directory = try TemporaryDirectory()
        let path = directory.url.appendingPathComponent("old.sqlite").path
        // A database that already has a `campaign` table of its own: v1 cannot create it.
        let foreign = try DatabaseQueue(path: path)
        try foreign.write { db in
            try db.execute(sql: "CREATE TABLE campaign (name TEXT); INSERT INTO campaign VALUES ('precious')")
        }
        try foreign.close()

        do {
            _ = try Store(configuration: StorageConfiguration(path: path))
            Issue.record("opened a database whose migration fails")
        } catch let error as StorageError {
            guard case .migrationFailed(let migration, _, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(migration == "v1")
            #expect(error.description.contains("migration \"v1\" failed"))
        }
        let check = try DatabaseQueue(path: path)
        #expect(try check.read { try String.fetchAll($0, sql: "SELECT name FROM campaign") } == ["precious"])
        #expect(try check.read { try $0.tableExists("rating") } == false)
    }

    @Test func refusesADatabaseMigratedByANewerVersion() throws {
        let test = try TestStore(.file)
        try test.store.database.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v2-from-the-future')")
        }
        #expect {
            _ = try test.reopen()
        } throws: { error in
            guard case StorageError.unknownMigrations(_, let migrations) = error else { return false }
            return migrations == ["v2-from-the-future"]
        }
        // Nothing was touched.
        #expect(try test.store.campaigns().count == 1)
    }

    /// The schema itself refuses what the domain refuses: a bug elsewhere cannot store it.
    @Test(arguments: [
        ("level 6", "INSERT INTO rating VALUES (1, 1, 6, NULL, 0, 0)"),
        ("level 0", "INSERT INTO rating VALUES (1, 1, 0, NULL, 0, 0)"),
        ("empty suggestion", "INSERT INTO rating VALUES (1, 1, 3, '', 0, 0)"),
        ("501-character suggestion", "INSERT INTO rating VALUES (1, 1, 3, printf('%.501c', 'a'), 0, 0)"),
        ("updated before created", "INSERT INTO rating VALUES (1, 1, 3, NULL, 10, 9)"),
        ("rating of an unknown project", "INSERT INTO rating VALUES (1, 999, 3, NULL, 0, 0)"),
        ("rating of an unknown citizen", "INSERT INTO rating VALUES (999, 1, 3, NULL, 0, 0)"),
        ("citizen token of 21 characters", "INSERT INTO citizen (token, created_at) VALUES ('AAAAAAAAAAAAAAAAAAAAA', 0)"),
        ("citizen token with '+'", "INSERT INTO citizen (token, created_at) VALUES ('AAAAAAAAAAAAAAAAAAAA+A', 0)"),
        ("negative tally", "UPDATE tally SET level3 = level3 - 1"),
        ("negative likes", "UPDATE tally SET likes = -1"),
        ("negative participants", "UPDATE campaign_tally SET participants = -1"),
        ("window closing before it opens", "UPDATE campaign SET closes_at = opens_at"),
        ("four level labels", "UPDATE campaign SET level_labels = '[1,2,3,4]'"),
        ("slug with a capital", "UPDATE project SET slug = 'School-a' WHERE id = 1"),
        ("second project with the same slug", "UPDATE project SET slug = 'bus-12' WHERE id = 1"),
        ("client id with a space", "INSERT INTO applied_action VALUES (1, 'a b', 1, 'rate', 3, NULL, NULL, NULL, 0, 0, 0, 0)"),
        ("like receipt with a level", "INSERT INTO applied_action VALUES (1, 'x', 1, 'like', 3, NULL, 1, NULL, 1, 0, 0, 0)"),
        ("second server secret", "INSERT INTO server_secret VALUES (2, zeroblob(32))"),
        ("short server secret", "INSERT INTO server_secret VALUES (1, zeroblob(16))"),
        ("text in an integer column (STRICT)", "UPDATE campaign SET opens_at = 'soon'"),
    ])
    /// SQLite's own SQL (printf, zeroblob, STRICT); PostgresSchemaTests checks that PostgreSQL refuses the same rows.
    func constraintsLiveInTheSchema(_ rule: String, _ sql: String) throws {
        let test = try TestStore(.inMemory)
        try test.store.database.write { db in
            try db.execute(sql: "INSERT INTO citizen (id, token, created_at) VALUES (1, 'AAAAAAAAAAAAAAAAAAAAAA', 0)")
        }
        #expect(throws: DatabaseError.self, "\(rule)") {
            try test.store.database.write { db in try db.execute(sql: sql) }
        }
    }
}

import Foundation
import GRDB
import PostgresClient
@testable import Storage
import Testing
import TestSupport
import Transport

/// The PostgreSQL schema is the SQLite schema in another dialect: the same migrations by name, the same tables and
/// columns, and the same rows refused — checked here against a real PostgreSQL (`TestPostgres`) beside an in-memory
/// SQLite database, row for row.
@Suite struct PostgresSchemaTests {
    @Test func shippedMigrationsAreFrozenAndNamedAsSQLitesAre() {
        let shipped: [String: UInt64] = ["v1": 4_527_037_158_249_701_095, "v2": 17_611_902_528_797_344_971,
                                        "v3": 2_475_807_310_447_738_858, "v4": 16_618_325_414_675_969_093,
                                        "v5": 985_910_421_850_550_995, "pg1": 5_355_464_532_412_257_175]
        for migration in PostgresSchema.migrations {
            #expect(shipped[migration.name] == StoreSchemaTests.fnv1a(migration.sql), "migration \(migration.name) was edited")
        }
        // SQLite's five, by name, then PostgreSQL's own (the change feed between nodes).
        #expect(PostgresSchema.migrations.map(\.name) == StoreSchema.migrations.map(\.name) + ["pg1"])
    }

    @Test func statementsSplitAtSemicolonsOutsideQuotesAndComments() {
        let sql = """
            CREATE TABLE a (x text CHECK (x <> ';')); -- a comment; with a semicolon
            INSERT INTO "b;c" VALUES ('it''s; fine');
            SELECT 1
            """
        #expect(SQLStatements.split(sql) == [
            "CREATE TABLE a (x text CHECK (x <> ';'))",
            "-- a comment; with a semicolon\nINSERT INTO \"b;c\" VALUES ('it''s; fine')",
            "SELECT 1",
        ])
    }

    /// Rows both databases must take, in order: what the refused rows below are checked against.
    static let setup = [
        """
        INSERT INTO campaign (id, title_zh, title_en, opens_at, closes_at, time_zone, level_labels)
            VALUES ('demo-2026', '实事', 'Projects', 0, 1000, 'Asia/Shanghai', '["1","2","3","4","5"]')
        """,
        """
        INSERT INTO project (id, campaign, slug, position, title_zh, title_en, department_zh, department_en, summary_zh,
            summary_en, promised_zh, promised_en, done_zh, done_en)
            VALUES (1, 'demo-2026', 'new-schools', 0, '学校', 'Schools', '教育局', 'Education', '概要', 'Summary', '承诺',
                'Promised', '完成', 'Done')
        """,
        "INSERT INTO tally (project) VALUES (1)",
        "INSERT INTO citizen (id, token, created_at) VALUES (1, 'abcdefghijklmnopqrstuv', 5)",
        "INSERT INTO rating (citizen, project, level, suggestion, created_at, updated_at) VALUES (1, 1, 5, '很好', 5, 5)",
        """
        INSERT INTO applied_action (citizen, client_id, project, kind, level, suggestion, liked, old_level, likes_delta,
            suggestions_delta, new_participant, left_participant, applied_at)
            VALUES (1, 'w-1', 1, 'withdraw', NULL, NULL, NULL, 5, 0, -1, 0, 1, 6)
        """,
        "INSERT INTO department (id, name_zh, name_en, triage) VALUES ('mayors-office', '市长办公室', 'Mayor''s office', 1)",
        """
        INSERT INTO staff_user (id, name, display_name, role, password_hash, created_at, password_changed_at)
            VALUES (1, 'li.wei', 'Li Wei', 'staff', 'scrypt$x', 1, 1)
        """,
        """
        INSERT INTO thread (id, code, citizen, client_id, kind, subject, status, department, publish, created_at, updated_at)
            VALUES (1, '23456789AB', 1, 'c-1', 'enquiry', 'Bus 12', 'new', 'mayors-office', 0, 1, 1)
        """,
        "INSERT INTO thread_entry (thread, seq, kind, citizen, client_id, body, created_at) VALUES (1, 1, 'citizen', 1, 'c-1', '你好', 1)",
    ]

    /// Each row breaks one rule of the schema; both databases must refuse it.
    static let refused: [(rule: String, sql: String)] = [
        ("a campaign id in capitals", """
            INSERT INTO campaign (id, title_zh, title_en, opens_at, closes_at, time_zone, level_labels)
                VALUES ('Demo', 'x', 'x', 0, 1, 'UTC', '["1","2","3","4","5"]')
            """),
        ("four level labels", """
            INSERT INTO campaign (id, title_zh, title_en, opens_at, closes_at, time_zone, level_labels)
                VALUES ('four', 'x', 'x', 0, 1, 'UTC', '["1","2","3","4"]')
            """),
        ("a campaign that closes before it opens", """
            INSERT INTO campaign (id, title_zh, title_en, opens_at, closes_at, time_zone, level_labels)
                VALUES ('backwards', 'x', 'x', 5, 5, 'UTC', '["1","2","3","4","5"]')
            """),
        ("a token of 21 characters", "INSERT INTO citizen (token, created_at) VALUES ('abcdefghijklmnopqrstu', 1)"),
        ("a token with a '!'", "INSERT INTO citizen (token, created_at) VALUES ('abcdefghijklmnopqrstu!', 1)"),
        ("the same token twice", "INSERT INTO citizen (token, created_at) VALUES ('abcdefghijklmnopqrstuv', 1)"),
        ("level 6", "INSERT INTO rating (citizen, project, level, created_at, updated_at) VALUES (1, 1, 6, 1, 1)"),
        ("a second rating of the same project", "INSERT INTO rating (citizen, project, level, created_at, updated_at) VALUES (1, 1, 4, 1, 1)"),
        ("an empty suggestion", "UPDATE rating SET suggestion = '' WHERE citizen = 1"),
        ("a rating of a project that does not exist", "INSERT INTO rating (citizen, project, level, created_at, updated_at) VALUES (1, 99, 4, 1, 1)"),
        ("a tally below zero", "UPDATE tally SET level3 = level3 - 1 WHERE project = 1"),
        ("a like receipt with a level", """
            INSERT INTO applied_action (citizen, client_id, project, kind, level, liked, likes_delta, suggestions_delta,
                new_participant, applied_at) VALUES (1, 'l-1', 1, 'like', 3, 1, 1, 0, 0, 1)
            """),
        ("a withdrawal that gains a participant", """
            INSERT INTO applied_action (citizen, client_id, project, kind, old_level, likes_delta, suggestions_delta,
                new_participant, applied_at) VALUES (1, 'w-2', 1, 'withdraw', 4, 0, 0, 1, 1)
            """),
        ("a client id with a space", """
            INSERT INTO applied_action (citizen, client_id, project, kind, level, likes_delta, suggestions_delta,
                new_participant, applied_at) VALUES (1, 'a b', 1, 'rate', 3, 0, 0, 0, 1)
            """),
        ("a user name with a space", """
            INSERT INTO staff_user (name, display_name, role, password_hash, created_at, password_changed_at)
                VALUES ('li wei', 'Li', 'staff', 'x', 1, 1)
            """),
        ("a role that does not exist", """
            INSERT INTO staff_user (name, display_name, role, password_hash, created_at, password_changed_at)
                VALUES ('wang', 'Wang', 'mayor', 'x', 1, 1)
            """),
        ("a membership of a department that does not exist", "INSERT INTO staff_membership (\"user\", department) VALUES (1, 'nowhere')"),
        ("a query code with an O", """
            INSERT INTO thread (code, citizen, client_id, kind, subject, status, department, publish, created_at, updated_at)
                VALUES ('23456789AO', 1, 'c-2', 'enquiry', 'x', 'new', 'mayors-office', 0, 1, 1)
            """),
        ("an invalid thread without a reason", "UPDATE thread SET status = 'invalid' WHERE id = 1"),
        ("the same letter twice (citizen, client id)", """
            INSERT INTO thread (code, citizen, client_id, kind, subject, status, department, publish, created_at, updated_at)
                VALUES ('3456789ABC', 1, 'c-1', 'enquiry', 'x', 'new', 'mayors-office', 0, 1, 1)
            """),
        ("a citizen's entry without a body", "INSERT INTO thread_entry (thread, seq, kind, citizen, created_at) VALUES (1, 2, 'citizen', 1, 1)"),
        ("a citizen's message sent twice (citizen, client id)", """
            INSERT INTO thread_entry (thread, seq, kind, citizen, client_id, body, created_at) VALUES (1, 2, 'citizen', 1, 'c-1', 'again', 1)
            """),
        ("entry number 0", "INSERT INTO thread_entry (thread, seq, kind, event, created_at) VALUES (1, 0, 'event', 'x', 1)"),
        ("a satisfaction of 0", "UPDATE thread SET satisfaction = 0 WHERE id = 1"),
        ("a follow-up of both a letter and a rating", """
            INSERT INTO follow_up (thread, citizen, project, department, level, opened_at) VALUES (1, 1, 1, 'mayors-office', 1, 1)
            """),
        ("a rejection without a category", """
            INSERT INTO public_version (id, thread, revision, author, client_id, question, answer, submitted_at, status)
                VALUES (1, 1, 1, 1, 'v-1', 'Q', 'A', 1, 'pending');
            INSERT INTO moderation_decision (version, action, moderator, client_id, note, at) VALUES (1, 'rejected', 1, 'd-1', 'n', 1)
            """),
        ("an approved version without its published texts", """
            INSERT INTO public_version (thread, revision, author, client_id, question, answer, submitted_at, status)
                VALUES (1, 2, 1, 'v-2', 'Q', 'A', 1, 'approved')
            """),
        ("a screening word of 65 characters", """
            INSERT INTO word_rule (word, action, added_by, added_at) VALUES ('\(String(repeating: "x", count: 65))', 'block', 'admin', 1)
            """),
    ]

    @Test(.enabled(if: TestPostgres.isAvailable, "needs PostgreSQL: set LASTWORD_TEST_POSTGRES_URL or install Debian's postgresql"))
    func bothDatabasesTakeTheSameRowsAndRefuseTheSameRows() throws {
        let sqlite = try DatabaseQueue()
        try StoreSchema.makeMigrator().migrate(sqlite)
        let postgres = try PostgresTestDatabase()
        defer { postgres.close() }
        try PostgresMigrator.migrate(postgres.connection, database: "test")

        for sql in Self.setup {
            try sqlite.write { try $0.execute(sql: sql) }
            _ = try postgres.connection.querySync(sql)
        }
        for (rule, sql) in Self.refused {
            // Each in a transaction that is rolled back, so one refusal does not depend on another's rows.
            let sqliteRefused = (try? sqlite.inTransaction { db in
                for statement in SQLStatements.split(sql) { try db.execute(sql: statement) }
                return .rollback
            }) == nil
            var statements: [(sql: String, parameters: [PostgresParameter])] = [("BEGIN", [])]
            statements += SQLStatements.split(sql).map { ($0, []) }
            let results = postgres.connection.pipelineSync(statements)
            let postgresError = results.lazy.compactMap { result -> PostgresError? in
                if case .failure(let error) = result { return error }
                return nil
            }.first
            _ = try postgres.connection.querySync("ROLLBACK")
            #expect(sqliteRefused, "SQLite took \(rule)")
            #expect(postgresError != nil, "PostgreSQL took \(rule)")
            if let postgresError {
                // Refused by a rule of the schema (class 23: check, unique, foreign key, not null), or for JSON that
                // does not parse, by the cast inside the check; never for SQL PostgreSQL does not understand.
                #expect(postgresError.isConstraintViolation || postgresError.sqlState == "22P02",
                        "PostgreSQL refused \(rule) for another reason: \(postgresError)")
            }
        }
    }

    @Test(.enabled(if: TestPostgres.isAvailable, "needs PostgreSQL: set LASTWORD_TEST_POSTGRES_URL or install Debian's postgresql"))
    func bothDatabasesHaveTheSameTablesAndColumns() throws {
        let sqlite = try DatabaseQueue()
        try StoreSchema.makeMigrator().migrate(sqlite)
        let postgres = try PostgresTestDatabase()
        defer { postgres.close() }
        try PostgresMigrator.migrate(postgres.connection, database: "test")

        let sqliteColumns = try sqlite.read { db in
            try Row.fetchAll(db, sql: """
                SELECT m.name, p.name FROM sqlite_schema m, pragma_table_info(m.name) p
                WHERE m.type = 'table' AND m.name NOT LIKE 'grdb%' ORDER BY m.name, p.name
                """).map { "\($0[0] as String).\($0[1] as String)" }
        }
        let postgresColumns = try postgres.connection.querySync("""
            SELECT table_name, column_name FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name NOT IN ('lastword_migration', 'change_feed', 'change_feed_head') ORDER BY table_name COLLATE "C", column_name COLLATE "C"
            """).rows.map { "\($0.string(0)!).\($0.string(1)!)" }
        #expect(postgresColumns == sqliteColumns)
    }

    @Test(.enabled(if: TestPostgres.isAvailable, "needs PostgreSQL: set LASTWORD_TEST_POSTGRES_URL or install Debian's postgresql"))
    func migratingTwiceChangesNothingAndANewerDatabaseIsRefused() throws {
        let postgres = try PostgresTestDatabase()
        defer { postgres.close() }
        try PostgresMigrator.migrate(postgres.connection, database: "test")
        try PostgresMigrator.migrate(postgres.connection, database: "test")
        let applied = try postgres.connection.querySync("SELECT name FROM lastword_migration ORDER BY position").rows.map { $0.string(0) }
        #expect(applied == ["v1", "v2", "v3", "v4", "v5", "pg1"])

        _ = try postgres.connection.querySync("INSERT INTO lastword_migration (position, name) VALUES (6, 'v6')")
        #expect {
            try PostgresMigrator.migrate(postgres.connection, database: "test")
        } throws: { error in
            (error as? StorageError)?.description.contains("unknown migrations: v6") == true
        }
    }

    @Test(.enabled(if: TestPostgres.isAvailable, "needs PostgreSQL: set LASTWORD_TEST_POSTGRES_URL or install Debian's postgresql"))
    func aFailedMigrationLeavesNothingOfItself() throws {
        let postgres = try PostgresTestDatabase()
        defer { postgres.close() }
        let broken = PostgresSchema.migrations.prefix(1) + [
            StoreSchema.Migration(name: "v2", sql: "CREATE TABLE half_done (x bigint); INSERT INTO no_such_table VALUES (1)"),
        ]
        #expect {
            try PostgresMigrator.migrate(postgres.connection, database: "test", migrations: Array(broken))
        } throws: { error in
            let text = (error as? StorageError)?.description ?? ""
            return text.contains("migration \"v2\" failed") && text.contains("no_such_table")
        }
        let tables = try postgres.connection.querySync("SELECT to_regclass('half_done') IS NULL, to_regclass('campaign') IS NOT NULL").rows
        #expect(tables.first?.bool(0) == true) // v2's first statement was undone with it
        #expect(tables.first?.bool(1) == true) // v1 stays
        let applied = try postgres.connection.querySync("SELECT name FROM lastword_migration").rows.map { $0.string(0) }
        #expect(applied == ["v1"])
    }
}

/// A database of its own on the test PostgreSQL, with one connection on a loop of its own.
struct PostgresTestDatabase {
    let loop = EventLoop(index: 900)
    let connection: PostgresConnection

    init() throws {
        let url = try TestPostgres.freshDatabase()
        connection = try PostgresConnection.connectSync(url: url, on: loop)
    }

    func close() {
        connection.close()
    }
}

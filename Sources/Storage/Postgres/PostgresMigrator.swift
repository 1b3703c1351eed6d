import Foundation
import PostgresClient

/// Brings a PostgreSQL database to the schema this build knows (`PostgresSchema.migrations`), the way `Store.migrate`
/// does for SQLite: each pending migration in its own transaction, recorded in `lastword_migration` in that same
/// transaction; a database migrated by a newer build is refused; nothing is ever erased.
///
/// Several nodes may start at once against one empty database: the first takes a session-level advisory lock and
/// migrates, the others wait on the lock, then find nothing pending.
enum PostgresMigrator {
    /// An arbitrary constant that names LastWord's migration lock among the database's advisory locks.
    static let lockKey: Int64 = 0x4C57_4D49_4752 // "LWMIGR"

    /// `database`: how errors name the database (its URL without a password).
    static func migrate(_ connection: PostgresConnection, database: String,
                        migrations: [StoreSchema.Migration] = PostgresSchema.migrations) throws(StorageError) {
        func run(_ sql: String, _ parameters: [PostgresParameter] = []) throws(StorageError) -> PostgresResult {
            do {
                return try connection.querySync(sql, parameters)
            } catch {
                throw .openFailed(path: database, reason: error.description)
            }
        }
        _ = try run("SELECT pg_advisory_lock($1)", [.int(lockKey)])
        defer { _ = try? connection.querySync("SELECT pg_advisory_unlock($1)", [.int(lockKey)]) }
        _ = try run(PostgresSchema.migrationsTable)
        let applied = try run("SELECT name FROM lastword_migration ORDER BY position").rows.compactMap { $0.string(0) }
        let known = Set(migrations.map(\.name))
        let unknown = applied.filter { !known.contains($0) }
        guard unknown.isEmpty else { throw .unknownMigrations(path: database, migrations: unknown) }
        for (position, migration) in migrations.enumerated() where !applied.contains(migration.name) {
            var statements: [(sql: String, parameters: [PostgresParameter])] = [("BEGIN", [])]
            statements += SQLStatements.split(migration.sql).map { ($0, []) }
            statements.append(("INSERT INTO lastword_migration (position, name) VALUES ($1, $2)",
                               [.int(Int64(position)), .text(migration.name)]))
            statements.append(("COMMIT", []))
            let results = connection.pipelineSync(statements)
            if let failure = results.lazy.compactMap({ result -> PostgresError? in
                if case .failure(let error) = result { return error }
                return nil
            }).first {
                // A failed statement aborts the pipeline, and with it the transaction: nothing of it stays. The
                // connection is left in a clean state for the next use.
                _ = try? connection.querySync("ROLLBACK")
                throw .migrationFailed(migration: migration.name, path: database, reason: failure.description)
            }
        }
    }
}

/// Splits a migration's SQL into its statements for the extended query protocol, which takes one statement per
/// query: at each `;` outside quotes ('…', "…") and comments (`-- …`). Our migrations have no function bodies
/// (dollar quoting), which this does not handle; a test pins that every migration splits into statements that run.
enum SQLStatements {
    static func split(_ sql: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var quote: Character?
        var inComment = false
        for character in sql {
            if inComment {
                if character == "\n" { inComment = false }
                current.append(character)
                continue
            }
            if let open = quote {
                if character == open { quote = nil }
                current.append(character)
                continue
            }
            switch character {
            case "'", "\"":
                quote = character
                current.append(character)
            case "-" where current.last == "-":
                inComment = true
                current.append(character)
            case ";":
                let statement = current.trimmingCharacters(in: .whitespacesAndNewlines)
                if !statement.isEmpty { statements.append(statement) }
                current = ""
            default:
                current.append(character)
            }
        }
        let rest = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty { statements.append(rest) }
        return statements
    }
}

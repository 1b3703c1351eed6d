import FoundationEssentials
import Glibc

/// Which database the whole suite's storage and application tests run on: `LASTWORD_TEST_DATABASE=sqlite` (the
/// default) or `postgres` (a fresh database per store on the test server, `TestPostgres`). With `postgres` and no
/// PostgreSQL to run on, the test process stops with the reason: a run meant for PostgreSQL never passes on SQLite, nor
/// skips.
///
/// Tests about SQLite itself (its files, pragmas, WAL, backups, restore, the database lock) stay on SQLite and say so;
/// under `postgres` the application's are skipped with their reason:
///
///     @Test(.enabled(if: TestDatabase.engine == .sqlite, "about SQLite's backup files"))
package enum TestDatabase {
    package enum Engine: String, Sendable, CustomStringConvertible {
        case sqlite, postgres
        package var description: String { rawValue }
    }

    /// The engine `LASTWORD_TEST_DATABASE` names; another value stops the test process.
    package static let engine: Engine = {
        let value = ProcessInfo.processInfo.environment["LASTWORD_TEST_DATABASE"] ?? ""
        if value.isEmpty { return .sqlite }
        guard let engine = Engine(rawValue: value.lowercased()) else {
            fail("LASTWORD_TEST_DATABASE=\(value): expected sqlite (the default) or postgres")
        }
        if engine == .postgres { TestPostgres.require(because: "LASTWORD_TEST_DATABASE=postgres") }
        return engine
    }()

    /// Where a test's database lives: `sqliteFile` on SQLite, a new database of its own on PostgreSQL. `migrate`, given
    /// a PostgreSQL URL, migrates that database (opens a `Store` on it and closes its connections): then every new
    /// database is a copy of one migrated once (`TestPostgres.freshDatabase(template:preparedBy:)`).
    package static func location(sqliteFile: String, migrate: ((String) throws -> Void)? = nil) -> String {
        switch engine {
        case .sqlite:
            return sqliteFile
        case .postgres:
            do {
                guard let migrate else { return try TestPostgres.freshDatabase() }
                return try TestPostgres.freshDatabase(template: "migrated", preparedBy: migrate)
            } catch {
                fail("LASTWORD_TEST_DATABASE=postgres, but no database could be made: \(error)")
            }
        }
    }

    /// Stops the test process with `message` on stderr (Swift Testing reports a crash, never a skip).
    static func fail(_ message: String) -> Never {
        let line = Array("TestDatabase: \(message)\n".utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        fatalError(message)
    }
}

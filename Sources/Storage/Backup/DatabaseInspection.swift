import GRDB

/// Reads what a copy of the database holds and checks it, through a connection of the caller's: SQLite's integrity
/// and foreign-key checks, the migrations against this build's, the schema against what those migrations make, and
/// the tallies against the ratings (the recomputation `lastword verify` makes).
enum DatabaseInspection {
    /// Problems SQLite's checks list at most (the first few say enough; a badly damaged file lists thousands).
    static let maxProblems = 20

    /// Throws `BackupError.damaged` when SQLite's checks find anything, and `.notLastWord` for an SQLite database
    /// without LastWord's migrations table; otherwise reports, for the caller to decide.
    static func summary(_ db: Database, path: String, bytes: Int64) throws -> DatabaseSummary {
        let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check(\(maxProblems))")
        guard integrity == ["ok"] else { throw BackupError.damaged(path: path, problems: integrity) }
        let foreignKeys = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").prefix(maxProblems).map { row in
            "a row of \(row[0] as String? ?? "?") (rowid \(row[1] as Int64? ?? 0)) refers to a missing row of \(row[2] as String? ?? "?")"
        }
        guard foreignKeys.isEmpty else { throw BackupError.damaged(path: path, problems: foreignKeys) }
        guard try db.tableExists("grdb_migrations") else { throw BackupError.notLastWord(path: path) }

        let migrations = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
        let known = StoreSchema.migrations.map(\.name)
        let unknown = migrations.filter { !known.contains($0) }
        var summary = DatabaseSummary(path: path, bytes: bytes, migrations: migrations, unknownMigrations: unknown,
                                      pendingMigrations: known.filter { !migrations.contains($0) }, schemaDifferences: [],
                                      tallyDiscrepancies: [], counts: try counts(db))
        guard unknown.isEmpty else { return summary }
        // GRDB applies migrations in order: what a LastWord database has is always the first few.
        guard migrations == Array(known.prefix(migrations.count)) else {
            summary.schemaDifferences = ["its migrations are \(migrations.joined(separator: ", ")), not the first \(migrations.count) of "
                                         + known.joined(separator: ", ")]
            return summary
        }
        summary.schemaDifferences = try schemaDifferences(db, upTo: migrations.last)
        if summary.schemaDifferences.isEmpty {
            summary.tallyDiscrepancies = try Store.discrepancies(GRDBConnection(db: db))
        }
        return summary
    }

    /// The file's tables, columns and indexes against those of an empty database given the same migrations, so a
    /// copy whose migrations are known but whose schema was changed by hand is not taken for LastWord's. Compared by
    /// structure (names, column types, constraints' flags), not by SQL text, which SQLite rewrites on ALTER TABLE.
    static func schemaDifferences(_ db: Database, upTo migration: String?) throws -> [String] {
        let expected: [String]
        let reference = try DatabaseQueue()
        if let migration {
            try StoreSchema.makeMigrator().migrate(reference, upTo: migration)
        }
        expected = try reference.read { try structure($0) }
        let found = try structure(db)
        let foundSet = Set(found)
        let expectedSet = Set(expected)
        return expected.filter { !foundSet.contains($0) }.map { "missing \($0)" }
            + found.filter { !expectedSet.contains($0) }.map { "unexpected \($0)" }
    }

    /// One line per table (with its columns), index, view and trigger, sorted.
    static func structure(_ db: Database) throws -> [String] {
        var lines: [String] = []
        let objects = try Row.fetchAll(db, sql: """
            SELECT type, name, tbl_name FROM sqlite_schema
            WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> 'grdb_migrations'
            ORDER BY type, name
            """)
        for object in objects {
            let type: String = object[0]
            let name: String = object[1]
            let table: String = object[2]
            guard type == "table" else {
                var line = "\(type) \(name) on \(table)"
                if type == "index" {
                    let columns = try String.fetchAll(db, sql: "SELECT coalesce(name, '<expression>') FROM pragma_index_info(?) ORDER BY seqno",
                                                      arguments: [name])
                    let unique = try Bool.fetchOne(db, sql: "SELECT \"unique\" FROM pragma_index_list(?) WHERE name = ?",
                                                   arguments: [table, name]) ?? false
                    line += "(\(columns.joined(separator: ", ")))\(unique ? " unique" : "")"
                }
                lines.append(line)
                continue
            }
            let columns = try Row.fetchAll(db, sql: "SELECT name, type, \"notnull\", pk FROM pragma_table_xinfo(?) ORDER BY cid",
                                           arguments: [name]).map { column in
                "\(column[0] as String) \(column[1] as String)\((column[2] as Bool) ? " not null" : "")"
                    + ((column[3] as Int) > 0 ? " key" : "")
            }
            let strict = try Bool.fetchOne(db, sql: "SELECT strict FROM pragma_table_list WHERE name = ? AND schema = 'main'",
                                           arguments: [name]) ?? false
            lines.append("table \(name)(\(columns.joined(separator: ", ")))\(strict ? " strict" : "")")
        }
        return lines.sorted()
    }

    static func counts(_ db: Database) throws -> DatabaseSummary.Counts {
        // For the operator's information: a table a schema does not have (or has differently, in a newer one) counts 0.
        func count(_ table: String, _ condition: String = "") throws -> Int {
            guard try db.tableExists(table) else { return 0 }
            return (try? Int.fetchOne(db, sql: "SELECT count(*) FROM \"\(table)\" \(condition)")) ?? 0
        }
        var counts = DatabaseSummary.Counts()
        counts.campaigns = try count("campaign")
        counts.projects = try count("project")
        counts.ratings = try count("rating")
        counts.likes = try count("like")
        counts.letters = try count("thread")
        counts.messages = try count("thread_entry", "WHERE kind IN ('citizen', 'staff')")
        counts.staffAccounts = try count("staff_user")
        return counts
    }
}

import GRDB
import PostgresClient

extension Store {
    /// Runs `body` on a reading connection. SQLite: one snapshot for the whole read (WAL). PostgreSQL: each statement
    /// sees what was committed when it began (READ COMMITTED, outside a transaction): a read of several statements
    /// may see a write land between them, as on any node of several.
    func read<Value>(_ body: (any SQLConnection) throws -> Value) throws -> Value {
        if let postgres {
            return try postgres.pool.withConnection { connection in try body(PostgresSQLConnection(connection: connection)) }
        }
        return try database.read { db in try body(GRDBConnection(db: db)) }
    }

    /// Runs `body` in a transaction of its own, committed when it returns and rolled back when it throws.
    func write<Value>(_ body: (any SQLConnection) throws -> Value) throws -> Value {
        if let postgres { return try postgres.transaction("BEGIN", body) }
        return try database.write { db in try body(GRDBConnection(db: db)) }
    }

    /// Runs `body` on one snapshot of the database, however many statements it reads: SQLite's read (WAL) or a
    /// PostgreSQL transaction at REPEATABLE READ, read only.
    func snapshot<Value>(_ body: (any SQLConnection) throws -> Value) throws -> Value {
        guard let postgres else { return try read(body) }
        return try postgres.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }
}

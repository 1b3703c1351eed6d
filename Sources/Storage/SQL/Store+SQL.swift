import GRDB

extension Store {
    /// Runs `body` on a reading connection: it sees the database as of one moment (SQLite's snapshot in WAL mode;
    /// PostgreSQL's single statement, or a read-only transaction when several statements must agree).
    func read<Value>(_ body: (any SQLConnection) throws -> Value) throws -> Value {
        try database.read { db in try body(GRDBConnection(db: db)) }
    }

    /// Runs `body` in a transaction of its own, committed when it returns and rolled back when it throws.
    func write<Value>(_ body: (any SQLConnection) throws -> Value) throws -> Value {
        try database.write { db in try body(GRDBConnection(db: db)) }
    }
}

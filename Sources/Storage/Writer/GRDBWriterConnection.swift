import GRDB

/// SQLite's writer connection: GRDB's writing `Database`, outside any transaction of GRDB's own
/// (`writeWithoutTransaction`); the writer begins and commits its transactions itself. The write path's statements are
/// GRDB's cached statements, run through the SQLite C API (`RawStatement`).
struct GRDBWriterConnection: WriterConnection {
    let db: Database
    private let connection: GRDBConnection

    init(_ db: Database) {
        self.db = db
        connection = GRDBConnection(db: db)
    }

    var dialect: SQLDialect { .sqlite }

    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        try connection.rows(sql, arguments)
    }

    func forEachRow(_ sql: String, _ arguments: [SQLValue], _ body: (SQLRow) throws -> Void) throws {
        try connection.forEachRow(sql, arguments, body)
    }

    @discardableResult
    func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
        try connection.execute(sql, arguments)
    }

    func prepare(_ sql: String) throws -> RawStatement {
        do {
            return try RawStatement(db, sql: sql)
        } catch let error as DatabaseError {
            throw GRDBConnection.error(error)
        }
    }

    /// `BEGIN IMMEDIATE`: the write lock is taken at once, so no statement of the batch meets SQLITE_BUSY halfway.
    func begin() throws {
        try grdb { try db.beginTransaction(.immediate) }
    }

    func commit() throws {
        try grdb { try db.commit() }
    }

    func rollback() throws {
        try grdb { try db.rollback() }
    }

    func savepoint(_ name: String) throws {
        try prepare("SAVEPOINT \(name)").run()
    }

    func releaseSavepoint(_ name: String) throws {
        try prepare("RELEASE SAVEPOINT \(name)").run()
    }

    func rollbackToSavepoint(_ name: String) throws {
        try prepare("ROLLBACK TO SAVEPOINT \(name)").run()
    }

    var isInsideTransaction: Bool { db.isInsideTransaction }

    private func grdb(_ body: () throws -> Void) throws {
        do { try body() } catch let error as DatabaseError { throw GRDBConnection.error(error) }
    }
}

/// SQLite's database, for the writer: batches run on GRDB's writing connection.
struct GRDBWriterDatabase: WriterDatabase {
    let database: any DatabaseWriter

    func withWriterConnection<T>(_ body: (GRDBWriterConnection) throws -> T) throws -> T {
        try database.writeWithoutTransaction { db in try body(GRDBWriterConnection(db)) }
    }
}

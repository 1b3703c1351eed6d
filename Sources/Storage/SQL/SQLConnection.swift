/// Which database a connection speaks to, for the few statements that must differ (kept inside Storage).
package enum SQLDialect: Sendable {
    case sqlite
    case postgres
}

/// One connection to the database, inside a read or a transaction: the interface the queries of every feature are
/// written against once, for SQLite (through GRDB) and PostgreSQL (through libpq) alike.
///
/// The SQL is the common part of both dialects: numbered parameters `?1`, `?2` … (PostgreSQL's connection turns them
/// into `$1`, `$2`), `INSERT … RETURNING id` rather than SQLite's last row id, `INSERT … ON CONFLICT` rather than
/// `INSERT OR …`, `"user"` quoted. What cannot be said in both asks `dialect`.
package protocol SQLConnection {
    var dialect: SQLDialect { get }

    /// Every row of a query.
    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow]

    /// Each row of a query in turn, without holding them all: for reads that grow with the data (an export, a recount).
    func forEachRow(_ sql: String, _ arguments: [SQLValue], _ body: (SQLRow) throws -> Void) throws

    /// A statement without rows; returns how many rows it changed.
    @discardableResult
    func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int
}

extension SQLConnection {
    package func rows(_ sql: String, _ arguments: any SQLBindable...) throws -> [SQLRow] {
        try rows(sql, arguments.map(\.sqlValue))
    }

    package func row(_ sql: String, _ arguments: [SQLValue]) throws -> SQLRow? {
        try rows(sql, arguments).first
    }

    package func row(_ sql: String, _ arguments: any SQLBindable...) throws -> SQLRow? {
        try rows(sql, arguments.map(\.sqlValue)).first
    }

    /// The first column of the first row; nil when there is no row or the value is null.
    package func value<Value: SQLColumnDecodable>(_ type: Value.Type = Value.self, _ sql: String,
                                                  _ arguments: [SQLValue] = []) throws -> Value? {
        guard let row = try rows(sql, arguments).first, !row.isNull(0) else { return nil }
        return row[0] as Value
    }

    /// The first column of every row.
    package func values<Value: SQLColumnDecodable>(_ type: Value.Type = Value.self, _ sql: String,
                                                   _ arguments: [SQLValue] = []) throws -> [Value] {
        try rows(sql, arguments).map { $0[0] as Value }
    }

    @discardableResult
    package func execute(_ sql: String, _ arguments: any SQLBindable...) throws -> Int {
        try execute(sql, arguments.map(\.sqlValue))
    }
}

/// A statement the database refused or could not run, in either dialect.
package struct SQLError: Error, Sendable, CustomStringConvertible {
    package enum Kind: Sendable, Equatable {
        /// A rule of the schema: a check, a unique key, a foreign key, not null.
        case constraint
        /// Another connection holds what the statement needs (SQLite's busy or locked; PostgreSQL's serialization
        /// failure or deadlock): the transaction may be run again.
        case conflict
        /// The connection to the database was lost or could not be made.
        case connection
        case other
    }

    package let kind: Kind
    package let message: String
    package let sql: String?

    package init(kind: Kind, message: String, sql: String? = nil) {
        self.kind = kind
        self.message = message
        self.sql = sql
    }

    package var description: String { message }
}

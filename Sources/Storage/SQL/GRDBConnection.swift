import Foundation
import GRDB

/// SQLite's `SQLConnection`: a GRDB `Database` inside one of GRDB's reads or writes. Statements are prepared once per
/// connection (GRDB's statement cache) and rows are read through a cursor.
struct GRDBConnection: SQLConnection {
    let db: Database

    var dialect: SQLDialect { .sqlite }

    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        var rows: [SQLRow] = []
        try forEachRow(sql, arguments) { rows.append($0) }
        return rows
    }

    func forEachRow(_ sql: String, _ arguments: [SQLValue], _ body: (SQLRow) throws -> Void) throws {
        do {
            let statement = try db.cachedStatement(sql: sql)
            let columns = SQLColumnNames(statement.columnNames)
            let cursor = try Row.fetchCursor(statement, arguments: Self.arguments(arguments))
            while let row = try cursor.next() {
                try body(SQLRow(columns: columns, values: row.databaseValues.map(Self.value)))
            }
        } catch let error as DatabaseError {
            throw Self.error(error)
        }
    }

    @discardableResult
    func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
        do {
            let statement = try db.cachedStatement(sql: sql)
            try statement.execute(arguments: Self.arguments(arguments))
            return db.changesCount
        } catch let error as DatabaseError {
            throw Self.error(error)
        }
    }

    static func arguments(_ values: [SQLValue]) -> StatementArguments {
        StatementArguments(values.map { value -> DatabaseValue in
            switch value {
            case .integer(let integer): integer.map { $0.databaseValue } ?? .null
            case .text(let text): text.map { $0.databaseValue } ?? .null
            case .blob(let bytes): bytes.map { Data($0).databaseValue } ?? .null
            case .real(let real): real.map { $0.databaseValue } ?? .null
            }
        })
    }

    static func value(_ value: DatabaseValue) -> SQLColumnValue {
        switch value.storage {
        case .null: .null
        case .int64(let integer): .integer(integer)
        case .double(let real): .real(real)
        case .string(let text): .text(text)
        case .blob(let data): .blob([UInt8](data))
        }
    }

    static func error(_ error: DatabaseError) -> SQLError {
        let kind: SQLError.Kind = switch error.resultCode {
        case .SQLITE_CONSTRAINT: .constraint
        case .SQLITE_BUSY, .SQLITE_LOCKED: .conflict
        default: .other
        }
        return SQLError(kind: kind, message: error.message ?? "SQLite error \(error.resultCode.rawValue)", sql: error.sql)
    }
}

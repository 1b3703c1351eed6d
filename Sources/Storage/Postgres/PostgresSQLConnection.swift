import Foundation
import PostgresClient
import Synchronization

/// PostgreSQL's `SQLConnection`: one libpq connection used by one caller at a time. Each statement waits for its
/// result. A pool connection (`PostgresConnection`, for a read or a transaction) runs its I/O on a storage event loop
/// while the caller blocks — never the caller's own loop, so a server loop that reads cannot wait on itself; the
/// writer's (`PostgresThreadConnection`) runs it on the writer's thread.
///
/// The SQL is the common dialect (SQLConnection): `?N` becomes `$N` (the translation is cached per statement text),
/// every parameter is sent with its type (`.text(nil)` is a null text), and results are decoded by their columns'
/// types: integers (int2/4/8, and numeric when whole, as `sum()` returns), booleans as 0/1, bytea as bytes, float
/// and non-whole numerics as doubles, anything else as text.
struct PostgresSQLConnection: SQLConnection {
    let connection: any PostgresSynchronousQuerying

    var dialect: SQLDialect { .postgres }

    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        let result = try run(sql, arguments)
        let columns = SQLColumnNames(result.columns)
        return result.rows.map { row in
            SQLRow(columns: columns, values: (0..<row.count).map { Self.value(row, $0, type: result.columnTypes[$0]) })
        }
    }

    func forEachRow(_ sql: String, _ arguments: [SQLValue], _ body: (SQLRow) throws -> Void) throws {
        // libpq hands a result over whole; the rows are read into one buffer per result (PostgresResult), not one
        // allocation per value. For the reads that grow with the data this is the next thing to bound (single-row
        // mode or a cursor in pages).
        for row in try rows(sql, arguments) { try body(row) }
    }

    @discardableResult
    func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
        try run(sql, arguments).affectedRows
    }

    private func run(_ sql: String, _ arguments: [SQLValue]) throws -> PostgresResult {
        do {
            return try connection.querySync(PostgresDialect.translate(sql), arguments.map(Self.parameter))
        } catch {
            throw Self.error(error, sql: sql)
        }
    }

    static func parameter(_ value: SQLValue) -> PostgresParameter {
        switch value {
        case .integer(let integer): integer.map { .int($0) } ?? .typedNull(.int8)
        case .text(let text): text.map { .text($0) } ?? .typedNull(.text)
        case .blob(let bytes): bytes.map { .bytes($0) } ?? .typedNull(.bytea)
        case .real(let real): real.map { .double($0) } ?? .typedNull(.float8)
        }
    }

    static func value(_ row: PostgresRow, _ column: Int, type: PostgresType) -> SQLColumnValue {
        if row.isNull(column) { return .null }
        switch type {
        case .int8, .int4, .int2, .oid:
            return row.int(column).map { .integer($0) } ?? .text(row.string(column) ?? "")
        case .bool:
            return .integer(row.bool(column) == true ? 1 : 0)
        case .bytea:
            return row.bytes(column).map { .blob($0) } ?? .null
        case .float4, .float8:
            return row.double(column).map { .real($0) } ?? .null
        case .numeric:
            if let integer = row.int(column) { return .integer(integer) }
            return row.double(column).map { .real($0) } ?? .null
        default:
            return .text(row.string(column) ?? "")
        }
    }

    static func error(_ error: PostgresError, sql: String) -> SQLError {
        let kind: SQLError.Kind = switch error.kind {
        case .connection, .closed: .connection
        case .invalidStatement: .other
        case .server:
            if error.isConstraintViolation { .constraint }
            else if error.sqlState == "40001" || error.sqlState == "40P01" { .conflict }
            else { .other }
        }
        return SQLError(kind: kind, message: error.message, sql: sql)
    }
}

/// The common dialect's parameters (`?1`, `?2` …, SQLite's numbered form) in PostgreSQL's (`$1`, `$2` …), outside
/// quotes and comments. A bare `?` is numbered in order, as SQLite numbers it.
enum PostgresDialect {
    private static let cache = Mutex<[String: String]>([:])
    /// Statement texts kept translated; a program has a few hundred, so this bounds a mistake, not normal use.
    private static let cacheLimit = 4_096

    static func translate(_ sql: String) -> String {
        if let translated = cache.withLock({ $0[sql] }) { return translated }
        let translated = rewrite(sql)
        cache.withLock { cache in
            if cache.count >= cacheLimit { cache.removeAll() }
            cache[sql] = translated
        }
        return translated
    }

    static func rewrite(_ sql: String) -> String {
        let bytes = Array(sql.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 8)
        var quote: UInt8?
        var inComment = false
        var next = 1
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if inComment {
                if byte == UInt8(ascii: "\n") { inComment = false }
                output.append(byte)
                continue
            }
            if let open = quote {
                if byte == open { quote = nil }
                output.append(byte)
                continue
            }
            switch byte {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                quote = byte
                output.append(byte)
            case UInt8(ascii: "-") where output.last == UInt8(ascii: "-"):
                inComment = true
                output.append(byte)
            case UInt8(ascii: "?"):
                output.append(UInt8(ascii: "$"))
                if index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                    continue // `?N`: its digits follow and are copied as they come
                }
                output.append(contentsOf: String(next).utf8)
                next += 1
            default:
                output.append(byte)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}

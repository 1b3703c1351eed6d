import GRDB

/// PostgreSQL's `string_agg(value, separator)` for SQLite (which has it only from 3.44; Debian 12 ships 3.40), so
/// the queries that list a user's departments are written once. Nulls are skipped, as in both databases' own
/// aggregates; the order is unspecified, as in PostgreSQL without `ORDER BY` (callers sort).
struct StringAggregate: DatabaseAggregate {
    private var parts: [String] = []
    private var separator = ","

    static let function = DatabaseFunction("string_agg", argumentCount: 2, pure: true, aggregate: StringAggregate.self)

    init() {}

    mutating func step(_ values: [DatabaseValue]) throws {
        guard let part = String.fromDatabaseValue(values[0]) else { return }
        if parts.isEmpty, let separator = String.fromDatabaseValue(values[1]) { self.separator = separator }
        parts.append(part)
    }

    func finalize() throws -> (any DatabaseValueConvertible)? {
        parts.isEmpty ? nil : parts.joined(separator: separator)
    }
}

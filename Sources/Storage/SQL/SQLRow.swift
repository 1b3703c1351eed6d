import Foundation

/// A column's value as read, whichever database it came from (PostgreSQL's are decoded by their column's type:
/// integers, booleans as 0 or 1, bytea as bytes, floating point, and everything else as text).
package enum SQLColumnValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case text(String)
    case blob([UInt8])
    case real(Double)
}

/// One row of a result: values by position, and by name through the result's column names (shared by its rows).
package struct SQLRow: Sendable {
    package let columns: SQLColumnNames
    package let values: [SQLColumnValue]

    package init(columns: SQLColumnNames, values: [SQLColumnValue]) {
        self.columns = columns
        self.values = values
    }

    package var count: Int { values.count }

    /// The value at `index`, as `Value`. A type the column cannot hold (text read as an integer, null as a
    /// non-optional) is a bug in the query or a damaged database, and stops the process with the column named,
    /// as GRDB's rows do.
    package subscript<Value: SQLColumnDecodable>(_ index: Int) -> Value {
        guard let value = Value.decode(values[index]) else {
            fatalError("column \(index) (\(columns.name(at: index))) holds \(values[index]), not \(Value.self)")
        }
        return value
    }

    package subscript<Value: SQLColumnDecodable>(_ name: String) -> Value {
        guard let index = columns.index(of: name) else { fatalError("no column named \(name) in \(columns.names)") }
        return self[index]
    }

    package func isNull(_ index: Int) -> Bool { values[index] == .null }
}

/// The column names of a result, looked up by name in one dictionary for all its rows.
package final class SQLColumnNames: Sendable {
    package let names: [String]
    private let indexes: [String: Int]

    package init(_ names: [String]) {
        self.names = names
        var indexes: [String: Int] = [:]
        for (index, name) in names.enumerated() where indexes[name] == nil { indexes[name] = index }
        self.indexes = indexes
    }

    package func index(of name: String) -> Int? { indexes[name] }
    func name(at index: Int) -> String { index < names.count ? names[index] : "?" }
}

/// A Swift type a column's value reads as; nil when it cannot (then the row's subscript stops, see there).
package protocol SQLColumnDecodable {
    static func decode(_ value: SQLColumnValue) -> Self?
}

extension Int64: SQLColumnDecodable {
    package static func decode(_ value: SQLColumnValue) -> Int64? {
        if case .integer(let integer) = value { return integer }
        return nil
    }
}

extension Int: SQLColumnDecodable {
    package static func decode(_ value: SQLColumnValue) -> Int? {
        if case .integer(let integer) = value { return Int(exactly: integer) }
        return nil
    }
}

extension Int32: SQLColumnDecodable {
    package static func decode(_ value: SQLColumnValue) -> Int32? {
        if case .integer(let integer) = value { return Int32(exactly: integer) }
        return nil
    }
}

extension Bool: SQLColumnDecodable {
    package static func decode(_ value: SQLColumnValue) -> Bool? {
        if case .integer(let integer) = value { return integer != 0 }
        return nil
    }
}

extension Double: SQLColumnDecodable {
    package static func decode(_ value: SQLColumnValue) -> Double? {
        switch value {
        case .real(let real): real
        case .integer(let integer): Double(integer)
        default: nil
        }
    }
}

extension String: SQLColumnDecodable {
    package static func decode(_ value: SQLColumnValue) -> String? {
        if case .text(let text) = value { return text }
        return nil
    }
}

extension Array: SQLColumnDecodable where Element == UInt8 {
    package static func decode(_ value: SQLColumnValue) -> [UInt8]? {
        if case .blob(let bytes) = value { return bytes }
        return nil
    }
}

extension Data: SQLColumnDecodable {
    package static func decode(_ value: SQLColumnValue) -> Data? {
        if case .blob(let bytes) = value { return Data(bytes) }
        return nil
    }
}

extension Optional: SQLColumnDecodable where Wrapped: SQLColumnDecodable {
    /// Null reads as nil; any other value as `Wrapped` reads it (and a mismatch stays a mismatch: `.some(nil)` is
    /// not returned for text read as an integer).
    package static func decode(_ value: SQLColumnValue) -> Wrapped?? {
        if value == .null { return .some(nil) }
        guard let wrapped = Wrapped.decode(value) else { return nil }
        return .some(wrapped)
    }
}

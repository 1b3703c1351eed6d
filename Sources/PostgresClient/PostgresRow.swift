/// One row of a `PostgresResult`. Values arrive in text format and are converted on access: a getter returns nil
/// for NULL and for text that is not of the asked type (`int` on `abc`).
///
/// A column index out of range, or a name no column has, is a programming error and stops the process, as an
/// array index out of range does.
package struct PostgresRow: Sendable {
    let storage: ResultStorage
    let index: Int

    /// The number of columns.
    package var count: Int { storage.columns.count }

    package var columns: [String] { storage.columns }

    package func isNull(_ column: Int) -> Bool {
        storage.nulls[cell(column)]
    }

    package func string(_ column: Int) -> String? {
        withValue(column) { String(decoding: $0, as: UTF8.self) }
    }

    /// An integer column (`smallint`, `integer`, `bigint`, or any text that is a decimal Int64).
    package func int(_ column: Int) -> Int64? {
        withValue(column) { Int64(String(decoding: $0, as: UTF8.self)) } ?? nil
    }

    /// A `boolean` column: the server writes `t` or `f`.
    package func bool(_ column: Int) -> Bool? {
        withValue(column) { text -> Bool? in
            switch String(decoding: text, as: UTF8.self) {
            case "t", "true": true
            case "f", "false": false
            default: nil
            }
        } ?? nil
    }

    /// A `bytea` column in the server's hex output form (`\x…`, the default `bytea_output`), decoded.
    package func bytes(_ column: Int) -> [UInt8]? {
        withValue(column) { PostgresParameter.decodeByteaHex($0) } ?? nil
    }

    /// A `real`, `double precision` or `numeric` column (as a Double: `numeric` may lose precision).
    package func double(_ column: Int) -> Double? {
        withValue(column) { Double(String(decoding: $0, as: UTF8.self)) } ?? nil
    }

    // MARK: by column name (the first column of that name)

    /// The index of the first column named `name`, or nil.
    package func column(named name: String) -> Int? {
        storage.columns.firstIndex(of: name)
    }

    package func isNull(named name: String) -> Bool { isNull(index(of: name)) }
    package func string(named name: String) -> String? { string(index(of: name)) }
    package func int(named name: String) -> Int64? { int(index(of: name)) }
    package func bool(named name: String) -> Bool? { bool(index(of: name)) }
    package func bytes(named name: String) -> [UInt8]? { bytes(index(of: name)) }
    package func double(named name: String) -> Double? { double(index(of: name)) }

    // MARK: cells

    private func index(of name: String) -> Int {
        guard let column = column(named: name) else {
            preconditionFailure("no column named \"\(name)\" (the result has \(storage.columns.joined(separator: ", ")))")
        }
        return column
    }

    private func cell(_ column: Int) -> Int {
        precondition(column >= 0 && column < storage.columns.count,
                     "column \(column) out of range (the result has \(storage.columns.count) columns)")
        return index * storage.columns.count + column
    }

    private func withValue<T>(_ column: Int, _ body: (ArraySlice<UInt8>) -> T) -> T? {
        let cell = cell(column)
        if storage.nulls[cell] { return nil }
        return body(storage.bytes[storage.starts[cell]..<storage.starts[cell + 1]])
    }
}

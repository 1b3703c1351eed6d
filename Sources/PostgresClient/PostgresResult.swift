import CLibPQ

/// What one statement returned: its columns, its rows and, for INSERT/UPDATE/DELETE (and SELECT), how many rows
/// it touched. The values are copied out of libpq's `PGresult`, which is freed at once: a result holds one byte
/// buffer for all its cells, not an allocation per value.
package struct PostgresResult: Sendable {
    package let columns: [String]
    /// Each column's type (PQftype), to read its text the way the type writes it.
    package let columnTypes: [PostgresType]
    package let rows: [PostgresRow]
    /// PQcmdTuples: rows inserted, updated, deleted, selected…; 0 for statements that touch none (BEGIN, CREATE).
    package let affectedRows: Int
    /// The command tag, e.g. `INSERT 0 1`, `SELECT 3`, `BEGIN` (PQcmdStatus).
    package let command: String

    /// Copies a TUPLES_OK, COMMAND_OK or EMPTY_QUERY result; the caller still PQclears it.
    init(copying result: OpaquePointer) {
        let storage = ResultStorage(copying: result)
        columns = storage.columns
        columnTypes = (0..<storage.columns.count).map { PostgresType(rawValue: UInt32(PQftype(result, Int32($0)))) }
        rows = (0..<storage.rowCount).map { PostgresRow(storage: storage, index: $0) }
        affectedRows = PQcmdTuples(result).flatMap { Int(String(cString: $0)) } ?? 0
        command = PQcmdStatus(result).map { String(cString: $0) } ?? ""
    }
}

/// The cells of one result: cell (row r, column c) is `bytes[starts[i]..<starts[i + 1]]` with i = r * columnCount + c,
/// or NULL when `nulls[i]`. Immutable once built, so it is shared by every row without copying.
final class ResultStorage: Sendable {
    let columns: [String]
    let rowCount: Int
    let bytes: [UInt8]
    let starts: [Int]
    let nulls: [Bool]

    init(copying result: OpaquePointer) {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        columns = (0..<columnCount).map { column in
            PQfname(result, Int32(column)).map { String(cString: $0) } ?? ""
        }
        var total = 0
        for row in 0..<rowCount {
            for column in 0..<columnCount {
                total += Int(PQgetlength(result, Int32(row), Int32(column)))
            }
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(total)
        var starts = [Int]()
        starts.reserveCapacity(rowCount * columnCount + 1)
        var nulls = [Bool]()
        nulls.reserveCapacity(rowCount * columnCount)
        for row in 0..<rowCount {
            for column in 0..<columnCount {
                starts.append(bytes.count)
                if PQgetisnull(result, Int32(row), Int32(column)) != 0 {
                    nulls.append(true)
                    continue
                }
                nulls.append(false)
                let length = Int(PQgetlength(result, Int32(row), Int32(column)))
                if length > 0, let value = PQgetvalue(result, Int32(row), Int32(column)) {
                    bytes.append(contentsOf: UnsafeRawBufferPointer(start: value, count: length))
                }
            }
        }
        starts.append(bytes.count)
        self.rowCount = rowCount
        self.bytes = bytes
        self.starts = starts
        self.nulls = nulls
    }
}

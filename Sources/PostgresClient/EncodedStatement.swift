import CLibPQ

/// A statement checked against the limits and its parameters laid out as libpq takes them: every text value,
/// NUL-terminated, in one buffer, and where each starts (-1 for NULL).
struct EncodedStatement {
    let sql: String
    private let values: [UInt8]
    private let starts: [Int]
    private let types: [UInt32]

    static func encode(_ sql: String, _ parameters: [PostgresParameter], limits: PostgresLimits) -> Result<EncodedStatement, PostgresError> {
        func invalid(_ message: String) -> Result<EncodedStatement, PostgresError> {
            .failure(PostgresError(kind: .invalidStatement, message: message))
        }
        let sqlBytes = sql.utf8.count
        if sqlBytes > limits.maxSQLBytes {
            return invalid("the SQL is \(sqlBytes) bytes, over the limit of \(limits.maxSQLBytes) (values go in parameters)")
        }
        if sql.utf8.contains(0) {
            return invalid("the SQL holds a NUL byte, which libpq would cut it at")
        }
        // libpq cannot run COPY in pipeline mode: the connection could no longer match results with statements.
        if TransactionShape.leadingWords(sql).first == "COPY" {
            return invalid("COPY is not supported (the connection runs in pipeline mode)")
        }
        if parameters.count > PostgresLimits.maxParameters {
            return invalid("\(parameters.count) parameters, over the protocol's \(PostgresLimits.maxParameters)")
        }
        var values = [UInt8]()
        var starts = [Int]()
        starts.reserveCapacity(parameters.count)
        for (index, parameter) in parameters.enumerated() {
            let start = values.count
            guard parameter.appendText(to: &values) else {
                starts.append(-1)
                continue
            }
            // PostgreSQL text cannot hold NUL, and libpq would end the value there: refuse it rather than cut it.
            if case .text = parameter, values[start...].contains(0) {
                return invalid("parameter $\(index + 1) holds a NUL byte, which a text value cannot (send it as .bytes)")
            }
            values.append(0)
            if values.count > limits.maxParameterBytes {
                return invalid("the parameters are over the limit of \(limits.maxParameterBytes) bytes (as text; bytea counts twice)")
            }
            starts.append(start)
        }
        return .success(EncodedStatement(sql: sql, values: values, starts: starts, types: parameters.map(\.typeOID)))
    }

    /// The parameters' type OIDs in order, the key (with the SQL) a prepared statement is kept under.
    var parameterTypes: [UInt32] { types }

    /// PQsendPrepare: the statement parsed and planned under `name`, its parameters typed as this one's. False when
    /// libpq refused.
    func sendPrepare(name: String, on connection: OpaquePointer) -> Bool {
        types.withUnsafeBufferPointer { types in
            PQsendPrepare(connection, name, sql, Int32(types.count), types.baseAddress) == 1
        }
    }

    /// PQsendQueryPrepared: runs the statement prepared under `name` with this one's values, in text format.
    func sendPrepared(name: String, on connection: OpaquePointer) -> Bool {
        withValuePointers { pointers in
            PQsendQueryPrepared(connection, name, Int32(pointers.count), pointers.baseAddress, nil, nil, 0) == 1
        }
    }

    private func withValuePointers<T>(_ body: (UnsafeBufferPointer<UnsafePointer<CChar>?>) -> T) -> T {
        values.withUnsafeBytes { raw in
            let base = raw.baseAddress?.assumingMemoryBound(to: CChar.self)
            let pointers: [UnsafePointer<CChar>?] = starts.map { start in
                start < 0 ? nil : UnsafePointer(base! + start)
            }
            return pointers.withUnsafeBufferPointer(body)
        }
    }

    /// PQsendQueryParams in text format, each value with its type (0: inferred by the server). False when libpq
    /// refused (PQerrorMessage says why).
    func send(on connection: OpaquePointer) -> Bool {
        withValuePointers { pointers in
            types.withUnsafeBufferPointer { types in
                PQsendQueryParams(connection, sql, Int32(pointers.count), types.baseAddress, pointers.baseAddress, nil, nil, 0) == 1
            }
        }
    }
}

/// Whether a pipeline is one transaction of its own: its first statement opens a transaction block (BEGIN, START
/// TRANSACTION) and its last one ends it (COMMIT, END; not COMMIT AND CHAIN). Only the leading keywords are looked
/// at; a statement that starts with a comment does not count.
enum TransactionShape {
    static func isSelfContained(_ statements: [(sql: String, parameters: [PostgresParameter])]) -> Bool {
        guard statements.count >= 2, let first = statements.first, let last = statements.last else { return false }
        let opening = leadingWords(first.sql)
        let closing = leadingWords(last.sql)
        let opens = opening.first == "BEGIN" || (opening.first == "START" && opening.dropFirst().first == "TRANSACTION")
        let ends = (closing.first == "COMMIT" || closing.first == "END") && !closing.contains("CHAIN")
        return opens && ends
    }

    /// The first few words, upper-cased, without a trailing semicolon.
    static func leadingWords(_ sql: String) -> [String] {
        sql.split(maxSplits: 4, whereSeparator: { $0.isWhitespace || $0 == ";" }).prefix(4).map { $0.uppercased() }
    }
}

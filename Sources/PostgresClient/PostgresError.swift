import CLibPQ

/// Why a connection or a statement failed, in plain words, with the SQLSTATE when the server gave one.
package struct PostgresError: Error, Sendable, CustomStringConvertible {
    package enum Kind: Sendable, Hashable {
        /// Could not connect, or the connection was lost (server restart, terminated backend, socket error, a FATAL
        /// message) or is overloaded (too many queued statements). A statement that got this may or may not have
        /// run; retrying elsewhere (another connection) is the way on.
        case connection
        /// The server refused the statement (`sqlState` says why); the connection is fine.
        case server
        /// Used after `close()`, or pending when it was called.
        case closed
        /// Refused here before anything was sent: SQL longer than the limit, a NUL byte in the SQL or in a text
        /// value, more parameters than the protocol allows. A bug in the caller; retrying cannot help.
        case invalidStatement
    }

    package let kind: Kind
    /// The five-character SQLSTATE (PG_DIAG_SQLSTATE), e.g. `23505`; nil when the server did not send one.
    package let sqlState: String?
    /// The server's primary message, then its DETAIL when there is one; or ours, in the same plain style.
    package let message: String
    /// The constraint a violation names (PG_DIAG_CONSTRAINT_NAME), e.g. `items_pkey`.
    package let constraint: String?

    package init(kind: Kind, message: String, sqlState: String? = nil, constraint: String? = nil) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.constraint = constraint
    }

    /// `unique_violation`.
    package var isUniqueViolation: Bool { sqlState == "23505" }
    /// `serialization_failure`: the transaction may succeed if retried from the start.
    package var isSerializationFailure: Bool { sqlState == "40001" }
    /// Class 23, integrity constraint violation: unique, foreign key, check, not null, exclusion.
    package var isConstraintViolation: Bool { sqlState?.hasPrefix("23") == true }

    package var description: String {
        if let sqlState { return "\(message) (SQLSTATE \(sqlState))" }
        return message
    }
}

extension PostgresError {
    /// The error a FATAL_ERROR result carries. `sessionEnding` when the server is ending the session (severity
    /// FATAL or PANIC, e.g. 57P01 after pg_terminate_backend) or libpq lost the connection.
    static func fromResult(_ result: OpaquePointer, connection: OpaquePointer) -> (error: PostgresError, sessionEnding: Bool) {
        func field(_ code: Int32) -> String? {
            PQresultErrorField(result, code).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        let severity = field(lw_PG_DIAG_SEVERITY_NONLOCALIZED)
        let sqlState = field(lw_PG_DIAG_SQLSTATE)
        var message = field(lw_PG_DIAG_MESSAGE_PRIMARY)
            ?? LibPQMessage.firstLine(PQresultErrorMessage(result).map { String(cString: $0) } ?? "")
        if let detail = field(lw_PG_DIAG_MESSAGE_DETAIL) {
            message += message.hasSuffix(".") ? " \(detail)" : ". \(detail)"
        }
        if message.isEmpty { message = "the server reported an error without a message" }
        // A result made by libpq itself (no severity from the server) while the connection is bad is the loss.
        let lost = PQstatus(connection) == CONNECTION_BAD
        let sessionEnding = lost || severity == "FATAL" || severity == "PANIC"
        return (PostgresError(kind: sessionEnding ? .connection : .server, message: message, sqlState: sqlState,
                              constraint: field(lw_PG_DIAG_CONSTRAINT_NAME)), sessionEnding)
    }

    static func closedBeforeCompletion() -> PostgresError {
        PostgresError(kind: .closed, message: "the connection was closed before the statement completed; it may or may not have run")
    }

    static func usedAfterClose() -> PostgresError {
        PostgresError(kind: .closed, message: "the connection is closed")
    }
}

/// The limits of one connection (STYLE.md §5: a name, a unit, a default and a reason each).
package struct PostgresLimits: Sendable, Hashable {
    /// Longest SQL text of one statement, in bytes. Values travel as parameters, so SQL this long is a bug (or
    /// values interpolated into it); such a statement is refused (`.invalidStatement`) before it is sent.
    package var maxSQLBytes = 1 << 20
    /// Parameter bytes of one statement in their text form (bytea counts twice, as hex). Bounds what one statement
    /// makes libpq buffer for sending; larger is refused (`.invalidStatement`).
    package var maxParameterBytes = 64 << 20
    /// Statements sent and not yet answered on one connection. Past it the server is not keeping up, and queueing
    /// more only adds memory and latency: a statement (or a whole pipeline) that would exceed it fails at once
    /// with `.connection`, "too many queued statements".
    package var maxQueuedStatements = 10_000

    /// The protocol's limit: Bind carries the parameter count in 16 bits.
    package static let maxParameters = 65_535

    package init() {}
}

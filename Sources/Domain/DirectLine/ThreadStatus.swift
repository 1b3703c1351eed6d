/// Where a thread stands. `ThreadMachine` decides every change (PROTOCOL.md "Threads").
///
/// Kept true by the machine: a `new` thread has no assignee, an `assigned` one has one.
package enum ThreadStatus: String, Sendable, CaseIterable, Codable {
    /// Not yet taken by anyone in its department.
    case new
    /// A staff member has it; the citizen is waiting for an answer.
    case assigned
    /// Staff replied last; the citizen's turn.
    case answered
    /// Done; staff may reopen it.
    case closed
    /// Not a real letter (spam, abuse, a test), with a reason; staff may reinstate it.
    case invalid
}

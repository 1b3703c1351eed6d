/// What someone does to a thread. Who may do it is `AccessPolicy`'s question; whether the thread's status allows it
/// is `ThreadMachine`'s.
package enum ThreadAction: Sendable, Equatable, Codable {
    /// A staff member takes the thread.
    case claim(by: String)
    /// The thread is given to a staff member.
    case assign(to: String)
    /// The thread goes to another department, unassigned, as new; `note` tells that department why.
    case route(to: String, note: String?)
    /// A staff member replied.
    case staffReply(by: String)
    /// The citizen wrote again.
    case citizenMessage
    case close
    /// Staff take a closed thread up again.
    case reopen
    /// Not a real letter; `reason` is kept for the record.
    case markInvalid(reason: String)
    /// An invalid thread was a real letter after all.
    case reinstate
}

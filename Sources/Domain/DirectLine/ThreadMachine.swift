/// Decides every change of a thread (PROTOCOL.md "Threads"): given the state and an action, the new state and the
/// event to record, or a refusal. No I/O: the writer carries the effect out in its transaction.
///
/// | action | new | assigned | answered | closed | invalid |
/// | --- | --- | --- | --- | --- | --- |
/// | claim | assigned | assigned (refused if someone else's) | answered (the same) | — | — |
/// | assign | assigned | assigned | answered | — | — |
/// | route (another department) | new | new | new | — | — |
/// | staff reply | answered | answered | answered | — | — |
/// | citizen message | new | assigned | assigned (new if unassigned) | — | — |
/// | close | closed | closed | closed | — | — |
/// | reopen | — | — | — | assigned (new if unassigned) | — |
/// | mark invalid | invalid | invalid | — | — | — |
/// | reinstate | — | — | — | — | new |
///
/// The machine keeps `new` unassigned and `assigned` assigned: routing and reinstating drop the assignee (the thread
/// starts over in its department), and a thread without an assignee goes back to `new`, not `assigned`.
package enum ThreadMachine {
    /// Unicode scalars in an invalid reason: a line in the record, not an essay.
    package static let maxReasonLength = 200

    /// The effect of `action` on `state`. Refused with `invalidTransition(from: status, action: verb)` when the
    /// status does not allow it (the verb completes "A letter that is closed cannot be …"), including a route to the
    /// thread's own department; an invalid reason that is not 1…200 scalars after cleaning, or a route note over
    /// `MessageText.maxLength`, is `invalidThread`. The status is checked first.
    package static func apply(_ action: ThreadAction, to state: ThreadState) throws(DomainError) -> ThreadEffect {
        var next = state
        switch action {
        case .claim(let user), .assign(let user):
            let verb = if case .claim = action { "claimed" } else { "assigned" }
            switch state.status {
            case .new: next.status = .assigned
            case .assigned, .answered: break
            case .closed, .invalid: throw refusal(state, verb)
            }
            // Claiming takes only what nobody handles: taking a colleague's letter is an assignment, said as one.
            if case .claim = action, let holder = state.assignee, holder != user { throw .alreadyClaimed(by: holder) }
            next.assignee = user
            return ThreadEffect(state: next, event: next == state ? nil : .assigned(user))

        case .route(let department, let note):
            switch state.status {
            case .new, .assigned, .answered: break
            case .closed, .invalid: throw refusal(state, "routed")
            }
            guard department != state.department else { throw refusal(state, "routed to its own department") }
            let cleaned = TypedText.clean(note ?? "")
            guard cleaned.unicodeScalars.count <= MessageText.maxLength else {
                throw .invalidThread("note must be at most \(MessageText.maxLength) characters")
            }
            next.department = department
            next.assignee = nil
            next.status = .new
            return ThreadEffect(state: next, event: .routed(to: department, note: cleaned.isEmpty ? nil : cleaned))

        case .staffReply(let user):
            let answers: Bool
            switch state.status {
            case .new, .assigned: answers = true
            case .answered: answers = false
            case .closed, .invalid: throw refusal(state, "answered")
            }
            next.status = .answered
            next.assignee = state.assignee ?? user
            return ThreadEffect(state: next, event: nil, answers: answers)

        case .citizenMessage:
            switch state.status {
            case .new, .assigned: break
            case .answered: next.status = state.assignee == nil ? .new : .assigned
            case .closed, .invalid: throw refusal(state, "written to")
            }
            return ThreadEffect(state: next, event: nil)

        case .close:
            switch state.status {
            case .new, .assigned, .answered: break
            case .closed, .invalid: throw refusal(state, "closed")
            }
            next.status = .closed
            return ThreadEffect(state: next, event: .status(.closed))

        case .reopen:
            switch state.status {
            case .closed: break
            case .new, .assigned, .answered, .invalid: throw refusal(state, "reopened")
            }
            next.status = state.assignee == nil ? .new : .assigned
            return ThreadEffect(state: next, event: .status(next.status))

        case .markInvalid(let reason):
            switch state.status {
            case .new, .assigned: break
            case .answered, .closed, .invalid: throw refusal(state, "marked invalid")
            }
            let cleaned = TypedText.clean(reason, singleLine: true)
            guard (1...maxReasonLength).contains(cleaned.unicodeScalars.count) else {
                throw .invalidThread("reason must be 1 to \(maxReasonLength) characters")
            }
            next.status = .invalid
            next.invalidReason = cleaned
            return ThreadEffect(state: next, event: .status(.invalid, note: cleaned))

        case .reinstate:
            switch state.status {
            case .invalid: break
            case .new, .assigned, .answered, .closed: throw refusal(state, "reinstated")
            }
            next.status = .new
            next.assignee = nil
            next.invalidReason = nil
            return ThreadEffect(state: next, event: .status(.new))
        }
    }

    private static func refusal(_ state: ThreadState, _ verb: String) -> DomainError {
        .invalidTransition(from: state.status.rawValue, action: verb)
    }
}

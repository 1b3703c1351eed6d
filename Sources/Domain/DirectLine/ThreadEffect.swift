/// What the writer must do after an allowed action: store the new state, and record the event entry if there is one.
package struct ThreadEffect: Sendable, Equatable {
    package var state: ThreadState
    /// The event entry to append; nil when there is nothing to record: a citizen message or a staff reply is its own
    /// entry, and a claim or assignment to the user who already has the thread changes nothing.
    package var event: ThreadEventRecord?
    /// This staff reply answers a waiting citizen: it moves the thread to `answered` from `new` or `assigned`. A
    /// second reply in a row does not, so response times count from the citizen's message to the first answer.
    package var answers: Bool

    package init(state: ThreadState, event: ThreadEventRecord?, answers: Bool = false) {
        self.state = state
        self.event = event
        self.answers = answers
    }
}

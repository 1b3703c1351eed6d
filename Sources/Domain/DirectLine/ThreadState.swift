/// A thread's state as the state machine sees it.
package struct ThreadState: Sendable, Equatable, Codable {
    package var status: ThreadStatus
    /// The department id the thread is routed to.
    package var department: String
    /// The staff user name that has the thread, if anyone.
    package var assignee: String?
    /// Why staff marked it invalid; set only while `status` is `invalid`.
    package var invalidReason: String?

    package init(status: ThreadStatus, department: String, assignee: String?, invalidReason: String? = nil) {
        self.status = status
        self.department = department
        self.assignee = assignee
        self.invalidReason = invalidReason
    }
}

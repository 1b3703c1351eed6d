/// What a signed-in user of the office is (PROTOCOL.md "People and roles"); `AccessPolicy` says what each may do.
package enum StaffRole: String, Sendable, CaseIterable, Codable {
    /// Answers letters of their departments (all letters in the triage department).
    case staff
    /// Reads every letter; approves public replies.
    case moderator
    /// Reads every letter; manages canned replies.
    case admin
}

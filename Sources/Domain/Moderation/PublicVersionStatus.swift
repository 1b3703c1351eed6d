/// Where a public version stands on its way to the public message board. `ModerationMachine` decides every change.
package enum PublicVersionStatus: String, Sendable, CaseIterable, Codable {
    /// Written by staff, waiting for a moderator.
    case pending
    /// Approved (as written or as a moderator edited it): on the public board.
    case approved
    /// Sent back to its author with a category and a note; they may revise and submit again.
    case rejected
    /// Taken off the board by a moderator after it was approved, with a category and a note.
    case withdrawn
    /// Replaced by a newer revision before a moderator decided it.
    case superseded
}

import Storage

/// A change the single writer committed, as data: the command and what committing it did. `LiveChanges.apply` turns
/// it into what the live state and the watchers must hear of, whichever node committed it.
package enum CommittedChange: Sendable {
    /// A citizen's rating, withdrawal or like.
    case write(WriteCommand, WriteReceipt)
    /// A command of the direct line, of moderation, of the openness pages, of staff identity or of the admin console.
    case office(OfficeCommand, OfficeReceipt)
}

/// Where a committed change was taken.
package enum ChangeOrigin: Sendable, Equatable {
    /// This node's writer committed it. `fromPage`: a citizen's write that came over one of their live pages, whose
    /// acknowledgement already tells that page what it did.
    case local(fromPage: Bool)
    /// Another node's writer committed it (read from the change feed): nobody here is acknowledged for it, so every
    /// open page of its citizen on this node is told.
    case remote
}

import Storage

/// Where a committed change was taken.
package enum ChangeOrigin: Sendable, Equatable {
    /// This node's writer committed it. `fromPage`: a citizen's write that came over one of their live pages, whose
    /// acknowledgement already tells that page what it did.
    case local(fromPage: Bool)
    /// Another node's writer committed it (read from the change feed): nobody here is acknowledged for it, so every
    /// open page of its citizen on this node is told.
    case remote
}

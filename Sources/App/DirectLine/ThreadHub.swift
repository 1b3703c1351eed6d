import Domain
import Synchronization
import Transport

/// The live side of the direct line: who watches which thread, case and inbox, and delivery to them.
///
/// Unlike the tally topics, nothing here is coalesced or dropped: every entry reaches every watcher, in commit
/// order (published from the writer's completions, which run in commit order, and handed to each connection's loop,
/// which runs them in order). A watcher's session drops an entry it already has (`seq` not above the last it sent),
/// so an entry that commits while a resuming page reads its backlog from the database is sent once. A connection
/// too congested to take more is closed with 1008 and resumes from its last `seq`.
///
/// Keys: `thread:<id>` (the citizen's view), `case:<id>` (staff's view), `inbox:<department>` and `inbox:*`
/// (every thread: the triage department, moderators, admins).
package final class ThreadHub: Sendable {
    /// One watcher: its connection and what its session does with a message (on the connection's loop).
    struct Watcher: Sendable {
        var connection: WebSocketConnection
        var deliver: @Sendable (WebSocketConnection, HubMessage) -> Void
    }

    private let watchers = Mutex<[String: [UInt64: Watcher]]>([:])

    package init() {}

    func watch(_ key: String, _ watcher: Watcher) {
        watchers.withLock { $0[key, default: [:]][watcher.connection.id] = watcher }
    }

    func unwatch(_ key: String, connection: WebSocketConnection) {
        watchers.withLock { all in
            all[key]?[connection.id] = nil
            if all[key]?.isEmpty == true { all[key] = nil }
        }
    }

    /// Connections watching `key` now.
    package func count(_ key: String) -> Int {
        watchers.withLock { $0[key]?.count ?? 0 }
    }

    func publish(_ message: HubMessage, to keys: [String], except: UInt64? = nil) {
        var targets: [UInt64: Watcher] = [:]
        watchers.withLock { all in
            for key in keys {
                for (id, watcher) in all[key] ?? [:] where id != except { targets[id] = watcher }
            }
        }
        for watcher in targets.values {
            let deliver = watcher.deliver
            watcher.connection.execute { connection in deliver(connection, message) }
        }
    }
}

/// What the hub hands a watcher: the encoded message for each view, and the entry's number (nil for typing, read
/// marks and thread changes, which are not numbered).
struct HubMessage: Sendable {
    /// The thread the message is about.
    var thread: Int64
    var seq: Int64?
    /// For the citizen's view (`thread:<code>`), or nil when the citizen must not see it (an internal note).
    var citizen: [UInt8]?
    /// For staff (`case:<id>` and the inbox).
    var staff: [UInt8]
}

import Dispatch
import Foundation
import PostgresClient
import Synchronization
import Transport

/// The connections a node keeps to PostgreSQL for its reads and short transactions (imports, account changes), on
/// event loops of their own (`loops`), apart from the server's: a server loop that reads waits on another loop.
///
/// A caller checks a connection out for the length of its read or transaction (`withConnection`), so statements of
/// one transaction never interleave with another's. A connection found closed (PostgreSQL restarted, the network
/// dropped it) is replaced on its next checkout; the statement that met the loss fails with `SQLError.connection`,
/// which the application answers as "try again" — it is never retried here, since a lost COMMIT may or may not have
/// happened.
final class PostgresPool: Sendable {
    let url: String
    /// How errors name the database: its URL without a password.
    let name: String
    private let loops: EventLoopGroup
    private struct Slot {
        var connection: PostgresConnection?
        var busy: Bool
    }

    private let slots: Mutex<[Slot]>
    private let available: DispatchSemaphore
    private let waitLimit: Duration

    /// Opens `size` connections at once (start-up fails with the reason when the first cannot be made).
    init(url: String, size: Int, loops: EventLoopGroup, waitLimit: Duration = .seconds(10)) throws(StorageError) {
        precondition(size >= 1, "a pool needs a connection")
        self.url = url
        self.name = PostgresURL.redacted(url)
        self.loops = loops
        self.waitLimit = waitLimit
        var connections: [PostgresConnection?] = []
        for index in 0..<size {
            do {
                connections.append(try PostgresConnection.connectSync(url: url, on: loops.loops[index % loops.loops.count]))
            } catch {
                for connection in connections { connection?.close() }
                throw .openFailed(path: PostgresURL.redacted(url), reason: error.description)
            }
        }
        slots = Mutex(connections.map { Slot(connection: $0, busy: false) })
        available = DispatchSemaphore(value: size)
    }

    /// Runs `body` with a connection of its own; waits up to `waitLimit` for one.
    func withConnection<Value>(_ body: (PostgresConnection) throws -> Value) throws -> Value {
        let deadline = DispatchTime.now() + .nanoseconds(Int(waitLimit.components.seconds * 1_000_000_000))
        guard available.wait(timeout: deadline) == .success else {
            throw SQLError(kind: .conflict, message: "no connection to PostgreSQL was free within \(waitLimit)")
        }
        defer { available.signal() }
        // The semaphore leaves at least one slot free; a slot whose connection was lost or never made is nil.
        var (index, connection) = slots.withLock { slots -> (Int, PostgresConnection?) in
            let index = slots.firstIndex { !$0.busy }!
            slots[index].busy = true
            return (index, slots[index].connection)
        }
        defer { slots.withLock { $0[index] = Slot(connection: connection, busy: false) } }
        if connection?.isOpen != true {
            connection?.close()
            connection = nil
            do {
                connection = try PostgresConnection.connectSync(url: url, on: loops.loops[index % loops.loops.count])
            } catch {
                throw SQLError(kind: .connection, message: "PostgreSQL at \(name) cannot be reached: \(error.description)")
            }
        }
        return try body(connection!)
    }

    func close() {
        slots.withLock { slots in
            for index in slots.indices {
                slots[index].connection?.close()
                slots[index].connection = nil
            }
        }
    }
}

/// A PostgreSQL URL as logs and errors may show it: without its password.
enum PostgresURL {
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }

    static func isPostgres(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }
}

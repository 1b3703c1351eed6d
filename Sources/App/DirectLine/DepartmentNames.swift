import Domain
import Storage
import Synchronization

/// Departments by their Chinese name, as campaign files name a project's department: which department a project's
/// rating belongs to. Read from the database, and again when a name is not found (an admin may have added one).
package final class DepartmentNames: Sendable {
    private let store: Store
    private let byName: Mutex<[String: String]>
    private let triage: String

    package init(store: Store, triage: String) {
        self.store = store
        self.triage = triage
        byName = Mutex(Self.read(store))
    }

    /// The department of a project whose department is named `zh`; the triage department when none has that name.
    package func id(named zh: String) -> String {
        if let id = byName.withLock({ $0[zh] }) { return id }
        let fresh = Self.read(store)
        byName.withLock { $0 = fresh }
        return fresh[zh] ?? triage
    }

    private static func read(_ store: Store) -> [String: String] {
        Dictionary((try? store.departments())?.map { ($0.name.zh, $0.id) } ?? [], uniquingKeysWith: { first, _ in first })
    }
}

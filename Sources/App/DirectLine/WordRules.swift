import Domain
import Storage
import Synchronization

/// The screening words in force: the screening file's (config/screening.yaml, read at start) and those an admin added
/// in the console (the `word_rule` table), read again after every change an admin commits.
package final class WordRules: Sendable {
    package let file: ScreeningRules
    private let rules: Mutex<ScreeningRules>
    private let store: Store

    package init(file: ScreeningRules, store: Store) throws {
        self.file = file
        self.store = store
        rules = Mutex(Self.merge(file, try store.wordRules()))
    }

    package func screen(_ text: String) -> ScreeningVerdict {
        rules.withLock { $0 }.screen(text)
    }

    /// Reads the console's words again (after a change committed).
    func reload() {
        guard let added = try? store.wordRules() else { return }
        let merged = Self.merge(file, added)
        rules.withLock { $0 = merged }
    }

    private static func merge(_ file: ScreeningRules, _ added: [WordRule]) -> ScreeningRules {
        ScreeningRules(blocked: file.blocked + added.filter { $0.action == .block }.map(\.word),
                       held: file.held + added.filter { $0.action == .hold }.map(\.word))
    }
}

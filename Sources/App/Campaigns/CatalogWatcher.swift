import Logging
import Storage
import Synchronization

/// Picks up campaign imports made while the server runs — by `lastword campaign import` in another process, or by
/// this one — without a restart: it polls the store's catalog revision (one indexed read) and, when it moved,
/// reloads the campaigns, swaps the directory, gives the live tally topics for what is new and makes the writer
/// look projects up afresh (a window may have moved).
final class CatalogWatcher: Sendable {
    private let store: Store
    private let directory: CampaignDirectory
    private let tally: LiveTally
    private let writer: StoreWriter
    private let logger: Logger
    private let seen: Mutex<Int64>
    private let task: Mutex<PeriodicTask?> = Mutex(nil)

    init(store: Store, directory: CampaignDirectory, tally: LiveTally, writer: StoreWriter, revision: Int64,
         intervalMilliseconds: Int, logger: Logger) {
        self.store = store
        self.directory = directory
        self.tally = tally
        self.writer = writer
        self.logger = logger
        seen = Mutex(revision)
        let periodic = PeriodicTask(label: "lastword.catalog", intervalMilliseconds: intervalMilliseconds) { [weak self] in
            self?.check()
        }
        task.withLock { $0 = periodic }
    }

    func start() { task.withLock { $0 }?.start() }
    func stop() { task.withLock { $0 }?.stop() }

    /// Reloads if the revision moved; returns whether it did. Also called directly by tests.
    @discardableResult
    func check() -> Bool {
        do {
            let revision = try store.catalogRevision()
            guard revision != seen.withLock({ $0 }) else { return false }
            let campaigns = try store.campaigns()
            directory.replace(with: CampaignCatalog(campaigns))
            writer.forgetProjects()
            tally.catalogChanged()
            seen.withLock { $0 = revision }
            logger.info("campaigns reloaded", metadata: [
                "revision": "\(revision)", "campaigns": "\(campaigns.map(\.id))",
            ])
            return true
        } catch {
            logger.error("reloading campaigns failed", metadata: ["error": "\(error)"])
            return false
        }
    }
}

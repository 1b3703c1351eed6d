import Domain
import Logging
import Storage
import Synchronization

/// Backs the database up every `everyHours` into `directory`, keeping the newest `keep`: an online copy through one
/// of the store's read connections (`Store.backup(to:)`), on a utility queue of its own — the writer never waits for
/// it. Each backup is written under a temporary name and renamed once complete and checked, then the oldest beyond
/// `keep` are deleted. Every success and failure is logged.
///
/// A backup is due when the directory holds none of this database younger than the interval (by the UTC time in
/// their names), so restarting the server neither postpones nor repeats one. After a failure the next attempt waits
/// an hour, or the interval if shorter, so a full disk is not retried (and logged) every minute. A backup still
/// running at shutdown is stopped between two steps and leaves nothing behind.
final class ScheduledBackups: Sendable {
    /// What one check did.
    enum Outcome: Equatable {
        case notDue
        case made(path: String, summary: DatabaseSummary, deleted: [String])
        case failed(BackupError)
    }

    private let store: Store
    private let policy: BackupPolicy
    private let directory: BackupDirectory
    private let time: any TimeSource
    private let logger: Logger
    /// When the last attempt failed, so the next waits.
    private let lastFailure = Mutex<Int64?>(nil)
    private let task: Mutex<PeriodicTask?> = Mutex(nil)

    init(store: Store, policy: BackupPolicy, time: any TimeSource, logger: Logger) {
        precondition(policy.everyHours > 0 && policy.keep > 0, "everyHours and keep must be positive")
        self.store = store
        self.policy = policy
        self.directory = BackupDirectory(path: policy.directory, databasePath: store.configuration.path)
        self.time = time
        self.logger = logger
        let periodic = PeriodicTask(label: "lastword.backups", intervalMilliseconds: policy.checkIntervalMilliseconds) { [weak self] in
            self?.runIfDue()
        }
        task.withLock { $0 = periodic }
    }

    func start() { task.withLock { $0 }?.start() }

    /// No backup starts after this returns; one in progress is stopped at its next step.
    func stop() { task.withLock { $0 }?.stop() }

    private var isStopped: Bool { task.withLock { $0 }?.isStopped ?? false }

    /// Whether a backup is due at `now`.
    func isDue(at now: Int64) -> Bool {
        let interval = policy.intervalMilliseconds
        if let failed = lastFailure.withLock({ $0 }), now >= failed, now - failed < min(interval, 3_600_000) { return false }
        guard let newest = directory.backups().last?.stamp.milliseconds else { return true }
        // A backup named in the future means the clock was wrong, or was moved back: make one with a time that is true.
        return now - newest >= interval || newest > now
    }

    /// Makes a backup when one is due, then deletes the oldest beyond `keep`; logs what happened.
    @discardableResult
    func runIfDue() -> Outcome {
        let now = time.now()
        guard isDue(at: now) else { return .notDue }
        let started = ContinuousClock.now
        do {
            try directory.create()
            for path in directory.removeAbandonedPartials() {
                logger.notice("removed what an interrupted backup left", metadata: ["file": "\(path)"])
            }
            let summary = try directory.backUp(store, at: now, shouldContinue: { [weak self] in !(self?.isStopped ?? true) })
            let deleted = try directory.prune(keep: policy.keep, except: summary.path)
            lastFailure.withLock { $0 = nil }
            let elapsed = ContinuousClock.now - started
            logger.info("backup written", metadata: [
                "file": "\(summary.path)", "bytes": "\(summary.bytes)", "schema": "\(summary.schemaVersion)",
                "contents": "\(summary.counts)", "seconds": "\(((Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) * 1000).rounded() / 1000)",
                "deleted": "\(deleted)",
            ])
            if !summary.tallyDiscrepancies.isEmpty {
                // A faithful copy of a database whose tallies differ from its ratings; `lastword restore` refuses it.
                logger.warning("the backup's tallies differ from its ratings, as the database's do: run `lastword verify`", metadata: [
                    "file": "\(summary.path)", "differences": "\(summary.tallyDiscrepancies.count)",
                ])
            }
            return .made(path: summary.path, summary: summary, deleted: deleted)
        } catch {
            if case .cancelled = error {
                logger.notice("backup stopped: the server is shutting down; nothing was left behind", metadata: ["directory": "\(policy.directory)"])
                return .failed(error)
            }
            lastFailure.withLock { $0 = now }
            logger.error("backup failed", metadata: ["directory": "\(policy.directory)", "error": "\(error)"])
            return .failed(error)
        }
    }
}

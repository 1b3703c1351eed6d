import Dispatch
import Domain
import Foundation
@testable import Storage
import Synchronization
import TestSupport
import Testing

/// A directory under the system's temporary directory, removed when the value is released.
final class TemporaryDirectory: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("lastword-storage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    var databasePath: String { url.appendingPathComponent("nested/dir/lastword.sqlite").path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// The databases a storage test runs on: SQLite in memory and on a file, and PostgreSQL (a database of its own on
/// the test server, `TestPostgres`) when there is one.
enum StoreKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case inMemory, file, postgres
    var description: String { rawValue }

    static var allCases: [StoreKind] { TestPostgres.isAvailable ? [.inMemory, .file, .postgres] : [.inMemory, .file] }
    /// The SQLite kinds, for tests of what only SQLite has (its files, its schema tables, GRDB directly).
    static let sqlite: [StoreKind] = [.inMemory, .file]

    /// The kind of a test that is not about SQLite: in memory, or PostgreSQL when the suite runs on it
    /// (`LASTWORD_TEST_DATABASE=postgres`, see `TestDatabase`).
    static var standard: StoreKind { TestDatabase.engine == .postgres ? .postgres : .inMemory }
    /// The same for a test that wants a database other connections reach (a SQLite file, with its pool of readers
    /// beside the writer): a file, or PostgreSQL when the suite runs on it.
    static var standardShared: StoreKind { TestDatabase.engine == .postgres ? .postgres : .file }
}

/// A store with the fixture campaign imported, on memory or on a temporary file.
struct TestStore: Sendable {
    let store: Store
    let directory: TemporaryDirectory?
    /// Closes a PostgreSQL store's connections when the last copy of this value goes (releasing a store on PostgreSQL
    /// does not close them, and the test server takes 200 connections at most).
    private let closer: StoreCloser

    init(_ kind: StoreKind, maxBatch: Int = 512, maxQueue: Int = 20_000, importFixture: Bool = true) throws {
        switch kind {
        case .inMemory:
            directory = nil
            store = try Store(configuration: .inMemory(maxBatch: maxBatch, maxQueue: maxQueue))
        case .file:
            let directory = try TemporaryDirectory()
            self.directory = directory
            store = try Store(configuration: StorageConfiguration(
                path: directory.databasePath, maxBatch: maxBatch, maxQueue: maxQueue))
        case .postgres:
            directory = nil
            // A copy of a database migrated once; two reading connections (and the writer's) are plenty for a test.
            store = try Store(configuration: StorageConfiguration(
                path: try TestPostgres.freshDatabase(template: "migrated", preparedBy: Store.migrateForTests),
                maxBatch: maxBatch, maxQueue: maxQueue, postgresPoolSize: 2))
        }
        closer = StoreCloser(store)
        if importFixture { _ = try store.importCampaign(Fixtures.campaign()) }
    }

    /// Another `Store` on the same file: its own connections, as another process would have.
    func reopen() throws -> Store {
        try Store(configuration: StorageConfiguration(path: store.configuration.path))
    }
}

extension Store {
    /// Migrates the PostgreSQL database at `url` and closes the connections it opened (a template must have none).
    static func migrateForTests(_ url: String) throws {
        let store = try Store(configuration: StorageConfiguration(path: url, postgresPoolSize: 1))
        store.postgres?.close()
    }
}

/// At most a few storage tests at a time on PostgreSQL (`LASTWORD_TEST_DATABASE=postgres`): Swift Testing starts every
/// test of these suites at once, each test's store takes three or more connections, and the test server takes 200.
/// On SQLite it changes nothing.
struct PostgresSlots: TestTrait, SuiteTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        guard TestDatabase.engine == .postgres, testCase != nil else { return try await function() }
        await Self.slots.acquire()
        do {
            try await function()
        } catch {
            await Self.slots.release()
            throw error
        }
        await Self.slots.release()
    }

    static let slots = AsyncSlots(6)
}

extension Trait where Self == PostgresSlots {
    static var postgresSlots: PostgresSlots { PostgresSlots() }
}

/// A counting semaphore that suspends instead of blocking a thread.
actor AsyncSlots {
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(_ count: Int) { free = count }

    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}

/// See `TestStore.closer`.
final class StoreCloser: Sendable {
    let store: Store
    init(_ store: Store) { self.store = store }
    deinit { store.postgres?.close() }
}

enum Fixtures {
    static func text(_ word: String) -> LocalizedText {
        LocalizedText(zh: "\(word)（中文）", en: word)
    }

    static func project(_ slug: String, department: String = "Education Bureau") -> ProjectDefinition {
        ProjectDefinition(
            slug: slug,
            title: text("Title of \(slug)"),
            department: LocalizedText(zh: "部门 \(department)", en: department),
            summary: text("Summary"),
            promised: text("Promised"),
            done: text("Done"),
            figures: [ProjectFigure(label: text("Seats"), value: text("1,200"))])
    }

    /// Open on [1_000, 2_000) milliseconds; evaluation happens at `now`.
    static func campaign(
        id: String = "city-2025", slugs: [String] = ["school-a", "bus-12", "elder-care"],
        opensAt: Int64 = 1_000, closesAt: Int64 = 2_000
    ) -> CampaignDefinition {
        var projects = slugs.map { project($0) }
        if projects.count > 1 { projects[1].department = LocalizedText(zh: "交通局", en: "Transport Bureau") }
        return CampaignDefinition(
            id: id, title: text("Livelihood projects"), opensAt: opensAt, closesAt: closesAt,
            timeZone: "Asia/Shanghai", projects: projects)
    }

    static let now: Int64 = 1_500

    static func citizen(_ number: Int) -> CitizenID {
        var bytes = [UInt8](repeating: 0, count: 16)
        withUnsafeBytes(of: UInt64(number).bigEndian) { bytes.replaceSubrange(8..<16, with: $0) }
        return CitizenID(bytes: bytes)
    }

    static func rate(_ citizen: Int, _ level: SatisfactionLevel, suggestion: String? = nil, id: String? = nil, at: Int64 = now) -> WriteCommand {
        rate(citizen, "school-a", level, suggestion: suggestion, id: id, at: at)
    }

    static func rate(
        _ citizen: Int, _ project: String, _ level: SatisfactionLevel, suggestion: String? = nil,
        id: String? = nil, at: Int64 = now
    ) -> WriteCommand {
        .rate(
            citizen: Fixtures.citizen(citizen), project: project, level: level, suggestion: try! Suggestion.normalize(suggestion),
            clientID: clientID(id ?? "rate-\(citizen)-\(project)-\(level.rawValue)-\(UUID().uuidString.prefix(8))"), at: at)
    }

    static func like(_ citizen: Int, _ project: String = "school-a", _ liked: Bool = true, id: String? = nil, at: Int64 = now) -> WriteCommand {
        .like(
            citizen: Fixtures.citizen(citizen), project: project, liked: liked,
            clientID: clientID(id ?? "like-\(citizen)-\(project)-\(liked)-\(UUID().uuidString.prefix(8))"), at: at)
    }

    /// A client id the test knows to be valid (the writer takes only checked ids).
    static func clientID(_ id: String) -> ClientActionID {
        try! ClientActionID(validating: id)
    }
}

extension StoreWriter {
    /// Submits and waits for the outcome.
    func outcome(of command: WriteCommand) async -> WriteOutcome {
        await withCheckedContinuation { continuation in
            submit(command) { continuation.resume(returning: $0) }
        }
    }

    /// Submits in order and waits for every outcome, returned in submission order.
    func outcomes(of commands: [WriteCommand]) async -> [WriteOutcome] {
        let collector = OutcomeCollector(count: commands.count)
        for (index, command) in commands.enumerated() {
            submit(command) { collector.record($0, at: index) }
        }
        return await collector.all()
    }

    /// Stops the writer from taking commands until `release()` is called: commands submitted meanwhile queue up and
    /// are then written as one batch. The writer takes no batch while two batches' completions are unfinished, so
    /// this parks the completion of `command` and then that of a retry of it (a duplicate, one more transaction and
    /// command in the statistics). Returns once the writer can take nothing more.
    func hold(with command: WriteCommand) async -> WriterHold {
        let hold = WriterHold()
        let transactions = statistics.transactions
        let outcome = await withCheckedContinuation { continuation in
            submit(command) { outcome in
                continuation.resume(returning: outcome)
                hold.gate.wait()
            }
        }
        hold.outcome = outcome
        submit(command) { _ in }
        // The retry's completion waits behind the first; once the retry is counted the writer waits for a slot.
        let deadline = ContinuousClock.now + .seconds(10)
        while statistics.transactions < transactions + 2, ContinuousClock.now < deadline { await Task.yield() }
        return hold
    }
}

/// See `StoreWriter.hold(with:)`.
final class WriterHold: @unchecked Sendable {
    // `outcome` is written once by the test before anything reads it; the semaphore is thread-safe.
    let gate = DispatchSemaphore(value: 0)
    var outcome: WriteOutcome?

    func release() { gate.signal() }
}

/// Collects completions that arrive on the writer thread.
final class OutcomeCollector: Sendable {
    private let outcomes: Mutex<[WriteOutcome?]>
    private let group = DispatchGroup()

    init(count: Int) {
        outcomes = Mutex(Array(repeating: nil, count: count))
        for _ in 0..<count { group.enter() }
    }

    func record(_ outcome: WriteOutcome, at index: Int) {
        outcomes.withLock { $0[index] = outcome }
        group.leave()
    }

    func all() async -> [WriteOutcome] {
        await withCheckedContinuation { continuation in
            group.notify(queue: .global()) { continuation.resume() }
        }
        return outcomes.withLock { $0.map { $0! } }
    }
}

extension WriteOutcome {
    var applied: WriteReceipt? {
        if case .applied(let receipt) = self { return receipt }
        return nil
    }

    var duplicate: WriteReceipt? {
        if case .duplicate(let receipt) = self { return receipt }
        return nil
    }

    var rejection: DomainError? {
        if case .rejected(let error) = self { return error }
        return nil
    }
}

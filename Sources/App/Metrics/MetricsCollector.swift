import CoreMetrics
import Domain
import LiveTopics
import Storage
import Synchronization
import Transport

/// Brings the metrics that describe state, or that a lower layer counts in atomics of its own, up to date when they
/// are scraped. The transport, the topic engine and the writer know nothing of metrics: they keep the counters and
/// states they need anyway (connections, per-loop WebSocket traffic, responses per route, watchers, the queue), and
/// this reads them, once per scrape, into swift-metrics — a counter by what it moved since the last scrape, a gauge
/// by its value. Letters by status and overdue are read from the database here, off the hot paths.
///
/// `collect` is serialized (a scrape at a time); the metrics endpoint calls it, then renders the backend's text.
package final class MetricsCollector: Sendable {
    private let application: Application
    private let server: Server
    private let factory: any MetricsFactory
    private let state = Mutex(State())

    /// Families whose label values are a closed set, exported at 0 before anything happens.
    static let topicFamilies = ["campaign", "project", "messages", "figures", "thread", "case", "inbox", "moderation", "other"]

    package init(application: Application, server: Server) {
        self.application = application
        self.server = server
        self.factory = application.metricsFactory
        let factory = factory
        // The build never changes.
        Gauge(label: MetricsCatalog.buildInfo.name, dimensions: [("version", LastWordVersion.current)], factory: factory).record(1)
    }

    /// Brings every metric up to date, then returns what `render` makes of them, with no other scrape in between (the
    /// counters are moved up to the totals and the text rendered together).
    package func collect<Result>(then render: () -> Result) -> Result {
        state.withLock { state in
            update(&state)
            return render()
        }
    }

    package func collect() {
        collect {}
    }

    private func update(_ state: inout State) {
        let stats = server.stats
        let traffic = server.loops.traffic
        let routes = application.router.responseCounts
        let writer = application.writer.statistics
        let watchers = application.topics.watchersByFamily()
        let behindClosed = application.topics.closedBehindCount
        let threads = try? application.store.threadCounts()
        let overdue = application.overdueLetters()
        let process = ProcessStats.read()
        let factory = factory
        let queueLimit = application.configuration.writerMaxQueue

        do {
            func gauge(_ metric: MetricDefinition, _ labels: [String] = [], _ value: Int) {
                state.gauge(metric, labels, factory: factory).record(value)
            }
            func counter(_ metric: MetricDefinition, _ labels: [String] = [], _ value: Int) {
                state.sync(metric, labels, to: value, factory: factory)
            }

            // Two loads, not one snapshot: a connection upgraded between them must not make http negative.
            gauge(MetricsCatalog.connectionsOpen, ["http"], max(0, stats.openConnections - stats.openWebSockets))
            gauge(MetricsCatalog.connectionsOpen, ["websocket"], stats.openWebSockets)
            counter(MetricsCatalog.connectionsAccepted, ["http"], stats.acceptedTotal)
            counter(MetricsCatalog.connectionsAccepted, ["websocket"], stats.webSocketsAcceptedTotal)
            counter(MetricsCatalog.connectionsRefused, [], stats.refusedTotal)

            counter(MetricsCatalog.webSocketMessages, ["in"], traffic.messagesIn)
            counter(MetricsCatalog.webSocketMessages, ["out"], traffic.messagesOut)
            counter(MetricsCatalog.webSocketBytes, ["in"], traffic.payloadBytesIn)
            counter(MetricsCatalog.webSocketBytes, ["out"], traffic.payloadBytesOut)
            counter(MetricsCatalog.broadcastDeliveries, ["keep_newest"], traffic.deliveredKeepNewest)
            counter(MetricsCatalog.broadcastDeliveries, ["close"], traffic.deliveredClose)
            counter(MetricsCatalog.broadcastDeliveries, ["drop"], traffic.deliveredDrop)
            counter(MetricsCatalog.broadcastOverflow, ["keep_newest", "replaced"], traffic.overflowReplaced)
            counter(MetricsCatalog.broadcastOverflow, ["drop", "dropped"], traffic.overflowDropped)
            counter(MetricsCatalog.broadcastOverflow, ["close", "closed"], traffic.overflowClosed)
            counter(MetricsCatalog.liveBehindClosed, [], behindClosed)
            var families: [String: Int] = [:]
            for (family, count) in watchers {
                families[Self.topicFamilies.contains(family) ? family : "other", default: 0] += count
            }
            for family in Self.topicFamilies { gauge(MetricsCatalog.liveWatchers, [family], families[family] ?? 0) }

            // Added up by label values: two routes with one method and pattern are one series.
            var responses: [[String]: Int] = [:]
            for route in routes { responses[[route.method, route.route, route.status.label], default: 0] += route.status.count }
            for status in stats.transportResponses { responses[["any", "transport", status.label], default: 0] += status.count }
            for (labels, count) in responses { counter(MetricsCatalog.httpResponses, labels, count) }

            gauge(MetricsCatalog.writerQueueDepth, [], writer.queueDepth)
            gauge(MetricsCatalog.writerQueueLimit, [], queueLimit)
            counter(MetricsCatalog.writerFailed, [], writer.failedTransactions)

            if let threads {
                for status in ThreadStatus.allCases { gauge(MetricsCatalog.threads, [status.rawValue], threads[status] ?? 0) }
            }
            if let overdue {
                gauge(MetricsCatalog.threadsOverdue, ["response"], overdue.response)
                gauge(MetricsCatalog.threadsOverdue, ["answer"], overdue.answer)
            }

            if let value = process.residentBytes { gauge(MetricsCatalog.residentMemory, [], value) }
            if let value = process.virtualBytes { gauge(MetricsCatalog.virtualMemory, [], value) }
            if let value = process.openDescriptors { gauge(MetricsCatalog.openDescriptors, [], value) }
            if let value = process.maxDescriptors { gauge(MetricsCatalog.maxDescriptors, [], value) }
            if let value = process.startTimeSeconds { state.gauge(MetricsCatalog.startTime, [], factory: factory).record(value) }
            if let value = process.cpuSeconds { state.sync(MetricsCatalog.cpuSeconds, to: value, factory: factory) }
            let heap = AllocatorHygiene.usage()
            gauge(MetricsCatalog.heap, ["in_use"], heap.inUse)
            gauge(MetricsCatalog.heap, ["free"], heap.freeHeld)
            if let value = application.store.engineMemoryBytes { gauge(MetricsCatalog.databaseEngineMemory, [], value) }
        }
    }

    private struct Key: Hashable {
        var name: String
        var labels: [String]
    }

    /// The swift-metrics objects made so far, and what each mirrored counter was last moved to.
    private struct State {
        var gauges: [Key: Gauge] = [:]
        var counters: [Key: (counter: CoreMetrics.Counter, last: Int)] = [:]
        var cpu: (counter: FloatingPointCounter, last: Double)?

        static func dimensions(_ metric: MetricDefinition, _ labels: [String]) -> [(String, String)] {
            precondition(labels.count == metric.labels.count, "\(metric.name) has labels \(metric.labels)")
            return Array(zip(metric.labels, labels))
        }

        mutating func gauge(_ metric: MetricDefinition, _ labels: [String], factory: any MetricsFactory) -> Gauge {
            let key = Key(name: metric.name, labels: labels)
            if let gauge = gauges[key] { return gauge }
            let gauge = Gauge(label: metric.name, dimensions: Self.dimensions(metric, labels), factory: factory)
            gauges[key] = gauge
            return gauge
        }

        /// Moves a counter up to `value`, a total counted elsewhere since start (never down: totals only grow).
        mutating func sync(_ metric: MetricDefinition, _ labels: [String], to value: Int, factory: any MetricsFactory) {
            let key = Key(name: metric.name, labels: labels)
            var entry = counters[key] ?? (CoreMetrics.Counter(label: metric.name, dimensions: Self.dimensions(metric, labels), factory: factory), 0)
            if value > entry.last {
                entry.counter.increment(by: value - entry.last)
                entry.last = value
            }
            counters[key] = entry
        }

        mutating func sync(_ metric: MetricDefinition, to value: Double, factory: any MetricsFactory) {
            var entry = cpu ?? (FloatingPointCounter(label: metric.name, dimensions: [], factory: factory), 0)
            if value > entry.last {
                entry.counter.increment(by: value - entry.last)
                entry.last = value
            }
            cpu = entry
        }
    }
}

import App
import CoreMetrics
import Prometheus

/// The Prometheus backend of the metrics: a registry of its own (so two servers in one test process never share
/// counts), a swift-metrics factory that gives every metric the HELP text, type and buckets `MetricsCatalog` names,
/// and the registry's text exposition in the catalog's order.
package struct PrometheusBackend: Sendable {
    package let registry: PrometheusCollectorRegistry
    /// What the application counts with (and `MetricsSystem` is bootstrapped with, in the executable).
    package let factory: any MetricsFactory

    package init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        self.factory = CatalogMetricsFactory(registry: registry)
    }

    /// The Prometheus text format (version 0.0.4) of every metric made so far.
    package func render() -> [UInt8] {
        Self.ordered(registry.emitToBuffer())
    }

    /// The registry writes its families in hash order, which changes from run to run; a person reading a scrape (and
    /// a diff of two) is better served by the catalog's order. Each family starts at its `# HELP` line.
    static func ordered(_ text: [UInt8]) -> [UInt8] {
        var families: [(rank: Int, bytes: ArraySlice<UInt8>)] = []
        let help = Array("# HELP ".utf8)
        var start = 0
        var index = 0
        func close(at end: Int) {
            guard end > start else { return }
            let block = text[start..<end]
            let name = block.dropFirst(help.count).prefix { $0 != UInt8(ascii: " ") }
            let rank = rankByName[String(decoding: name, as: UTF8.self)] ?? Int.max
            families.append((rank, block))
        }
        while index < text.count {
            let lineStart = index
            while index < text.count, text[index] != UInt8(ascii: "\n") { index += 1 }
            index += 1
            if lineStart > start, text[lineStart...].starts(with: help) {
                close(at: lineStart)
                start = lineStart
            }
        }
        close(at: text.count)
        var result: [UInt8] = []
        result.reserveCapacity(text.count)
        for family in families.enumerated().sorted(by: { ($0.element.rank, $0.offset) < ($1.element.rank, $1.offset) }) {
            result.append(contentsOf: family.element.bytes)
        }
        return result
    }

    private static let rankByName: [String: Int] =
        Dictionary(uniqueKeysWithValues: MetricsCatalog.all.enumerated().map { ($0.element.name, $0.offset) })

    /// The media type of `render()`'s text.
    package static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}

/// swift-metrics handlers from the registry, each metric described by its `MetricsCatalog` entry. A label the catalog
/// does not know (a library's own metric) gets no HELP line rather than a crash.
struct CatalogMetricsFactory: MetricsFactory {
    let registry: PrometheusCollectorRegistry

    private func descriptor(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: MetricsCatalog.definition(label)?.help ?? "")
    }

    private func buckets(_ label: String) -> [Double] {
        switch MetricsCatalog.definition(label)?.kind {
        case .histogram(let buckets), .durationHistogram(let buckets): buckets
        case .counter, .gauge, nil: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
        }
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(descriptor: descriptor(label), labels: dimensions) }
        return registry.makeValueHistogram(descriptor: descriptor(label), labels: dimensions, buckets: buckets(label))
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        let buckets = buckets(label).map { Duration.nanoseconds(Int64(($0 * 1e9).rounded())) }
        return registry.makeDurationHistogram(descriptor: descriptor(label), labels: dimensions, buckets: buckets)
    }

    func destroyCounter(_ handler: any CounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    func destroyRecorder(_ handler: any RecorderHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
        if let histogram = handler as? ValueHistogram { registry.unregisterValueHistogram(histogram) }
    }

    func destroyMeter(_ handler: any MeterHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
    }

    func destroyTimer(_ handler: any TimerHandler) {
        if let histogram = handler as? DurationHistogram { registry.unregisterDurationHistogram(histogram) }
    }
}

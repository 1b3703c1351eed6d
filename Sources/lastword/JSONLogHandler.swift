import Foundation
import Logging
import Transport
#if canImport(Glibc)
import Glibc
#endif

/// `log.format: json`: one JSON object per line on standard error, for a log shipper (journald, Loki, Elasticsearch)
/// to index without parsing text:
///
///     {"time":"2026-12-07T00:22:31.482Z","level":"info","logger":"lastword","source":"App","message":"campaign imported","campaign":"demo-2026"}
///
/// `time` is UTC with milliseconds; the metadata's keys sit beside the fixed ones (a metadata key that is one of
/// them is written as `meta.KEY`), nested metadata as JSON objects and arrays. Each line goes out in one `write(2)`,
/// so lines from several threads never interleave.
struct JSONLogHandler: LogHandler {
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    let label: String

    init(label: String) {
        self.label = label
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        if let error = event.error, merged["error"] == nil { merged["error"] = .string("\(error)") }
        let bytes = Self.line(time: Date(), level: event.level, logger: label, source: event.source,
                              message: event.message.description, metadata: merged)
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(STDERR_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return  // standard error is gone: nothing useful to do with a log line
                }
                offset += written
            }
        }
    }

    static let fixedKeys: Set<String> = ["time", "level", "logger", "source", "message"]

    /// The line for one event, newline included.
    static func line(time: Date, level: Logger.Level, logger: String, source: String, message: String,
                     metadata: Logger.Metadata) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        func key(_ name: String) {
            out.append(out.count == 0 ? UInt8(ascii: "{") : UInt8(ascii: ","))
            JSONText.appendString(name, to: &out)
            out.append(UInt8(ascii: ":"))
        }
        key("time")
        JSONText.appendString(timestamp(time), to: &out)
        key("level")
        JSONText.appendString(level.rawValue, to: &out)
        key("logger")
        JSONText.appendString(logger, to: &out)
        key("source")
        JSONText.appendString(source, to: &out)
        key("message")
        JSONText.appendString(message, to: &out)
        for name in metadata.keys.sorted() {
            key(fixedKeys.contains(name) ? "meta." + name : name)
            appendValue(metadata[name]!, to: &out)
        }
        out.append(contentsOf: "}\n".utf8)
        return out
    }

    private static func appendValue(_ value: Logger.Metadata.Value, to out: inout [UInt8]) {
        switch value {
        case .string(let text): JSONText.appendString(text, to: &out)
        case .stringConvertible(let convertible): JSONText.appendString(convertible.description, to: &out)
        case .array(let values):
            out.append(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendValue(element, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .dictionary(let dictionary):
            out.append(UInt8(ascii: "{"))
            for (index, name) in dictionary.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONText.appendString(name, to: &out)
                out.append(UInt8(ascii: ":"))
                appendValue(dictionary[name]!, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// `2026-12-07T00:22:31.482Z`.
    static func timestamp(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millis = Int(milliseconds % 1000)
        let fraction = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):"
            + "\(two(parts.tm_min)):\(two(parts.tm_sec)).\(fraction)Z"
    }
}

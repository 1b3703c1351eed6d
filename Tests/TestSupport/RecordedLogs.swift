import Logging
import Synchronization

/// Log messages kept for a test to read: `logger` writes into `messages`, every level, with the event's metadata.
package final class RecordedLogs: Sendable {
    package struct Message: Sendable {
        package var level: Logger.Level
        package var text: String
        package var metadata: [String: String]
    }

    private let recorded = Mutex<[Message]>([])

    package init() {}

    package var messages: [Message] { recorded.withLock { $0 } }

    package var logger: Logger {
        Logger(label: "test") { _ in Handler(logs: self) }
    }

    fileprivate func append(_ message: Message) { recorded.withLock { $0.append(message) } }

    private struct Handler: LogHandler {
        let logs: RecordedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            logs.append(Message(level: event.level, text: "\(event.message)",
                                metadata: (event.metadata ?? [:]).mapValues { "\($0)" }))
        }
    }
}

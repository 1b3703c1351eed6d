import Foundation
import Storage

/// What a node shows live but never stores, passed to the other nodes of a cluster (`Store.publishSignal`, a bare
/// NOTIFY on PostgreSQL; nothing on SQLite, one node): each shows it to its own watchers as the node it came from did.
/// Best effort — a signal is worth nothing a second later, so one lost with a connection is not sent again.
enum LiveSignal: Codable, Equatable {
    /// Someone is typing in a thread (`DirectLineService.typing`).
    case typing(thread: Int64, code: String, by: ThreadReader, name: String?)

    private static let encoder = JSONEncoder()
    private static let decoder = JSONDecoder()

    var encoded: String? {
        (try? Self.encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Nil for a payload this build cannot read (another version's signal): it is ignored.
    init?(encoded: String) {
        guard let signal = try? Self.decoder.decode(LiveSignal.self, from: Data(encoded.utf8)) else { return nil }
        self = signal
    }
}

/// Every metric LastWord exports: its name, type, labels, help text and (for histograms) buckets. The one list the
/// metrics are made from, the Prometheus backend takes its HELP lines and buckets from, and docs/METRICS.md
/// describes; names follow Prometheus' conventions (`lastword_` prefix, `_total` for counters, base units).
///
/// Label values are bounded: route patterns (never paths), statuses from a fixed table, error codes of our closed
/// enums, topic families, thread statuses. No label ever carries what a user typed.
package struct MetricDefinition: Sendable {
    package enum Kind: Sendable, Equatable {
        case counter
        case gauge
        /// Observations of a count (commands), with these bucket bounds.
        case histogram([Double])
        /// Observations of a time, exported in seconds, with these bucket bounds in seconds.
        case durationHistogram([Double])
    }

    package var name: String
    package var kind: Kind
    package var labels: [String]
    package var help: String

    package init(_ name: String, _ kind: Kind, labels: [String] = [], _ help: String) {
        self.name = name
        self.kind = kind
        self.labels = labels
        self.help = help
    }
}

package enum MetricsCatalog {
    // Connections (the transport's counters, read at scrape time).
    package static let connectionsOpen = MetricDefinition(
        "lastword_connections_open", .gauge, labels: ["kind"],
        "Connections open now on the public listener, by kind: http (not upgraded) or websocket.")
    package static let connectionsAccepted = MetricDefinition(
        "lastword_connections_accepted_total", .counter, labels: ["kind"],
        "Connections accepted on the public listener: kind=http counts every TCP connection admitted (each starts as HTTP), kind=websocket the upgrades to WebSocket among them.")
    package static let connectionsRefused = MetricDefinition(
        "lastword_connections_refused_total", .counter,
        "TCP connections answered 503 and closed because limits.maxConnections or limits.maxConnectionsPerIp was reached.")

    // WebSocket traffic and broadcasts (per event loop, added up at scrape time).
    package static let webSocketMessages = MetricDefinition(
        "lastword_websocket_messages_total", .counter, labels: ["direction"],
        "WebSocket data messages (text and binary; not ping, pong or close): direction=in received, direction=out queued for sending (replies, single sends and each receiver of a broadcast).")
    package static let webSocketBytes = MetricDefinition(
        "lastword_websocket_payload_bytes_total", .counter, labels: ["direction"],
        "Payload bytes of the WebSocket data messages counted in lastword_websocket_messages_total, uncompressed (after inflating what came in, before deflating what goes out).")
    package static let broadcastDeliveries = MetricDefinition(
        "lastword_broadcast_deliveries_total", .counter, labels: ["policy"],
        "Broadcast messages queued for one receiver, by the broadcast's overflow policy (keep_newest: live states; close: conversations and a citizen's own pages; drop).")
    package static let broadcastOverflow = MetricDefinition(
        "lastword_broadcast_overflow_total", .counter, labels: ["policy", "action"],
        "Prepared messages for a receiver above limits.sendHighWaterBytes, by what its overflow policy did: keep_newest replaced an older unsent message of the same topic, drop dropped the message, close closed the connection with 1008.")
    package static let liveBehindClosed = MetricDefinition(
        "lastword_live_behind_closed_total", .counter,
        "Watchers of conversation topics (threads, cases, inboxes, the moderation queue) closed with 1008 because their queued output passed the backlog limit; the page resumes from its last seq.")
    package static let liveWatchers = MetricDefinition(
        "lastword_live_watchers", .gauge, labels: ["topic"],
        "Live subscriptions now, by topic family (campaign, project, messages, figures, thread, case, inbox, moderation).")

    // HTTP.
    package static let httpResponses = MetricDefinition(
        "lastword_http_responses_total", .counter, labels: ["method", "route", "status"],
        "HTTP responses sent on the public listener, by the route's method and pattern (static: a file; unmatched: nothing matched; transport: answered before any route — malformed requests, timeouts, refused WebSocket handshakes, connections over the limit) and status.")

    // The single writer.
    package static let writerQueueDepth = MetricDefinition(
        "lastword_writer_queue_depth", .gauge,
        "Commands waiting for the single writer now.")
    package static let writerQueueLimit = MetricDefinition(
        "lastword_writer_queue_limit", .gauge,
        "Commands that may wait for the writer (database.writerMaxQueue); beyond it writes are refused with server.busy.")
    package static let writerQueuedAtBatch = MetricDefinition(
        "lastword_writer_queued_commands", .histogram([1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000]),
        "Commands waiting for the writer, the batch it takes included, each time it takes a batch.")
    package static let writerBatch = MetricDefinition(
        "lastword_writer_batch_commands", .histogram([1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000]),
        "Commands in one writer transaction (group commit).")
    package static let writerCommit = MetricDefinition(
        "lastword_writer_commit_seconds", .durationHistogram([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]),
        "Time of one writer transaction, from BEGIN to the return of COMMIT (the batch's statements and the WAL sync): what an acknowledgement waits for once its batch is taken.")
    package static let writerFailed = MetricDefinition(
        "lastword_writer_failed_transactions_total", .counter,
        "Writer transactions the database failed at BEGIN or COMMIT; their commands were refused with server.storage_failure.")

    // What citizens and staff did.
    package static let actionsAccepted = MetricDefinition(
        "lastword_actions_accepted_total", .counter, labels: ["action"],
        "Ratings, likes, withdrawals, threads (letters) and messages accepted and committed, by action.")
    package static let actionsDuplicate = MetricDefinition(
        "lastword_actions_duplicate_total", .counter, labels: ["action"],
        "Retries of an action already committed (the same client id), answered with the first receipt and not stored again.")
    package static let actionsRefused = MetricDefinition(
        "lastword_actions_refused_total", .counter, labels: ["action", "code"],
        "Ratings, likes, withdrawals, threads and messages refused, by action and error code (docs/PROTOCOL.md).")

    // Letters (read from the database at scrape time).
    package static let threads = MetricDefinition(
        "lastword_threads", .gauge, labels: ["status"],
        "Letters (threads of the direct line) by status.")
    package static let threadsOverdue = MetricDefinition(
        "lastword_threads_overdue", .gauge, labels: ["owed"],
        "Letters past their deadline now, by what they owe: response (not yet taken up) or answer (taken up, not answered), in working days on the configured calendar.")

    // The process.
    package static let buildInfo = MetricDefinition(
        "lastword_build_info", .gauge, labels: ["version"],
        "Always 1; the version label says which LastWord is running.")
    package static let residentMemory = MetricDefinition(
        "process_resident_memory_bytes", .gauge, "Resident memory of the process (from /proc/self/stat).")
    package static let virtualMemory = MetricDefinition(
        "process_virtual_memory_bytes", .gauge, "Virtual memory of the process (from /proc/self/stat).")
    package static let openDescriptors = MetricDefinition(
        "process_open_fds", .gauge, "Open file descriptors of the process (sockets included; from /proc/self/fd).")
    package static let maxDescriptors = MetricDefinition(
        "process_max_fds", .gauge, "The process's limit on open file descriptors (RLIMIT_NOFILE).")
    package static let cpuSeconds = MetricDefinition(
        "process_cpu_seconds_total", .counter, "CPU time the process used, user and system (from /proc/self/stat).")
    package static let startTime = MetricDefinition(
        "process_start_time_seconds", .gauge, "When the process started, in seconds since the Unix epoch.")
    package static let heap = MetricDefinition(
        "lastword_heap_bytes", .gauge, labels: ["state"],
        "The allocator's heap over every arena (glibc mallinfo2): bytes in live blocks (in_use) and free bytes the arenas hold (free).")
    package static let databaseEngineMemory = MetricDefinition(
        "lastword_database_engine_memory_bytes", .gauge,
        "Memory the embedded database engine holds in this process: SQLite's page caches, prepared statements and schemas (sqlite3_memory_used).")

    /// Every metric, in the order docs/METRICS.md lists them.
    package static let all: [MetricDefinition] = [
        connectionsOpen, connectionsAccepted, connectionsRefused,
        webSocketMessages, webSocketBytes, broadcastDeliveries, broadcastOverflow, liveBehindClosed, liveWatchers,
        httpResponses,
        writerQueueDepth, writerQueueLimit, writerQueuedAtBatch, writerBatch, writerCommit, writerFailed,
        actionsAccepted, actionsDuplicate, actionsRefused,
        threads, threadsOverdue,
        buildInfo, residentMemory, virtualMemory, openDescriptors, maxDescriptors, cpuSeconds, startTime,
        heap, databaseEngineMemory,
    ]

    private static let byName: [String: MetricDefinition] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    package static func definition(_ name: String) -> MetricDefinition? { byName[name] }
}

// swift-tools-version: 6.2
import PackageDescription

// Layers, each a module; imports point down only (see docs/ARCHITECTURE.md):
//   lastword (executable) -> PrometheusExport -> App -> Domain, Storage, LiveTopics -> Transport -> HTTP1, WebSocket -> C libraries
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

let package = Package(
    name: "LastWord",
    products: [
        .executable(name: "lastword", targets: ["lastword"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // YAML alone, not [.defaults, "YAML"]: SwiftPM 6.3 passes a package's enabled traits to the compiler as -D
        // flags in Set order, which changes from one build plan to the next; with three traits (default, JSON, YAML)
        // a re-planned build saw a new command line and recompiled Configuration and everything above it (about
        // 4 s on 2 cores, issue 8 item 18). One trait has one order. We read YAML only.
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: ["YAML"]),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // Metrics: the swift-metrics API in the application, the Prometheus backend in the executable. Neither pulls
        // in SwiftNIO (`swift package show-dependencies` lists swift-atomics beside them, nothing else).
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // System libraries, from Debian's -dev packages.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CQRencode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // The few libc calls Swift cannot reach (macros, _GNU_SOURCE).
        .target(name: "CLinux"),

        // The transport layer: pure protocol values, then the socket runtime.
        .target(name: "HTTP1", swiftSettings: swiftSettings),
        .target(name: "WebSocket", dependencies: ["CZlib", "COpenSSL"], swiftSettings: swiftSettings),
        .target(
            name: "Transport",
            dependencies: [
                "HTTP1", "WebSocket", "CZlib", "CLinux", "COpenSSL",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // A PostgreSQL client on libpq's asynchronous API, driven by the event loops (no thread per query).
        .target(name: "PostgresClient", dependencies: ["CLibPQ", "Transport"], swiftSettings: swiftSettings),

        // The domain: campaigns, ratings, tallies, integrity rules. Pure Swift, no I/O.
        .target(name: "Domain", swiftSettings: swiftSettings),

        // Storage: the schema and its migrations for SQLite (through GRDB) and PostgreSQL (through PostgresClient), the
        // queries written once for both, the single writer with group commit.
        .target(
            name: "Storage",
            dependencies: [
                "Domain", "PostgresClient", "Transport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),

        // Live topics, apart from what they carry: subscriptions, sequence numbers, epochs, history, resume, and
        // the cadence that coalesces changes. Knows the transport, not the domain.
        .target(name: "LiveTopics", dependencies: ["Transport"], swiftSettings: swiftSettings),

        // The application: the wire protocol, routes, sessions and roles; wires the layers below.
        .target(
            name: "App",
            dependencies: [
                "Transport", "LiveTopics", "HTTP1", "WebSocket", "Domain", "Storage", "COpenSSL", "CQRencode",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),

        // The Prometheus backend of the application's metrics and the /metrics listener (a second transport server).
        // Only the executable (and the tests) use it: the layers below count through swift-metrics or keep counters
        // of their own.
        .target(
            name: "PrometheusExport",
            dependencies: [
                "App", "Transport", "HTTP1",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // The executable: command line, configuration, start-up and shutdown.
        .executableTarget(
            name: "lastword",
            dependencies: [
                "App", "Transport", "HTTP1", "WebSocket", "Domain", "Storage", "PrometheusExport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),

        // The fuzzing harness (scripts/fuzz): built with libFuzzer's instrumentation, AddressSanitizer and -DFUZZING it
        // runs libFuzzer's driver on App's FuzzTarget; a normal build replays inputs through the same targets.
        .target(name: "CLibFuzzer"),
        .executableTarget(name: "lastword-fuzz", dependencies: ["App", "CLibFuzzer"], swiftSettings: swiftSettings),

        // Test clients (HTTP and WebSocket over real sockets) and server settings shared by the integration suites.
        .target(
            name: "TestSupport",
            dependencies: ["WebSocket", "Transport", "COpenSSL", .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),

        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1"], swiftSettings: swiftSettings),
        .testTarget(name: "WebSocketTests", dependencies: ["WebSocket"], swiftSettings: swiftSettings),
        .testTarget(
            name: "TransportTests",
            dependencies: ["Transport", "HTTP1", "WebSocket", "CZlib", "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LiveTopicsTests",
            dependencies: ["LiveTopics", "Transport", "HTTP1", "WebSocket", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PostgresClientTests",
            dependencies: ["PostgresClient", "Transport", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "DomainTests", dependencies: ["Domain"], swiftSettings: swiftSettings),
        .testTarget(
            name: "StorageTests",
            dependencies: ["Storage", "Domain", "PostgresClient", "Transport", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AppTests",
            dependencies: [
                "App", "Transport", "LiveTopics", "HTTP1", "WebSocket", "Domain", "Storage", "TestSupport", "PrometheusExport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                // Reads docs/openapi.yaml, to compare it with the router's routes.
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)

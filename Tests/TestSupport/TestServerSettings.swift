import Logging
import Transport
#if canImport(Glibc)
import Glibc
#endif

extension ServerConfiguration {
    /// 127.0.0.1 on a port the kernel picks, one loop, and times short enough that a test which waits for one takes
    /// a fraction of a second while a loaded machine still meets them. A test changes what it is about.
    package static func forTesting(_ adjust: (inout ServerConfiguration) -> Void = { _ in }) -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.eventLoops = 1
        configuration.requestTimeoutMilliseconds = 5_000
        configuration.idleTimeoutMilliseconds = 5_000
        configuration.webSocketCloseTimeoutMilliseconds = 1_000
        configuration.lingerTimeoutMilliseconds = 1_000
        configuration.shutdownDeadlineMilliseconds = 2_000
        configuration.pingIntervalMilliseconds = 0
        adjust(&configuration)
        return configuration
    }
}

/// A logger for servers under test: silent unless LASTWORD_TEST_LOG is set (then debug logs go to stderr).
package func testLogger(label: String) -> Logger {
    if getenv("LASTWORD_TEST_LOG") != nil {
        var logger = Logger(label: label)
        logger.logLevel = .debug
        return logger
    }
    return Logger(label: label, factory: { _ in SwiftLogNoOpLogHandler() })
}

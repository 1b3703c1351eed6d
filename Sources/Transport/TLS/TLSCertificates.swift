import Synchronization

/// The server's current TLS context. A reload reads the files into a new context and swaps it in: connections accepted
/// afterwards use it, connections already open keep theirs (their `SSL` holds its `SSL_CTX`) and are not dropped.
package final class TLSCertificates: Sendable {
    package let configuration: TLSConfiguration
    private let current: Mutex<TLSContext>

    package init(_ configuration: TLSConfiguration) throws(TLSConfigurationError) {
        self.configuration = configuration
        current = Mutex(try TLSContext.server(configuration))
    }

    /// The context new connections use.
    package var context: TLSContext { current.withLock { $0 } }

    /// Reads the configured files again. A file that cannot be used throws and leaves the current context in place.
    @discardableResult
    package func reload() throws(TLSConfigurationError) -> TLSCertificateSummary? {
        let fresh = try TLSContext.server(configuration)
        current.withLock { $0 = fresh }
        return fresh.certificate
    }
}

/// `server.tls`: the certificate and key the server proves itself with, and what it accepts. Empty files: TLS off.
/// config/lastword.yaml says why each default is what it is.
package struct TLSConfiguration: Sendable, Equatable {
    /// PEM file: the server's certificate first, then the intermediates a client needs to reach its root.
    package var certificateChainFile = ""
    /// PEM file: the private key of the first certificate, unencrypted (the server cannot ask for a passphrase).
    package var privateKeyFile = ""
    /// TLS 1.2 cipher list (OpenSSL's syntax). TLS 1.3's suites are all AEAD with forward secrecy and are not listed.
    package var ciphers = TLSConfiguration.modernCiphers
    /// A plain HTTP port whose every request is redirected (308) to HTTPS; 0: none.
    package var redirectPlainPort = 0
    /// `Strict-Transport-Security: max-age=` of every response over TLS, in seconds; 0 sends none.
    package var hstsMaxAgeSeconds = 31_536_000

    /// ECDHE key exchange (forward secrecy) with AEAD ciphers only: no CBC, no RSA key exchange, no SHA-1 MACs,
    /// no DHE (slow, and weak groups in the wild). Every browser of the last eight years speaks one of these.
    package static let modernCiphers = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")

    package init() {}

    /// TLS is on when either file is named (both must be: the start-up check says which one is missing).
    package var isEnabled: Bool { !certificateChainFile.isEmpty || !privateKeyFile.isEmpty }

    /// The header value of `hstsMaxAgeSeconds`, or nil.
    package var strictTransportSecurity: String? {
        hstsMaxAgeSeconds > 0 ? "max-age=\(hstsMaxAgeSeconds)" : nil
    }
}

import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// An OpenSSL `SSL_CTX` set up once: the certificate chain and key, TLS 1.2 and 1.3 only, the cipher list, ALPN
/// `http/1.1`. Immutable once made; a certificate reload makes a new one and swaps it in (`TLSContextHolder`), so a
/// connection keeps the context it started with (each `SSL` holds a reference on its `SSL_CTX`).
package final class TLSContext: @unchecked Sendable {
    // @unchecked Sendable: `pointer` is configured entirely in the initialisers and never changed afterwards; OpenSSL
    // allows `SSL_new` on one configured SSL_CTX from several threads at once (its reference count is atomic).
    let pointer: OpaquePointer
    let isServer: Bool
    /// What the certificate says, for the start-up log and reload messages (empty for a client context).
    package let certificate: TLSCertificateSummary?

    private init(pointer: OpaquePointer, isServer: Bool, certificate: TLSCertificateSummary?) {
        self.pointer = pointer
        self.isServer = isServer
        self.certificate = certificate
    }

    deinit {
        SSL_CTX_free(pointer)
    }

    /// A server context from the configured files. Every failure names the setting and the file, in words.
    package static func server(_ configuration: TLSConfiguration) throws(TLSConfigurationError) -> TLSContext {
        guard !configuration.certificateChainFile.isEmpty else {
            throw TLSConfigurationError("server.tls.certificateChainFile is empty but server.tls.privateKeyFile is set: name both files, or neither to serve plain HTTP")
        }
        guard !configuration.privateKeyFile.isEmpty else {
            throw TLSConfigurationError("server.tls.privateKeyFile is empty but server.tls.certificateChainFile is set: name both files, or neither to serve plain HTTP")
        }
        let chainPEM = try readPEMFile(configuration.certificateChainFile, setting: "server.tls.certificateChainFile")
        let keyPEM = try readPEMFile(configuration.privateKeyFile, setting: "server.tls.privateKeyFile")
        let chain = try certificates(in: chainPEM, file: configuration.certificateChainFile)
        defer { for certificate in chain { X509_free(certificate) } }
        let key = try privateKey(in: keyPEM, file: configuration.privateKeyFile)
        defer { EVP_PKEY_free(key) }

        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_server_method()) else {
            throw TLSConfigurationError("cannot make a TLS context (\(OpenSSLError.drain() ?? "out of memory"))")
        }
        do throws(TLSConfigurationError) {
            try configureProtocols(context)
            guard SSL_CTX_set_cipher_list(context, configuration.ciphers) == 1 else {
                _ = OpenSSLError.drain()
                throw TLSConfigurationError("server.tls.ciphers: OpenSSL knows none of \"\(configuration.ciphers)\" (a colon-separated list such as \(TLSConfiguration.modernCiphers.split(separator: ":").prefix(2).joined(separator: ":")))")
            }
            guard SSL_CTX_use_certificate(context, chain[0]) == 1 else {
                throw TLSConfigurationError("server.tls.certificateChainFile: \(configuration.certificateChainFile): the first certificate cannot be used (\(OpenSSLError.drain() ?? "unknown reason"))")
            }
            for intermediate in chain.dropFirst() where lw_SSL_CTX_add1_chain_cert(context, intermediate) != 1 {
                throw TLSConfigurationError("server.tls.certificateChainFile: \(configuration.certificateChainFile): an intermediate certificate cannot be used (\(OpenSSLError.drain() ?? "unknown reason"))")
            }
            guard SSL_CTX_use_PrivateKey(context, key) == 1, SSL_CTX_check_private_key(context) == 1 else {
                _ = OpenSSLError.drain()
                throw TLSConfigurationError("server.tls.privateKeyFile: \(configuration.privateKeyFile) is not the key of the certificate in server.tls.certificateChainFile (\(configuration.certificateChainFile)): use the key the certificate was issued for")
            }
            // Stateless session tickets resume TLS 1.2 and 1.3 sessions; no server-side cache grows with clients.
            _ = lw_SSL_CTX_set_session_cache_mode(context, Int(SSL_SESS_CACHE_OFF))
            _ = SSL_CTX_set_num_tickets(context, 1)
            SSL_CTX_set_alpn_select_cb(context, selectHTTP11, nil)
        } catch {
            SSL_CTX_free(context)
            throw error
        }
        return TLSContext(pointer: context, isServer: true, certificate: TLSCertificateSummary(chain[0], chainLength: chain.count))
    }

    /// A client context that trusts the certificates of `trustedPEM` (tests and the benchmark client).
    package static func client(trustingPEM trustedPEM: [UInt8]) throws(TLSConfigurationError) -> TLSContext {
        let trusted = try certificates(in: trustedPEM, file: "(trusted certificates)")
        defer { for certificate in trusted { X509_free(certificate) } }
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw TLSConfigurationError("cannot make a TLS context (\(OpenSSLError.drain() ?? "out of memory"))")
        }
        do throws(TLSConfigurationError) {
            try configureProtocols(context)
        } catch {
            SSL_CTX_free(context)
            throw error
        }
        let store = SSL_CTX_get_cert_store(context)
        for certificate in trusted { _ = X509_STORE_add_cert(store, certificate) }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        let alpn: [UInt8] = [8] + Array("http/1.1".utf8)
        _ = SSL_CTX_set_alpn_protos(context, alpn, UInt32(alpn.count))
        return TLSContext(pointer: context, isServer: false, certificate: nil)
    }

    /// TLS 1.2 and 1.3 only; no renegotiation (a client could make the server redo the costly part at will); no
    /// compression (CRIME); buffers given back while a connection is idle (an idle TLS connection then costs its
    /// SSL object, not two 17 KiB record buffers).
    private static func configureProtocols(_ context: OpaquePointer) throws(TLSConfigurationError) {
        guard lw_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) == 1,
              lw_SSL_CTX_set_max_proto_version(context, TLS1_3_VERSION) == 1 else {
            throw TLSConfigurationError("this OpenSSL cannot limit TLS to versions 1.2 and 1.3 (\(OpenSSLError.drain() ?? "unknown reason"))")
        }
        _ = SSL_CTX_set_options(context, lw_SSL_OP_NO_RENEGOTIATION | lw_SSL_OP_NO_COMPRESSION)
        _ = lw_SSL_CTX_set_mode(context, Int(SSL_MODE_RELEASE_BUFFERS))
    }

    // MARK: reading the files

    /// Certificate and key files are small: anything larger than this is not one (and is not read into memory).
    static let maxFileSize = 1 << 20

    private static func readPEMFile(_ path: String, setting: String) throws(TLSConfigurationError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            throw TLSConfigurationError("\(setting): cannot read \(path): \(String(cString: strerror(code)))")
        }
        defer { _ = close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                throw TLSConfigurationError("\(setting): cannot read \(path): \(String(cString: strerror(code)))")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > maxFileSize {
                throw TLSConfigurationError("\(setting): \(path) is larger than 1 MiB, so it is not a PEM certificate or key file")
            }
        }
        return bytes
    }

    /// Every certificate of a PEM text, in order (caller frees them); at least one.
    private static func certificates(in pem: [UInt8], file: String) throws(TLSConfigurationError) -> [OpaquePointer] {
        ERR_clear_error()
        var result: [OpaquePointer] = []
        let failure: String? = pem.withUnsafeBytes { raw -> String? in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return "out of memory" }
            defer { BIO_free(bio) }
            while let certificate = PEM_read_bio_X509(bio, nil, refusePassphrase, nil) {
                result.append(certificate)
            }
            // The loop ends at the end of the text ("no start line") or at a certificate that cannot be read.
            let error = ERR_peek_last_error()
            if error != 0, lw_ERR_GET_REASON(error) != PEM_R_NO_START_LINE {
                return OpenSSLError.drain() ?? "unreadable"
            }
            ERR_clear_error()
            return nil
        }
        if let failure {
            for certificate in result { X509_free(certificate) }
            return try fail("server.tls.certificateChainFile: \(file): certificate \(result.count + 1) cannot be read (\(failure))")
        }
        guard !result.isEmpty else {
            return try fail("server.tls.certificateChainFile: \(file) holds no PEM certificate (a block starting -----BEGIN CERTIFICATE-----)")
        }
        return result
    }

    private static func privateKey(in pem: [UInt8], file: String) throws(TLSConfigurationError) -> OpaquePointer {
        ERR_clear_error()
        let key = pem.withUnsafeBytes { raw -> OpaquePointer? in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, refusePassphrase, nil)
        }
        if let key {
            ERR_clear_error()
            return key
        }
        let reason = OpenSSLError.drain() ?? "unreadable"
        let text = String(decoding: pem, as: UTF8.self)
        if text.contains("ENCRYPTED") {
            return try fail("server.tls.privateKeyFile: \(file) is protected by a passphrase, which the server cannot ask for: store it unencrypted, readable only by the server's user (openssl pkey -in \(file) -out KEY.pem)")
        }
        if !text.contains("-----BEGIN") || !text.contains("PRIVATE KEY-----") {
            return try fail("server.tls.privateKeyFile: \(file) holds no PEM private key (a block starting -----BEGIN PRIVATE KEY-----)")
        }
        return try fail("server.tls.privateKeyFile: \(file): the private key cannot be read (\(reason))")
    }

    private static func fail<T>(_ message: String) throws(TLSConfigurationError) -> T {
        throw TLSConfigurationError(message)
    }
}

/// The server's certificate as an operator reads it: whom it names, and until when.
package struct TLSCertificateSummary: Sendable, Equatable, CustomStringConvertible {
    package var subject: String
    /// The last day it is valid, as YYYY-MM-DD (UTC).
    package var notAfter: String
    package var isExpired: Bool
    /// Certificates in the chain file (the server's and its intermediates).
    package var chainLength: Int

    init(_ certificate: OpaquePointer, chainLength: Int) {
        var subject = "?"
        if let bio = BIO_new(BIO_s_mem()) {
            if X509_NAME_print_ex(bio, X509_get_subject_name(certificate), 0, lw_XN_FLAG_RFC2253) >= 0 {
                var data: UnsafeMutablePointer<CChar>?
                let length = lw_BIO_get_mem_data(bio, &data)
                if let data, length > 0 {
                    subject = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
                }
            }
            BIO_free(bio)
        }
        self.subject = subject
        var time = tm()
        if let end = X509_get0_notAfter(certificate), ASN1_TIME_to_tm(end, &time) == 1 {
            notAfter = String(format: time.tm_year + 1900, time.tm_mon + 1, time.tm_mday)
            isExpired = X509_cmp_current_time(end) < 0
        } else {
            notAfter = "?"
            isExpired = false
        }
        self.chainLength = chainLength
        ERR_clear_error()
    }

    package var description: String {
        "\(subject), valid until \(notAfter)\(chainLength > 1 ? ", \(chainLength - 1) intermediate(s)" : "")"
    }
}

private extension String {
    /// YYYY-MM-DD.
    init(format year: Int32, _ month: Int32, _ day: Int32) {
        self = "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2))"
    }

    static func pad(_ value: Int32, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: Swift.max(0, width - text.count)) + text
    }
}

/// A start-up or reload problem with the TLS settings, said in the operator's terms (the setting, the file, what to do).
package struct TLSConfigurationError: Error, CustomStringConvertible, Sendable {
    package var description: String
    package init(_ description: String) { self.description = description }
}

/// OpenSSL's per-thread error queue, read as one short reason.
enum OpenSSLError {
    /// The reason of the earliest queued error (the cause; later ones are consequences), and empties the queue.
    static func drain() -> String? {
        var first: String?
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            if first == nil, let reason = ERR_reason_error_string(code) {
                first = String(cString: reason)
            } else if first == nil {
                first = "error \(lw_ERR_GET_REASON(code))"
            }
        }
        return first
    }
}

/// A key file with a passphrase is refused rather than prompted for on a terminal that a server does not have.
private func refusePassphrase(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int32, _ writing: Int32, _ user: UnsafeMutableRawPointer?) -> Int32 {
    0
}

/// ALPN (RFC 7301 §3.2): `http/1.1` when the client offers it; a client offering only other protocols (h2 alone)
/// gets the `no_application_protocol` alert, as the RFC says, rather than HTTP/1.1 it did not ask for.
private func selectHTTP11(
    _ ssl: OpaquePointer?, _ selected: UnsafeMutablePointer<UnsafePointer<UInt8>?>?, _ selectedLength: UnsafeMutablePointer<UInt8>?,
    _ offered: UnsafePointer<UInt8>?, _ offeredLength: UInt32, _ argument: UnsafeMutableRawPointer?
) -> Int32 {
    guard let offered, let selected, let selectedLength else { return SSL_TLSEXT_ERR_NOACK }
    let wanted: StaticString = "http/1.1"
    var index = 0
    let total = Int(offeredLength)
    while index < total {
        let length = Int(offered[index])
        let start = index + 1
        guard start + length <= total else { break }
        if length == wanted.utf8CodeUnitCount, memcmp(offered + start, wanted.utf8Start, length) == 0 {
            selected.pointee = offered + start
            selectedLength.pointee = UInt8(length)
            return SSL_TLSEXT_ERR_OK
        }
        index = start + length
    }
    return SSL_TLSEXT_ERR_ALERT_FATAL
}

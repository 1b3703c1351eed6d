import COpenSSL
import Synchronization

/// A certificate authority made in memory for a test (P-256 keys, SHA-256 signatures), and server certificates it
/// issues for `localhost` and 127.0.0.1: nothing is read from or left on the machine but the PEM files a test writes.
package final class TestCertificateAuthority: @unchecked Sendable {
    // @unchecked Sendable: `key` and `certificate` are only read after init (signing reads them, which OpenSSL allows
    // from several threads at once); the serial number is behind a Mutex.
    /// The CA's certificate, PEM: what a client trusts.
    package let certificatePEM: [UInt8]
    private let key: OpaquePointer
    private let certificate: OpaquePointer
    private let serial = Mutex(2)

    package init(name: String = "LastWord Test CA") {
        let key = makeKey()
        let certificate = X509_new()!
        fill(certificate, serial: 1, subject: name, issuer: nil, key: key, days: 30)
        addExtension(certificate, issuer: certificate, nid: NID_basic_constraints, value: "critical,CA:TRUE")
        addExtension(certificate, issuer: certificate, nid: NID_key_usage, value: "critical,keyCertSign,cRLSign")
        precondition(X509_sign(certificate, key, EVP_sha256()) > 0, "cannot sign the test CA")
        self.key = key
        self.certificate = certificate
        certificatePEM = pem { PEM_write_bio_X509($0, certificate) }
    }

    deinit {
        X509_free(certificate)
        EVP_PKEY_free(key)
    }

    /// A server certificate and its key, PEM. `days` below 0 makes one that has already expired.
    package func issue(commonName: String = "localhost", days: Int = 30) -> (certificate: [UInt8], key: [UInt8]) {
        let leafKey = makeKey()
        defer { EVP_PKEY_free(leafKey) }
        let leaf = X509_new()!
        defer { X509_free(leaf) }
        let number = serial.withLock { value -> Int in
            value += 1
            return value
        }
        fill(leaf, serial: number, subject: commonName, issuer: certificate, key: leafKey, days: days)
        addExtension(leaf, issuer: certificate, nid: NID_subject_alt_name, value: "DNS:localhost,IP:127.0.0.1")
        addExtension(leaf, issuer: certificate, nid: NID_basic_constraints, value: "critical,CA:FALSE")
        addExtension(leaf, issuer: certificate, nid: NID_ext_key_usage, value: "serverAuth")
        precondition(X509_sign(leaf, key, EVP_sha256()) > 0, "cannot sign a test certificate")
        return (pem { PEM_write_bio_X509($0, leaf) }, pem { PEM_write_bio_PrivateKey($0, leafKey, nil, nil, 0, nil, nil) })
    }
}

private func makeKey() -> OpaquePointer {
    let context = EVP_PKEY_CTX_new_from_name(nil, "EC", nil)!
    defer { EVP_PKEY_CTX_free(context) }
    var key: OpaquePointer?
    precondition(EVP_PKEY_keygen_init(context) == 1 && EVP_PKEY_CTX_set_group_name(context, "P-256") == 1
                 && EVP_PKEY_generate(context, &key) == 1, "cannot make a test key")
    return key!
}

private func fill(_ certificate: OpaquePointer, serial: Int, subject: String, issuer: OpaquePointer?, key: OpaquePointer, days: Int) {
    X509_set_version(certificate, 2)
    ASN1_INTEGER_set(X509_get_serialNumber(certificate), serial)
    // An expired certificate (days < 0) was valid from two periods ago until one period ago.
    X509_gmtime_adj(X509_getm_notBefore(certificate), days < 0 ? days * 2 * 86_400 : -3_600)
    X509_gmtime_adj(X509_getm_notAfter(certificate), days * 86_400)
    X509_set_pubkey(certificate, key)
    let name = X509_get_subject_name(certificate)
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, subject, -1, -1, 0)
    X509_set_issuer_name(certificate, issuer.map { X509_get_subject_name($0) } ?? name)
}

private func addExtension(_ certificate: OpaquePointer, issuer: OpaquePointer, nid: Int32, value: String) {
    var context = X509V3_CTX()
    X509V3_set_ctx(&context, issuer, certificate, nil, nil, 0)
    let ext = X509V3_EXT_conf_nid(nil, &context, nid, value)!
    X509_add_ext(certificate, ext, -1)
    X509_EXTENSION_free(ext)
}

private func pem(_ write: (OpaquePointer) -> Int32) -> [UInt8] {
    let bio = BIO_new(BIO_s_mem())!
    defer { BIO_free(bio) }
    precondition(write(bio) == 1, "cannot write PEM")
    var data: UnsafeMutablePointer<CChar>?
    let length = lw_BIO_get_mem_data(bio, &data)
    return Array(UnsafeRawBufferPointer(start: data, count: length))
}

import TestSupport
import Testing
import Transport

/// The TLS session as a value told about bytes: two sessions paired in memory, a server's and a client's, with no
/// socket between them — the handshake, records split at every byte, garbage where a ClientHello should be, and the
/// certificate files as an operator gets them wrong.
@Suite struct TLSSessionTests {
    /// One CA and server certificate for the suite (making keys is the slow part).
    static let authority = TestCertificateAuthority()
    // nonisolated(unsafe): made once by the static initialiser and only read afterwards (the directory is never changed).
    nonisolated(unsafe) static let files: (directory: TemporaryDirectory, configuration: TLSConfiguration) = {
        let directory = try! TemporaryDirectory()
        let (certificate, key) = authority.issue()
        try! directory.write("chain.pem", certificate)
        try! directory.write("key.pem", key)
        var configuration = TLSConfiguration()
        configuration.certificateChainFile = directory.path + "/chain.pem"
        configuration.privateKeyFile = directory.path + "/key.pem"
        return (directory, configuration)
    }()
    static let serverContext = try! TLSContext.server(files.configuration)
    static let clientContext = try! TLSContext.client(trustingPEM: authority.certificatePEM)

    /// A client and a server session and what each has decrypted.
    final class Pair {
        let client = TLSSession(context: TLSSessionTests.clientContext, verifyHost: "localhost")!
        let server = TLSSession(context: TLSSessionTests.serverContext)!
        var atServer: [UInt8] = []
        var atClient: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 << 10, alignment: 16)
        deinit { buffer.deallocate() }

        /// What `session` wants sent, taken.
        func take(_ session: TLSSession) -> [UInt8] {
            var bytes: [UInt8] = []
            session.withPendingOutput { pending in
                bytes = Array(pending)
                return pending.count
            }
            return bytes
        }

        @discardableResult
        func toServer(_ bytes: [UInt8]) -> TLSSession.ReceiveOutcome {
            bytes.withUnsafeBytes { raw in server.receive(raw, into: buffer) { atServer.append(contentsOf: $0); return true } }
        }

        @discardableResult
        func toClient(_ bytes: [UInt8]) -> TLSSession.ReceiveOutcome {
            bytes.withUnsafeBytes { raw in client.receive(raw, into: buffer) { atClient.append(contentsOf: $0); return true } }
        }

        /// The client's first flight (its ClientHello).
        func clientHello() -> [UInt8] {
            toClient([])
            return take(client)
        }

        /// Runs the handshake to its end, both ways, moving each side's output to the other.
        func handshake() throws {
            toServer(clientHello())
            for _ in 0..<10 where !(client.handshakeComplete && server.handshakeComplete && !client.hasPendingOutput && !server.hasPendingOutput) {
                let fromServer = take(server)
                if !fromServer.isEmpty { try #require(toClient(fromServer) == .ok) }
                let fromClient = take(client)
                if !fromClient.isEmpty { try #require(toServer(fromClient) == .ok) }
            }
            try #require(client.handshakeComplete && server.handshakeComplete)
        }

        /// `text` encrypted by the client.
        func records(_ text: [UInt8]) -> [UInt8] {
            var records: [UInt8] = []
            let error = text.withUnsafeBytes { client.encrypt($0, into: &records) }
            #expect(error == nil)
            return records
        }
    }

    @Test func handshakeAgreesOnTLS13AndHTTP11() throws {
        let pair = Pair()
        try pair.handshake()
        #expect(pair.server.protocolVersion == "TLSv1.3")
        #expect(pair.server.negotiatedProtocol == "http/1.1")
        #expect(pair.client.negotiatedProtocol == "http/1.1")
    }

    @Test func plaintextGoesBothWaysAndLargeMessagesSpanRecords() throws {
        let pair = Pair()
        try pair.handshake()
        let request = Array("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
        #expect(pair.toServer(pair.records(request)) == .ok)
        #expect(pair.atServer == request)

        let large = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var records: [UInt8] = []
        #expect(large.withUnsafeBytes { pair.server.encrypt($0, into: &records) } == nil)
        #expect(records.count > large.count, "seven records, each with its header and tag")
        #expect(pair.toClient(records) == .ok)
        #expect(pair.atClient == large)
    }

    @Test func aClientHelloSplitAtEveryByteGivesTheSameHandshake() throws {
        let hello = Pair().clientHello()
        #expect(hello.count > 100)
        for split in 1..<hello.count {
            let pair = Pair()
            let mine = pair.clientHello()
            #expect(pair.toServer(Array(mine[..<split])) == .ok)
            #expect(!pair.server.hasPendingOutput, "no answer to half a ClientHello (split \(split))")
            #expect(pair.toServer(Array(mine[split...])) == .ok)
            #expect(pair.server.hasPendingOutput, "the ServerHello flight once it is whole (split \(split))")
        }
    }

    @Test func recordsSplitAtEveryByteGiveTheSamePlaintext() throws {
        let message = Array("GET /board HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
        let template = Pair()
        try template.handshake()
        let length = template.records(message).count + template.records(message).count
        for split in 0...length {
            let pair = Pair()
            try pair.handshake()
            // Two records back to back: the split falls in the first, between them, or in the second.
            let records = pair.records(message) + pair.records(message)
            #expect(records.count == length)
            #expect(pair.toServer(Array(records[..<split])) == .ok)
            #expect(pair.toServer(Array(records[split...])) == .ok)
            #expect(pair.atServer == message + message, "split at \(split)")
        }
    }

    @Test func plainHTTPOnTheTLSPortIsRefusedByName() {
        let pair = Pair()
        let outcome = pair.toServer(Array("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8))
        guard case .failed(let error) = outcome else { Issue.record("accepted \(outcome)"); return }
        #expect(error.code == "tls.not_tls")
    }

    @Test func aGarbageClientHelloFailsTheHandshake() {
        // A handshake record header (type 22, TLS 1.0 framing) around bytes that are no ClientHello.
        let garbage: [UInt8] = [22, 3, 1, 0, 12] + Array("not a hello!".utf8)
        let pair = Pair()
        let outcome = pair.toServer(garbage)
        guard case .failed(let error) = outcome else { Issue.record("accepted \(outcome)"); return }
        #expect(error.code == "tls.handshake_failed")
        #expect(!error.reason.isEmpty)
        #expect(!pair.server.handshakeComplete)
    }

    @Test func aTamperedRecordIsRefused() throws {
        let pair = Pair()
        try pair.handshake()
        var records = pair.records(Array("hello".utf8))
        records[records.count - 3] ^= 0x01  // inside the authentication tag
        guard case .failed(let error) = pair.toServer(records) else { Issue.record("a tampered record decrypted"); return }
        #expect(error.code == "tls.record_failed")
        #expect(pair.atServer.isEmpty)
    }

    @Test func closeNotifyEndsTheStream() throws {
        let pair = Pair()
        try pair.handshake()
        #expect(pair.client.shutdown())
        #expect(!pair.client.shutdown(), "once")
        #expect(pair.toServer(pair.take(pair.client)) == .closedByPeer)
    }

    @Test func aClientThatDoesNotTrustTheCertificateFails() throws {
        let stranger = TestCertificateAuthority(name: "Someone Else")
        let client = TLSSession(context: try TLSContext.client(trustingPEM: stranger.certificatePEM), verifyHost: "localhost")!
        let server = TLSSession(context: Self.serverContext)!
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 << 10, alignment: 16)
        defer { buffer.deallocate() }
        func move(_ from: TLSSession, _ to: TLSSession) -> TLSSession.ReceiveOutcome {
            var bytes: [UInt8] = []
            from.withPendingOutput { bytes = Array($0); return $0.count }
            return bytes.withUnsafeBytes { to.receive($0, into: buffer) { _ in true } }
        }
        _ = [UInt8]().withUnsafeBytes { client.receive($0, into: buffer) { _ in true } }
        #expect(move(client, server) == .ok)
        guard case .failed(let error) = move(server, client) else { Issue.record("an unknown CA was trusted"); return }
        #expect(error.reason.contains("certificate verify failed"))
    }

    // MARK: the files, as an operator gets them wrong

    @Test func aMissingFileIsNamedWithItsSetting() {
        var configuration = Self.files.configuration
        configuration.privateKeyFile = "/nonexistent/key.pem"
        #expect(throws: TLSConfigurationError.self) { try TLSContext.server(configuration) }
        let message = (try? TLSContext.server(configuration)).map { _ in "" } ?? Self.problem(configuration)
        #expect(message == "server.tls.privateKeyFile: cannot read /nonexistent/key.pem: No such file or directory")
    }

    @Test func aKeyOfAnotherCertificateIsAMismatch() throws {
        let directory = try TemporaryDirectory()
        try directory.write("other-key.pem", Self.authority.issue().key)
        var configuration = Self.files.configuration
        configuration.privateKeyFile = directory.path + "/other-key.pem"
        let message = Self.problem(configuration)
        #expect(message.hasPrefix("server.tls.privateKeyFile: \(configuration.privateKeyFile) is not the key of the certificate in server.tls.certificateChainFile"))
    }

    @Test func filesThatAreNotPEMAreSaidToBeSo() throws {
        let directory = try TemporaryDirectory()
        try directory.write("empty.pem", "not a certificate\n")
        var configuration = Self.files.configuration
        configuration.certificateChainFile = directory.path + "/empty.pem"
        #expect(Self.problem(configuration).contains("holds no PEM certificate"))
        configuration = Self.files.configuration
        configuration.privateKeyFile = directory.path + "/empty.pem"
        #expect(Self.problem(configuration).contains("holds no PEM private key"))
    }

    @Test func anEncryptedKeyIsRefusedWithoutAskingForAPassphrase() throws {
        let directory = try TemporaryDirectory()
        try directory.write("encrypted.pem", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n")
        var configuration = Self.files.configuration
        configuration.privateKeyFile = directory.path + "/encrypted.pem"
        #expect(Self.problem(configuration).contains("is protected by a passphrase"))
    }

    @Test func oneFileWithoutTheOtherIsIncomplete() {
        var configuration = Self.files.configuration
        configuration.privateKeyFile = ""
        #expect(Self.problem(configuration).hasPrefix("server.tls.privateKeyFile is empty but server.tls.certificateChainFile is set"))
    }

    @Test func anUnknownCipherListIsRefusedByName() {
        var configuration = Self.files.configuration
        configuration.ciphers = "NOT-A-CIPHER"
        #expect(Self.problem(configuration).hasPrefix("server.tls.ciphers: OpenSSL knows none of \"NOT-A-CIPHER\""))
    }

    @Test func theCertificateSummaryNamesSubjectAndExpiry() throws {
        let summary = try #require(Self.serverContext.certificate)
        #expect(summary.subject == "CN=localhost")
        #expect(!summary.isExpired)
        #expect(summary.notAfter.count == 10)
    }

    static func problem(_ configuration: TLSConfiguration) -> String {
        do {
            _ = try TLSContext.server(configuration)
            return "(accepted)"
        } catch {
            return error.description
        }
    }
}

import COpenSSL

/// The pieces of the opening handshake (RFC 6455 §4) that are WebSocket rather than HTTP: the key check and the accept
/// value. The HTTP parts (method, `Upgrade`, `Connection`, version) belong to the HTTP layer.
package enum WebSocketHandshake {
    /// RFC 6455 §1.3, §4.2.2 item 5.4: the GUID appended to the key before hashing.
    package static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// RFC 6455 §4.2.1 item 5: `Sec-WebSocket-Key` "when decoded, is 16 bytes in length".
    package static func isValidKey(_ key: String) -> Bool {
        Base64.decode(key)?.count == 16
    }

    /// RFC 6455 §4.2.2 item 5.4: `Sec-WebSocket-Accept` is base64(SHA-1(key + GUID)), the key taken as sent (not decoded).
    package static func acceptValue(forKey key: String) -> String {
        let input = Array((key + guid).utf8)
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = input.withUnsafeBytes { bytes in
            EVP_Digest(bytes.baseAddress, bytes.count, &digest, &length, EVP_sha1(), nil)
        }
        precondition(ok == 1 && length == 20, "OpenSSL SHA-1 failed")
        return Base64.encode(digest[0..<20])
    }

    /// A fresh `Sec-WebSocket-Key` for a client (RFC 6455 §4.1 item 7: a randomly selected 16-byte nonce, base64-encoded).
    package static func generateKey() -> String {
        var nonce = [UInt8](repeating: 0, count: 16)
        let ok = RAND_bytes(&nonce, 16)
        precondition(ok == 1, "OpenSSL RAND_bytes failed")
        return Base64.encode(nonce)
    }
}

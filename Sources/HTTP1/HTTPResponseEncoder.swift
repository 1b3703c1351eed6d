/// Serializes responses (RFC 9112 §4, §7.1) by appending bytes to a caller-owned buffer, so that a
/// connection can reuse one buffer for every response.
package enum HTTPResponseEncoder {
    /// Appends `HTTP-version SP status-code SP reason-phrase CRLF`, each field as `name: value CRLF`,
    /// then the empty line. The fields are written exactly as given: the caller adds Date,
    /// Content-Length or Transfer-Encoding, and Connection. Names and values come from our own code;
    /// debug builds check that none holds a CR or LF (which would split the response).
    package static func encodeHead(_ head: HTTPResponseHead, version: HTTPVersion, into buffer: inout [UInt8]) {
        precondition((100...999).contains(head.status), "status code must have three digits")
        buffer.append(contentsOf: version.text.utf8)
        buffer.append(ASCII.sp)
        buffer.append(UInt8(truncatingIfNeeded: 0x30 + head.status / 100))
        buffer.append(UInt8(truncatingIfNeeded: 0x30 + head.status / 10 % 10))
        buffer.append(UInt8(truncatingIfNeeded: 0x30 + head.status % 10))
        buffer.append(ASCII.sp)
        buffer.append(contentsOf: HTTPStatus.reasonPhrase(head.status).utf8)
        buffer.append(ASCII.cr)
        buffer.append(ASCII.lf)
        for field in head.headers {
            assert(!field.name.utf8.contains { $0 == ASCII.cr || $0 == ASCII.lf || $0 == ASCII.colon })
            assert(!field.value.utf8.contains { $0 == ASCII.cr || $0 == ASCII.lf })
            buffer.append(contentsOf: field.name.utf8)
            buffer.append(ASCII.colon)
            buffer.append(ASCII.sp)
            buffer.append(contentsOf: field.value.utf8)
            buffer.append(ASCII.cr)
            buffer.append(ASCII.lf)
        }
        buffer.append(ASCII.cr)
        buffer.append(ASCII.lf)
    }

    /// Appends one chunk: `chunk-size CRLF chunk-data CRLF` (RFC 9112 §7.1), the size in lower-case
    /// hex. An empty input appends nothing, since a zero-size chunk would end the content.
    package static func encodeChunk(_ bytes: UnsafeRawBufferPointer, into buffer: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        var digits = 0
        var size = bytes.count
        repeat {
            digits += 1
            size >>= 4
        } while size > 0
        var shift = (digits - 1) * 4
        while shift >= 0 {
            buffer.append(hexDigits[(bytes.count >> shift) & 0xF])
            shift -= 4
        }
        buffer.append(ASCII.cr)
        buffer.append(ASCII.lf)
        buffer.append(contentsOf: bytes)
        buffer.append(ASCII.cr)
        buffer.append(ASCII.lf)
    }

    /// The last chunk and the end of an empty trailer section: "0\r\n\r\n" (RFC 9112 §7.1).
    package static let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}

/// What a client sends on the live WebSocket (docs/PROTOCOL.md): one flat JSON object; `type` says which fields matter.
///
/// Parsed by hand rather than with JSONDecoder: every rating arrives as one of these, and the generic decoder cost
/// more than the rest of the message's handling together (docs/BENCHMARKS.md, ingest). The parser is strict JSON
/// (RFC 8259) for a flat object: string, number, boolean and null values; unknown keys are skipped (nested values
/// included); anything malformed is refused.
struct ClientMessage: Equatable {
    var type: String
    var topic: String?
    var since: UInt64?
    var epoch: String?
    var id: String?
    var project: String?
    var level: Int?
    var suggestion: String?
    var liked: Bool?
    // The direct line's fields (docs/PROTOCOL.md): a thread, a message, a status change, a login.
    var body: String?
    var kind: String?
    var subject: String?
    var contact: String?
    var publish: Bool?
    var seq: Int?
    var user: String?
    var department: String?
    var note: String?
    var status: String?
    var reason: String?
    var name: String?
    var password: String?
    var current: String?
    var new: String?
    var title: String?
    // Issue 10: public versions, moderation, follow-ups.
    var question: String?
    var answer: String?
    var category: String?
    var contacted: Bool?
    var outcome: String?
    var ratedAt: Int?
    var citizen: Int?
    // Issue 10: administration.
    var role: String?
    var departments: [String]?
    var displayName: String?
    var disabled: Bool?
    var word: String?
    var action: String?
    var nameZH: String?
    var nameEN: String?

    init(type: String, topic: String? = nil, since: UInt64? = nil, epoch: String? = nil, id: String? = nil, project: String? = nil,
         level: Int? = nil, suggestion: String? = nil, liked: Bool? = nil) {
        self.type = type
        self.topic = topic
        self.since = since
        self.epoch = epoch
        self.id = id
        self.project = project
        self.level = level
        self.suggestion = suggestion
        self.liked = liked
    }

    enum ParseError: Error, Equatable {
        case malformed
        case wrongType(String)
        case missingType

        /// What the client did wrong and what it must send instead, in its own terms (field names, JSON kinds).
        var message: String {
            switch self {
            case .malformed: "The message must be one JSON object, like {\"type\": \"rate\", \"id\": \"r1\", \"project\": \"new-schools\", \"level\": 4}."
            case .missingType: "The message has no type; type must be one of subscribe, unsubscribe, rate, withdraw, like, post, typing, read, ping."
            case .wrongType(let field): "The field \(field) must be \(Self.expected(field))."
            }
        }

        private static func expected(_ field: String) -> String {
            switch field {
            case "level": "a whole number from 1 to 5"
            case "since": "a whole number or null"
            case "liked": "true or false"
            case "suggestion", "body", "subject", "contact", "note", "reason", "title", "question", "answer", "category", "outcome",
                 "role", "displayName", "word", "action", "nameZh", "nameEn":
                "a string or null"
            case "departments": "a list of department ids (at most 64)"
            case "publish", "contacted", "disabled": "true or false"
            case "seq", "ratedAt", "citizen": "a whole number"
            default: "a string"
            }
        }
    }

    /// Parses an HTTP write's body: the same object without `type` (the method and path give it).
    static func parseBody(_ bytes: UnsafeRawBufferPointer) throws(ParseError) -> ClientMessage {
        try parse(bytes, requireType: false)
    }

    /// Parses one message; a field of the wrong JSON type is an error naming the field.
    static func parse(_ bytes: UnsafeRawBufferPointer, requireType: Bool = true) throws(ParseError) -> ClientMessage {
        var reader = JSONReader(bytes)
        var message = ClientMessage(type: "")
        var sawType = false
        try reader.object { key, reader throws(ParseError) in
            switch key {
            case "type": message.type = try reader.string(field: key); sawType = true
            case "topic": message.topic = try reader.optionalString(field: key)
            case "since": message.since = try reader.optionalInteger(field: key).flatMap { $0 >= 0 ? UInt64($0) : nil }
            case "epoch": message.epoch = try reader.optionalString(field: key)
            case "id": message.id = try reader.optionalString(field: key)
            case "project": message.project = try reader.optionalString(field: key)
            case "level": message.level = try reader.optionalInteger(field: key)
            case "suggestion": message.suggestion = try reader.optionalString(field: key)
            case "liked": message.liked = try reader.optionalBool(field: key)
            case "body": message.body = try reader.optionalString(field: key)
            case "kind": message.kind = try reader.optionalString(field: key)
            case "subject": message.subject = try reader.optionalString(field: key)
            case "contact": message.contact = try reader.optionalString(field: key)
            case "publish": message.publish = try reader.optionalBool(field: key)
            case "seq": message.seq = try reader.optionalInteger(field: key)
            case "user": message.user = try reader.optionalString(field: key)
            case "department": message.department = try reader.optionalString(field: key)
            case "note": message.note = try reader.optionalString(field: key)
            case "status": message.status = try reader.optionalString(field: key)
            case "reason": message.reason = try reader.optionalString(field: key)
            case "name": message.name = try reader.optionalString(field: key)
            case "password": message.password = try reader.optionalString(field: key)
            case "current": message.current = try reader.optionalString(field: key)
            case "new": message.new = try reader.optionalString(field: key)
            case "title": message.title = try reader.optionalString(field: key)
            case "question": message.question = try reader.optionalString(field: key)
            case "answer": message.answer = try reader.optionalString(field: key)
            case "category": message.category = try reader.optionalString(field: key)
            case "contacted": message.contacted = try reader.optionalBool(field: key)
            case "outcome": message.outcome = try reader.optionalString(field: key)
            case "ratedAt": message.ratedAt = try reader.optionalInteger(field: key)
            case "citizen": message.citizen = try reader.optionalInteger(field: key)
            case "role": message.role = try reader.optionalString(field: key)
            case "departments": message.departments = try reader.optionalStringArray(field: key)
            case "displayName": message.displayName = try reader.optionalString(field: key)
            case "disabled": message.disabled = try reader.optionalBool(field: key)
            case "word": message.word = try reader.optionalString(field: key)
            case "action": message.action = try reader.optionalString(field: key)
            case "nameZh": message.nameZH = try reader.optionalString(field: key)
            case "nameEn": message.nameEN = try reader.optionalString(field: key)
            default: try reader.skipValue()
            }
        }
        guard sawType || !requireType else { throw .missingType }
        return message
    }
}

/// A minimal strict JSON reader over bytes, for `ClientMessage`.
struct JSONReader {
    typealias ParseError = ClientMessage.ParseError
    private let bytes: UnsafeRawBufferPointer
    private var index = 0
    /// Nesting allowed when skipping unknown values (bounds the recursion).
    private static let maxDepth = 16

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
            index += 1
        }
    }

    private mutating func expect(_ byte: UInt8) throws(ParseError) {
        skipWhitespace()
        guard current == byte else { throw .malformed }
        index += 1
    }

    /// Reads `{ "key": value, ... }` (the whole input), calling `field` with the reader positioned at each value.
    mutating func object(_ field: (String, inout JSONReader) throws(ParseError) -> Void) throws(ParseError) {
        try expect(UInt8(ascii: "{"))
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            index += 1
        } else {
            while true {
                skipWhitespace()
                let key = try readString()
                try expect(UInt8(ascii: ":"))
                try field(key, &self)
                skipWhitespace()
                guard let next = current else { throw .malformed }
                index += 1
                if next == UInt8(ascii: "}") { break }
                guard next == UInt8(ascii: ",") else { throw .malformed }
            }
        }
        skipWhitespace()
        guard index == bytes.count else { throw .malformed }
    }

    mutating func string(field: String) throws(ParseError) -> String {
        guard let value = try optionalString(field: field) else { throw .wrongType(field) }
        return value
    }

    mutating func optionalString(field: String) throws(ParseError) -> String? {
        skipWhitespace()
        if try readNull() { return nil }
        guard current == UInt8(ascii: "\"") else { throw .wrongType(field) }
        return try readString()
    }

    mutating func optionalInteger(field: String) throws(ParseError) -> Int? {
        skipWhitespace()
        if try readNull() { return nil }
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        let digitsStart = index
        while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
        let digits = index - digitsStart
        guard digits > 0, digits <= 18 else { throw .wrongType(field) }
        // No leading zeros (RFC 8259 §6), no fraction or exponent: the fields read here are integers.
        if digits > 1, bytes[digitsStart] == UInt8(ascii: "0") { throw .malformed }
        if let byte = current, byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") { throw .wrongType(field) }
        var value = 0
        for position in digitsStart..<index { value = value * 10 + Int(bytes[position] - UInt8(ascii: "0")) }
        return bytes[start] == UInt8(ascii: "-") ? -value : value
    }

    /// An array of strings (at most `limit`), or null.
    mutating func optionalStringArray(field: String, limit: Int = 64) throws(ParseError) -> [String]? {
        skipWhitespace()
        if try readNull() { return nil }
        guard current == UInt8(ascii: "[") else { throw .wrongType(field) }
        index += 1
        var values: [String] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { index += 1; return values }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\""), values.count < limit else { throw .wrongType(field) }
            values.append(try readString())
            skipWhitespace()
            guard let next = current else { throw .malformed }
            index += 1
            if next == UInt8(ascii: "]") { return values }
            guard next == UInt8(ascii: ",") else { throw .malformed }
        }
    }

    mutating func optionalBool(field: String) throws(ParseError) -> Bool? {
        skipWhitespace()
        if try readNull() { return nil }
        if try readLiteral("true") { return true }
        if try readLiteral("false") { return false }
        throw .wrongType(field)
    }

    /// Skips any JSON value (for keys this message does not use).
    mutating func skipValue(depth: Int = 0) throws(ParseError) {
        guard depth < Self.maxDepth else { throw .malformed }
        skipWhitespace()
        guard let byte = current else { throw .malformed }
        switch byte {
        case UInt8(ascii: "\""):
            _ = try readString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            index += 1
            skipWhitespace()
            if current == close { index += 1; return }
            while true {
                if close == UInt8(ascii: "}") {
                    skipWhitespace()
                    _ = try readString()
                    try expect(UInt8(ascii: ":"))
                }
                try skipValue(depth: depth + 1)
                skipWhitespace()
                guard let next = current else { throw .malformed }
                index += 1
                if next == close { return }
                guard next == UInt8(ascii: ",") else { throw .malformed }
            }
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            if try readLiteral("true") { return }
            if try readLiteral("false") { return }
            guard try readNull() else { throw .malformed }
        default:
            try skipNumber()
        }
    }

    private mutating func skipNumber() throws(ParseError) {
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        let digitsStart = index
        var digits = 0
        while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1; digits += 1 }
        guard digits > 0 else { throw .malformed }
        // RFC 8259 §6: no leading zeros.
        if digits > 1, bytes[digitsStart] == UInt8(ascii: "0") { throw .malformed }
        if current == UInt8(ascii: ".") {
            index += 1
            var fraction = 0
            while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1; fraction += 1 }
            guard fraction > 0 else { throw .malformed }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            var exponent = 0
            while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1; exponent += 1 }
            guard exponent > 0 else { throw .malformed }
        }
        guard index - start <= 64 else { throw .malformed }
    }

    private mutating func readNull() throws(ParseError) -> Bool {
        try readLiteral("null")
    }

    private mutating func readLiteral(_ literal: StaticString) throws(ParseError) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let matches = literal.withUTF8Buffer { text in
            (0..<count).allSatisfy { bytes[index + $0] == text[$0] }
        }
        if matches { index += count }
        return matches
    }

    /// A string, with its escapes (RFC 8259 §7), UTF-8 validated (invalid input is refused, not repaired).
    private mutating func readString() throws(ParseError) -> String {
        guard current == UInt8(ascii: "\"") else { throw .malformed }
        index += 1
        let start = index
        // Fast path: no escapes.
        while let byte = current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
            guard byte >= 0x20 else { throw .malformed }
            index += 1
        }
        guard let stop = current else { throw .malformed }
        if stop == UInt8(ascii: "\"") {
            let text = String(validating: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            index += 1
            guard let text else { throw .malformed }
            return text
        }
        var scalars: [UInt8] = Array(bytes[start..<index])
        while true {
            guard let byte = current else { throw .malformed }
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: scalars, as: UTF8.self) else { throw .malformed }
                return text
            case UInt8(ascii: "\\"):
                guard let escape = current else { throw .malformed }
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escape)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try readHex4()
                    if (0xD800...0xDBFF).contains(code) {
                        // A high surrogate must be followed by an escaped low one.
                        guard readLiteralNoThrow("\\u") else { throw .malformed }
                        let low = try readHex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw .malformed }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(code) {
                        throw .malformed
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw .malformed }
                    scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
                default:
                    throw .malformed
                }
            default:
                guard byte >= 0x20 else { throw .malformed }
                scalars.append(byte)
            }
        }
    }

    private mutating func readLiteralNoThrow(_ literal: StaticString) -> Bool {
        (try? readLiteral(literal)) ?? false
    }

    private mutating func readHex4() throws(ParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw .malformed }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            index += 1
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw .malformed
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}

extension ClientMessage {
    /// The fields of a letter (`POST /api/threads`).
    var letter: LetterRequest {
        LetterRequest(clientID: id, kind: kind, subject: subject, body: body, project: project, contact: contact, publish: publish)
    }
}

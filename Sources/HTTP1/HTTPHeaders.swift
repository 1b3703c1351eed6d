/// The fields of a header or trailer section, in the order received, duplicates kept.
///
/// Names are stored as received and looked up case-insensitively (RFC 9110 §5.1). Keeping every
/// field line, rather than a dictionary, is what lets the parser see a second Content-Length or
/// Host instead of silently keeping one of them (RFC 9110 §8.6, RFC 9112 §3.2).
package struct HTTPHeaders: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    package typealias Element = (name: String, value: String)

    private var fields: [Element]

    package init() {
        fields = []
    }

    package init(_ fields: [(name: String, value: String)]) {
        self.fields = fields
    }

    package init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { (name: $0.0, value: $0.1) }
    }

    init(reservingCapacity capacity: Int) {
        fields = []
        fields.reserveCapacity(capacity)
    }

    /// The number of field lines.
    package var count: Int { fields.count }

    package var isEmpty: Bool { fields.isEmpty }

    /// The value of the first field named `name`, compared case-insensitively.
    package subscript(_ name: String) -> String? {
        for field in fields where ASCII.equalsCaseInsensitive(field.name, name) {
            return field.value
        }
        return nil
    }

    /// The values of every field named `name`, in order.
    package func values(_ name: String) -> [String] {
        fields.compactMap { ASCII.equalsCaseInsensitive($0.name, name) ? $0.value : nil }
    }

    /// Whether any comma-separated element of any `name` field equals `token`, case-insensitively
    /// (the list syntax of RFC 9110 §5.6.1; used for Connection, Upgrade and the like).
    package func containsToken(_ token: String, in name: String) -> Bool {
        for field in fields where ASCII.equalsCaseInsensitive(field.name, name) {
            if Self.list(field.value, containsToken: token) { return true }
        }
        return false
    }

    package mutating func add(_ name: String, _ value: String) {
        fields.append((name: name, value: value))
    }

    /// Sets the value of the first `name` field and removes the others, or adds the field.
    package mutating func replaceOrAdd(_ name: String, _ value: String) {
        guard let first = fields.firstIndex(where: { ASCII.equalsCaseInsensitive($0.name, name) }) else {
            add(name, value)
            return
        }
        fields[first].value = value
        var index = fields.index(after: first)
        while index < fields.endIndex {
            if ASCII.equalsCaseInsensitive(fields[index].name, name) {
                fields.remove(at: index)
            } else {
                index += 1
            }
        }
    }

    /// Removes every `name` field.
    package mutating func remove(_ name: String) {
        fields.removeAll { ASCII.equalsCaseInsensitive($0.name, name) }
    }

    package func makeIterator() -> IndexingIterator<[Element]> {
        fields.makeIterator()
    }

    package static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    /// Whether the list `value` (RFC 9110 §5.6.1: elements separated by commas, optional whitespace
    /// around them, empty elements ignored) has an element equal to `token`, case-insensitively.
    static func list(_ value: String, containsToken token: String) -> Bool {
        var found = false
        forEachListElement(value) { element in
            if !found, ASCII.equalsCaseInsensitive(element, token: token) { found = true }
        }
        return found
    }

    /// Calls `body` with each non-empty element of a comma-separated list, trimmed of SP and HTAB.
    /// Quoted strings are not special: the lists this is used for hold tokens.
    static func forEachListElement(_ value: String, _ body: (Substring.UTF8View) -> Void) {
        let bytes = value.utf8
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = bytes[start...].firstIndex(of: ASCII.comma) ?? bytes.endIndex
            var lower = start, upper = end
            while lower < upper, ASCII.isWhitespace(bytes[lower]) { lower = bytes.index(after: lower) }
            while upper > lower, ASCII.isWhitespace(bytes[bytes.index(before: upper)]) {
                upper = bytes.index(before: upper)
            }
            if lower < upper { body(bytes[lower..<upper]) }
            start = end == bytes.endIndex ? end : bytes.index(after: end)
        }
    }
}

extension ASCII {
    /// Case-insensitive comparison of list element bytes with a token.
    static func equalsCaseInsensitive(_ bytes: Substring.UTF8View, token: String) -> Bool {
        let token = token.utf8
        guard bytes.count == token.count else { return false }
        return bytes.elementsEqual(token) { lowercased($0) == lowercased($1) }
    }
}

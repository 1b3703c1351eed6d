import Transport

/// A small JSON writer for the messages the server sends most (tally snapshots and deltas, acks): fields in a
/// fixed order, no intermediate dictionaries, one buffer. Codable is used for everything that is not hot.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = [false]

    init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    mutating func beginObject() { valuePrefix(); bytes.append(UInt8(ascii: "{")); needsComma.append(false) }
    mutating func endObject() { bytes.append(UInt8(ascii: "}")); needsComma.removeLast() }
    mutating func beginArray() { valuePrefix(); bytes.append(UInt8(ascii: "[")); needsComma.append(false) }
    mutating func endArray() { bytes.append(UInt8(ascii: "]")); needsComma.removeLast() }

    mutating func key(_ name: String) {
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
        appendString(name)
        bytes.append(UInt8(ascii: ":"))
        pendingKey = true
    }

    mutating func string(_ value: String) { valuePrefix(); appendString(value) }
    mutating func int<I: BinaryInteger>(_ value: I) { valuePrefix(); bytes.append(contentsOf: String(value).utf8) }
    mutating func bool(_ value: Bool) { valuePrefix(); bytes.append(contentsOf: (value ? "true" : "false").utf8) }
    mutating func null() { valuePrefix(); bytes.append(contentsOf: "null".utf8) }
    /// A value written elsewhere (valid JSON), as it is.
    mutating func raw(_ value: [UInt8]) { valuePrefix(); bytes.append(contentsOf: value) }
    /// A number with at most three decimals (averages), or null.
    mutating func decimal(_ value: Double?) {
        guard let value, value.isFinite else { return null() }
        valuePrefix()
        let thousandths = Int((value * 1000).rounded())
        let whole = thousandths / 1000
        let fraction = abs(thousandths % 1000)
        var text = (thousandths < 0 && whole == 0 ? "-" : "") + String(whole)
        if fraction != 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: 3 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        bytes.append(contentsOf: text.utf8)
    }

    mutating func field(_ name: String, _ value: String?) { key(name); if let value { string(value) } else { null() } }
    mutating func field<I: BinaryInteger>(_ name: String, _ value: I) { key(name); int(value) }
    mutating func field(_ name: String, _ value: Bool) { key(name); bool(value) }

    private var pendingKey = false

    private mutating func valuePrefix() {
        if pendingKey {
            pendingKey = false
            return
        }
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
    }

    private mutating func appendString(_ value: String) {
        JSONText.appendString(value, to: &bytes)
    }
}

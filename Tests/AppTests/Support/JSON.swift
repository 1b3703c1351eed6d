import TestSupport
import FoundationEssentials

/// Any JSON value, for reading what the server sends without a Decodable type per message: a test states the fields
/// it is about and nothing else.
enum JSON: Decodable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSON].self))
        }
    }

    /// Parses `bytes`; throws `TestClientError.malformed` naming the text if it is not JSON.
    static func parse(_ bytes: [UInt8]) throws -> JSON {
        do {
            return try JSONDecoder().decode(JSON.self, from: Data(bytes))
        } catch {
            throw TestClientError.malformed("JSON \(String(decoding: bytes, as: UTF8.self).prefix(300).debugDescription)")
        }
    }

    static func parse(_ text: String) throws -> JSON { try parse(Array(text.utf8)) }

    subscript(key: String) -> JSON? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    subscript(index: Int) -> JSON? {
        if case .array(let array) = self, array.indices.contains(index) { return array[index] }
        return nil
    }

    var string: String? { if case .string(let value) = self { return value }; return nil }
    var double: Double? { if case .number(let value) = self { return value }; return nil }
    var bool: Bool? { if case .bool(let value) = self { return value }; return nil }
    var isNull: Bool { self == .null }
    var array: [JSON]? { if case .array(let value) = self { return value }; return nil }
    var object: [String: JSON]? { if case .object(let value) = self { return value }; return nil }
    var keys: Set<String> { Set(object?.keys.map { $0 } ?? []) }

    /// The value as an integer, if it is a number without a fraction.
    var int: Int? {
        guard let value = double, value.rounded() == value, abs(value) < 1e15 else { return nil }
        return Int(value)
    }

    /// A list of integers (a tally's `counts`).
    var ints: [Int]? {
        guard let array else { return nil }
        let values = array.compactMap(\.int)
        return values.count == array.count ? values : nil
    }

    var description: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return String(value)
        case .number(let value): return value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : String(value)
        case .string(let value): return value.debugDescription
        case .array(let values): return "[" + values.map(\.description).joined(separator: ",") + "]"
        case .object(let object):
            return "{" + object.keys.sorted().map { "\($0.debugDescription):\(object[$0]!.description)" }.joined(separator: ",") + "}"
        }
    }
}

extension TestHTTPResponse {
    /// The body as JSON; throws if it is not.
    func json() throws -> JSON { try JSON.parse(body) }
}

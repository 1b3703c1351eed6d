/// An optional property that a synthesized `Encodable` writes as `null` when it is nil, instead of leaving the key
/// out: the API's documented shapes always have their fields (`"average": null` with no rating).
@propertyWrapper
struct NullWhenNil<Value: Encodable & Equatable>: Encodable, Equatable {
    var wrappedValue: Value?

    init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

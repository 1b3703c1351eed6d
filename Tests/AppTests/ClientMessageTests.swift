@testable import App
import TestSupport
import Testing

/// `ClientMessage.parse`: strict JSON (RFC 8259) for one flat object, as docs/PROTOCOL.md's client messages.
@Suite struct ClientMessageTests {
    static func parse(_ text: String) throws(ClientMessage.ParseError) -> ClientMessage {
        try parse(bytes: Array(text.utf8))
    }

    static func parse(bytes: [UInt8]) throws(ClientMessage.ParseError) -> ClientMessage {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(ClientMessage.ParseError) in try ClientMessage.parse(raw) }
        }
        return try result.get()
    }

    struct Valid: CustomTestStringConvertible, Sendable {
        var name: String
        var json: String
        var expected: ClientMessage
        var testDescription: String { name }
    }

    static let valid: [Valid] = [
        Valid(name: "subscribe to a campaign", json: #"{"type":"subscribe","topic":"campaign:demo-2026"}"#,
              expected: ClientMessage(type: "subscribe", topic: "campaign:demo-2026")),
        Valid(name: "subscribe with since", json: #"{"type":"subscribe","topic":"project:new-schools","since":41}"#,
              expected: ClientMessage(type: "subscribe", topic: "project:new-schools", since: 41)),
        Valid(name: "unsubscribe", json: #"{"type":"unsubscribe","topic":"project:new-schools"}"#,
              expected: ClientMessage(type: "unsubscribe", topic: "project:new-schools")),
        Valid(name: "rate with a raw Chinese suggestion",
              json: #"{"type":"rate","id":"r-17","project":"new-schools","level":4,"suggestion":"放学时段加开班次"}"#,
              expected: ClientMessage(type: "rate", id: "r-17", project: "new-schools", level: 4, suggestion: "放学时段加开班次")),
        Valid(name: "like", json: #"{"type":"like","id":"l-18","project":"new-schools","liked":true}"#,
              expected: ClientMessage(type: "like", id: "l-18", project: "new-schools", liked: true)),
        Valid(name: "unlike", json: #"{"type":"like","id":"l-19","project":"new-schools","liked":false}"#,
              expected: ClientMessage(type: "like", id: "l-19", project: "new-schools", liked: false)),
        Valid(name: "ping", json: #"{"type":"ping"}"#, expected: ClientMessage(type: "ping")),
        Valid(name: "resume with since and epoch",
              json: #"{"type":"subscribe","topic":"project:new-schools","since":41,"epoch":"9f2c4e1a7b3d5e60"}"#,
              expected: ClientMessage(type: "subscribe", topic: "project:new-schools", since: 41, epoch: "9f2c4e1a7b3d5e60")),
        Valid(name: "every field",
              json: #"{"type":"rate","topic":"t","since":0,"epoch":"e","id":"i","project":"p","level":5,"suggestion":"s","liked":false}"#,
              expected: ClientMessage(type: "rate", topic: "t", since: 0, epoch: "e", id: "i", project: "p", level: 5, suggestion: "s",
                                      liked: false)),
        Valid(name: "fields in any order", json: #"{"level":2,"project":"p","type":"rate","id":"x"}"#,
              expected: ClientMessage(type: "rate", id: "x", project: "p", level: 2)),
        Valid(name: "null for every optional field",
              json: #"{"type":"rate","topic":null,"since":null,"epoch":null,"id":null,"project":null,"level":null,"suggestion":null,"liked":null}"#,
              expected: ClientMessage(type: "rate")),
        Valid(name: "the short escapes", json: #"{"type":"rate","suggestion":"a\"b\\c\/d\be\ff\ng\rh\ti"}"#,
              expected: ClientMessage(type: "rate", suggestion: "a\"b\\c/d\u{8}e\u{C}f\ng\rh\ti")),
        Valid(name: "BMP \\u escapes, either case", json: #"{"type":"rate","suggestion":"\u00e9\u4E2D\u6587"}"#,
              expected: ClientMessage(type: "rate", suggestion: "é中文")),
        Valid(name: "a surrogate pair", json: #"{"type":"rate","suggestion":"\ud83d\ude00 \uD83C\uDDE8\uD83C\uDDF3"}"#,
              expected: ClientMessage(type: "rate", suggestion: "😀 🇨🇳")),
        Valid(name: "an escaped NUL (the domain strips it later)", json: #"{"type":"rate","suggestion":"a\u0000b"}"#,
              expected: ClientMessage(type: "rate", suggestion: "a\u{0}b")),
        Valid(name: "raw Chinese before and after an escape", json: #"{"type":"rate","suggestion":"放学\n时段😀"}"#,
              expected: ClientMessage(type: "rate", suggestion: "放学\n时段😀")),
        Valid(name: "an escaped key", json: #"{"\u0074ype":"ping"}"#, expected: ClientMessage(type: "ping")),
        Valid(name: "an empty type is still a type", json: #"{"type":""}"#, expected: ClientMessage(type: "")),
        Valid(name: "unknown keys with nested values are skipped",
              json: #"{"extra":{"a":[1,2.5e-3,{"b":null,"c":[]}],"d":"\u0041\n","e":{}},"type":"ping","more":[true,false,-0.0,1E+2,"]}"]}"#,
              expected: ClientMessage(type: "ping")),
        Valid(name: "unknown values nested within the depth bound",
              json: #"{"type":"ping","deep":"# + String(repeating: "[", count: 15) + "1" + String(repeating: "]", count: 15) + "}",
              expected: ClientMessage(type: "ping")),
        Valid(name: "whitespace everywhere JSON allows it", json: " \t\r\n{ \"type\" : \"ping\" ,\n\t\"level\" :\r\n 3 , \"x\" : [ 1 , { } ] } \n",
              expected: ClientMessage(type: "ping", level: 3)),
        Valid(name: "negative zero and negative levels are numbers (the domain refuses them)", json: #"{"type":"rate","level":-0,"since":7}"#,
              expected: ClientMessage(type: "rate", since: 7, level: 0)),
        Valid(name: "a negative level", json: #"{"type":"rate","level":-3}"#, expected: ClientMessage(type: "rate", level: -3)),
        Valid(name: "an 18-digit since", json: #"{"type":"subscribe","since":999999999999999999}"#,
              expected: ClientMessage(type: "subscribe", since: 999_999_999_999_999_999)),
        Valid(name: "a negative since is as if absent (a snapshot follows)", json: #"{"type":"subscribe","since":-5}"#,
              expected: ClientMessage(type: "subscribe")),
        Valid(name: "DEL (0x7F) is not a control character in JSON", json: "{\"type\":\"a\u{7F}b\"}",
              expected: ClientMessage(type: "a\u{7F}b")),
    ]

    @Test(arguments: valid)
    func parsesValidMessage(_ vector: Valid) throws {
        #expect(try Self.parse(vector.json) == vector.expected)
    }

    struct Refused: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: [UInt8]
        var error: ClientMessage.ParseError
        var testDescription: String { name }

        init(_ name: String, _ text: String, _ error: ClientMessage.ParseError = .malformed) {
            self.init(name, bytes: Array(text.utf8), error)
        }

        init(_ name: String, bytes: [UInt8], _ error: ClientMessage.ParseError = .malformed) {
            self.name = name
            self.bytes = bytes
            self.error = error
        }
    }

    static func utf8(_ prefix: String, _ raw: [UInt8], _ suffix: String) -> [UInt8] {
        Array(prefix.utf8) + raw + Array(suffix.utf8)
    }

    static let refused: [Refused] = [
        // Not one object.
        Refused("empty input", ""),
        Refused("only whitespace", " \n"),
        Refused("an array", #"[{"type":"ping"}]"#),
        Refused("a string", #""ping""#),
        Refused("null", "null"),
        Refused("a number", "1"),
        Refused("unterminated object", #"{"type":"ping""#),
        Refused("unterminated string", #"{"type":"ping}"#),
        Refused("unquoted key", #"{type:"ping"}"#),
        Refused("single quotes", #"{'type':'ping'}"#),
        Refused("missing colon", #"{"type" "ping"}"#),
        Refused("missing comma", #"{"type":"ping" "level":1}"#),
        Refused("trailing comma", #"{"type":"ping",}"#),
        Refused("leading comma", #"{,"type":"ping"}"#),
        Refused("trailing garbage", #"{"type":"ping"}x"#),
        Refused("a second object", #"{"type":"ping"}{}"#),
        Refused("a NUL after the object", "{\"type\":\"ping\"}\u{0}"),
        Refused("form feed is not JSON whitespace", "\u{C}{\"type\":\"ping\"}"),
        Refused("no-break space is not JSON whitespace", "{\u{A0}\"type\":\"ping\"}"),
        // Fields of the wrong type name the field.
        Refused("type is a number", #"{"type":1}"#, .wrongType("type")),
        Refused("type is null", #"{"type":null}"#, .wrongType("type")),
        Refused("type is an object", #"{"type":{}}"#, .wrongType("type")),
        Refused("topic is a number", #"{"type":"subscribe","topic":5}"#, .wrongType("topic")),
        Refused("id is an array", #"{"type":"rate","id":["x"]}"#, .wrongType("id")),
        Refused("project is an object", #"{"type":"rate","project":{}}"#, .wrongType("project")),
        Refused("suggestion is a boolean", #"{"type":"rate","suggestion":false}"#, .wrongType("suggestion")),
        Refused("level is a string", #"{"type":"rate","level":"4"}"#, .wrongType("level")),
        Refused("level is a boolean", #"{"type":"rate","level":true}"#, .wrongType("level")),
        Refused("level has a fraction", #"{"type":"rate","level":4.0}"#, .wrongType("level")),
        Refused("level has an exponent", #"{"type":"rate","level":4e0}"#, .wrongType("level")),
        Refused("level has a capital exponent", #"{"type":"rate","level":4E2}"#, .wrongType("level")),
        Refused("level is a lone minus", #"{"type":"rate","level":-}"#, .wrongType("level")),
        Refused("level has a plus sign", #"{"type":"rate","level":+4}"#, .wrongType("level")),
        Refused("level is too long for an integer", #"{"type":"rate","level":1234567890123456789012}"#, .wrongType("level")),
        Refused("since has a fraction", #"{"type":"subscribe","since":1.5}"#, .wrongType("since")),
        Refused("since is a string", #"{"type":"subscribe","since":"41"}"#, .wrongType("since")),
        Refused("epoch is a number", #"{"type":"subscribe","since":41,"epoch":9}"#, .wrongType("epoch")),
        Refused("liked is a string", #"{"type":"like","liked":"true"}"#, .wrongType("liked")),
        Refused("liked is a number", #"{"type":"like","liked":1}"#, .wrongType("liked")),
        Refused("liked is capitalised", #"{"type":"like","liked":True}"#, .wrongType("liked")),
        // No type.
        Refused("an empty object", "{}", .missingType),
        Refused("only other fields", #"{"topic":"campaign:x","since":1}"#, .missingType),
        // Leading zeros (RFC 8259 §6).
        Refused("level with a leading zero", #"{"type":"rate","level":04}"#),
        Refused("since with a leading zero", #"{"type":"subscribe","since":00}"#),
        Refused("an unknown number with a leading zero", #"{"type":"ping","x":01}"#),
        Refused("an unknown negative number with a leading zero", #"{"type":"ping","x":-012.5}"#),
        // Malformed unknown values.
        Refused("a number without fraction digits", #"{"type":"ping","x":1.}"#),
        Refused("a number without integer digits", #"{"type":"ping","x":.5}"#),
        Refused("an exponent without digits", #"{"type":"ping","x":1e}"#),
        Refused("a hexadecimal number", #"{"type":"ping","x":0x10}"#),
        Refused("NaN", #"{"type":"ping","x":NaN}"#),
        Refused("a truncated literal", #"{"type":"ping","x":tru}"#),
        Refused("a capitalised literal", #"{"type":"ping","x":Null}"#),
        Refused("an array with a trailing comma", #"{"type":"ping","x":[1,]}"#),
        Refused("an object with a non-string key", #"{"type":"ping","x":{1:2}}"#),
        Refused("an unclosed nested array", #"{"type":"ping","x":[1,2}"#),
        // Escapes.
        Refused("an unknown escape", #"{"type":"a\x"}"#),
        Refused("an escaped single quote", #"{"type":"a\'"}"#),
        Refused("a short \\u escape", #"{"type":"\u12"}"#),
        Refused("a \\u escape with a non-hex digit", #"{"type":"\u12G4"}"#),
        Refused("a backslash at the end of the input", #"{"type":"a\"#),
        Refused("a high surrogate at the end of the string", #"{"type":"\ud83d"}"#),
        Refused("a high surrogate before a letter", #"{"type":"\ud83dx"}"#),
        Refused("a high surrogate before a BMP escape", #"{"type":"\ud83d\u0041"}"#),
        Refused("two high surrogates", #"{"type":"\ud83d\ud83d"}"#),
        Refused("a lone low surrogate", #"{"type":"\ude00"}"#),
        Refused("a lone surrogate in an unknown key's value", #"{"type":"ping","x":"\udfff"}"#),
        Refused("a lone surrogate in a key", #"{"\ud800":1,"type":"ping"}"#),
        // Control characters must be escaped inside strings.
        Refused("a raw newline in a string", "{\"type\":\"a\nb\"}"),
        Refused("a raw tab in a string", "{\"type\":\"a\tb\"}"),
        Refused("a raw NUL in a string", "{\"type\":\"a\u{0}b\"}"),
        Refused("a raw unit separator after an escape", "{\"type\":\"\\n\u{1F}\"}"),
        Refused("a raw control character in an unknown value", "{\"type\":\"ping\",\"x\":\"\u{1}\"}"),
        // Invalid UTF-8, with and without an escape before it (the parser has a fast path for plain strings).
        Refused("a stray 0xFF", bytes: utf8(#"{"type":""#, [0xFF], #""}"#)),
        Refused("an overlong NUL (C0 80)", bytes: utf8(#"{"type":""#, [0xC0, 0x80], #""}"#)),
        Refused("a UTF-8-encoded surrogate (ED A0 80)", bytes: utf8(#"{"type":""#, [0xED, 0xA0, 0x80], #""}"#)),
        Refused("a truncated three-byte sequence", bytes: utf8(#"{"type":""#, [0xE4, 0xB8], #""}"#)),
        Refused("a code point above U+10FFFF (F4 90 80 80)", bytes: utf8(#"{"type":""#, [0xF4, 0x90, 0x80, 0x80], #""}"#)),
        Refused("a stray continuation byte after an escape", bytes: utf8(#"{"type":"\n"#, [0x80], #""}"#)),
        Refused("a truncated sequence after an escape", bytes: utf8(#"{"type":"\t中"#, [0xE4, 0xB8], #""}"#)),
        Refused("invalid UTF-8 in an unknown value", bytes: utf8(#"{"type":"ping","x":""#, [0xFE], #""}"#)),
        Refused("invalid UTF-8 in a key", bytes: utf8(#"{""#, [0xC3], #"":1,"type":"ping"}"#)),
        Refused("invalid UTF-8 outside strings", bytes: utf8(#"{"type":"ping""#, [0xC2, 0xA0], "}")),
        // Nesting beyond the bound, refused without exhausting the stack.
        Refused("unknown arrays nested 17 deep", #"{"type":"ping","x":"# + String(repeating: "[", count: 17) + "1" + String(repeating: "]", count: 17) + "}"),
        Refused("unknown objects nested 100 deep",
                #"{"type":"ping","x":"# + String(repeating: #"{"a":"#, count: 100) + "1" + String(repeating: "}", count: 100) + "}"),
        Refused("a hundred thousand opening brackets", #"{"type":"ping","x":"# + String(repeating: "[", count: 100_000)),
    ]

    @Test(arguments: refused)
    func refusesMalformedMessage(_ vector: Refused) {
        #expect(throws: vector.error) { try Self.parse(bytes: vector.bytes) }
    }

    @Test func laterDuplicateKeyWins() throws {
        // RFC 8259 §4 leaves duplicates to the implementation; pinned so that a change is noticed.
        #expect(try Self.parse(#"{"type":"ping","type":"rate","level":1,"level":2}"#) == ClientMessage(type: "rate", level: 2))
    }

    @Test func everySplitOfAValidMessageIsRefusedExceptTheWhole() throws {
        // A truncated message is never mistaken for a shorter valid one, and never crashes the parser.
        let text = Array(#"{"type":"rate","id":"r-1","project":"p","level":4,"suggestion":"放学\u00e9\ud83d\ude00","liked":null}"#.utf8)
        for length in 0..<text.count {
            #expect(throws: ClientMessage.ParseError.self, "prefix of \(length) bytes") { try Self.parse(bytes: Array(text[0..<length])) }
        }
        #expect(try Self.parse(bytes: text).suggestion == "放学é😀")
    }
}

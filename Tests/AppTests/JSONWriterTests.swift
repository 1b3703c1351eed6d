@testable import App
import TestSupport
import Testing

/// `JSONWriter`: the hot messages (snapshots, deltas, acks) byte for byte.
@Suite struct JSONWriterTests {
    static func text(_ build: (inout JSONWriter) -> Void) -> String {
        var json = JSONWriter()
        build(&json)
        return String(decoding: json.bytes, as: UTF8.self)
    }

    @Test func writesFieldsInOrderWithCommasBetween() {
        let text = Self.text { json in
            json.beginObject()
            json.field("type", "ack")
            json.field("seq", UInt64(42))
            json.field("liked", true)
            json.field("suggestion", nil as String?)
            json.endObject()
        }
        #expect(text == #"{"type":"ack","seq":42,"liked":true,"suggestion":null}"#)
    }

    @Test func writesEmptyContainers() {
        #expect(Self.text { $0.beginObject(); $0.endObject() } == "{}")
        #expect(Self.text { $0.beginArray(); $0.endArray() } == "[]")
        let text = Self.text { json in
            json.beginObject()
            json.key("a"); json.beginArray(); json.endArray()
            json.key("b"); json.beginObject(); json.endObject()
            json.field("c", 0)
            json.endObject()
        }
        #expect(text == #"{"a":[],"b":{},"c":0}"#)
    }

    @Test func nestsObjectsAndArraysWithCommasOnlyBetweenSiblings() throws {
        let text = Self.text { json in
            json.beginObject()
            json.field("type", "delta")
            json.key("data")
            json.beginObject()
            json.key("projects")
            json.beginObject()
            for slug in ["a", "b"] {
                json.key(slug)
                json.beginObject()
                json.key("counts")
                json.beginArray()
                for count in [1, 2, 3] { json.int(count) }
                json.endArray()
                json.key("average"); json.decimal(nil)
                json.endObject()
            }
            json.endObject()
            json.key("matrix")
            json.beginArray()
            json.beginArray(); json.int(1); json.int(-2); json.endArray()
            json.beginArray(); json.endArray()
            json.beginArray(); json.bool(false); json.null(); json.string("x"); json.endArray()
            json.endArray()
            json.endObject()
            json.field("seq", 7)
            json.endObject()
        }
        #expect(text == #"{"type":"delta","data":{"projects":{"a":{"counts":[1,2,3],"average":null},"b":{"counts":[1,2,3],"average":null}},"matrix":[[1,-2],[],[false,null,"x"]]},"seq":7}"#)
        #expect(try JSON.parse(text)["data"]?["matrix"]?[2]?[2] == .string("x"), "and it is JSON")
    }

    @Test(arguments: [
        ("plain", #""plain""#),
        (#"say "hi""#, #""say \"hi\"""#),
        (#"back\slash"#, #""back\\slash""#),
        ("line\nbreak\r\ttab", #""line\nbreak\r\ttab""#),
        ("\u{0}\u{1}\u{8}\u{C}\u{1F}", #""\u0000\u0001\u0008\u000c\u001f""#),
        ("</script><!--", #""\u003c/script>\u003c!--""#),
        ("放学时段 😀 é", "\"放学时段 😀 é\""),
        ("/", #""/""#),
        ("\u{7F}\u{2028}", "\"\u{7F}\u{2028}\""),
    ])
    func escapesStrings(_ value: String, _ expected: String) throws {
        #expect(Self.text { $0.string(value) } == expected)
        #expect(try JSON.parse(Self.text { $0.string(value) }) == .string(value), "it reads back as the same string")
    }

    @Test func escapesKeysToo() {
        #expect(Self.text { $0.beginObject(); $0.field("a\"<b", 1); $0.endObject() } == #"{"a\"\u003cb":1}"#)
    }

    @Test(arguments: [
        (4.19, "4.19"),
        (4.0, "4"),
        (4.186, "4.186"),
        (4.1864, "4.186"),
        (4.1996, "4.2"),
        (4.9996, "5"),
        (1.05, "1.05"),
        (3.0 + 1.0 / 3.0, "3.333"),
        (0.0, "0"),
        (0.0004, "0"),
        (0.0006, "0.001"),
        (-0.25, "-0.25"),
        (-1.5, "-1.5"),
        (12_345.678, "12345.678"),
    ] as [(Double, String)])
    func writesAveragesWithAtMostThreeDecimals(_ value: Double, _ expected: String) {
        #expect(Self.text { $0.decimal(value) } == expected)
    }

    @Test func writesNullForNoAverageAndForValuesJSONCannotHold() {
        #expect(Self.text { $0.decimal(nil) } == "null")
        #expect(Self.text { $0.decimal(.nan) } == "null")
        #expect(Self.text { $0.decimal(.infinity) } == "null")
        #expect(Self.text { $0.decimal(-.infinity) } == "null")
    }

    @Test func decimalsTakeCommasLikeAnyValue() {
        let text = Self.text { json in
            json.beginArray()
            json.decimal(1.5); json.decimal(nil); json.decimal(2)
            json.endArray()
        }
        #expect(text == "[1.5,null,2]")
    }

    @Test func writesIntegersAtTheirLimits() {
        #expect(Self.text { $0.int(Int64.min) } == "-9223372036854775808")
        #expect(Self.text { $0.int(UInt64.max) } == "18446744073709551615")
    }
}

import Testing
import WebSocket

/// A byte sequence and whether it is complete, valid UTF-8 (RFC 3629 §4).
struct UTF8Case: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var valid: Bool
    /// For invalid input: the index of the first byte that makes the prefix invalid (nil: only truncated at the end).
    var failsAt: Int?

    var testDescription: String { name }

    static let all: [UTF8Case] = [
        UTF8Case(name: "empty", bytes: [], valid: true),
        UTF8Case(name: "ASCII", bytes: hex("48 65 6c 6c 6f"), valid: true),
        UTF8Case(name: "long ASCII", bytes: Array(repeating: 0x61, count: 100), valid: true),
        UTF8Case(name: "U+0000", bytes: hex("00"), valid: true),
        UTF8Case(name: "U+007F, last 1-byte", bytes: hex("7f"), valid: true),
        UTF8Case(name: "U+0080, first 2-byte", bytes: hex("c2 80"), valid: true),
        UTF8Case(name: "U+07FF, last 2-byte", bytes: hex("df bf"), valid: true),
        UTF8Case(name: "U+0800, first 3-byte", bytes: hex("e0 a0 80"), valid: true),
        UTF8Case(name: "U+D7FF, before the surrogates", bytes: hex("ed 9f bf"), valid: true),
        UTF8Case(name: "U+E000, after the surrogates", bytes: hex("ee 80 80"), valid: true),
        UTF8Case(name: "U+FFFF, last 3-byte", bytes: hex("ef bf bf"), valid: true),
        UTF8Case(name: "U+10000, first 4-byte", bytes: hex("f0 90 80 80"), valid: true),
        UTF8Case(name: "U+10FFFF, last code point", bytes: hex("f4 8f bf bf"), valid: true),
        UTF8Case(name: "Autobahn 6.2 Hello-µ@ßöäüàá-UTF-8!!",
            bytes: utf8("Hello-µ@ßöäüàá-UTF-8!!"), valid: true),
        UTF8Case(name: "ASCII after a multibyte sequence, past a word", bytes: utf8("κόσμε abcdefghijklmnop"), valid: true),
        UTF8Case(name: "overlong 2-byte NUL (C0 80)", bytes: hex("c0 80"), valid: false, failsAt: 0),
        UTF8Case(name: "overlong 2-byte (C1 BF)", bytes: hex("c1 bf"), valid: false, failsAt: 0),
        UTF8Case(name: "overlong 3-byte (E0 9F BF)", bytes: hex("e0 9f bf"), valid: false, failsAt: 1),
        UTF8Case(name: "overlong 4-byte (F0 8F BF BF)", bytes: hex("f0 8f bf bf"), valid: false, failsAt: 1),
        UTF8Case(name: "surrogate U+D800", bytes: hex("ed a0 80"), valid: false, failsAt: 1),
        UTF8Case(name: "surrogate U+DFFF", bytes: hex("ed bf bf"), valid: false, failsAt: 1),
        UTF8Case(name: "U+110000 (F4 90 80 80)", bytes: hex("f4 90 80 80"), valid: false, failsAt: 1),
        UTF8Case(name: "F5 lead byte", bytes: hex("f5 80 80 80"), valid: false, failsAt: 0),
        UTF8Case(name: "FF byte", bytes: hex("41 ff"), valid: false, failsAt: 1),
        UTF8Case(name: "lone continuation byte", bytes: hex("41 80 41"), valid: false, failsAt: 1),
        UTF8Case(name: "continuation byte after ASCII past a word", bytes: utf8("abcdefghijklmnopq") + [0xBF],
            valid: false, failsAt: 17),
        UTF8Case(name: "lead byte followed by ASCII", bytes: hex("e2 41 41"), valid: false, failsAt: 1),
        UTF8Case(name: "2-byte sequence cut short", bytes: hex("41 c3"), valid: false),
        UTF8Case(name: "3-byte sequence cut short", bytes: hex("e2 82"), valid: false),
        UTF8Case(name: "4-byte sequence cut short", bytes: hex("f0 9f 98"), valid: false),
    ]
}

@Suite struct UTF8ValidatorTests {
    @Test(arguments: UTF8Case.all)
    func validatesAWholeSequence(_ testCase: UTF8Case) {
        #expect(UTF8Validator.isValid(testCase.bytes) == testCase.valid)
    }

    @Test(arguments: UTF8Case.all)
    func agreesWithTheStandardLibrary(_ testCase: UTF8Case) {
        #expect((String(validating: testCase.bytes, as: UTF8.self) != nil) == testCase.valid)
    }

    /// The stream is fed in two pieces at every index: the verdict is the same, and an invalid byte is reported in the
    /// piece that holds it (fail fast).
    @Test(arguments: UTF8Case.all)
    func givesTheSameVerdictAtEverySplitAndFailsAtTheFirstInvalidByte(_ testCase: UTF8Case) {
        for cut in 0...testCase.bytes.count {
            var validator = UTF8Validator()
            let first = testCase.bytes[..<cut].withUnsafeBytes { validator.validate($0) }
            if let failsAt = testCase.failsAt {
                #expect(first == (cut <= failsAt), "cut at \(cut)")
            } else {
                #expect(first, "cut at \(cut)")
            }
            let second = testCase.bytes[cut...].withUnsafeBytes { validator.validate($0) }
            #expect((first && second && validator.isAtBoundary) == testCase.valid, "cut at \(cut)")
        }
    }

    @Test func staysInvalidUntilReset() {
        var validator = UTF8Validator()
        #expect(!hex("c0").withUnsafeBytes { validator.validate($0) })
        #expect(!utf8("fine").withUnsafeBytes { validator.validate($0) })
        validator.reset()
        #expect(utf8("fine").withUnsafeBytes { validator.validate($0) })
        #expect(validator.isAtBoundary)
    }

    @Test func reportsWhetherASequenceIsHalfRead() {
        var validator = UTF8Validator()
        #expect(hex("e2 82").withUnsafeBytes { validator.validate($0) })
        #expect(!validator.isAtBoundary)
        #expect(hex("ac").withUnsafeBytes { validator.validate($0) })
        #expect(validator.isAtBoundary)
    }

    /// Every 2-, 3- and 4-byte lead with every second byte: the validator agrees with the standard library's decoder on
    /// whether a well-formed continuation can follow.
    @Test func agreesWithTheStandardLibraryOnEverySecondByte() {
        for lead in UInt8(0xC0)...0xFF {
            for second in UInt8(0x00)...0xFF {
                let tail: [UInt8] = lead >= 0xF0 ? [0x80, 0x80] : lead >= 0xE0 ? [0x80] : []
                let sequence = [lead, second] + tail
                let expected = String(validating: sequence, as: UTF8.self) != nil
                #expect(UTF8Validator.isValid(sequence) == expected, "\(lead) \(second)")
            }
        }
    }
}

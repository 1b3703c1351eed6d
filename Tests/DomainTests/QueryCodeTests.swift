import Domain
import Testing

@Suite struct QueryCodeTests {
    /// SplitMix64: a small seeded generator, so the statistics below are the same on every run.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Returns the given words, then zeros: shows which 5-bit chunks are used and which are thrown away.
    struct ScriptedGenerator: RandomNumberGenerator {
        var words: [UInt64]
        mutating func next() -> UInt64 { words.isEmpty ? 0 : words.removeFirst() }
    }

    @Test func theAlphabetHas31SymbolsAndNoLookAlikes() {
        #expect(QueryCode.alphabet.count == 31)
        #expect(Set(QueryCode.alphabet).count == 31)
        for lookAlike in "01OIL" { #expect(!QueryCode.alphabet.contains(lookAlike)) }
    }

    @Test func carriesAtLeast48Bits() {
        // 31^10 ≥ 2^48, in integers: 31^10 ≈ 8.2 × 10^14 fits a UInt64.
        var codes: UInt64 = 1
        for _ in 0..<QueryCode.length { codes *= UInt64(QueryCode.alphabet.count) }
        #expect(codes >= 1 << 48)
        #expect(codes == 819_628_286_980_801)
    }

    @Test func aGeneratedCodeReadsBackAsItself() {
        var generator = SeededGenerator(state: 1)
        for _ in 0..<1_000 {
            let code = QueryCode.generate(using: &generator)
            #expect(code.value.count == 10)
            #expect(code.value.allSatisfy(QueryCode.alphabet.contains))
            #expect(QueryCode(typed: code.value) == code)
            #expect(code.description == code.value)
        }
    }

    @Test func theSystemGeneratorGivesValidDistinctCodes() {
        let codes = (0..<100).map { _ in QueryCode.generate() }
        #expect(codes.allSatisfy { QueryCode(typed: $0.value) == $0 })
        #expect(Set(codes).count == 100)
    }

    @Test func throwsAwayTheChunk31InsteadOfFoldingIt() {
        // The low chunk is 31 (refused), then 0, 1, 30, then chunks of 31 to the end of the word; the next word's
        // chunks are all 0.
        let word: UInt64 = 31 | 0 << 5 | 1 << 10 | 30 << 15 | (UInt64.max << 20)
        var generator = ScriptedGenerator(words: [word, 0])
        #expect(QueryCode.generate(using: &generator).value == "23Z2222222")
    }

    @Test(arguments: [
        ("7KQ2M9XHRT", "7KQ2M9XHRT"),
        ("7kq2m9xhrt", "7KQ2M9XHRT"),
        ("7KQ2-M9XH RT", "7KQ2M9XHRT"),
        (" 7kq2 m9xh rt\n", "7KQ2M9XHRT"),
        ("7KQ2–M9XH—RT", "7KQ2M9XHRT"),                 // en and em dash
        ("７ＫＱ２－Ｍ９ＸＨ\u{3000}ＲＴ", "7KQ2M9XHRT"),     // full-width, from a Chinese input method
    ])
    func readsWhatACitizenTyped(_ typed: String, _ canonical: String) {
        #expect(QueryCode(typed: typed)?.value == canonical)
    }

    @Test(arguments: [
        "7KQ2M9XHR0", "7KQ2M9XHRO", "7KQ2M9XHR1", "7KQ2M9XHRI", "7KQ2M9XHRL", "7kq2m9xhrl", "7kq2m9xhro",
    ])
    func refusesLookAlikes(_ typed: String) {
        #expect(QueryCode(typed: typed) == nil)
    }

    @Test(arguments: ["", "  - ", "7KQ2M9XHR", "7KQ2M9XHRTA", "7KQ2-M9XH-RT-2", "7KQ2M9XHRT7KQ2M9XHRT"])
    func refusesWrongLengths(_ typed: String) {
        #expect(QueryCode(typed: typed) == nil)
    }

    @Test(arguments: ["7KQ2M9XHR_", "7KQ2M9XHR.", "7KQ2M9XHRé", "7KQ2M9XHR\u{0}", "7KQ2/M9XHRT", "7KQ2M9XHRT#"])
    func refusesOtherCharacters(_ typed: String) {
        #expect(QueryCode(typed: typed) == nil)
    }

    /// 31,000 codes are 310,000 symbols: 10,000 expected per symbol, standard deviation about 98. A bound of ±500
    /// (5 σ) never fails by chance, yet catches a modulo-biased byte (256 % 31 = 8 symbols drawn 9/8 as often: about
    /// +900) and any symbol never or always drawn. Every position is checked too: 1,000 expected, σ about 31, ±150.
    @Test func everySymbolIsEquallyLikelyInEveryPosition() {
        var generator = SeededGenerator(state: 0x4C61_7374_576F_7264)
        var total: [Character: Int] = [:]
        var perPosition = Array(repeating: [Character: Int](), count: QueryCode.length)
        for _ in 0..<31_000 {
            for (position, symbol) in QueryCode.generate(using: &generator).value.enumerated() {
                total[symbol, default: 0] += 1
                perPosition[position][symbol, default: 0] += 1
            }
        }
        #expect(total.count == 31)
        for symbol in QueryCode.alphabet {
            #expect(abs(total[symbol, default: 0] - 10_000) <= 500, "\(symbol): \(total[symbol, default: 0])")
            for position in 0..<QueryCode.length {
                let count = perPosition[position][symbol, default: 0]
                #expect(abs(count - 1_000) <= 150, "\(symbol) at \(position): \(count)")
            }
        }
    }
}

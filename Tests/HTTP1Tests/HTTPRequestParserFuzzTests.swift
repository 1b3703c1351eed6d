import HTTP1
import Testing

/// Mutated requests: whatever the bytes, the parser neither traps nor depends on how they are cut.
@Suite struct HTTPRequestParserFuzzTests {
    /// SplitMix64: a fixed seed makes every run test the same inputs.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let interestingBytes: [UInt8] = Array("\r\n :;,\t\0\"\\0fF9-+xX".utf8) + [0x7F, 0x80, 0xFF]

    static func mutate(_ bytes: [UInt8], using generator: inout Generator) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<Int.random(in: 1...3, using: &generator) {
            guard !bytes.isEmpty else { break }
            let index = Int.random(in: 0..<bytes.count, using: &generator)
            let byte = interestingBytes.randomElement(using: &generator)!
            switch Int.random(in: 0..<3, using: &generator) {
            case 0: bytes[index] = byte
            case 1: bytes.insert(byte, at: index)
            default: bytes.remove(at: index)
            }
        }
        return bytes
    }

    @Test func neverTrapsAndGivesTheSameOutcomeWhereverTheInputIsCut() {
        var generator = Generator(state: 0x1234_5678)
        let limits = HTTPLimits(maxRequestLineLength: 64, maxHeaderCount: 8, maxHeaderBytes: 128, maxBodySize: 64, maxChunkLineLength: 16)
        let seeds = HTTPRequestParserTests.validRequests.map { Array($0.text.utf8) }
        for round in 0..<3000 {
            let input = Self.mutate(seeds[round % seeds.count], using: &generator)
            let whole = ParserHarness.run([input], limits: limits)
            let cut = Int.random(in: 0...input.count, using: &generator)
            let split = ParserHarness.run([Array(input[..<cut]), Array(input[cut...])], limits: limits)
            #expect(split == whole, "cut at \(cut) of \(input)")
            if round % 10 == 0 {
                #expect(ParserHarness.run(input.map { [$0] }, limits: limits) == whole, "byte by byte: \(input)")
            }
        }
    }
}

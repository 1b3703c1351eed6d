import Foundation
import Testing
import Transport

@Suite(.serialized) struct AllocatorHygieneTests {
    /// Resident anonymous memory of this process, in bytes (/proc/self/status, RssAnon).
    private static func residentAnonymousBytes() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("RssAnon:") })
        let kilobytes = try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
        return kilobytes * 1024
    }

    /// `count` blocks of `size` bytes, each written (so its pages are resident); the caller deallocates them.
    private static func allocateBlocks(_ count: Int, ofSize size: Int) -> [UnsafeMutableRawPointer] {
        (0..<count).map { _ in
            let block = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
            block.initializeMemory(as: UInt8.self, repeating: 0xA5, count: size)
            return block
        }
    }

    @Test func aTrimGivesTheFreePagesBetweenLiveBlocksBackToTheKernel() throws {
        // 128 MiB in blocks of 32 KiB, every other one freed: free() cannot give those holes back (live blocks sit
        // on both sides), so they stay resident until a trim hands their pages to the kernel.
        let count = 4_096
        let blocks = Self.allocateBlocks(count, ofSize: 32_768)
        for index in stride(from: 0, to: count, by: 2) { blocks[index].deallocate() }
        let before = try Self.residentAnonymousBytes()
        AllocatorHygiene.trim()
        let after = try Self.residentAnonymousBytes()
        for index in stride(from: 1, to: count, by: 2) { blocks[index].deallocate() }
        // 64 MiB were freed in holes, 7 of each hole's 8 pages whole; at least half must have left the process (other
        // tests run beside).
        #expect(before - after >= 32 << 20, "resident before \(before >> 20) MiB, after the trim \(after >> 20) MiB")
    }

    @Test func theHeapInUseCountsLiveBlocksAndTheirFreeing() {
        // 64 MiB in blocks of 32 KiB (below glibc's mmap threshold, so in the arenas), then freed. Other tests
        // allocate beside, so the changes are checked with a margin of 16 MiB.
        let before = AllocatorHygiene.usage()
        let blocks = Self.allocateBlocks(2_048, ofSize: 32_768)
        let holding = AllocatorHygiene.usage()
        for block in blocks { block.deallocate() }
        let after = AllocatorHygiene.usage()
        #expect(holding.inUse - before.inUse >= 48 << 20, "in use \(before.inUse >> 20) MiB, then \(holding.inUse >> 20) MiB")
        #expect(holding.inUse - after.inUse >= 48 << 20, "in use \(holding.inUse >> 20) MiB, after freeing \(after.inUse >> 20) MiB")
    }
}

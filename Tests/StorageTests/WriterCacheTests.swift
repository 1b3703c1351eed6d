@testable import Storage
import Testing

/// The writer's cache of the citizens it created: bounded, so a long-running server's memory does not follow the
/// number of citizens it has ever seen.
struct WriterCacheTests {
    @Test func theCitizenCacheStartsAfreshInsteadOfGrowingPastItsCap() {
        var cache = WriterCache()
        var batch: [String: Int64] = [:]
        for id in 1...Int64(WriterCache.maxCitizens) { batch["citizen-\(id)"] = id }
        cache.adopt(citizens: batch)
        #expect(cache.citizens.count == WriterCache.maxCitizens)
        #expect(cache.citizens["citizen-1"] == 1)
        // One more: the cache does not grow past its cap; it keeps what was just adopted.
        cache.adopt(citizens: ["newcomer": 0])
        #expect(cache.citizens.count == 1)
        #expect(cache.citizens["newcomer"] == 0)
        #expect(WriterCache.maxCitizens <= 100_000, "about 100 bytes each: a cap of megabytes, not tens of them")
    }
}

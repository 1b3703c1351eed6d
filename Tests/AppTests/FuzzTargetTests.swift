@testable import App
import Foundation
import Testing

/// The fuzzing targets (scripts/fuzz) on their seed corpora, Tests/FuzzCorpus/TARGET: every seed passes every target's
/// checks, so the seeds are valid starting points and the checks do not fire on good input. Inputs a fuzzing run
/// found to fail are added to the seeds with the fix.
@Suite struct FuzzTargetTests {
    static func seeds(_ target: FuzzTarget) throws -> [(String, [UInt8])] {
        let directory = CampaignFileTests.repositoryRoot() + "/Tests/FuzzCorpus/" + target.rawValue
        return try FileManager.default.contentsOfDirectory(atPath: directory).sorted().map { name in
            (name, Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))))
        }
    }

    @Test(arguments: FuzzTarget.allCases)
    func everySeedPassesItsTarget(_ target: FuzzTarget) throws {
        let seeds = try Self.seeds(target)
        #expect(seeds.count >= 2, "each target has seeds")
        for (_, bytes) in seeds {
            bytes.withUnsafeBytes { target.run($0) }
        }
    }

    @Test func theSplitCheckSeesTheSameEventsForAPipelinedRequestCutAnywhere() throws {
        let (_, request) = try #require(Self.seeds(.httpRequest).first { $0.0 == "pipelined.txt" })
        // Every cut point of the input, through the same comparison the fuzzer runs (it stops the process on a
        // difference): the input's last byte picks the cut, so vary it over all positions.
        for last in 0..<256 {
            var input = request
            input.append(UInt8(last))
            input.withUnsafeBytes { FuzzTarget.httpRequest($0) }
        }
    }
}

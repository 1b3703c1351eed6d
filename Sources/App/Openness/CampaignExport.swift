import Domain
import Foundation
import Storage

/// `lastword export`: a campaign's data as CSV files in a directory — ratings (no citizen ids), tallies, the letters
/// received in its window and their messages, and the figures. Contact details and citizen ids are written only when
/// the operator asks for them by name (`--with-personal-data`). Texts are as people wrote them.
///
/// Files are UTF-8 with a byte-order mark (so that spreadsheets open Chinese text as such), fields quoted per RFC 4180,
/// times in ISO 8601 UTC. Nothing is overwritten: a file that exists already stops the export before anything is written.
package enum CampaignExport {
    package static let files = ["ratings.csv", "tallies.csv", "threads.csv", "messages.csv", "figures.csv"]

    /// Writes the files; returns their paths and row counts.
    package static func run(store: Store, campaign: CampaignDefinition, calendar: WorkingCalendar, zone: any ZoneOffsets,
                            limits: ResponseLimits, directory: String, personal: Bool, now: Int64) throws -> [(String, Int)] {
        let manager = FileManager.default
        for name in files where manager.fileExists(atPath: directory + "/" + name) {
            throw ExportError("\(directory)/\(name) exists already; export into an empty or new directory")
        }
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let ratings = try store.exportRatings(campaign: campaign.id, personal: personal)
        let tallies = try store.exportTallies(campaign: campaign.id)
        let (threads, messages) = try store.exportThreads(from: campaign.opensAt, to: campaign.closesAt + 1, personal: personal)
        let clock = WorkingClock(calendar: calendar, zone: zone)
        let facts = try store.threadFacts(from: campaign.opensAt, to: campaign.closesAt + 1)
        let (overall, byDepartment) = OpennessFigures.byDepartment(facts, clock: clock, limits: limits, now: now)
        let departments = try store.departments().map { ($0, byDepartment[$0.id] ?? OpennessFigures()) }
        let figures = OpennessJSON.csv(overall, departments: departments)
        var written: [(String, Int)] = []
        for (name, table) in [("ratings.csv", ratings), ("tallies.csv", tallies), ("threads.csv", threads), ("messages.csv", messages)] {
            try write(csv(table), to: directory + "/" + name)
            written.append((name, table.rows.count))
        }
        try write(figures, to: directory + "/figures.csv")
        written.append(("figures.csv", departments.count + 1))
        return written
    }

    static func csv(_ table: Store.ExportTable) -> String {
        ([table.header] + table.rows).map { $0.map(CSV.field).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    private static func write(_ text: String, to path: String) throws {
        // The byte-order mark first: spreadsheet programs read a CSV without it in the system's code page.
        try Data(([0xEF, 0xBB, 0xBF] as [UInt8]) + Array(text.utf8)).write(to: URL(fileURLWithPath: path), options: .withoutOverwriting)
    }
}

package struct ExportError: Error, CustomStringConvertible {
    package var description: String
    init(_ description: String) { self.description = description }
}

import App
import Domain
import Foundation
import TestSupport
import Testing

extension AppIntegrationTests {
    /// `lastword export`: a campaign's data as CSV, personal data only when asked for by name, nothing overwritten.
    @Suite struct ExportTests {
        @Test func aCampaignExportsWithoutPersonalDataUnlessAskedAndNeverOverwrites() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let office = try app.staff("li.wei", departments: ["mayors-office"])
            let citizen = app.newCitizen()
            #expect(try app.rate("new-schools", id: "r-1", level: 2, suggestion: "校门口太挤, \"早上\"尤其", as: citizen).status == 200)
            _ = try app.answeredLetter(citizen, office: office)
            let campaign = try #require(app.application.catalog.campaign("city-2026"))
            let calendar = WorkingCalendar()

            func export(_ directory: String, personal: Bool) throws -> [String: String] {
                _ = try CampaignExport.run(store: app.application.store, campaign: campaign, calendar: calendar, zone: FixedOffset.china,
                                           limits: ResponseLimits(), directory: directory, personal: personal, now: SystemTimeSource().now())
                var files: [String: String] = [:]
                for name in CampaignExport.files {
                    let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
                    #expect(Array(data.prefix(3)) == [0xEF, 0xBB, 0xBF], "\(name) starts with the byte-order mark")
                    files[name] = String(decoding: data.dropFirst(3), as: UTF8.self)
                }
                return files
            }
            let plain = try export(app.directory.path + "/export", personal: false)
            let hasID = plain.values.joined().contains(citizen.id.rawValue)
            #expect(!hasID, "no citizen id")
            let noContact = plain["threads.csv"]?.split(separator: "\r\n").first?.contains("contact") == false
            #expect(noContact, "no contact column")
            #expect(plain["ratings.csv"]?.hasPrefix("project,level,suggestion,rated_at,updated_at\r\n") == true)
            #expect(plain["ratings.csv"]?.contains(#""校门口太挤, ""早上""尤其""#) == true, "a field with a comma and quotes, quoted")
            #expect(plain["tallies.csv"]?.contains("new-schools,") == true)
            #expect(plain["threads.csv"]?.contains("complaint") == true)
            #expect(plain["messages.csv"]?.contains("已安排维修，三日内修好。") == true)
            #expect(plain["figures.csv"]?.hasPrefix("department,") == true)

            let personal = try export(app.directory.path + "/export-personal", personal: true)
            #expect(personal["ratings.csv"]?.contains(citizen.id.rawValue) == true)
            #expect(personal["threads.csv"]?.split(separator: "\r\n").first?.hasSuffix(",contact,citizen") == true)
            #expect(personal["threads.csv"]?.contains(",13800138000,") == true)

            #expect(throws: ExportError.self) { try export(app.directory.path + "/export", personal: false) }
        }
    }
}

import Domain
import Testing

@Suite struct DomainErrorTests {
    static let all: [DomainError] = [
        .campaignNotOpen, .campaignClosed, .unknownCampaign("c"), .unknownProject("p"), .invalidLevel(9),
        .suggestionTooLong(limit: 500), .invalidCitizen, .invalidClientID, .clientIDReused,
        .rateLimited(retryAfterSeconds: 3), .tooManyNewCitizens(retryAfterSeconds: 60), .invalidDefinition("x"),
        .slugBelongsToAnotherCampaign(slug: "p", campaignID: "c"), .overloaded, .shuttingDown, .storageFailure,
    ]

    @Test func codesAreTheDocumentedStableStrings() {
        #expect(DomainError.campaignClosed.code == "campaign.closed")
        #expect(DomainError.campaignNotOpen.code == "campaign.not_open")
        #expect(DomainError.unknownProject("p").code == "project.not_found")
        #expect(DomainError.invalidLevel(0).code == "rating.invalid_level")
        #expect(DomainError.suggestionTooLong(limit: 500).code == "rating.suggestion_too_long")
        #expect(DomainError.invalidCitizen.code == "citizen.invalid")
        #expect(DomainError.invalidClientID.code == "request.invalid_id")
        #expect(DomainError.clientIDReused.code == "request.id_reused")
        #expect(DomainError.rateLimited(retryAfterSeconds: 1).code == "limit.rate")
        #expect(DomainError.tooManyNewCitizens(retryAfterSeconds: 1).code == "limit.new_citizens")
        #expect(DomainError.overloaded.code == "server.busy")
    }

    @Test func everyCaseHasItsOwnCodeAndASentence() {
        #expect(Set(Self.all.map(\.code)).count == Self.all.count)
        for error in Self.all {
            #expect(error.message.hasSuffix("."), "\(error.code): \(error.message)")
            #expect(error.code.contains("."))
        }
    }

    @Test func messagesCarryTheirDetails() {
        #expect(DomainError.rateLimited(retryAfterSeconds: 7).message.contains("7 s"))
        #expect(DomainError.suggestionTooLong(limit: 500).message.contains("500"))
        #expect(DomainError.unknownProject("bus-12").message.contains("bus-12"))
    }
}

import Domain
import Testing

@Suite struct ClientActionIDTests {
    @Test(arguments: ["a", "Z", "0", "-", "_", "01HZX3Q9-rate_school-a", "550e8400-e29b-41d4-a716-446655440000",
                      String(repeating: "x", count: 64)])
    func acceptsOneTo64LettersDigitsDashesAndUnderscores(_ id: String) throws {
        #expect(try ClientActionID(validating: id).value == id)
    }

    @Test(arguments: ["", String(repeating: "x", count: 65), "a b", "a.b", "a/b", "a+b", "a=b", "id\n", "编号", "é"])
    func refusesAnythingElse(_ id: String) {
        #expect(throws: DomainError.invalidClientID) { try ClientActionID(validating: id) }
    }
}

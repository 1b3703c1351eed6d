import App
import Testing

@Suite struct PasswordHasherTests {
    let hasher = PasswordHasher.forTesting

    @Test func aHashVerifiesItsPasswordAndNoOther() {
        let stored = hasher.hash("correct horse battery")
        #expect(stored.hasPrefix("scrypt$ln=4,r=8,p=1$"))
        #expect(hasher.verify("correct horse battery", against: stored))
        #expect(!hasher.verify("correct horse batterY", against: stored))
        #expect(!hasher.verify("", against: stored))
    }

    @Test func eachHashHasItsOwnSalt() {
        let first = hasher.hash("same password")
        let second = hasher.hash("same password")
        #expect(first != second)
        #expect(hasher.verify("same password", against: first) && hasher.verify("same password", against: second))
    }

    @Test func theDefaultCostIsScryptN32768() {
        let stored = PasswordHasher().hash("a long enough one")
        #expect(stored.hasPrefix("scrypt$ln=15,r=8,p=1$"))
        #expect(PasswordHasher().verify("a long enough one", against: stored))
    }

    @Test(arguments: ["", "plain", "scrypt$ln=4,r=8,p=1$bad", "scrypt$ln=99,r=8,p=1$AAAA$AAAAAAAAAAAAAAAAAAAAAA==",
                      "bcrypt$ln=4,r=8,p=1$AAAA$AAAAAAAAAAAAAAAAAAAAAA==", "scrypt$ln=4,r=8$AAAA$AAAAAAAAAAAAAAAAAAAAAA=="])
    func aMalformedStoredHashVerifiesNothing(_ stored: String) {
        #expect(!hasher.verify("anything", against: stored))
        #expect(hasher.needsRehash(stored))
    }

    @Test func aWeakerHashNeedsRehashingAndTheSameDoesNot() {
        let weak = hasher.hash("password one")
        #expect(PasswordHasher(logN: 5).needsRehash(weak))
        #expect(!hasher.needsRehash(weak))
        #expect(!PasswordHasher(logN: 3).needsRehash(weak))
    }

    @Test func aPasswordLongerThanThePolicyAllowsIsNeverChecked() {
        let huge = String(repeating: "y", count: 2_000)
        #expect(!hasher.verify(huge, against: hasher.hash(huge)), "a password longer than the limit is never checked")
    }
}

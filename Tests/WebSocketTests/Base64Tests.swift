import Testing
import WebSocket

@Suite struct Base64Tests {
    /// RFC 4648 §10 test vectors.
    @Test(arguments: [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ])
    func encodesAndDecodesTheRFC4648Vectors(_ plain: String, _ encoded: String) {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
        #expect(Base64.decode(encoded) == Array(plain.utf8))
    }

    @Test func roundTripsEveryByteValue() {
        let all = (0...255).map(UInt8.init)
        for count in 0...all.count where count % 17 == 0 || count < 4 {
            #expect(Base64.decode(Base64.encode(all.prefix(count))) == Array(all.prefix(count)))
        }
    }

    @Test(arguments: ["Zg", "Zg=", "Z===", "Zh==", "Zm9=", "Zm 9v", "Zm9v\n", "Zm-v", "=Zm9"])
    func rejectsMalformedInput(_ text: String) {
        #expect(Base64.decode(text) == nil)
    }
}

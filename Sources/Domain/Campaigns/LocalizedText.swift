/// A text shown to citizens in Chinese and English.
package struct LocalizedText: Codable, Sendable, Hashable {
    package var zh: String
    package var en: String

    package init(zh: String, en: String) {
        self.zh = zh
        self.en = en
    }
}

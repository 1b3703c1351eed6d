/// A key number of a project ("Seats added" / "1,200").
package struct ProjectFigure: Codable, Sendable, Hashable {
    package var label: LocalizedText
    package var value: LocalizedText

    package init(label: LocalizedText, value: LocalizedText) {
        self.label = label
        self.value = value
    }
}

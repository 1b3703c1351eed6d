/// The national five-level scale for evaluating government services.
package enum SatisfactionLevel: Int, Codable, Sendable, CaseIterable, Comparable {
    case veryDissatisfied = 1
    case dissatisfied
    case basicallySatisfied
    case satisfied
    case verySatisfied

    /// The scale's standard wording, index 0 = level 1. A campaign may replace it (`CampaignDefinition.levelLabels`).
    package static let defaultLabels: [LocalizedText] = [
        LocalizedText(zh: "非常不满意", en: "Very dissatisfied"),
        LocalizedText(zh: "不满意", en: "Dissatisfied"),
        LocalizedText(zh: "基本满意", en: "Basically satisfied"),
        LocalizedText(zh: "满意", en: "Satisfied"),
        LocalizedText(zh: "非常满意", en: "Very satisfied"),
    ]

    /// Levels at or below this one are listed for follow-up by the responsible department.
    package static let followUpThreshold = SatisfactionLevel.dissatisfied

    /// The level with this number, or `invalidLevel`.
    package static func validated(_ rawValue: Int) throws(DomainError) -> SatisfactionLevel {
        guard let level = SatisfactionLevel(rawValue: rawValue) else { throw .invalidLevel(rawValue) }
        return level
    }

    /// The position of this level in `ProjectTally.counts` and `CampaignDefinition.levelLabels`.
    package var index: Int { rawValue - 1 }

    package static func < (lhs: SatisfactionLevel, rhs: SatisfactionLevel) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}

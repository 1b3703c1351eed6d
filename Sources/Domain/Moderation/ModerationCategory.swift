/// Why a moderator sent a public version back or took it down: the public moderation log shows the category and its
/// standard wording (never the moderator's note, which is for the author and may quote the letter).
package enum ModerationCategory: String, Sendable, CaseIterable, Codable {
    /// It names or points at a person: a name, a phone number, an address, an id number.
    case personalData = "personal-data"
    /// The reply does not answer the question, or says something the office cannot stand by.
    case inaccurate
    /// The question or the reply is missing something a reader needs.
    case incomplete
    /// Abusive, discriminatory or otherwise unfit to publish.
    case unfit
    /// The citizen withdrew consent to publication, or asked for it to come down.
    case consentWithdrawn = "consent-withdrawn"
    case other

    /// What the public moderation log says for it.
    package var publicReason: LocalizedText {
        switch self {
        case .personalData: LocalizedText(zh: "含有个人信息", en: "Contains personal information")
        case .inaccurate: LocalizedText(zh: "答复不准确或未回应问题", en: "The reply is inaccurate or does not answer the question")
        case .incomplete: LocalizedText(zh: "内容不完整", en: "Incomplete")
        case .unfit: LocalizedText(zh: "内容不宜公开", en: "Unfit to publish")
        case .consentWithdrawn: LocalizedText(zh: "来信人撤回公开同意", en: "The writer withdrew consent to publication")
        case .other: LocalizedText(zh: "其他原因", en: "Other reasons")
        }
    }
}

/// What a citizen's letter is about; the citizen chooses it, and staff filter the inbox by it.
package enum ThreadKind: String, Sendable, CaseIterable, Codable {
    case enquiry, complaint, suggestion, help
}

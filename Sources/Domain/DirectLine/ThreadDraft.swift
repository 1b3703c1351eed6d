/// A new thread as the citizen sent it, checked and normalized. Whether `project` names a real project is for the
/// caller to check: the domain has no campaign list here.
package struct ThreadDraft: Sendable, Equatable, Codable {
    /// Unicode scalars in a subject: one line in an inbox row.
    package static let maxSubjectLength = 60
    /// Unicode scalars of contact details (a phone number, an e-mail address, a time to call).
    package static let maxContactLength = 200

    package var kind: ThreadKind
    package var subject: String
    package var body: String
    package var project: String?
    package var contact: String?
    package var publish: Bool

    package init(kind: ThreadKind, subject: String, body: String, project: String?, contact: String?, publish: Bool) {
        self.kind = kind
        self.subject = subject
        self.body = body
        self.project = project
        self.contact = contact
        self.publish = publish
    }

    /// Cleans every text as `TypedText.clean` does (control characters out, ends trimmed) and checks it:
    /// `subject` one line (newline and tab become spaces) of 1…60 scalars; `body` as `MessageText.normalize`;
    /// `project` nil if empty, else a slug (`[a-z0-9-]{1,64}`); `contact` one line, nil if empty, else at most 200
    /// scalars. The first broken rule is thrown as `invalidThread`, naming the field.
    package static func validate(
        kind: ThreadKind,
        subject: String,
        body: String,
        project: String?,
        contact: String?,
        publish: Bool
    ) throws(DomainError) -> ThreadDraft {
        let subject = TypedText.clean(subject, singleLine: true)
        guard (1...maxSubjectLength).contains(subject.unicodeScalars.count) else {
            throw .invalidThread("subject must be 1 to \(maxSubjectLength) characters")
        }
        let body = try MessageText.normalize(body)
        var slug: String?
        if let project {
            let trimmed = TypedText.clean(project, singleLine: true)
            if !trimmed.isEmpty {
                guard CampaignDefinition.isValidIdentifier(trimmed) else {
                    throw .invalidThread("project must be a project slug")
                }
                slug = trimmed
            }
        }
        var details: String?
        if let contact {
            let trimmed = TypedText.clean(contact, singleLine: true)
            if !trimmed.isEmpty {
                guard trimmed.unicodeScalars.count <= maxContactLength else {
                    throw .invalidThread("contact must be at most \(maxContactLength) characters")
                }
                details = trimmed
            }
        }
        return ThreadDraft(kind: kind, subject: subject, body: body, project: slug, contact: details, publish: publish)
    }
}

import Domain
import Testing

@Suite struct ThreadDraftTests {
    static func draft(
        kind: ThreadKind = .complaint,
        subject: String = "公交12路太挤",
        body: String = "早高峰车太少。",
        project: String? = nil,
        contact: String? = nil,
        publish: Bool = false
    ) throws(DomainError) -> ThreadDraft {
        try ThreadDraft.validate(kind: kind, subject: subject, body: body, project: project, contact: contact,
                                 publish: publish)
    }

    @Test func normalizesEveryField() throws {
        let draft = try Self.draft(
            kind: .suggestion,
            subject: "  多开\n几班车\t ",
            body: "\u{3000}第一行\r\n第二行\u{0}\n",
            project: " bus-12 ",
            contact: " 138 0000 0000\n下午 ",
            publish: true)
        #expect(draft == ThreadDraft(kind: .suggestion, subject: "多开 几班车", body: "第一行\n第二行",
                                     project: "bus-12", contact: "138 0000 0000 下午", publish: true))
    }

    @Test(arguments: [nil, "", "  \n "] as [String?])
    func anEmptyContactOrProjectIsNone(_ value: String?) throws {
        let draft = try Self.draft(project: value, contact: value)
        #expect(draft.contact == nil)
        #expect(draft.project == nil)
    }

    @Test func acceptsExactly60ScalarsOfSubject() throws {
        let subject = String(repeating: "路", count: 60)
        #expect(try Self.draft(subject: " \(subject) ").subject == subject)
    }

    @Test(arguments: ["", "   ", "\n\t", "\u{0}\u{7}", String(repeating: "a", count: 61),
                      String(repeating: "👍🏽", count: 31)])   // 31 Characters, 62 scalars
    func refusesASubjectThatIsEmptyOrLongerThan60(_ subject: String) {
        #expect(throws: DomainError.invalidThread("subject must be 1 to 60 characters")) {
            try Self.draft(subject: subject)
        }
    }

    @Test(arguments: ["", " \n ", String(repeating: "字", count: 2001)])
    func refusesABodyThatIsEmptyOrLongerThan2000(_ body: String) {
        #expect(throws: DomainError.invalidThread("body must be 1 to 2000 characters")) { try Self.draft(body: body) }
    }

    @Test func acceptsExactly2000ScalarsOfBody() throws {
        let body = String(repeating: "字", count: 1000) + "\n" + String(repeating: "字", count: 999)
        #expect(try Self.draft(body: body + "\n\n").body == body)
    }

    @Test func limitsTheContactTo200Scalars() throws {
        let contact = String(repeating: "9", count: 200)
        #expect(try Self.draft(contact: contact).contact == contact)
        #expect(throws: DomainError.invalidThread("contact must be at most 200 characters")) {
            try Self.draft(contact: contact + "9")
        }
    }

    @Test(arguments: ["Bus-12", "bus_12", "公交", "bus 12", String(repeating: "a", count: 65)])
    func refusesAProjectThatIsNotASlug(_ project: String) {
        #expect(throws: DomainError.invalidThread("project must be a project slug")) {
            try Self.draft(project: project)
        }
    }

    @Test func reportsTheFirstBrokenFieldInOrder() {
        #expect(throws: DomainError.invalidThread("subject must be 1 to 60 characters")) {
            try Self.draft(subject: "", body: "", contact: String(repeating: "x", count: 300))
        }
        #expect(throws: DomainError.invalidThread("body must be 1 to 2000 characters")) {
            try Self.draft(body: "", contact: String(repeating: "x", count: 300))
        }
    }

    @Test func aMessageIsCleanedAndLimitedLikeABody() throws {
        #expect(try MessageText.normalize("  谢谢！\r\n  ") == "谢谢！")
        #expect(try MessageText.normalize(String(repeating: "a", count: 2000)).unicodeScalars.count == 2000)
        #expect(throws: DomainError.invalidThread("body must be 1 to 2000 characters")) {
            try MessageText.normalize(String(repeating: "a", count: 2001))
        }
        #expect(throws: DomainError.invalidThread("body must be 1 to 2000 characters")) {
            try MessageText.normalize("\u{0}\u{3000}")
        }
    }

    @Test func theErrorMessageIsTheRuleAsASentence() {
        #expect(DomainError.invalidThread("subject must be 1 to 60 characters").message
                == "subject must be 1 to 60 characters.")
    }
}

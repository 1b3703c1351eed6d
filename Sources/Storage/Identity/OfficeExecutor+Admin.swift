import Domain

/// An admin's changes from the console, in the writer's transaction: accounts (the same rules as `lastword user`),
/// departments added in the console, and screening words beside the screening file's.
extension OfficeExecutor {
    mutating func administer(admin: StaffPrincipal, change: AdminChange, at: Int64) throws -> OfficeOutcome {
        let policy = AccessPolicy(triageDepartment: try triageDepartment() ?? "")
        let actor = admin.name
        do {
            switch change {
            case .addUser(let name, let displayName, let role, let departments, let passwordHash):
                try policy.refuse(admin, .manageUsers, department: nil)
                let user = try Store.addUser(db, name: name, displayName: displayName, role: role, departments: departments,
                                             passwordHash: passwordHash, at: at, actor: actor)
                return .applied(OfficeReceipt(user: user))
            case .setDisabled(let name, let disabled):
                try policy.refuse(admin, .manageUsers, department: nil)
                try Store.setDisabled(db, name: name, disabled, at: at, actor: actor)
                return .applied(OfficeReceipt(user: try user(named: name)))
            case .setPassword(let name, let passwordHash):
                try policy.refuse(admin, .manageUsers, department: nil)
                try Store.setPassword(db, name: name, passwordHash: passwordHash, at: at, actor: actor)
                return .applied(OfficeReceipt(user: try user(named: name)))
            case .putDepartment(let id, let name):
                try policy.refuse(admin, .manageDepartments, department: nil)
                guard DepartmentRecord.isValidID(id) else {
                    throw OfficeRefusal(error: .invalidRequest("id must be 1 to 64 lower-case letters, digits or '-'"))
                }
                let zh = TypedText.clean(name.zh, singleLine: true), en = TypedText.clean(name.en, singleLine: true)
                guard (1...64).contains(zh.unicodeScalars.count), (1...64).contains(en.unicodeScalars.count) else {
                    throw OfficeRefusal(error: .invalidRequest("name must be {zh, en}, each 1 to 64 characters"))
                }
                if let existing = try one(SQLRow.self, sql: "SELECT added_by FROM department WHERE id = ?1", arguments: [id]) {
                    guard (existing[0] as String?) != nil else {
                        throw OfficeRefusal(error: .invalidRequest("\(id) comes from the departments file; rename it there"))
                    }
                    try run(sql: "UPDATE department SET name_zh = ?1, name_en = ?2 WHERE id = ?3", arguments: [zh, en, id])
                } else {
                    let position = try one(Int64.self, sql: "SELECT coalesce(max(position), 0) + 1 FROM department") ?? 1
                    try run(sql: "INSERT INTO department (id, name_zh, name_en, triage, position, added_by) VALUES (?1, ?2, ?3, 0, ?4, ?5)",
                            arguments: [id, zh, en, position, actor])
                }
                try audit(actor: actor, action: "department.put", subject: "department:\(id)", detail: "\(zh) / \(en)", at: at)
                return .applied(OfficeReceipt())
            case .addWordRule(let word, let action):
                try policy.refuse(admin, .manageWordRules, department: nil)
                let word = TypedText.clean(word, singleLine: true)
                guard (1...64).contains(word.unicodeScalars.count) else {
                    throw OfficeRefusal(error: .invalidRequest("word must be 1 to 64 characters"))
                }
                try run(sql: """
                    INSERT INTO word_rule (word, action, added_by, added_at) VALUES (?1, ?2, ?3, ?4)
                    ON CONFLICT (word) DO UPDATE SET action = excluded.action
                    """, arguments: [word, action.rawValue, actor, at])
                try audit(actor: actor, action: "wordrule.add", subject: "word:\(word)", detail: action.rawValue, at: at)
                return .applied(OfficeReceipt())
            case .removeWordRule(let word):
                try policy.refuse(admin, .manageWordRules, department: nil)
                guard try run(sql: "DELETE FROM word_rule WHERE word = ?1", arguments: [word]) == 1 else {
                    throw OfficeRefusal(error: .invalidRequest("\"\(word)\" is not a word added in the console"))
                }
                try audit(actor: actor, action: "wordrule.remove", subject: "word:\(word)", detail: nil, at: at)
                return .applied(OfficeReceipt())
            }
        } catch let error as IdentityError {
            throw OfficeRefusal(error: error.domainError)
        }
    }

    private func user(named name: String) throws -> StaffUserRecord? {
        try db.row(Store.userSelection + " WHERE u.name = ?1", name).map(Store.user)
    }
}

extension IdentityError {
    /// The same refusal in the console's terms.
    var domainError: DomainError {
        switch self {
        case .nameTaken(let name): .userExists(name)
        case .invalidName, .departmentRequired, .departmentsForStaffOnly, .lastAdmin: .invalidRequest(description)
        case .unknownUser(let name): .userNotFound(name)
        case .unknownDepartment(let id): .departmentNotFound(id)
        }
    }
}

extension Store {
    /// Screening words added in the console.
    package func wordRules() throws -> [WordRule] {
        try read { db in
            try db.rows("SELECT word, action, added_by, added_at FROM word_rule ORDER BY word").map {
                WordRule(word: $0[0], action: WordRule.Action(rawValue: $0[1]) ?? .hold, addedBy: $0[2], addedAt: $0[3])
            }
        }
    }
}

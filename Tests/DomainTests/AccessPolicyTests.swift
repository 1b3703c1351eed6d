import Domain
import Testing

@Suite struct AccessPolicyTests {
    static let policy = AccessPolicy(triageDepartment: "mayors-office")

    /// Where the principal stands towards the thread's department.
    enum Standing: String, Sendable, CaseIterable {
        /// A member of the thread's department ("education"), not of triage.
        case own
        /// A member of another department ("transport") only.
        case other
        /// A member of the triage department only; the thread is in "education".
        case triage
    }

    static func principal(_ role: StaffRole, _ standing: Standing) -> StaffPrincipal {
        let departments: Set<String> = switch standing {
        case .own: ["education", "health"]
        case .other: ["transport"]
        case .triage: ["mayors-office"]
        }
        return StaffPrincipal(userID: 7, name: "li.wei", role: role, departments: departments)
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var role: StaffRole
        var action: DirectLineAction
        /// Allowed for `own`, `other`, `triage`.
        var allowed: (own: Bool, other: Bool, triage: Bool)
        var testDescription: String { "\(role.rawValue) \(action.rawValue)" }
    }

    /// PROTOCOL.md's "Roles and actions", written out for every role and action.
    static let table: [Row] = [
        Row(role: .staff, action: .seeInbox, allowed: (true, true, true)),
        Row(role: .staff, action: .readThread, allowed: (true, false, true)),
        Row(role: .staff, action: .reply, allowed: (true, false, true)),
        Row(role: .staff, action: .addNote, allowed: (true, false, true)),
        Row(role: .staff, action: .claim, allowed: (true, false, true)),
        Row(role: .staff, action: .assign, allowed: (true, false, true)),
        Row(role: .staff, action: .route, allowed: (true, false, true)),
        Row(role: .staff, action: .changeStatus, allowed: (true, false, true)),
        Row(role: .staff, action: .readCanned, allowed: (true, true, true)),
        Row(role: .staff, action: .manageCanned, allowed: (false, false, false)),
        Row(role: .staff, action: .listUsers, allowed: (true, true, true)),
        Row(role: .staff, action: .writePublicVersion, allowed: (true, false, true)),
        Row(role: .staff, action: .seeModerationQueue, allowed: (false, false, false)),
        Row(role: .staff, action: .moderate, allowed: (false, false, false)),
        Row(role: .staff, action: .seeFollowUps, allowed: (true, true, true)),
        Row(role: .staff, action: .recordFollowUp, allowed: (true, false, true)),
        Row(role: .staff, action: .manageUsers, allowed: (false, false, false)),
        Row(role: .staff, action: .manageDepartments, allowed: (false, false, false)),
        Row(role: .staff, action: .manageWordRules, allowed: (false, false, false)),

        Row(role: .moderator, action: .seeInbox, allowed: (true, true, true)),
        Row(role: .moderator, action: .readThread, allowed: (true, true, true)),
        Row(role: .moderator, action: .reply, allowed: (false, false, false)),
        Row(role: .moderator, action: .addNote, allowed: (false, false, false)),
        Row(role: .moderator, action: .claim, allowed: (false, false, false)),
        Row(role: .moderator, action: .assign, allowed: (false, false, false)),
        Row(role: .moderator, action: .route, allowed: (false, false, false)),
        Row(role: .moderator, action: .changeStatus, allowed: (false, false, false)),
        Row(role: .moderator, action: .readCanned, allowed: (true, true, true)),
        Row(role: .moderator, action: .manageCanned, allowed: (false, false, false)),
        Row(role: .moderator, action: .listUsers, allowed: (true, true, true)),
        Row(role: .moderator, action: .writePublicVersion, allowed: (false, false, false)),
        Row(role: .moderator, action: .seeModerationQueue, allowed: (true, true, true)),
        Row(role: .moderator, action: .moderate, allowed: (true, true, true)),
        Row(role: .moderator, action: .seeFollowUps, allowed: (true, true, true)),
        Row(role: .moderator, action: .recordFollowUp, allowed: (false, false, false)),
        Row(role: .moderator, action: .manageUsers, allowed: (false, false, false)),
        Row(role: .moderator, action: .manageDepartments, allowed: (false, false, false)),
        Row(role: .moderator, action: .manageWordRules, allowed: (false, false, false)),

        Row(role: .admin, action: .seeInbox, allowed: (true, true, true)),
        Row(role: .admin, action: .readThread, allowed: (true, true, true)),
        Row(role: .admin, action: .reply, allowed: (false, false, false)),
        Row(role: .admin, action: .addNote, allowed: (false, false, false)),
        Row(role: .admin, action: .claim, allowed: (false, false, false)),
        Row(role: .admin, action: .assign, allowed: (false, false, false)),
        Row(role: .admin, action: .route, allowed: (false, false, false)),
        Row(role: .admin, action: .changeStatus, allowed: (false, false, false)),
        Row(role: .admin, action: .readCanned, allowed: (true, true, true)),
        Row(role: .admin, action: .manageCanned, allowed: (true, true, true)),
        Row(role: .admin, action: .listUsers, allowed: (true, true, true)),
        Row(role: .admin, action: .writePublicVersion, allowed: (false, false, false)),
        Row(role: .admin, action: .seeModerationQueue, allowed: (true, true, true)),
        Row(role: .admin, action: .moderate, allowed: (false, false, false)),
        Row(role: .admin, action: .seeFollowUps, allowed: (true, true, true)),
        Row(role: .admin, action: .recordFollowUp, allowed: (false, false, false)),
        Row(role: .admin, action: .manageUsers, allowed: (true, true, true)),
        Row(role: .admin, action: .manageDepartments, allowed: (true, true, true)),
        Row(role: .admin, action: .manageWordRules, allowed: (true, true, true)),
    ]

    @Test func theTableCoversEveryRoleAndActionOnce() {
        #expect(Self.table.count == StaffRole.allCases.count * DirectLineAction.allCases.count)
        for role in StaffRole.allCases {
            for action in DirectLineAction.allCases {
                #expect(Self.table.filter { $0.role == role && $0.action == action }.count == 1, "\(role) \(action)")
            }
        }
    }

    @Test(arguments: table)
    func allowsWhatTheTableSays(_ row: Row) {
        let department: String? = row.action.isAboutOneThread ? "education" : nil
        for standing in Standing.allCases {
            let expected = switch standing {
            case .own: row.allowed.own
            case .other: row.allowed.other
            case .triage: row.allowed.triage
            }
            let principal = Self.principal(row.role, standing)
            #expect(Self.policy.allows(principal, row.action, department: department) == expected, "\(standing)")
            if expected {
                #expect(throws: Never.self) { try Self.policy.check(principal, row.action, department: department) }
            } else {
                #expect(throws: DomainError.self) { try Self.policy.check(principal, row.action, department: department) }
            }
        }
    }

    @Test func actionsNotAboutOneThreadIgnoreTheDepartment() {
        for row in Self.table where !row.action.isAboutOneThread {
            for standing in Standing.allCases {
                let principal = Self.principal(row.role, standing)
                #expect(Self.policy.allows(principal, row.action, department: "transport")
                        == Self.policy.allows(principal, row.action, department: nil))
            }
        }
    }

    @Test func aThreadActionWithoutADepartmentIsForDepartmentMembersOnlyIfTheyAreTriage() {
        #expect(!Self.policy.allows(Self.principal(.staff, .own), .reply, department: nil))
        #expect(Self.policy.allows(Self.principal(.staff, .triage), .reply, department: nil))
        #expect(Self.policy.allows(Self.principal(.moderator, .other), .readThread, department: nil))
    }

    @Test func canSeeIsReadingTheThread() {
        for role in StaffRole.allCases {
            for standing in Standing.allCases {
                for department in ["education", "transport", "mayors-office", "health"] {
                    let principal = Self.principal(role, standing)
                    #expect(Self.policy.canSee(department: department, principal)
                            == Self.policy.allows(principal, .readThread, department: department))
                }
            }
        }
        #expect(Self.policy.canSee(department: "health", Self.principal(.staff, .own)))
        #expect(!Self.policy.canSee(department: "education", Self.principal(.staff, .other)))
        #expect(Self.policy.canSee(department: "transport", Self.principal(.staff, .triage)))
    }

    @Test func theTriageDepartmentIsTheConfiguredOne() {
        let policy = AccessPolicy(triageDepartment: "transport")
        #expect(policy.allows(Self.principal(.staff, .other), .route, department: "education"))
        #expect(!policy.allows(Self.principal(.staff, .triage), .route, department: "education"))
    }

    @Test func theRefusalSaysWhatWasRefusedAndWhy() {
        #expect(throws: DomainError.forbidden("manage canned replies")) {
            try Self.policy.check(Self.principal(.staff, .triage), .manageCanned, department: nil)
        }
        #expect(throws: DomainError.forbidden("reply to this letter")) {
            try Self.policy.check(Self.principal(.admin, .own), .reply, department: "education")
        }
        #expect(throws: DomainError.forbidden("reply to this letter outside your departments")) {
            try Self.policy.check(Self.principal(.staff, .other), .reply, department: "education")
        }
        #expect(DomainError.forbidden("route this letter").message == "Your role may not route this letter.")
        #expect(DomainError.forbidden("route this letter").code == "auth.forbidden")
    }
}

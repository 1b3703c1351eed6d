/// Who may do what on the direct line: PROTOCOL.md's "Roles and actions" table, in one place.
///
/// | action | staff | moderator | admin |
/// | --- | --- | --- | --- |
/// | see the inbox | yes (filtered by `canSee`) | yes | yes |
/// | read a thread | own departments (triage: all) | all | all |
/// | reply, note, claim, assign, route, change status | own departments (triage: all) | — | — |
/// | read canned replies, list users | yes | yes | yes |
/// | manage canned replies | — | — | yes |
/// | write a public version, record a follow-up | own departments (triage: all) | — | — |
/// | see the moderation queue | — | yes | yes |
/// | moderate (approve, edit, reject, withdraw) | — | yes | — |
/// | see follow-ups | yes (filtered by `canSee`) | yes | yes |
/// | manage users, departments, word rules | — | — | yes |
///
/// Moderators and admins read, but do not answer: a letter is answered by the department that owns it. Staff never
/// moderate, not even their own public versions, and an admin cannot approve: moderation is the moderator's alone.
package struct AccessPolicy: Sendable {
    /// The department whose staff see and handle every thread (`mayors-office`).
    package var triageDepartment: String

    package init(triageDepartment: String) {
        self.triageDepartment = triageDepartment
    }

    /// Whether `principal` may do `action`. `department` is the thread's department for an action about one thread,
    /// nil for the others (it is then ignored). An action about one thread without a department is allowed only to
    /// those whom no department limits (triage staff, and moderators and admins for reading).
    package func allows(_ principal: StaffPrincipal, _ action: DirectLineAction, department: String?) -> Bool {
        switch principal.role {
        case .staff:
            switch action {
            case .seeInbox, .readCanned, .listUsers, .seeFollowUps: true
            case .manageCanned, .seeModerationQueue, .moderate, .manageUsers, .manageDepartments, .manageWordRules: false
            case .readThread, .reply, .addNote, .claim, .assign, .route, .changeStatus, .writePublicVersion, .recordFollowUp:
                isTriage(principal) || department.map { principal.departments.contains($0) } ?? false
            }
        case .moderator:
            switch action {
            case .seeInbox, .readThread, .readCanned, .listUsers, .seeModerationQueue, .moderate, .seeFollowUps: true
            case .reply, .addNote, .claim, .assign, .route, .changeStatus, .manageCanned, .writePublicVersion, .recordFollowUp,
                 .manageUsers, .manageDepartments, .manageWordRules: false
            }
        case .admin:
            switch action {
            case .seeInbox, .readThread, .readCanned, .manageCanned, .listUsers, .seeModerationQueue, .seeFollowUps, .manageUsers,
                 .manageDepartments, .manageWordRules: true
            case .reply, .addNote, .claim, .assign, .route, .changeStatus, .writePublicVersion, .moderate, .recordFollowUp: false
            }
        }
    }

    /// `allows`, or `forbidden("<what>")` completing "Your role may not …" (with "outside your departments" when only
    /// the department is in the way).
    package func check(_ principal: StaffPrincipal, _ action: DirectLineAction, department: String?) throws(DomainError) {
        guard !allows(principal, action, department: department) else { return }
        let roleAllows = allows(
            StaffPrincipal(userID: principal.userID, name: principal.name, role: principal.role,
                           departments: [triageDepartment]),
            action, department: department)
        throw .forbidden(roleAllows ? "\(action.verbPhrase) outside your departments" : action.verbPhrase)
    }

    /// Whether the principal may see a thread of this department at all (inbox filtering, live topics): the same as
    /// reading it.
    package func canSee(department: String, _ principal: StaffPrincipal) -> Bool {
        allows(principal, .readThread, department: department)
    }

    private func isTriage(_ principal: StaffPrincipal) -> Bool {
        principal.departments.contains(triageDepartment)
    }
}

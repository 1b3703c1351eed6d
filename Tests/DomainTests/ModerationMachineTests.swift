import Domain
import Testing

@Suite struct ModerationMachineTests {
    typealias Effect = ModerationMachine.Effect

    static let actions: [ModerationAction] = [
        .submit, .approve(edited: false), .approve(edited: true),
        .reject(.personalData, note: "  去掉电话号码  "), .withdraw(.consentWithdrawn, note: "来信人要求撤下"),
    ]

    struct Row: Sendable, CustomTestStringConvertible {
        var status: PublicVersionStatus?
        var action: ModerationAction
        var outcome: Effect?
        var testDescription: String { "\(action) on \(status?.rawValue ?? "none")" }
    }

    static let pending = Effect(status: .pending, previous: nil)
    static let table: [Row] = {
        var rows: [Row] = []
        let statuses: [PublicVersionStatus?] = [nil] + PublicVersionStatus.allCases.map { $0 }
        for status in statuses {
            for action in actions {
                let outcome: Effect? = switch (action, status) {
                case (.submit, nil), (.submit, .rejected?), (.submit, .withdrawn?), (.submit, .superseded?): pending
                case (.submit, .pending?): Effect(status: .pending, previous: .superseded)
                case (.approve, .pending?): Effect(status: .approved, previous: nil)
                case (.reject, .pending?): Effect(status: .rejected, previous: nil, note: "去掉电话号码")
                case (.withdraw, .approved?): Effect(status: .withdrawn, previous: nil, note: "来信人要求撤下")
                default: nil
                }
                rows.append(Row(status: status, action: action, outcome: outcome))
            }
        }
        return rows
    }()

    @Test func theTableHasEveryActionOnEveryStatus() {
        #expect(Self.table.count == Self.actions.count * (PublicVersionStatus.allCases.count + 1))
        #expect(Self.table.filter { $0.outcome != nil }.count == 9, "submit from five statuses, two approvals, a rejection, a withdrawal")
    }

    @Test(arguments: table)
    func appliesTheTable(_ row: Row) {
        if let outcome = row.outcome {
            #expect((try? ModerationMachine.apply(row.action, to: row.status)) == outcome)
        } else {
            let verb = switch row.action {
            case .submit: "submitted again"
            case .approve: "approved"
            case .reject: "rejected"
            case .withdraw: "withdrawn"
            }
            #expect(throws: DomainError.invalidModeration(from: row.status?.rawValue ?? "none", action: verb)) {
                try ModerationMachine.apply(row.action, to: row.status)
            }
        }
    }

    @Test(arguments: ["", "   ", String(repeating: "长", count: 501)])
    func aRejectionOrWithdrawalNeedsANoteOfOneTo500Characters(_ note: String) {
        #expect(throws: DomainError.invalidRequest("note must be 1 to 500 characters: say what to change")) {
            try ModerationMachine.apply(.reject(.other, note: note), to: .pending)
        }
        #expect(throws: DomainError.invalidRequest("note must be 1 to 500 characters: say what to change")) {
            try ModerationMachine.apply(.withdraw(.other, note: note), to: .approved)
        }
    }

    @Test func everyCategorySaysItsReasonInBothLanguages() {
        for category in ModerationCategory.allCases {
            #expect(!category.publicReason.zh.isEmpty && !category.publicReason.en.isEmpty, "\(category)")
        }
        #expect(Set(ModerationCategory.allCases.map(\.publicReason.en)).count == ModerationCategory.allCases.count)
    }

    // MARK: holds

    @Test func aHoldKeepsOtherModeratorsOutUntilItLapsesAndItsHolderRenewsIt() throws {
        let now: Int64 = 1_000_000
        let held = try ModerationLock.take(nil, by: "mod.a", now: now)
        #expect(held == ModerationLock(holder: "mod.a", expiresAt: now + ModerationLock.duration))
        #expect(throws: DomainError.itemLocked(by: "mod.a")) { try ModerationLock.take(held, by: "mod.b", now: now + 60_000) }
        #expect(!ModerationLock.allows(held, "mod.b", now: now + 60_000))
        #expect(ModerationLock.allows(held, "mod.a", now: now + 60_000))
        let renewed = try ModerationLock.take(held, by: "mod.a", now: now + 60_000)
        #expect(renewed.expiresAt == now + 60_000 + ModerationLock.duration)
        // Lapsed: anyone may take it.
        let later = renewed.expiresAt
        #expect(ModerationLock.allows(renewed, "mod.b", now: later))
        #expect(try ModerationLock.take(renewed, by: "mod.b", now: later).holder == "mod.b")
        #expect(ModerationLock.allows(nil, "mod.b", now: now))
    }
}

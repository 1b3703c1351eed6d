import Domain
import Testing

@Suite struct ThreadMachineTests {
    /// One thread per status, as the machine leaves them: `new` unassigned, the others with zhao.min.
    static func thread(_ status: ThreadStatus) -> ThreadState {
        switch status {
        case .new: ThreadState(status: .new, department: "education", assignee: nil)
        case .assigned, .answered, .closed: ThreadState(status: status, department: "education", assignee: "zhao.min")
        case .invalid: ThreadState(status: .invalid, department: "education", assignee: "zhao.min", invalidReason: "spam")
        }
    }

    /// One sample of every action, in the order of the table's columns.
    static let actions: [ThreadAction] = [
        .claim(by: "li.wei"), .assign(to: "wang.fang"), .route(to: "transport", note: " bus 12 "),
        .staffReply(by: "li.wei"), .citizenMessage, .close, .reopen, .markInvalid(reason: "  advertising "), .reinstate,
    ]

    enum Outcome: Sendable, Equatable {
        case refused(String)
        /// Refused because someone else handles the letter.
        case claimedBy(String)
        case allowed(ThreadStatus, assignee: String?, department: String = "education", reason: String? = nil,
                     event: ThreadEventRecord?, answers: Bool = false)
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var status: ThreadStatus
        var action: ThreadAction
        var outcome: Outcome
        var testDescription: String { "\(action) on \(status.rawValue)" }
    }

    /// Every action × every status, written out.
    static let table: [Row] = [
        // claim by li.wei: only what nobody handles (zhao.min has the assigned and answered ones)
        Row(status: .new, action: actions[0], outcome: .allowed(.assigned, assignee: "li.wei", event: .assigned("li.wei"))),
        Row(status: .assigned, action: actions[0], outcome: .claimedBy("zhao.min")),
        Row(status: .answered, action: actions[0], outcome: .claimedBy("zhao.min")),
        Row(status: .closed, action: actions[0], outcome: .refused("claimed")),
        Row(status: .invalid, action: actions[0], outcome: .refused("claimed")),
        // assign to wang.fang
        Row(status: .new, action: actions[1], outcome: .allowed(.assigned, assignee: "wang.fang", event: .assigned("wang.fang"))),
        Row(status: .assigned, action: actions[1], outcome: .allowed(.assigned, assignee: "wang.fang", event: .assigned("wang.fang"))),
        Row(status: .answered, action: actions[1], outcome: .allowed(.answered, assignee: "wang.fang", event: .assigned("wang.fang"))),
        Row(status: .closed, action: actions[1], outcome: .refused("assigned")),
        Row(status: .invalid, action: actions[1], outcome: .refused("assigned")),
        // route to transport, the note trimmed
        Row(status: .new, action: actions[2], outcome: .allowed(.new, assignee: nil, department: "transport",
                                                                event: .routed(to: "transport", note: "bus 12"))),
        Row(status: .assigned, action: actions[2], outcome: .allowed(.new, assignee: nil, department: "transport",
                                                                     event: .routed(to: "transport", note: "bus 12"))),
        Row(status: .answered, action: actions[2], outcome: .allowed(.new, assignee: nil, department: "transport",
                                                                     event: .routed(to: "transport", note: "bus 12"))),
        Row(status: .closed, action: actions[2], outcome: .refused("routed")),
        Row(status: .invalid, action: actions[2], outcome: .refused("routed")),
        // staff reply by li.wei: an unassigned thread becomes li.wei's; an assigned one stays zhao.min's
        Row(status: .new, action: actions[3], outcome: .allowed(.answered, assignee: "li.wei", event: nil, answers: true)),
        Row(status: .assigned, action: actions[3], outcome: .allowed(.answered, assignee: "zhao.min", event: nil, answers: true)),
        Row(status: .answered, action: actions[3], outcome: .allowed(.answered, assignee: "zhao.min", event: nil)),
        Row(status: .closed, action: actions[3], outcome: .refused("answered")),
        Row(status: .invalid, action: actions[3], outcome: .refused("answered")),
        // citizen message
        Row(status: .new, action: actions[4], outcome: .allowed(.new, assignee: nil, event: nil)),
        Row(status: .assigned, action: actions[4], outcome: .allowed(.assigned, assignee: "zhao.min", event: nil)),
        Row(status: .answered, action: actions[4], outcome: .allowed(.assigned, assignee: "zhao.min", event: nil)),
        Row(status: .closed, action: actions[4], outcome: .refused("written to")),
        Row(status: .invalid, action: actions[4], outcome: .refused("written to")),
        // close
        Row(status: .new, action: actions[5], outcome: .allowed(.closed, assignee: nil, event: .status(.closed))),
        Row(status: .assigned, action: actions[5], outcome: .allowed(.closed, assignee: "zhao.min", event: .status(.closed))),
        Row(status: .answered, action: actions[5], outcome: .allowed(.closed, assignee: "zhao.min", event: .status(.closed))),
        Row(status: .closed, action: actions[5], outcome: .refused("closed")),
        Row(status: .invalid, action: actions[5], outcome: .refused("closed")),
        // reopen
        Row(status: .new, action: actions[6], outcome: .refused("reopened")),
        Row(status: .assigned, action: actions[6], outcome: .refused("reopened")),
        Row(status: .answered, action: actions[6], outcome: .refused("reopened")),
        Row(status: .closed, action: actions[6], outcome: .allowed(.assigned, assignee: "zhao.min", event: .status(.assigned))),
        Row(status: .invalid, action: actions[6], outcome: .refused("reopened")),
        // mark invalid, the reason trimmed
        Row(status: .new, action: actions[7], outcome: .allowed(.invalid, assignee: nil, reason: "advertising",
                                                                event: .status(.invalid, note: "advertising"))),
        Row(status: .assigned, action: actions[7], outcome: .allowed(.invalid, assignee: "zhao.min", reason: "advertising",
                                                                     event: .status(.invalid, note: "advertising"))),
        Row(status: .answered, action: actions[7], outcome: .refused("marked invalid")),
        Row(status: .closed, action: actions[7], outcome: .refused("marked invalid")),
        Row(status: .invalid, action: actions[7], outcome: .refused("marked invalid")),
        // reinstate: back to new, unassigned, without its reason
        Row(status: .new, action: actions[8], outcome: .refused("reinstated")),
        Row(status: .assigned, action: actions[8], outcome: .refused("reinstated")),
        Row(status: .answered, action: actions[8], outcome: .refused("reinstated")),
        Row(status: .closed, action: actions[8], outcome: .refused("reinstated")),
        Row(status: .invalid, action: actions[8], outcome: .allowed(.new, assignee: nil, event: .status(.new))),
    ]

    @Test func theTableCoversEveryActionOnEveryStatusOnce() {
        #expect(Self.table.count == Self.actions.count * ThreadStatus.allCases.count)
        for action in Self.actions {
            for status in ThreadStatus.allCases {
                #expect(Self.table.filter { $0.action == action && $0.status == status }.count == 1,
                        "\(action) on \(status)")
            }
        }
    }

    @Test(arguments: table)
    func appliesTheTable(_ row: Row) throws {
        let before = Self.thread(row.status)
        switch row.outcome {
        case .refused(let verb):
            #expect(throws: DomainError.invalidTransition(from: row.status.rawValue, action: verb)) {
                try ThreadMachine.apply(row.action, to: before)
            }
        case .claimedBy(let holder):
            #expect(throws: DomainError.alreadyClaimed(by: holder)) { try ThreadMachine.apply(row.action, to: before) }
        case .allowed(let status, let assignee, let department, let reason, let event, let answers):
            let expected = ThreadEffect(
                state: ThreadState(status: status, department: department, assignee: assignee, invalidReason: reason),
                event: event,
                answers: answers)
            #expect(try ThreadMachine.apply(row.action, to: before) == expected)
        }
    }

    @Test func aCitizenWritingToAnAnsweredUnassignedThreadPutsItBackToNew() throws {
        let answered = ThreadState(status: .answered, department: "education", assignee: nil)
        let effect = try ThreadMachine.apply(.citizenMessage, to: answered)
        #expect(effect == ThreadEffect(state: ThreadState(status: .new, department: "education", assignee: nil), event: nil))
    }

    @Test func reopeningAnUnassignedClosedThreadMakesItNew() throws {
        let closed = ThreadState(status: .closed, department: "education", assignee: nil)
        let effect = try ThreadMachine.apply(.reopen, to: closed)
        #expect(effect.state == ThreadState(status: .new, department: "education", assignee: nil))
        #expect(effect.event == .status(.new))
    }

    @Test(arguments: [ThreadStatus.new, .assigned, .answered])
    func refusesRoutingToTheSameDepartment(_ status: ThreadStatus) {
        #expect(throws: DomainError.invalidTransition(from: status.rawValue, action: "routed to its own department")) {
            try ThreadMachine.apply(.route(to: "education", note: nil), to: Self.thread(status))
        }
    }

    @Test func aClosedThreadRoutedToItsOwnDepartmentIsRefusedForItsStatus() {
        #expect(throws: DomainError.invalidTransition(from: "closed", action: "routed")) {
            try ThreadMachine.apply(.route(to: "education", note: nil), to: Self.thread(.closed))
        }
    }

    @Test(arguments: [nil, "", "  \n "] as [String?])
    func anEmptyRouteNoteIsNone(_ note: String?) throws {
        let effect = try ThreadMachine.apply(.route(to: "transport", note: note), to: Self.thread(.assigned))
        #expect(effect.event == .routed(to: "transport", note: nil))
    }

    @Test func aRouteNoteKeepsItsLinesAndIsLimitedLikeAMessage() throws {
        let effect = try ThreadMachine.apply(.route(to: "transport", note: "line one\nline two"), to: Self.thread(.new))
        #expect(effect.event?.note == "line one\nline two")
        let long = String(repeating: "路", count: MessageText.maxLength + 1)
        #expect(throws: DomainError.invalidThread("note must be at most 2000 characters")) {
            try ThreadMachine.apply(.route(to: "transport", note: long), to: Self.thread(.new))
        }
    }

    @Test func claimingAThreadOneAlreadyHasRecordsNothing() throws {
        for status in [ThreadStatus.assigned, .answered] {
            let effect = try ThreadMachine.apply(.claim(by: "zhao.min"), to: Self.thread(status))
            #expect(effect == ThreadEffect(state: Self.thread(status), event: nil))
            #expect(try ThreadMachine.apply(.assign(to: "zhao.min"), to: Self.thread(status)).event == nil)
        }
    }

    @Test(arguments: ["", "   ", "\u{0}\u{7}", String(repeating: "x", count: 201)])
    func refusesAnInvalidReasonThatIsEmptyOrTooLong(_ reason: String) {
        #expect(throws: DomainError.invalidThread("reason must be 1 to 200 characters")) {
            try ThreadMachine.apply(.markInvalid(reason: reason), to: Self.thread(.new))
        }
    }

    @Test func anInvalidReasonOf200ScalarsIsOneLine() throws {
        let reason = String(repeating: "广", count: 100) + "\n" + String(repeating: "告", count: 99)
        let effect = try ThreadMachine.apply(.markInvalid(reason: reason), to: Self.thread(.assigned))
        let expected = String(repeating: "广", count: 100) + " " + String(repeating: "告", count: 99)
        #expect(effect.state.invalidReason == expected)
        #expect(effect.event == .status(.invalid, note: expected))
    }

    @Test func theStatusIsCheckedBeforeTheReason() {
        #expect(throws: DomainError.invalidTransition(from: "closed", action: "marked invalid")) {
            try ThreadMachine.apply(.markInvalid(reason: ""), to: Self.thread(.closed))
        }
    }

    @Test func refusalsReadAsASentence() {
        let error = DomainError.invalidTransition(from: "closed", action: "written to")
        #expect(error.message == "A letter that is closed cannot be written to.")
        #expect(error.code == "thread.invalid_transition")
    }

    /// Any sequence of allowed actions keeps `new` unassigned and `assigned` assigned.
    @Test func everyReachableStateKeepsNewUnassignedAndAssignedAssigned() {
        var seen: [ThreadState] = [ThreadState(status: .new, department: "education", assignee: nil)]
        var frontier = seen
        let actions = Self.actions + [.route(to: "education", note: nil), .claim(by: "zhao.min")]
        while let state = frontier.popLast() {
            for action in actions {
                guard let next = try? ThreadMachine.apply(action, to: state).state else { continue }
                #expect(next.status != .new || next.assignee == nil, "\(action) on \(state)")
                #expect(next.status != .assigned || next.assignee != nil, "\(action) on \(state)")
                #expect((next.status == .invalid) == (next.invalidReason != nil), "\(action) on \(state)")
                if !seen.contains(next) {
                    seen.append(next)
                    frontier.append(next)
                }
            }
        }
        #expect(Set(seen.map(\.status)) == Set(ThreadStatus.allCases))
    }
}

import Domain
import LiveTopics
import Storage

/// Public versions and their moderation, for both adapters: staff submit, moderators open (hold), approve — as
/// written or edited —, reject or withdraw. Each write is checked in the writer's transaction (role, consent, answer,
/// status, hold), committed, published in commit order — to the moderators' queue (`moderation`, an ordered topic),
/// to the case and the inboxes of its department, and, once approved or withdrawn, to the public message board — and
/// only then acknowledged.
package struct ModerationService: Sendable {
    let store: Store
    let writer: StoreWriter
    let topics: TopicEngine
    let access: AccessPolicy
    let time: any TimeSource
    /// Where a committed command reaches the queue, the case, the inboxes and the board (`publish`).
    let changes: LiveChanges

    package typealias Completion = @Sendable (OfficeOutcome) -> Void

    /// The moderators' live queue.
    static let queueKey = "moderation"

    func submit(thread: Int64, clientID: String?, question: String?, answer: String?, staff: StaffPrincipal,
                completion: @escaping Completion) throws(DomainError) {
        let clientID = try DirectLineService.clientID(clientID)
        guard let question, let answer else {
            throw .invalidRequest("a public version needs question (the letter as it may be shown) and answer (the official reply)")
        }
        run(.submitPublicVersion(staff: staff, thread: thread, clientID: clientID, question: question, answer: answer, at: time.now()),
            completion: completion)
    }

    func hold(version: Int64, release: Bool, moderator: StaffPrincipal, completion: @escaping Completion) {
        run(.holdPublicVersion(moderator: moderator, version: version, release: release, at: time.now()), completion: completion)
    }

    func decide(version: Int64, clientID: String?, decision: ModerationDecision, moderator: StaffPrincipal,
                completion: @escaping Completion) throws(DomainError) {
        let clientID = try DirectLineService.clientID(clientID)
        run(.moderate(moderator: moderator, version: version, clientID: clientID, decision: decision, at: time.now()),
            completion: completion)
    }

    /// What a request body names as a decision.
    static func decision(_ action: String, question: String?, answer: String?, category: String?, note: String?)
        throws(DomainError) -> ModerationDecision {
        switch action {
        case "approve":
            return .approve(question: question, answer: answer)
        case "reject", "withdraw":
            guard let raw = category, let category = ModerationCategory(rawValue: raw) else {
                let names = ModerationCategory.allCases.map(\.rawValue).joined(separator: ", ")
                throw .invalidRequest("category must be one of \(names)")
            }
            guard let note else { throw .invalidRequest("note must say what to change (it goes to the author)") }
            return action == "reject" ? .reject(category, note: note) : .withdraw(category, note: note)
        default:
            throw .invalidRequest("the action must be approve, reject or withdraw")
        }
    }

    private func run(_ command: OfficeCommand, completion: @escaping Completion) {
        let changes = changes
        writer.submit(command) { outcome in
            if case .applied(let receipt) = outcome { changes.apply(.office(command, receipt), origin: .local(fromPage: false)) }
            completion(outcome)
        }
    }

    /// Tells the queue, the case, the inboxes and the board what a committed command did (on the completion queue,
    /// in commit order, from `LiveChanges.apply`).
    static func publish(_ receipt: OfficeReceipt, command: OfficeCommand, topics: TopicEngine, board: MessageBoardTopic) {
        guard let version = receipt.publicVersion else { return }
        let event: String = switch command {
        case .submitPublicVersion: "submitted"
        case .holdPublicVersion(_, _, let release, _): release ? "released" : "held"
        case .moderate: "decided"
        default: "changed"
        }
        if let queue = receipt.queue {
            topics.publish(to: [queueKey], seq: nil) { _ in ModerationJSON.queueMessage(event: event, version: version, state: queue) }
            if let superseded = receipt.superseded {
                topics.publish(to: [queueKey], seq: nil) { _ in
                    ModerationJSON.queueMessage(event: "superseded", version: superseded, state: queue)
                }
            }
        }
        // Holds are the moderators' business; submissions and decisions also reach the case and its department.
        if event != "held" && event != "released" {
            let caseKey = "case:\(version.thread)"
            topics.publish(to: [caseKey], seq: nil) { _ in ModerationJSON.publicMessage(version, topic: caseKey) }
            let inboxes = ["inbox:*", "inbox:" + version.department]
            var message: [UInt8]?
            topics.publish(to: inboxes, seq: nil) { _ in
                if message == nil { message = ModerationJSON.publicMessage(version, topic: "inbox") }
                return message!
            }
        }
        if case .moderate = command { board.apply(version) }
    }
}

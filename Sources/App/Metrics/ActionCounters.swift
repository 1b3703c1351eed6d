import CoreMetrics
import Storage
import Synchronization

/// The actions whose outcomes are counted: a citizen's rating, like and withdrawal, a letter (thread), and a message in
/// a letter (a citizen's, or staff's: replies and internal notes).
package enum CountedAction: Int, Sendable, CaseIterable {
    case rating, like, withdrawal, thread, message

    /// The `action` label.
    package var label: String {
        switch self {
        case .rating: "rating"
        case .like: "like"
        case .withdrawal: "withdrawal"
        case .thread: "thread"
        case .message: "message"
        }
    }

    init(_ command: WriteCommand) {
        switch command {
        case .rate: self = .rating
        case .like: self = .like
        case .withdraw: self = .withdrawal
        }
    }

    /// The action of a live message or HTTP write of this type (`rate`, `like`, `withdraw`).
    init?(writeType type: String) {
        switch type {
        case "rate": self = .rating
        case "like": self = .like
        case "withdraw": self = .withdrawal
        default: return nil
        }
    }
}

/// Counts what became of every counted action, through swift-metrics, where the client is answered — so a refusal
/// is counted whichever check made it (the request's form, the identity, the rate limits, the screening, the writer's
/// transaction). Accepted and duplicate have one counter per action, made at start: counting one is a call and an
/// atomic add. A refusal looks up its (action, code) counter in a table under a lock, made on the code's first use,
/// so only codes that happened are exported; refusals are the rarer path, and each already builds an error reply.
package final class ActionCounters: Sendable {
    private let factory: any MetricsFactory
    private let accepted: [CoreMetrics.Counter]
    private let duplicates: [CoreMetrics.Counter]
    private let refusals = Mutex<[Refusal: CoreMetrics.Counter]>([:])

    private struct Refusal: Hashable {
        var action: CountedAction
        var code: String
    }

    package init(factory: any MetricsFactory) {
        self.factory = factory
        accepted = CountedAction.allCases.map {
            CoreMetrics.Counter(label: MetricsCatalog.actionsAccepted.name, dimensions: [("action", $0.label)], factory: factory)
        }
        duplicates = CountedAction.allCases.map {
            CoreMetrics.Counter(label: MetricsCatalog.actionsDuplicate.name, dimensions: [("action", $0.label)], factory: factory)
        }
    }

    package func accepted(_ action: CountedAction) {
        accepted[action.rawValue].increment()
    }

    package func duplicate(_ action: CountedAction) {
        duplicates[action.rawValue].increment()
    }

    /// `code`: the stable error code the client was given (`DomainError.code`, `HTTPError.code`): one of a closed set.
    package func refused(_ action: CountedAction, code: String) {
        let key = Refusal(action: action, code: code)
        let counter = refusals.withLock { table in
            if let counter = table[key] { return counter }
            let counter = CoreMetrics.Counter(label: MetricsCatalog.actionsRefused.name,
                                              dimensions: [("action", action.label), ("code", code)], factory: factory)
            table[key] = counter
            return counter
        }
        counter.increment()
    }

    func record(_ action: CountedAction, _ outcome: WriteOutcome) {
        switch outcome {
        case .applied: accepted(action)
        case .duplicate: duplicate(action)
        case .rejected(let error): refused(action, code: error.code)
        }
    }

    func record(_ action: CountedAction, _ outcome: OfficeOutcome) {
        switch outcome {
        case .applied: accepted(action)
        case .duplicate: duplicate(action)
        case .rejected(let error): refused(action, code: error.code)
        }
    }
}

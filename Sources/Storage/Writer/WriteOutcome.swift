import Domain

/// The answer to one `WriteCommand`.
package enum WriteOutcome: Sendable, Equatable {
    /// Committed (the transaction's COMMIT returned): apply `receipt.change` to the `TallyBoard`.
    case applied(WriteReceipt)
    /// This (citizen, client id) was applied before: the original receipt. Do NOT apply its change again.
    case duplicate(WriteReceipt)
    /// Nothing was stored.
    case rejected(DomainError)

    package var receipt: WriteReceipt? {
        switch self {
        case .applied(let receipt), .duplicate(let receipt): receipt
        case .rejected: nil
        }
    }
}

import Domain
import Storage
import Transport

/// The one path of a citizen's rating, withdrawal or like, for both adapters (the live WebSocket and the HTTP API):
/// admitted by the integrity limits, committed by the single writer, applied to the live state in commit order
/// (`LiveChanges`: the tallies, the citizen's other open pages, the suggestion's thread, the follow-up), then
/// acknowledged through `completion`.
package struct CitizenWrites: Sendable {
    let writer: StoreWriter
    let integrity: Integrity
    let changes: LiveChanges

    /// Admits `command` (throws what the limits refuse; nothing is queued then) and queues it. `completion` runs on
    /// the writer's thread after COMMIT (or refusal) with the outcome and, for benchmarks, the count of applied
    /// writes. `fromPage`: it came over a live page's WebSocket.
    func submit(_ command: WriteCommand, ip: IPAddress?, fromPage: Bool,
                completion: @escaping @Sendable (WriteOutcome, UInt64?) -> Void) throws(DomainError) {
        try integrity.admitAction(ip: ip, citizen: command.citizen, now: command.at)
        let changes = changes
        writer.submit(command) { outcome in
            var applied: UInt64?
            if case .applied(let receipt) = outcome {
                applied = changes.apply(.write(command, receipt), origin: .local(fromPage: fromPage))
            }
            completion(outcome, applied)
        }
    }
}

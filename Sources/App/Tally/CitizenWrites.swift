import Domain
import LiveTopics
import Storage
import Transport

/// The one path of a citizen's rating, withdrawal or like, for both adapters (the live WebSocket and the HTTP API):
/// admitted by the integrity limits, committed by the single writer, applied to the live tallies in commit order,
/// told to the citizen's other open pages, then acknowledged through `completion`.
package struct CitizenWrites: Sendable {
    let writer: StoreWriter
    let tally: LiveTally
    let integrity: Integrity
    let channels: CitizenChannels
    /// A rating's suggestion becomes (or joins) a thread: its watchers and the inboxes hear of it.
    let topics: TopicEngine
    let clock: ResponseClock
    let lettersChanged: @Sendable () -> Void
    let catalog: CampaignDirectory
    let departments: DepartmentNames

    /// Admits `command` (throws what the limits refuse; nothing is queued then) and queues it. `completion` runs on
    /// the writer's thread after COMMIT (or refusal) with the outcome and, for benchmarks, the count of applied
    /// writes. `fromPage`: it came over a live page's WebSocket.
    func submit(_ command: WriteCommand, ip: IPAddress?, fromPage: Bool,
                completion: @escaping @Sendable (WriteOutcome, UInt64?) -> Void) throws(DomainError) {
        try integrity.admitAction(ip: ip, citizen: command.citizen, now: command.at)
        let tally = tally
        let channels = channels
        let topics = topics
        let clock = clock
        let lettersChanged = lettersChanged
        let catalog = catalog
        let departments = departments
        let at = command.at
        let citizen = command.citizen
        writer.submit(command) { outcome in
            var applied: UInt64?
            if case .applied(let receipt) = outcome {
                let count = tally.apply(receipt.change)
                if tally.includesAppliedCount { applied = count }
                channels.publish(receipt, citizen: citizen, fromPage: fromPage)
                if let office = receipt.suggestionThread {
                    DirectLineService.publish(office, topics: topics, clock: clock)
                    lettersChanged()
                }
                // A rating of 1 or 2 is a follow-up of the project's department: its inboxes hear of it.
                if let row = receipt.lowRatingCitizen, let level = receipt.level, let (_, project) = catalog.project(receipt.project) {
                    let followUp = FollowUpRecord(kind: .rating, id: nil, citizen: row, project: receipt.project, suggestion: receipt.suggestion,
                                                  department: departments.id(named: project.department.zh), level: level.rawValue,
                                                  openedAt: at)
                    DirectLineService.publishFollowUp(followUp, topics: topics, clock: clock)
                }
            }
            completion(outcome, applied)
        }
    }
}

import Domain
import LiveTopics
import Storage

/// The one place a committed change reaches the live state and its watchers: the tallies, a citizen's open pages, the
/// threads, cases and inboxes, the moderators' queue and the public message board, the figures, the screening words.
///
/// Every submit site calls `apply` from its writer completion, for an applied outcome only, before it answers: so it
/// runs on the writer's completion queue, in commit order, and an acknowledgement is sent after what it changed is
/// live. It works from the change alone (the command and its receipt), never from the closure that submitted it, so a
/// change another node committed (issue 12: read from the change feed) is applied here the same way, with `.remote`.
package struct LiveChanges: Sendable {
    let tally: LiveTally
    /// A citizen's open pages, told about the citizen's own writes.
    let channels: CitizenChannels
    /// The direct line's ordered topics (threads, cases, inboxes) and the moderators' queue.
    let topics: TopicEngine
    /// The office's promises, for what staff's views of a letter or a follow-up show.
    let clock: ResponseClock
    /// Told of every committed change of a letter (the public figures are counted again).
    let lettersChanged: @Sendable () -> Void
    /// Which campaign a project is in, for the follow-up of a low rating.
    let catalog: CampaignDirectory
    /// Which department a project's department name is, for the follow-up of a low rating.
    let departments: DepartmentNames
    /// The public message board, fed with every decision.
    let board: MessageBoardTopic
    /// The screening words, read again when an admin changed the console's.
    let screening: WordRules

    /// Applies a committed change to the live state and tells its watchers, on the writer's completion queue in
    /// commit order. Returns the count of applied writes `LiveTally` gives (with `live.includeAppliedCount` only,
    /// for benchmarks; nil otherwise and for office changes).
    @discardableResult
    package func apply(_ change: CommittedChange, origin: ChangeOrigin) -> UInt64? {
        switch change {
        case .write(let command, let receipt):
            return apply(command, receipt, origin: origin)
        case .office(let command, let receipt):
            apply(command, receipt)
            return nil
        }
    }

    /// A rating, withdrawal or like: the tallies, the citizen's open pages, the suggestion's thread, the follow-up.
    private func apply(_ command: WriteCommand, _ receipt: WriteReceipt, origin: ChangeOrigin) -> UInt64? {
        let count = tally.apply(receipt.change)
        channels.publish(receipt, citizen: command.citizen, origin: origin)
        if let office = receipt.suggestionThread {
            DirectLineService.publish(office, topics: topics, clock: clock)
            lettersChanged()
        }
        // A rating of 1 or 2 is a follow-up of the project's department: its inboxes hear of it.
        if let row = receipt.lowRatingCitizen, let level = receipt.level, let (_, project) = catalog.project(receipt.project) {
            let followUp = FollowUpRecord(kind: .rating, id: nil, citizen: row, project: receipt.project, suggestion: receipt.suggestion,
                                          department: departments.id(named: project.department.zh), level: level.rawValue,
                                          openedAt: command.at)
            DirectLineService.publishFollowUp(followUp, topics: topics, clock: clock)
        }
        return tally.includesAppliedCount ? count : nil
    }

    /// An office command: what it changed, told to whoever watches it.
    private func apply(_ command: OfficeCommand, _ receipt: OfficeReceipt) {
        switch command {
        // The direct line (DirectLineService) and the answers' ratings and follow-ups (OpennessService): the thread's
        // watchers and the inboxes, and the figures when a letter changed.
        case .openThread, .citizenMessage, .staffMessage, .act, .markRead, .rateAnswer, .recordFollowUp:
            DirectLineService.publish(receipt, topics: topics, clock: clock)
            if receipt.thread != nil { lettersChanged() }
        // Public versions (ModerationService): the moderators' queue, the case, the inboxes and the message board.
        case .submitPublicVersion, .holdPublicVersion, .moderate:
            ModerationService.publish(receipt, command: command, topics: topics, board: board)
        // The console's screening words are read again; accounts and departments live in the database only (a
        // session is looked up at every request, a department name when it is not known yet).
        case .admin(_, let change, _):
            switch change {
            case .addWordRule, .removeWordRule: screening.reload()
            case .addUser, .setDisabled, .setPassword, .putDepartment: break
            }
        // Sessions and canned replies are read from the database when asked for: nothing live holds them.
        case .createSession, .touchSession, .revokeSession, .changePassword, .addCannedReply, .deleteCannedReply:
            break
        }
    }
}

import Domain
import LiveTopics
import Storage
import Transport

/// How well the office keeps its promise, in the open: the figures (from the same threads staff work on), the
/// citizens' ratings of the answers and the follow-ups those ratings open. For both adapters (HTTP and the live
/// WebSocket), like `DirectLineService`.
package struct OpennessService: Sendable {
    let store: Store
    let writer: StoreWriter
    let catalog: CampaignDirectory
    let clock: ResponseClock
    let access: AccessPolicy
    let topics: TopicEngine
    /// Where a committed command reaches the watchers of a letter, the inboxes and the figures. Nil only for the
    /// instance the figures topic counts with, which never writes.
    let changes: LiveChanges?

    package typealias Completion = @Sendable (OfficeOutcome) -> Void

    // MARK: figures

    /// The period of a campaign's window (its last millisecond included), or everything when there is none.
    func period(campaign id: String?) throws(DomainError) -> OpennessJSON.Period {
        if let id {
            guard let campaign = catalog.campaign(id) else { throw .unknownCampaign(id) }
            return OpennessJSON.Period(from: campaign.opensAt, to: campaign.closesAt + 1, campaign: campaign.id)
        }
        guard let current = CampaignSelection.current(catalog.campaigns, at: clock.time.now()) else {
            return OpennessJSON.Period(from: nil, to: nil, campaign: nil)
        }
        return OpennessJSON.Period(from: current.opensAt, to: current.closesAt + 1, campaign: current.id)
    }

    /// The figures of `period`: overall, and per department in the departments' order.
    func figures(_ period: OpennessJSON.Period) throws -> (OpennessFigures, [(DepartmentRecord, OpennessFigures)]) {
        let facts = try store.threadFacts(from: period.from, to: period.to)
        let now = clock.time.now()
        let (overall, byDepartment) = OpennessFigures.byDepartment(facts, clock: clock.working, limits: clock.limits, now: now)
        let departments = try store.departments().map { ($0, byDepartment[$0.id] ?? OpennessFigures()) }
        return (overall, departments)
    }

    func figuresJSON(_ period: OpennessJSON.Period) throws -> [UInt8] {
        let (overall, departments) = try figures(period)
        var json = JSONWriter(capacity: 4096)
        OpennessJSON.figures(overall, departments: departments, period: period, limits: clock.limits, calendar: calendarNote(period),
                             computedAt: clock.time.now(), into: &json)
        return json.bytes
    }

    /// What the working days of `period`'s figures are counted with.
    func calendarNote(_ period: OpennessJSON.Period) -> OpennessJSON.CalendarNote {
        OpennessJSON.CalendarNote(timeZone: clock.zoneName, years: clock.working.calendar.years.sorted(),
                                  uncoveredYears: clock.uncoveredYears(from: period.from, to: period.to))
    }

    /// The current campaign's figures, as the live topic carries them.
    func currentFiguresJSON() throws -> [UInt8] {
        let period: OpennessJSON.Period
        do { period = try self.period(campaign: nil) } catch { period = OpennessJSON.Period() }
        return try figuresJSON(period)
    }

    // MARK: satisfaction

    /// The citizen (by the letter's code) rates the answer; 1 or 2 opens a follow-up for its department. Counted
    /// against the citizen's and the address's message limits, like a message (each rating is recorded in the letter).
    func rateAnswer(code typed: String, level raw: Int?, citizen: CitizenID, ip: IPAddress?, limits: DirectLineLimits,
                    completion: @escaping Completion) throws(DomainError) {
        guard let code = QueryCode(typed: typed) else { throw .threadNotFound }
        guard let raw else { throw .invalidLevel(0) }
        guard let level = SatisfactionLevel(rawValue: raw) else { throw .invalidLevel(raw) }
        try limits.admitMessage(citizen: citizen, ip: ip, now: clock.time.now())
        submit(.rateAnswer(code: code.value, level: level, at: clock.time.now()), completion: completion)
    }

    // MARK: follow-ups

    /// Open or recorded follow-ups of the departments `staff` sees.
    func followUps(staff: StaffPrincipal, open: Bool) throws(DomainError) -> [FollowUpRecord] {
        try access.check(staff, .seeFollowUps, department: nil)
        let departments: Set<String>? = staff.role != .staff || staff.departments.contains(access.triageDepartment)
            ? nil : staff.departments
        guard let list = try? store.followUps(departments: departments, open: open) else { throw .storageFailure }
        return list
    }

    func record(_ target: FollowUpTarget, contacted: Bool?, outcome: String?, staff: StaffPrincipal,
                completion: @escaping Completion) throws(DomainError) {
        guard let contacted else { throw .invalidRequest("contacted must be true or false: whether the citizen was reached") }
        guard let outcome, !outcome.isEmpty else { throw .invalidRequest("outcome must say what following up came to") }
        submit(.recordFollowUp(staff: staff, target: target, contacted: contacted, outcome: outcome, at: clock.time.now()),
               completion: completion)
    }

    private func submit(_ command: OfficeCommand, completion: @escaping Completion) {
        assert(changes != nil, "the figures' counter never writes")
        let changes = changes
        writer.submit(command) { outcome in
            if case .applied(let receipt) = outcome { changes?.apply(.office(command, receipt), origin: .local(fromPage: false)) }
            completion(outcome)
        }
    }
}

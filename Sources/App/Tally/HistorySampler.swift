import Domain
import Logging
import Storage
import Synchronization

/// Records each campaign's tallies every `interval` when they changed since the last sample, so the board can show
/// how participation and scores moved over the campaign (`GET /api/campaigns/:id/history`). Samples are taken from
/// the live tally, which holds exactly the committed state, and written on the upkeep queue, off the rating path.
final class HistorySampler: Sendable {
    private let store: Store
    private let directory: CampaignDirectory
    private let tally: LiveTally
    private let logger: Logger
    /// What the last sample of each campaign said.
    private let last = Mutex<[String: CampaignTally]>([:])
    private let task: Mutex<PeriodicTask?> = Mutex(nil)

    init(store: Store, directory: CampaignDirectory, tally: LiveTally, time: any TimeSource, intervalMilliseconds: Int, logger: Logger) {
        self.store = store
        self.directory = directory
        self.tally = tally
        self.logger = logger
        let periodic = PeriodicTask(label: "lastword.history", intervalMilliseconds: intervalMilliseconds) { [weak self] in
            self?.sample(at: Self.sampleTime(now: time.now(), intervalMilliseconds: intervalMilliseconds))
        }
        task.withLock { $0 = periodic }
    }

    /// A sample's time: the start of the interval it is taken in. The nodes of a cluster each sample every interval;
    /// with the same time, the first one's sample is kept and the others' (the same moment, the same tallies once
    /// the feed has carried them) are dropped by the database (`ON CONFLICT DO NOTHING`), so the history holds one
    /// sample per interval however many nodes there are.
    static func sampleTime(now: Int64, intervalMilliseconds: Int) -> Int64 {
        let interval = Int64(max(intervalMilliseconds, 1))
        return now - ((now % interval) + interval) % interval
    }

    func start() { task.withLock { $0 }?.start() }
    func stop() { task.withLock { $0 }?.stop() }

    /// Samples every campaign whose tally changed since its last sample (a campaign's first sample is taken once it
    /// has a rating or like). Returns the campaigns sampled.
    @discardableResult
    func sample(at now: Int64) -> [String] {
        var sampled: [String] = []
        for campaign in directory.campaigns {
            guard let current = tally.campaignTally(campaign.id) else { continue }
            let previous = last.withLock { $0[campaign.id] }
            if let previous, previous == current { continue }
            if previous == nil, current.ratings == 0, current.likes == 0 { continue }
            do {
                try store.recordSample(campaignID: campaign.id,
                                       TallySample(at: now, participants: current.participants, projects: current.projects))
                last.withLock { $0[campaign.id] = current }
                sampled.append(campaign.id)
            } catch {
                logger.error("recording a tally sample failed", metadata: ["campaign": "\(campaign.id)", "error": "\(error)"])
            }
        }
        return sampled
    }
}

import Domain
import Synchronization

/// The campaigns and projects, as stored, for lookups by id and slug: one immutable version of the catalog.
/// `CampaignDirectory` holds the current one and swaps it when an import changes the database.
package struct CampaignCatalog: Sendable {
    package let campaigns: [CampaignDefinition]
    private let campaignsByID: [String: Int]
    private let projectsBySlug: [String: (campaign: Int, project: Int)]

    package init(_ campaigns: [CampaignDefinition]) {
        self.campaigns = campaigns
        var byID: [String: Int] = [:]
        var bySlug: [String: (Int, Int)] = [:]
        for (c, campaign) in campaigns.enumerated() {
            byID[campaign.id] = c
            for (p, project) in campaign.projects.enumerated() { bySlug[project.slug] = (c, p) }
        }
        campaignsByID = byID
        projectsBySlug = bySlug
    }

    package func campaign(_ id: String) -> CampaignDefinition? {
        campaignsByID[id].map { campaigns[$0] }
    }

    package func project(_ slug: String) -> (campaign: CampaignDefinition, project: ProjectDefinition)? {
        projectsBySlug[slug].map { (campaigns[$0.campaign], campaigns[$0.campaign].projects[$0.project]) }
    }
}

/// The current `CampaignCatalog`, shared by routes, live sessions and the live tally. `CatalogWatcher` replaces it
/// when an import (from this process or `lastword campaign import` in another) changed the database, so a new
/// campaign or an edited text shows without a restart. Each lookup reads one consistent version.
package final class CampaignDirectory: Sendable {
    private let current: Mutex<CampaignCatalog>

    package init(_ catalog: CampaignCatalog) {
        current = Mutex(catalog)
    }

    package var catalog: CampaignCatalog { current.withLock { $0 } }
    package var campaigns: [CampaignDefinition] { catalog.campaigns }

    package func campaign(_ id: String) -> CampaignDefinition? {
        current.withLock { $0.campaign(id) }
    }

    package func project(_ slug: String) -> (campaign: CampaignDefinition, project: ProjectDefinition)? {
        current.withLock { $0.project(slug) }
    }

    func replace(with catalog: CampaignCatalog) {
        current.withLock { $0 = catalog }
    }
}

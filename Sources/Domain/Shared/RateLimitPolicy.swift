/// Integrity limits on writes: a token bucket per IP address, a token bucket per citizen, and a cap on new citizen
/// ids issued per IP address per hour. Pure values: the caller passes the time in.
///
/// The numbers must let a crowd through one address: mobile carriers put thousands of subscribers behind one public
/// IPv4 address (carrier-grade NAT), and a campaign is promoted at events and by one message to a whole city, so
/// hundreds of honest citizens can share an address within minutes. The per-IP limits are therefore loose and only
/// stop a single machine from flooding; the per-citizen bucket and the new-id cap are what bound ballot stuffing.
package struct RateLimitPolicy: Codable, Sendable, Equatable {
    /// Write requests per second per IP address, sustained. 20/s is about 100 citizens each rating and liking a dozen
    /// projects within a minute, all behind one address.
    package var perIPPerSecond: Double
    /// Write requests one IP address may make at once. 200 absorbs a room of people scanning the same poster.
    package var perIPBurst: Int
    /// Write requests per second per citizen, sustained. No person rates more than one project a second for long.
    package var perCitizenPerSecond: Double
    /// Write requests one citizen may make at once: enough to go through a whole list of projects quickly,
    /// rating and liking each.
    package var perCitizenBurst: Int
    /// New citizen ids issued per IP address per hour. Every id can rate every project once, so this bounds how many
    /// ballots one address can create; 600 an hour still admits an event crowd behind one carrier address.
    package var newCitizensPerIPPerHour: Int
    /// IP addresses tracked at once (per limiter). Bounds memory to a few megabytes; idle addresses are forgotten first.
    package var maxTrackedIPs: Int
    /// Citizens tracked at once. Bounds memory; citizens whose bucket has refilled are forgotten first.
    package var maxTrackedCitizens: Int

    package init(
        perIPPerSecond: Double,
        perIPBurst: Int,
        perCitizenPerSecond: Double,
        perCitizenBurst: Int,
        newCitizensPerIPPerHour: Int,
        maxTrackedIPs: Int = 50_000,
        maxTrackedCitizens: Int = 100_000
    ) {
        self.perIPPerSecond = perIPPerSecond
        self.perIPBurst = perIPBurst
        self.perCitizenPerSecond = perCitizenPerSecond
        self.perCitizenBurst = perCitizenBurst
        self.newCitizensPerIPPerHour = newCitizensPerIPPerHour
        self.maxTrackedIPs = maxTrackedIPs
        self.maxTrackedCitizens = maxTrackedCitizens
    }

    package static let `default` = RateLimitPolicy(
        perIPPerSecond: 20,
        perIPBurst: 200,
        perCitizenPerSecond: 1,
        perCitizenBurst: 20,
        newCitizensPerIPPerHour: 600
    )

    /// Rates positive, bursts and caps at least 1: a policy that would refuse everything is a configuration mistake.
    package func validate() throws(DomainError) {
        guard perIPPerSecond > 0, perIPPerSecond.isFinite, perCitizenPerSecond > 0, perCitizenPerSecond.isFinite else {
            throw .invalidDefinition("rate limits per second must be positive")
        }
        guard perIPBurst >= 1, perCitizenBurst >= 1, newCitizensPerIPPerHour >= 1 else {
            throw .invalidDefinition("bursts and the new-citizen cap must be at least 1")
        }
        guard maxTrackedIPs >= 1, maxTrackedCitizens >= 1 else {
            throw .invalidDefinition("tracked key limits must be at least 1")
        }
    }

    package func makeIPBuckets<Address: Hashable & Sendable>(for _: Address.Type = Address.self) -> TokenBuckets<Address> {
        TokenBuckets(ratePerSecond: perIPPerSecond, burst: perIPBurst, maxKeys: maxTrackedIPs)
    }

    package func makeCitizenBuckets() -> TokenBuckets<CitizenID> {
        TokenBuckets(ratePerSecond: perCitizenPerSecond, burst: perCitizenBurst, maxKeys: maxTrackedCitizens)
    }

    package func makeNewCitizenCounter<Address: Hashable & Sendable>(for _: Address.Type = Address.self) -> HourlyCounter<Address> {
        HourlyCounter(limit: newCitizensPerIPPerHour, maxKeys: maxTrackedIPs)
    }
}

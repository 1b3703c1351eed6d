/// A moderator's hold on a public version while they have it open, so two moderators never decide the same item:
/// the other sees who holds it. A hold lapses after `ModerationLock.duration` unless renewed (an open item renews
/// it), so a moderator who closes the laptop does not hold an item for ever.
package struct ModerationLock: Sendable, Equatable, Codable {
    /// A hold lasts five minutes from its last renewal.
    package static let duration: Int64 = 5 * 60_000

    package var holder: String
    package var expiresAt: Int64

    package init(holder: String, expiresAt: Int64) {
        self.holder = holder
        self.expiresAt = expiresAt
    }

    /// The hold `moderator` gets (or renews) at `now`, given the current one; refused with `itemLocked(by:)` while
    /// someone else's has not lapsed.
    package static func take(_ current: ModerationLock?, by moderator: String, now: Int64) throws(DomainError) -> ModerationLock {
        if let current, current.holder != moderator, current.expiresAt > now { throw .itemLocked(by: current.holder) }
        return ModerationLock(holder: moderator, expiresAt: now + duration)
    }

    /// Whether `moderator` may decide the item now: nobody else holds it.
    package static func allows(_ current: ModerationLock?, _ moderator: String, now: Int64) -> Bool {
        guard let current, current.expiresAt > now else { return true }
        return current.holder == moderator
    }
}

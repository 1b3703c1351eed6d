/// The limits on failed sign-ins (PROTOCOL.md "People and roles"): a name that fails 5 times in 15 minutes, or an
/// address that fails 20 times, is locked for 15 minutes, and every failure is answered slowly.
package struct LoginThrottlePolicy: Sendable, Equatable {
    /// Failures of one user name within `windowMilliseconds` that lock it: guessing one person's password.
    package var maxFailuresPerName = 5
    /// Failures from one address within the window that lock it: trying many names from one machine. Higher than
    /// per name, because an office behind one address has many people who mistype.
    package var maxFailuresPerAddress = 20
    /// How far back failures count.
    package var windowMilliseconds: Int64 = 15 * 60_000
    /// How long a lock lasts.
    package var lockMilliseconds: Int64 = 15 * 60_000
    /// The delay before answering a failure, doubled for each earlier recent failure of the same name, up to
    /// `maxDelayMilliseconds`: a person who mistypes waits a quarter of a second, a script much longer.
    package var baseDelayMilliseconds: Int64 = 250
    package var maxDelayMilliseconds: Int64 = 4_000
    /// Names and addresses tracked at once; bounds memory. Keys with nothing to remember are forgotten first, then
    /// the least recently failed ones that are not locked, then locked ones.
    package var maxTrackedKeys = 100_000

    package init() {}
}

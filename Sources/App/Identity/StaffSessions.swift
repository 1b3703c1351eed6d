import COpenSSL
import Dispatch
import Domain
import HTTP1
import Logging
import Storage
import Synchronization

/// How staff sessions and logins behave (`identity.*` in config/lastword.yaml).
package struct StaffSessionPolicy: Sendable {
    /// A session ends after this long without a request.
    package var idleMilliseconds: Int64 = 60 * 60_000
    /// And after this long in any case.
    package var maxMilliseconds: Int64 = 12 * 3_600_000
    package var throttle = LoginThrottlePolicy()
    package var hasher = PasswordHasher()
    /// Mark the cookie Secure (the site is served over HTTPS).
    package var cookieSecure = false
    package init() {}
}

/// Staff logins and sessions. A session is a random 32-byte token in the `lw_staff` cookie (HttpOnly,
/// SameSite=Strict); the database keeps only its SHA-256, so a copy of the database cannot be used to sign in. Every
/// request looks the session up (one indexed read), so a logout, a password change or `lastword user disable` —
/// from any process — ends it at once.
package final class StaffSessions: Sendable {
    package static let cookieName = "lw_staff"
    private let store: Store
    private let writer: StoreWriter
    private let time: any TimeSource
    package let policy: StaffSessionPolicy
    private let throttle: Mutex<LoginThrottle>
    /// Verified against when the name is unknown, so a wrong name costs as long as a wrong password.
    private let decoy: String

    package init(store: Store, writer: StoreWriter, time: any TimeSource, policy: StaffSessionPolicy) {
        self.store = store
        self.writer = writer
        self.time = time
        self.policy = policy
        throttle = Mutex(LoginThrottle(policy: policy.throttle))
        decoy = policy.hasher.decoy()
    }

    /// A live session.
    package struct Session: Sendable {
        package var user: StaffUserRecord
        package var tokenHash: [UInt8]
        package var principal: StaffPrincipal { user.principal }
    }

    /// The result of a login: the user, and the Set-Cookie header value; or the refusal, and how long to hold the
    /// answer back (failed logins are slowed).
    package enum LoginResult: Sendable {
        case success(StaffUserRecord, cookie: String)
        case failure(DomainError, delayMilliseconds: Int64)
    }

    /// Checks a name and password (blocking: scrypt takes tens of milliseconds; call it off the event loops) and, on
    /// success, commits a new session before returning.
    package func login(name rawName: String, password: String, address: String?) -> LoginResult {
        let name = rawName.lowercased()
        let now = time.now()
        do throws(DomainError) {
            try throttle.withLock { throttle throws(DomainError) in try throttle.admit(name: name, address: address, now: now) }
        } catch {
            return .failure(error, delayMilliseconds: 0)
        }
        let record = try? store.login(name: name)
        let hash = record?.passwordHash ?? decoy
        let matches = policy.hasher.verify(password, against: hash)
        guard let record, matches, !record.user.disabled else {
            let delay = throttle.withLock { $0.recordFailure(name: name, address: address, now: now) }
            return .failure(.authFailed, delayMilliseconds: delay)
        }
        throttle.withLock { $0.recordSuccess(name: name, address: address) }
        let token = Self.randomToken()
        let outcome = commit(.createSession(user: record.user.id, tokenHash: Self.digest(token), address: address, at: now))
        if case .rejected(let error) = outcome { return .failure(error, delayMilliseconds: 0) }
        if policy.hasher.needsRehash(record.passwordHash) {
            try? store.setPassword(name: name, passwordHash: policy.hasher.hash(password), at: now, actor: "rehash")
        }
        return .success(record.user, cookie: setCookie(token))
    }

    /// The live session the request's cookie names, or `authRequired`. Touches it (at most once a minute).
    package func session(in headers: HTTPHeaders) throws(DomainError) -> Session {
        guard let token = CitizenCookies.cookieValue(named: Self.cookieName, in: headers) else { throw .authRequired }
        return try session(token: token)
    }

    package func session(token: String) throws(DomainError) -> Session {
        guard let raw = Base64URL.decode(token), raw.count == 32 else { throw .authRequired }
        let hash = Self.digest(raw)
        guard let record = try? store.session(tokenHash: hash) else { throw .authRequired }
        let now = time.now()
        guard !record.revoked, !record.user.disabled, now - record.lastSeenAt < policy.idleMilliseconds,
              now - record.createdAt < policy.maxMilliseconds else { throw .authRequired }
        if now - record.lastSeenAt >= 60_000 {
            writer.submit(.touchSession(tokenHash: hash, at: now)) { _ in }
        }
        return Session(user: record.user, tokenHash: hash)
    }

    /// Ends the session (committed before it returns).
    package func logout(_ session: Session) {
        _ = commit(.revokeSession(tokenHash: session.tokenHash, at: time.now()))
    }

    /// Changes the password after checking the current one: every session of the user ends, and a new one begins
    /// (its Set-Cookie value is returned).
    package func changePassword(_ session: Session, current: String, new: String) throws(DomainError) -> String {
        guard let record = try? store.login(name: session.user.name), policy.hasher.verify(current, against: record.passwordHash) else {
            throw .authFailed
        }
        if let problem = PasswordPolicy.problem(with: new, userName: session.user.name) { throw .invalidRequest(problem) }
        let token = Self.randomToken()
        let outcome = commit(.changePassword(user: session.user.id, passwordHash: policy.hasher.hash(new),
                                             newSession: Self.digest(token), at: time.now()))
        if case .rejected(let error) = outcome { throw error }
        return setCookie(token)
    }

    package var clearingCookie: String {
        "\(Self.cookieName)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + (policy.cookieSecure ? "; Secure" : "")
    }

    private func setCookie(_ token: [UInt8]) -> String {
        // A session cookie (no Max-Age): the browser drops it when it closes; the server ends it sooner when idle.
        "\(Self.cookieName)=\(Base64URL.encode(token)); Path=/; HttpOnly; SameSite=Strict" + (policy.cookieSecure ? "; Secure" : "")
    }

    /// Waits for the writer (blocking; not on an event loop).
    private func commit(_ command: OfficeCommand) -> OfficeOutcome {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<OfficeOutcome>(.rejected(.storageFailure))
        writer.submit(command) { outcome in
            result.withLock { $0 = outcome }
            done.signal()
        }
        done.wait()
        return result.withLock { $0 }
    }

    private static func randomToken() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    static func digest(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        bytes.withUnsafeBufferPointer { input in _ = SHA256(input.baseAddress, input.count, &out) }
        return out
    }
}

import FoundationEssentials
import Glibc
import Synchronization

/// The PostgreSQL the tests use: `LASTWORD_TEST_POSTGRES_URL` when set; otherwise, when Debian's server binaries
/// are installed, one throwaway server per test process (scripts/postgres, on a free loopback port, in a temporary
/// directory), stopped and removed when the process exits; otherwise none, and the tests that need one are skipped:
///
///     @Test(.enabled(if: TestPostgres.isAvailable, "needs PostgreSQL: set LASTWORD_TEST_POSTGRES_URL or install Debian's postgresql"))
///
/// unless `LASTWORD_REQUIRE_POSTGRES=1` (CI) or `LASTWORD_TEST_DATABASE=postgres` says a PostgreSQL must be there: then
/// `isAvailable` stops the test process with the reason instead of letting those tests be skipped.
package enum TestPostgres {
    /// The server's URL (its database `lastword`), or nil when there is no PostgreSQL to test with.
    package static var url: String? { server.url }

    /// Whether the tests that need PostgreSQL run: true when there is one; false when there is none and none is
    /// required; when one is required (`LASTWORD_REQUIRE_POSTGRES=1`) and there is none, the process stops, naming why.
    package static var isAvailable: Bool {
        if url != nil { return true }
        if let value = ProcessInfo.processInfo.environment["LASTWORD_REQUIRE_POSTGRES"], !value.isEmpty, value != "0" {
            require(because: "LASTWORD_REQUIRE_POSTGRES=\(value)")
        }
        return false
    }

    /// Stops the test process when there is no PostgreSQL, naming `reason` (what asked for one) and why there is none.
    package static func require(because reason: String) {
        guard url == nil else { return }
        TestDatabase.fail("\(reason), but there is no PostgreSQL to test with: \(server.why)")
    }

    /// A database of its own (`t_` and 16 random hex digits) on the test server, and its URL: parallel tests do
    /// not see each other's tables or notifications. On a server of the environment's, the databases made are
    /// dropped when the process exits; a throwaway server goes with all of them.
    package static func freshDatabase() throws -> String {
        guard let url else { throw TestPostgresError("no PostgreSQL to test with (\(server.why))") }
        let name = newDatabaseName()
        try psql(url, "CREATE DATABASE \(name)")
        if server.directory == nil {
            createdDatabases.withLock { $0.append(name) }
        }
        return replacingDatabase(in: url, with: name)
    }

    /// A fresh database (as `freshDatabase()`) made as a copy of a template: the first call for `template` makes a
    /// database and has `prepare` set it up (given its URL; it must leave no connection open to it, which PostgreSQL's
    /// copy needs), later calls copy it (`CREATE DATABASE … TEMPLATE`) instead of setting up again. For the stores of
    /// the storage and application tests, `prepare` migrates: each test's database starts migrated, which on a server
    /// that syncs every commit saves most of a store's opening.
    package static func freshDatabase(template: String, preparedBy prepare: (String) throws -> Void) throws -> String {
        let source = try templates.withLock { made throws -> String in
            if let name = made[template] { return name }
            let url = try freshDatabase()
            try prepare(url)
            let name = databaseName(in: url)
            made[template] = name
            return name
        }
        guard let url else { throw TestPostgresError("no PostgreSQL to test with (\(server.why))") }
        let name = newDatabaseName()
        try psql(url, "CREATE DATABASE \(name) TEMPLATE \(source)")
        if server.directory == nil {
            createdDatabases.withLock { $0.append(name) }
        }
        return replacingDatabase(in: url, with: name)
    }

    /// The templates made so far by `freshDatabase(template:preparedBy:)`: their databases by template name.
    private static let templates = Mutex<[String: String]>([:])

    private static func newDatabaseName() -> String {
        "t_" + String(UInt64.random(in: .min ... .max), radix: 16).leftPadded(to: 16)
    }

    /// The database a URL names (its path, without the query).
    static func databaseName(in url: String) -> String {
        let base = url[..<(url.firstIndex(of: "?") ?? url.endIndex)]
        return String(base[base.index(after: base.lastIndex(of: "/") ?? base.startIndex)...])
    }

    // MARK: the server

    private struct Server: Sendable {
        var url: String?
        /// The throwaway server's directory, nil for the environment's server (or none).
        var directory: String?
        /// Why there is no server, for messages.
        var why = ""
    }

    /// Started on first use; a static let is initialised once, thread-safely.
    private static let server: Server = start()
    private static let createdDatabases = Mutex<[String]>([])
    private static let repositoryRoot: String = {
        var path = "\(#filePath)"
        for _ in 0..<3 {  // Tests/TestSupport/TestPostgres.swift
            path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        }
        return path
    }()

    private static func start() -> Server {
        if let url = ProcessInfo.processInfo.environment["LASTWORD_TEST_POSTGRES_URL"], !url.isEmpty {
            atexit { TestPostgres.cleanUp() }
            return Server(url: url, directory: nil)
        }
        guard !paths(matching: "/usr/lib/postgresql/*/bin/initdb").isEmpty else {
            return Server(url: nil, why: "LASTWORD_TEST_POSTGRES_URL is not set and /usr/lib/postgresql/*/bin/initdb does not exist")
        }
        var template = Array("/tmp/lastword-postgres-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            return Server(url: nil, why: "mkdtemp failed: errno \(errno)")
        }
        let directory = String(cString: made)
        startedDirectory.withLock { $0 = directory }
        atexit { TestPostgres.cleanUp() }
        var failures: [String] = []
        // A free port can be taken by someone else before the server binds it: try another.
        for _ in 0..<3 {
            guard let port = freeLoopbackPort() else { break }
            let (status, output) = run(["\(repositoryRoot)/scripts/postgres", "start", directory, String(port)])
            let url = output.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
            if status == 0, url.hasPrefix("postgres://") {
                return Server(url: url, directory: directory)
            }
            failures.append("scripts/postgres start exited with \(status): \(output)")
        }
        let why = "could not start a test PostgreSQL: " + failures.joined(separator: "; ")
        let line = Array("TestPostgres: \(why)\n".utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        return Server(url: nil, directory: directory, why: why)
    }

    private static let startedDirectory = Mutex<String?>(nil)

    /// At exit: stop the throwaway server and remove its directory, or drop the databases made on the
    /// environment's server.
    private static func cleanUp() {
        if let directory = startedDirectory.withLock({ $0 }) {
            // The server and its data go together: an immediate shutdown (SIGQUIT to the postmaster) skips the
            // shutdown checkpoint, which after a few hundred test databases syncs tens of thousands of files (minutes)
            // only for them to be removed.
            if let contents = FileManager.default.contents(atPath: directory + "/data/postmaster.pid"),
               let pid = String(decoding: contents, as: UTF8.self).split(separator: "\n").first.flatMap({ pid_t($0) }),
               kill(pid, SIGQUIT) == 0 {
                for _ in 0..<200 where kill(pid, 0) == 0 { usleep(50_000) }
            } else {
                _ = run(["\(repositoryRoot)/scripts/postgres", "stop", directory])
            }
            _ = run(["rm", "-rf", directory])
            return
        }
        guard let url = ProcessInfo.processInfo.environment["LASTWORD_TEST_POSTGRES_URL"] else { return }
        for name in createdDatabases.withLock({ $0 }) {
            try? psql(url, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        }
    }

    // MARK: helpers

    private static func psql(_ url: String, _ command: String) throws {
        let candidates = paths(matching: "/usr/lib/postgresql/*/bin/psql").sorted().reversed() + ["psql"]
        let (status, output) = run([candidates.first!, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", command])
        guard status == 0 else { throw TestPostgresError("psql -c \"\(command)\" exited with \(status): \(output)") }
    }

    /// `url` with its database (the path) replaced by `database`; the query string stays.
    static func replacingDatabase(in url: String, with database: String) -> String {
        let query = url.firstIndex(of: "?").map { url[$0...] } ?? ""
        let base = url[..<(url.firstIndex(of: "?") ?? url.endIndex)]
        guard let scheme = base.firstRange(of: "://") else { return url }
        let authorityEnd = base[scheme.upperBound...].firstIndex(of: "/") ?? base.endIndex
        return base[..<authorityEnd] + "/" + database + query
    }

    private static func paths(matching pattern: String) -> [String] {
        var found = glob_t()
        defer { globfree(&found) }
        guard glob(pattern, 0, nil, &found) == 0 else { return [] }
        return (0..<Int(found.gl_pathc)).compactMap { found.gl_pathv[$0].map { String(cString: $0) } }
    }

    private static func freeLoopbackPort() -> Int? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        return bound ? Int(UInt16(bigEndian: address.sin_port)) : nil
    }

    /// Runs a program (looked up on PATH), its stdout and stderr together; returns its exit status and output.
    private static func run(_ arguments: [String]) -> (status: Int32, output: String) {
        var pipe: [Int32] = [-1, -1]
        guard Glibc.pipe(&pipe) == 0 else { return (-1, "pipe failed: errno \(errno)") }
        // Not inherited by anything else spawned meanwhile (the child gets the write end as 1 and 2 by dup2).
        _ = fcntl(pipe[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(pipe[1], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 2)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ)
        close(pipe[1])
        defer { close(pipe[0]) }
        guard spawned == 0 else { return (-1, "posix_spawnp \(arguments[0]) failed: errno \(spawned)") }
        var output = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(pipe[0], $0.baseAddress, $0.count) }
            if count > 0 {
                output += buffer[..<count]
            } else if count == 0 || errno != EINTR {
                break
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return (exitStatus, String(decoding: output, as: UTF8.self).trimmingWhitespace)
    }
}

package struct TestPostgresError: Error, CustomStringConvertible {
    package let description: String
    init(_ description: String) { self.description = description }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }

    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

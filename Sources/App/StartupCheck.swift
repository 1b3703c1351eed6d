import Domain
import Transport
#if canImport(Glibc)
import Glibc
#endif

/// What start-up needs from the file system, checked before anything is created: the campaign files (read and
/// validated), the static directory, a database path whose directory exists or can be made, and the backup
/// directory, when backups are scheduled, likewise. Every problem is reported at once, each naming the setting and
/// the path, so an operator fixes the configuration in one go.
package enum StartupCheck {
    package struct Failure: Error, CustomStringConvertible {
        package var problems: [String]
        /// One problem is one line; several are a list under one heading.
        package var description: String {
            problems.count == 1
                ? problems[0]
                : "the configuration cannot be used:\n" + problems.map { "  - " + $0 }.joined(separator: "\n")
        }
    }

    /// A campaign file read and validated, ready to import.
    package struct CampaignFileContents: Sendable {
        package var path: String
        package var yaml: String
        package var definition: CampaignDefinition
    }

    /// What the files say: the campaigns, in the configured order, and the working-day calendar.
    package struct Checked: Sendable {
        package var campaigns: [CampaignFileContents]
        package var calendar: WorkingCalendar
        package var zone: TimeZoneOffsets
    }

    /// Reads and checks everything; throws `Failure` listing every problem.
    package static func run(_ configuration: ApplicationConfiguration, tls: TLSConfiguration = TLSConfiguration()) throws -> Checked {
        let (definitions, fileProblems) = readCampaignFiles(configuration.campaignFiles)
        var problems = fileProblems
        if let problem = tlsProblem(tls) {
            problems.append(problem)
        }
        if !isDirectory(configuration.publicDirectory) {
            problems.append("static.directory: \(configuration.publicDirectory) is not a directory (it holds the pages: Public/ in the repository)")
        }
        if let problem = databaseProblem(configuration.databasePath) {
            problems.append("database.path: \(problem)")
        }
        if configuration.backup.isEnabled, let problem = directoryProblem(configuration.backup.directory) {
            problems.append("backup.directory: \(problem)")
        }
        let (calendar, zone, calendarProblems) = readCalendar(configuration)
        problems += calendarProblems
        guard problems.isEmpty, let zone else { throw Failure(problems: problems) }
        return Checked(campaigns: definitions, calendar: calendar, zone: zone)
    }

    /// The working-day calendar and zone alone (for commands that need no more); throws `Failure`.
    package static func calendar(_ configuration: ApplicationConfiguration) throws -> (calendar: WorkingCalendar, zone: TimeZoneOffsets) {
        let (calendar, zone, problems) = readCalendar(configuration)
        guard problems.isEmpty, let zone else { throw Failure(problems: problems) }
        return (calendar, zone)
    }

    /// The campaign files read and validated, in order, and a problem per file that cannot be used.
    package static func readCampaignFiles(_ files: [String]) -> ([CampaignFileContents], [String]) {
        var problems: [String] = []
        var definitions: [CampaignFileContents] = []
        for file in files {
            do {
                let yaml = try readTextFile(file)
                definitions.append(CampaignFileContents(path: file, yaml: yaml, definition: try CampaignFile.load(yaml: yaml, file: file)))
            } catch {
                // The file's own error names the file, its line and key.
                problems.append("\(error)")
            }
        }
        return (definitions, problems)
    }

    private static func readCalendar(_ configuration: ApplicationConfiguration) -> (WorkingCalendar, TimeZoneOffsets?, [String]) {
        var problems: [String] = []
        var calendar = WorkingCalendar()
        for file in configuration.calendarFiles {
            do {
                let year = try CalendarFile.load(yaml: try readTextFile(file), file: file)
                if !calendar.years.isDisjoint(with: year.years) {
                    problems.append("calendar.files: \(file) is a second calendar for \(year.years.sorted().map(String.init).joined())")
                }
                calendar = calendar.merged(with: year)
            } catch {
                problems.append("\(error)")
            }
        }
        let zone = TimeZoneOffsets(identifier: configuration.calendarTimeZone)
        if zone == nil || IANATimeZone.names.contains(configuration.calendarTimeZone) == false {
            problems.append("calendar.timeZone: \"\(configuration.calendarTimeZone)\" is not an IANA time zone name; use one such as Asia/Shanghai")
        }
        return (calendar, zone, problems)
    }

    /// Why the TLS certificate chain and key cannot serve, or nil (also when TLS is off): each file is read and parsed,
    /// and the key must be the certificate's — the same work the server does when it starts listening.
    static func tlsProblem(_ tls: TLSConfiguration) -> String? {
        guard tls.isEnabled else { return nil }
        do {
            _ = try TLSContext.server(tls)
            return nil
        } catch {
            return error.description
        }
    }

    /// Why the database cannot be opened or created at `path`, or nil: an existing file must be writable; a new
    /// one needs its nearest existing ancestor directory to be writable (the missing directories are made).
    static func databaseProblem(_ path: String) -> String? {
        // PostgreSQL's database is the server's: whether it answers shows when the store connects.
        if path == ":memory:" || path.hasPrefix("postgres://") || path.hasPrefix("postgresql://") { return nil }
        if access(path, F_OK) == 0 {
            if isDirectory(path) { return "\(path) is a directory; name the database file" }
            return access(path, R_OK | W_OK) == 0 ? nil : "\(path) exists but cannot be written by this user"
        }
        return creationProblem(path)
    }

    /// Why backups cannot be written into `path`, or nil: an existing directory must be writable; a missing one needs
    /// its nearest existing ancestor to be a writable directory (the first backup makes it).
    static func directoryProblem(_ path: String) -> String? {
        if access(path, F_OK) == 0 {
            guard isDirectory(path) else { return "\(path) is not a directory" }
            return access(path, W_OK | X_OK) == 0 ? nil : "\(path) is not writable by this user"
        }
        return creationProblem(path)
    }

    /// Why `path`, which does not exist, cannot be created with its missing parent directories, or nil.
    private static func creationProblem(_ path: String) -> String? {
        var directory = parent(of: path)
        while access(directory, F_OK) != 0 {
            let up = parent(of: directory)
            if up == directory { break }
            directory = up
        }
        guard isDirectory(directory) else { return "\(directory) is not a directory, so \(path) cannot be created" }
        guard access(directory, W_OK | X_OK) == 0 else {
            return "\(path) does not exist and cannot be created: \(directory) is not writable by this user"
        }
        return nil
    }

    private static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let head = String(path[..<slash])
        return head.isEmpty ? "/" : head
    }

    private static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}

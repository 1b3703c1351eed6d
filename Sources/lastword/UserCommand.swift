import App
import ArgumentParser
import Domain
import Storage
#if canImport(Glibc)
import Glibc
#endif

/// `lastword user …`: staff, moderator and admin accounts. Works on a running server's database too: a disabled
/// user or a changed password ends that user's sessions at their next request.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage staff, moderator and admin accounts.",
        subcommands: [Add.self, Passwd.self, Disable.self, Enable.self, List.self]
    )

    struct Target: ParsableArguments {
        @OptionGroup var options: ConfigurationOptions

        @Option(name: .long, help: "The database file. Overrides database.path.")
        var database: String?

        @Flag(name: .long, help: "Read the password from standard input (one line) instead of asking.")
        var passwordStdin = false

        /// The store, with the configured departments imported (a fresh database has none yet).
        func open() async throws -> (Settings, Store) {
            var settings = try await Settings.load(path: options.config)
            if let database { settings.application.databasePath = database }
            let store = try settings.openStore()
            let file = settings.application.departmentsFile
            try store.importDepartments(try DirectLineFiles.departments(yaml: try readTextFile(file), file: file))
            return (settings, store)
        }

        func readPassword(prompt: String) throws -> String {
            if !passwordStdin, isatty(0) != 0 {
                guard let pointer = getpass(prompt) else { throw ValidationError("no password given") }
                let first = String(cString: pointer)
                guard let again = getpass("again: ") else { throw ValidationError("no password given") }
                guard first == String(cString: again) else { throw ValidationError("the two passwords differ") }
                return first
            }
            guard let line = readLine(strippingNewline: true) else { throw ValidationError("no password on standard input") }
            return line
        }
    }

    static func now() -> Int64 { SystemTimeSource().now() }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account (asks for its password).")
        @OptionGroup var target: Target
        @Argument(help: "User name: lower-case letters, digits, '.', '_' or '-'.") var name: String
        @Option(name: .long, help: "staff, moderator or admin.") var role: String
        @Option(name: .long, help: "A department id from config/departments.yaml (repeat for several; staff need one).")
        var department: [String] = []
        @Option(name: .long, help: "The name the console shows.") var displayName: String?

        func run() async throws {
            guard let role = StaffRole(rawValue: role) else { throw ValidationError("--role must be staff, moderator or admin") }
            do {
                let (settings, store) = try await target.open()
                let password = try target.readPassword(prompt: "password for \(name): ")
                if let problem = PasswordHasher.problem(with: password) { throw ValidationError(problem) }
                let user = try store.addUser(name: name, displayName: displayName, role: role, departments: department,
                                             passwordHash: settings.application.staffSessions.hasher.hash(password), at: UserCommand.now())
                print("added \(user.name) (\(user.role.rawValue)\(user.departments.isEmpty ? "" : ", " + user.departments.joined(separator: ", ")))")
            } catch let error as ValidationError {
                throw error
            } catch {
                throw OperatorError(error)
            }
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a new password; the user's sessions end.")
        @OptionGroup var target: Target
        @Argument var name: String

        func run() async throws {
            do {
                let (settings, store) = try await target.open()
                let password = try target.readPassword(prompt: "new password for \(name): ")
                if let problem = PasswordHasher.problem(with: password) { throw ValidationError(problem) }
                try store.setPassword(name: name, passwordHash: settings.application.staffSessions.hasher.hash(password), at: UserCommand.now())
                print("password of \(name) changed; its sessions ended")
            } catch let error as ValidationError {
                throw error
            } catch {
                throw OperatorError(error)
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable an account; its sessions end at once.")
        @OptionGroup var target: Target
        @Argument var name: String

        func run() async throws {
            do {
                let (_, store) = try await target.open()
                try store.setDisabled(name: name, true, at: UserCommand.now())
                print("disabled \(name)")
            } catch {
                throw OperatorError(error)
            }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled account.")
        @OptionGroup var target: Target
        @Argument var name: String

        func run() async throws {
            do {
                let (_, store) = try await target.open()
                try store.setDisabled(name: name, false, at: UserCommand.now())
                print("enabled \(name)")
            } catch {
                throw OperatorError(error)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the accounts.")
        @OptionGroup var target: Target

        func run() async throws {
            do {
                let (_, store) = try await target.open()
                for user in try store.users() {
                    print([user.name, user.role.rawValue, user.departments.joined(separator: ","), user.disabled ? "disabled" : "active",
                           user.displayName].joined(separator: "\t"))
                }
            } catch {
                throw OperatorError(error)
            }
        }
    }
}

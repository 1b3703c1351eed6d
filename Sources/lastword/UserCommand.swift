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

        @Flag(name: .long, help: "Read the password from standard input (one line) instead of asking.")
        var passwordStdin = false

        /// The store, with the configured departments imported (a fresh database has none yet).
        func open() async throws -> (Settings, Store) {
            let settings = try await options.settings()
            let store = try settings.openStore()
            let file = settings.application.departmentsFile
            try store.importDepartments(try DirectLineFiles.departments(yaml: try readTextFile(file), file: file))
            return (settings, store)
        }

        /// Asks for a password (twice at a terminal; one line from standard input with `--password-stdin`) and checks
        /// it against the policy as soon as it is typed, before asking again.
        func readPassword(prompt: String, userName: String) throws -> String {
            func checked(_ password: String) throws -> String {
                if let problem = PasswordPolicy.problem(with: password, userName: userName) { throw OperatorError(message: problem) }
                return password
            }
            if !passwordStdin, isatty(0) != 0 {
                guard let pointer = getpass(prompt) else { throw OperatorError(message: "no password given") }
                let first = try checked(String(cString: pointer))
                guard let again = getpass("again: ") else { throw OperatorError(message: "no password given") }
                guard first == String(cString: again) else { throw OperatorError(message: "the two passwords differ") }
                return first
            }
            guard let line = readLine(strippingNewline: true) else { throw OperatorError(message: "no password on standard input") }
            return try checked(line)
        }
    }

    static func now() -> Int64 { SystemTimeSource().now() }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account (asks for its password).")
        @OptionGroup var target: Target
        @Argument(help: "User name: lower-case letters, digits, '.', '_' or '-'.") var name: String
        @Option(name: .long, help: "staff, moderator or admin.") var role: String
        @Option(name: .long, help: "A department id from the departments file (config/departments.yaml; repeat for several). Office staff need one; moderators and admins take none.")
        var department: [String] = []
        @Option(name: .long, help: "The name the console shows.") var displayName: String?

        func run() async throws {
            do {
                guard let role = StaffRole(rawValue: role) else {
                    throw OperatorError(message: "--role must be staff, moderator or admin, not \"\(role)\"")
                }
                switch role {
                case .staff where department.isEmpty:
                    throw OperatorError(message: "office staff need at least one --department")
                case .moderator where !department.isEmpty, .admin where !department.isEmpty:
                    throw OperatorError(message: "--department is for office staff; a \(role.rawValue) reads every department's letters")
                default: break
                }
                let (settings, store) = try await target.open()
                // Everything that can be checked is, before the password is asked for.
                guard Store.isValidUserName(name) else { throw IdentityError.invalidName(name) }
                if try store.users().contains(where: { $0.name == name }) { throw IdentityError.nameTaken(name) }
                let known = try store.departments().map(\.id)
                for id in department where !known.contains(id) {
                    throw OperatorError(message: "there is no department \"\(id)\"; the departments of \(settings.application.departmentsFile) are \(known.joined(separator: ", "))")
                }
                let password = try target.readPassword(prompt: "password for \(name): ", userName: name)
                let user = try store.addUser(name: name, displayName: displayName, role: role, departments: department,
                                             passwordHash: settings.application.staffSessions.hasher.hash(password), at: UserCommand.now())
                print("added \(user.name) (\(user.role.rawValue)\(user.departments.isEmpty ? "" : ", " + user.departments.joined(separator: ", ")))")
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
                guard try store.users().contains(where: { $0.name == name }) else { throw IdentityError.unknownUser(name) }
                let password = try target.readPassword(prompt: "new password for \(name): ", userName: name)
                try store.setPassword(name: name, passwordHash: settings.application.staffSessions.hasher.hash(password), at: UserCommand.now())
                print("password of \(name) changed; its sessions ended")
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

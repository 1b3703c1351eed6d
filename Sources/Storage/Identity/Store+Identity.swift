import Domain
import Foundation

/// A staff account as the operator and the console see it (never its password hash).
package struct StaffUserRecord: Sendable, Equatable, Codable {
    package var id: Int64
    package var name: String
    package var displayName: String
    package var role: StaffRole
    package var departments: [String]
    package var disabled: Bool
    package var createdAt: Int64

    package var principal: StaffPrincipal {
        StaffPrincipal(userID: id, name: name, role: role, departments: Set(departments))
    }
}

/// What a login needs: the account and its stored password hash.
package struct LoginRecord: Sendable {
    package var user: StaffUserRecord
    package var passwordHash: String
}

/// A session found by its token's hash.
package struct SessionRecord: Sendable {
    package var user: StaffUserRecord
    package var createdAt: Int64
    package var lastSeenAt: Int64
    package var revoked: Bool
}

/// Why an account change was refused; the operator's command prints it.
package enum IdentityError: Error, Equatable, CustomStringConvertible {
    case nameTaken(String)
    case invalidName(String)
    case unknownUser(String)
    case unknownDepartment(String)
    case departmentRequired
    case departmentsForStaffOnly
    /// Disabling the only active admin would leave nobody to manage accounts.
    case lastAdmin(String)

    package var description: String {
        switch self {
        case .nameTaken(let name): "a user named \"\(name)\" already exists"
        case .invalidName(let name):
            "\"\(name)\" is not a valid user name: use 1 to 64 lower-case letters, digits, '.', '_' or '-'"
        case .unknownUser(let name): "there is no user named \"\(name)\""
        case .unknownDepartment(let id):
            "there is no department \"\(id)\" (departments come from the departments file, config/departments.yaml)"
        case .departmentRequired: "office staff need at least one department"
        case .departmentsForStaffOnly: "departments are for office staff; a moderator or an admin reads every department's letters"
        case .lastAdmin(let name): "\(name) is the only active admin; add or enable another admin first"
        }
    }
}

extension Store {
    static let userSelection = """
        SELECT u.id, u.name, u.display_name, u.role, u.disabled, u.created_at,
            (SELECT string_agg(m.department, ',') FROM staff_membership m WHERE m."user" = u.id)
        FROM staff_user u
        """

    static func user(_ row: SQLRow) -> StaffUserRecord {
        let departments: String? = row[6]
        return StaffUserRecord(
            id: row[0], name: row[1], displayName: row[2], role: StaffRole(rawValue: row[3]) ?? .staff,
            departments: (departments ?? "").split(separator: ",").map(String.init).sorted(), disabled: row[4],
            createdAt: row[5])
    }

    package static func isValidUserName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64 && name.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2e || byte == 0x5f || byte == 0x2d
        }
    }

    /// Creates an account. Staff need a department; every department must exist.
    @discardableResult
    package func addUser(name: String, displayName: String?, role: StaffRole, departments: [String], passwordHash: String,
                         at: Int64, actor: String = "operator") throws -> StaffUserRecord {
        try write { db in
            try Self.addUser(db, name: name, displayName: displayName, role: role, departments: departments, passwordHash: passwordHash,
                             at: at, actor: actor)
        }
    }

    /// Sets a new password hash and ends every session of the user.
    package func setPassword(name: String, passwordHash: String, at: Int64, actor: String = "operator") throws {
        try write { db in try Self.setPassword(db, name: name, passwordHash: passwordHash, at: at, actor: actor) }
    }

    /// Disables (or enables) an account; disabling ends every session of the user.
    package func setDisabled(name: String, _ disabled: Bool, at: Int64, actor: String = "operator") throws {
        try write { db in try Self.setDisabled(db, name: name, disabled, at: at, actor: actor) }
    }

    // The same writes inside a transaction of the caller's: the command line's own, or the single writer's (the console).

    static func addUser(_ db: any SQLConnection, name: String, displayName: String?, role: StaffRole, departments: [String],
                        passwordHash: String, at: Int64, actor: String) throws -> StaffUserRecord {
        guard isValidUserName(name) else { throw IdentityError.invalidName(name) }
        if role == .staff, departments.isEmpty { throw IdentityError.departmentRequired }
        if role != .staff, !departments.isEmpty { throw IdentityError.departmentsForStaffOnly }
        if try db.row("SELECT 1 FROM staff_user WHERE name = ?1", name) != nil {
            throw IdentityError.nameTaken(name)
        }
        for department in departments where try db.row("SELECT 1 FROM department WHERE id = ?1", department) == nil {
            throw IdentityError.unknownDepartment(department)
        }
        let shown = String((displayName?.isEmpty == false ? displayName! : name).prefix(64))
        let id: Int64 = try db.row("""
            INSERT INTO staff_user (name, display_name, role, password_hash, created_at, password_changed_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?5) RETURNING id
            """, name, shown, role.rawValue, passwordHash, at)![0]
        for department in Set(departments).sorted() {
            try db.execute("INSERT INTO staff_membership (\"user\", department) VALUES (?1, ?2)", id, department)
        }
        try db.execute("INSERT INTO audit_entry (at, actor, action, subject, detail) VALUES (?1, ?2, 'user.add', ?3, ?4)",
                       at, actor, "user:\(name)", role.rawValue)
        return try db.row(userSelection + " WHERE u.id = ?1", id).map(user)!
    }

    static func setPassword(_ db: any SQLConnection, name: String, passwordHash: String, at: Int64, actor: String) throws {
        let changed = try db.execute("UPDATE staff_user SET password_hash = ?1, password_changed_at = ?2 WHERE name = ?3",
                                     passwordHash, at, name)
        guard changed == 1 else { throw IdentityError.unknownUser(name) }
        try db.execute("""
            UPDATE staff_session SET revoked_at = ?1 WHERE revoked_at IS NULL AND "user" = (SELECT id FROM staff_user WHERE name = ?2)
            """, at, name)
        try db.execute("INSERT INTO audit_entry (at, actor, action, subject) VALUES (?1, ?2, 'user.passwd', ?3)",
                       at, actor, "user:\(name)")
    }

    static func setDisabled(_ db: any SQLConnection, name: String, _ disabled: Bool, at: Int64, actor: String) throws {
        if disabled, try db.value(String.self, "SELECT role FROM staff_user WHERE name = ?1 AND disabled = 0", [name.sqlValue]) == "admin",
           try db.value(Int64.self, "SELECT count(*) FROM staff_user WHERE role = 'admin' AND disabled = 0") == 1 {
            throw IdentityError.lastAdmin(name)
        }
        let changed = try db.execute("UPDATE staff_user SET disabled = ?1 WHERE name = ?2", disabled, name)
        guard changed == 1 else { throw IdentityError.unknownUser(name) }
        if disabled {
            try db.execute("""
                UPDATE staff_session SET revoked_at = ?1 WHERE revoked_at IS NULL AND "user" = (SELECT id FROM staff_user WHERE name = ?2)
                """, at, name)
        }
        try db.execute("INSERT INTO audit_entry (at, actor, action, subject) VALUES (?1, ?2, ?3, ?4)",
                       at, actor, disabled ? "user.disable" : "user.enable", "user:\(name)")
    }

    package func users() throws -> [StaffUserRecord] {
        try read { db in try db.rows(Self.userSelection + " ORDER BY u.name").map(Self.user) }
    }

    package func hasActiveAdmin() throws -> Bool {
        try read { db in
            try db.row("SELECT 1 FROM staff_user WHERE role = 'admin' AND disabled = 0 LIMIT 1") != nil
        }
    }

    /// The account a login names (disabled ones too: the caller answers them like a wrong password).
    package func login(name: String) throws -> LoginRecord? {
        try read { db in
            guard let row = try db.row(Self.userSelection + " WHERE u.name = ?1", name) else { return nil }
            let hash = try db.value(String.self, "SELECT password_hash FROM staff_user WHERE id = ?1", [(row[0] as Int64).sqlValue]) ?? ""
            return LoginRecord(user: Self.user(row), passwordHash: hash)
        }
    }

    package func session(tokenHash: [UInt8]) throws -> SessionRecord? {
        // Every staff request asks: the statements are prepared once per reading connection and reused.
        try read { db in
            guard let row = try db.row("""
                SELECT "user", created_at, last_seen_at, CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END
                FROM staff_session WHERE token_hash = ?1
                """, tokenHash) else { return nil }
            guard let user = try db.row(Self.userSelection + " WHERE u.id = ?1", row[0] as Int64).map(Self.user) else {
                return nil
            }
            return SessionRecord(user: user, createdAt: row[1], lastSeenAt: row[2], revoked: row[3])
        }
    }
}

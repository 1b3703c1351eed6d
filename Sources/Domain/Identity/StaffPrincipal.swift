/// The signed-in user a staff request acts for, as its live session says.
package struct StaffPrincipal: Sendable, Equatable, Codable {
    package var userID: Int64
    /// The user name (`li.wei`): what a thread's `assignee` and an entry's `author` hold.
    package var name: String
    package var role: StaffRole
    /// Department ids the user belongs to.
    package var departments: Set<String>

    package init(userID: Int64, name: String, role: StaffRole, departments: Set<String>) {
        self.userID = userID
        self.name = name
        self.role = role
        self.departments = departments
    }
}

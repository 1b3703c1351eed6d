import Foundation

/// A value bound to a statement's parameter, the same for SQLite and PostgreSQL. A null keeps its type
/// (`.text(nil)`), because PostgreSQL types every parameter: `?2 IS NULL OR p.campaign = ?2` needs to know `?2` is
/// text even when it is null. Booleans are integers 0 and 1, as the schema keeps them.
package enum SQLValue: Sendable, Equatable {
    case integer(Int64?)
    case text(String?)
    case blob([UInt8]?)
    case real(Double?)

    package var isNull: Bool {
        switch self {
        case .integer(let value): value == nil
        case .text(let value): value == nil
        case .blob(let value): value == nil
        case .real(let value): value == nil
        }
    }
}

/// What a Swift value binds as.
package protocol SQLBindable {
    var sqlValue: SQLValue { get }
}

extension Int64: SQLBindable { package var sqlValue: SQLValue { .integer(self) } }
extension Int: SQLBindable { package var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Int32: SQLBindable { package var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Bool: SQLBindable { package var sqlValue: SQLValue { .integer(self ? 1 : 0) } }
extension String: SQLBindable { package var sqlValue: SQLValue { .text(self) } }
extension Substring: SQLBindable { package var sqlValue: SQLValue { .text(String(self)) } }
extension Double: SQLBindable { package var sqlValue: SQLValue { .real(self) } }
extension Array: SQLBindable where Element == UInt8 { package var sqlValue: SQLValue { .blob(self) } }
extension Data: SQLBindable { package var sqlValue: SQLValue { .blob([UInt8](self)) } }
extension SQLValue: SQLBindable { package var sqlValue: SQLValue { self } }

extension Optional: SQLBindable where Wrapped: SQLBindable & SQLTyped {
    package var sqlValue: SQLValue { self?.sqlValue ?? Wrapped.sqlNull }
}

/// A type whose null is typed: what `nil` of an optional binds as.
package protocol SQLTyped {
    static var sqlNull: SQLValue { get }
}

extension Int64: SQLTyped { package static var sqlNull: SQLValue { .integer(nil) } }
extension Int: SQLTyped { package static var sqlNull: SQLValue { .integer(nil) } }
extension Int32: SQLTyped { package static var sqlNull: SQLValue { .integer(nil) } }
extension Bool: SQLTyped { package static var sqlNull: SQLValue { .integer(nil) } }
extension String: SQLTyped { package static var sqlNull: SQLValue { .text(nil) } }
extension Double: SQLTyped { package static var sqlNull: SQLValue { .real(nil) } }
extension Array: SQLTyped where Element == UInt8 { package static var sqlNull: SQLValue { .blob(nil) } }
extension Data: SQLTyped { package static var sqlNull: SQLValue { .blob(nil) } }

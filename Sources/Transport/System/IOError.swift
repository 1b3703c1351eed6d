#if canImport(Glibc)
import Glibc
#endif

/// An error from a system call: the call's name and the `errno` it left.
package struct IOError: Error, CustomStringConvertible, Sendable, Equatable {
    package var call: StaticString
    package var errno: Int32

    package init(_ call: StaticString, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    package var description: String {
        "\(call) failed: \(String(cString: strerror(errno))) (errno \(errno))"
    }

    package static func == (lhs: IOError, rhs: IOError) -> Bool {
        lhs.errno == rhs.errno && lhs.call.description == rhs.call.description
    }
}

/// The outcome of a non-blocking call: it completed, or it would have blocked.
package enum IOResult<Value> {
    case processed(Value)
    case wouldBlock
}

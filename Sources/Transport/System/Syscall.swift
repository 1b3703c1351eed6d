#if canImport(Glibc)
import Glibc
#endif

/// The one wrapper every system call goes through (STYLE.md §6):
/// it retries `EINTR`, turns `EAGAIN`/`EWOULDBLOCK` into `.wouldBlock`, throws any other errno with the call's
/// name, and stops the process on errnos only a bug can cause (`EBADF`, `EFAULT`, `ENOTSOCK`): those mean a
/// descriptor was used after close or a pointer was wrong, and carrying on would corrupt someone else's socket.
@inline(__always)
package func syscall<T: FixedWidthInteger>(
    _ name: StaticString,
    _ body: () -> T
) throws(IOError) -> IOResult<T> {
    while true {
        let result = body()
        if result >= 0 { return .processed(result) }
        let err = errno
        switch err {
        case EINTR:
            continue
        case EAGAIN, EWOULDBLOCK:
            return .wouldBlock
        case EBADF, EFAULT, ENOTSOCK:
            preconditionFailure("\(name) failed with errno \(err) (\(String(cString: strerror(err)))): a bug in descriptor handling")
        default:
            throw IOError(name, errno: err)
        }
    }
}

/// `syscall` for calls that never block (setsockopt, bind, listen...): `.wouldBlock` is an error there.
@inline(__always)
@discardableResult
package func syscallNonBlocking<T: FixedWidthInteger>(
    _ name: StaticString,
    _ body: () -> T
) throws(IOError) -> T {
    switch try syscall(name, body) {
    case .processed(let value): return value
    case .wouldBlock: throw IOError(name, errno: EAGAIN)
    }
}

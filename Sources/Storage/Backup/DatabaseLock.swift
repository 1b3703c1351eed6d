import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The server's claim on its database: an exclusive `flock` on `<database>.lock`, held for the server's whole life.
/// `lastword restore` takes the same lock, without waiting, before it replaces anything, and holds it until it is
/// done — so a restore never runs under a server, and a server never starts in the middle of a restore (nor a second
/// server on the same database: two would keep two live tallies of one table).
///
/// Why a lock file and `flock`: the kernel drops the lock when its process ends, however it ends, so `kill -9` or a
/// power loss never leaves a stale lock behind (a pid file would); and a file of its own, not the database, because
/// a restore replaces the database's file with another (a lock on the old one would vanish with it). The file stays
/// after the server stops — its existence means nothing, only the lock does — and is never deleted: a process could
/// otherwise hold the lock on a deleted file while another takes it on a new one. It holds the holder's process id,
/// for the message of whoever is refused. Other commands (`verify`, `user`, `backup`, `export`) do not take it: they
/// work beside a running server.
package final class DatabaseLock: Sendable {
    /// `<database>.lock`.
    package let path: String
    /// The open lock file while the lock is held; nil once released.
    private let descriptor: Mutex<Int32?>

    /// Takes the lock, or throws `StorageError.inUse` at once (it does not wait) naming the process that holds it.
    package init(databasePath: String) throws(StorageError) {
        path = databasePath + ".lock"
        var fd: Int32
        repeat {
            fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        } while fd < 0 && errno == EINTR
        if fd < 0, errno == EACCES {
            // Made by another user (a restore run as root): a lock needs only to open it; the holder's id is not written.
            repeat {
                fd = open(path, O_RDONLY | O_CLOEXEC)
            } while fd < 0 && errno == EINTR
        }
        guard fd >= 0 else {
            throw .openFailed(path: databasePath, reason: "its lock file \(path) cannot be opened: \(String(cString: strerror(errno)))")
        }
        var result: Int32
        repeat {
            result = flock(fd, LOCK_EX | LOCK_NB)
        } while result != 0 && errno == EINTR
        guard result == 0 else {
            let code = errno
            let holder = Self.holder(fd)
            close(fd)
            if code == EWOULDBLOCK {
                throw .inUse(path: databasePath, lockFile: path, holder: holder)
            }
            throw .openFailed(path: databasePath, reason: "its lock file \(path) cannot be locked: \(String(cString: strerror(code)))")
        }
        // Who holds it, for whoever is refused; advisory only (the lock is the flock, not this text).
        let text = Array("\(getpid())\n".utf8)
        if ftruncate(fd, 0) == 0 {
            _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        }
        descriptor = Mutex(fd)
    }

    /// Lets go of the lock (closing the file drops it). Later calls do nothing.
    package func release() {
        descriptor.withLock { fd in
            if let open = fd { close(open) }
            fd = nil
        }
    }

    deinit { release() }

    /// The process id written in the lock file by its holder, if it reads as one.
    private static func holder(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<count].prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }, as: UTF8.self))
    }
}

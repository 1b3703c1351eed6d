#if canImport(Glibc)
import Glibc
#endif

/// The file-system calls backups and restores make, each retried on EINTR and turned into `BackupError.system`
/// naming the call and the path. What makes a copy durable and its appearance atomic: write it under a temporary
/// name, fsync it, rename it into place, fsync the directory (so the rename itself survives a power loss).
enum FileOperations {
    enum Kind: Equatable {
        case missing, regularFile, directory, other
    }

    static func kind(of path: String) -> Kind {
        var info = stat()
        guard stat(path, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regularFile
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    /// Size in bytes; nil when the file does not exist.
    static func size(of path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_size)
    }

    /// Whether the two paths name the same file (device and inode), whatever the spelling or links.
    static func sameFile(_ first: String, _ second: String) -> Bool {
        var a = stat()
        var b = stat()
        guard stat(first, &a) == 0, stat(second, &b) == 0 else { return false }
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let head = String(path[..<slash])
        return head.isEmpty ? "/" : head
    }

    static func name(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// Flushes a file's data and metadata to the disk.
    static func fsync(_ path: String) throws(BackupError) {
        let descriptor = try open(path, O_RDONLY)
        defer { close(descriptor) }
        try sync(descriptor, path: path)
    }

    /// Flushes a directory, so that names created, renamed or removed in it survive a power loss.
    static func fsyncDirectory(_ path: String) throws(BackupError) {
        let descriptor = try open(path, O_RDONLY | O_DIRECTORY)
        defer { close(descriptor) }
        try sync(descriptor, path: path)
    }

    static func rename(_ from: String, to: String) throws(BackupError) {
        try retrying("rename", from + " to " + to) { Glibc.rename(from, to) }
    }

    /// A second name for a file; fails with EEXIST when `to` exists, which makes it a rename that never replaces.
    static func link(_ from: String, to: String) throws(BackupError) {
        try retrying("link", from + " to " + to) { Glibc.link(from, to) }
    }

    /// `link`, answering false when `to` exists (someone took the name meanwhile).
    static func linkUnlessTaken(_ from: String, to: String) throws(BackupError) -> Bool {
        while Glibc.link(from, to) != 0 {
            if errno == EINTR { continue }
            if errno == EEXIST { return false }
            throw .system(call: "link", path: from + " to " + to, errno: errno)
        }
        return true
    }

    /// Removes a name; a name that is not there is not an error.
    static func remove(_ path: String) throws(BackupError) {
        while unlink(path) != 0 {
            if errno == EINTR { continue }
            if errno == ENOENT { return }
            throw .system(call: "unlink", path: path, errno: errno)
        }
    }

    /// A file opened for reading, or nil with `errno` set.
    static func openForReading(_ path: String) -> Int32? {
        while true {
            let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            if descriptor >= 0 { return descriptor }
            if errno != EINTR { return nil }
        }
    }

    /// Copies what `source` (open, named `from`; closed here) holds to a new file `to`, which must not exist, and
    /// fsyncs it.
    static func copy(_ source: Int32, named from: String, to: String) throws(BackupError) {
        defer { close(source) }
        let destination = try open(to, O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
        defer { close(destination) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .system(call: "read", path: from, errno: errno)
            }
            if count == 0 { break }
            var written = 0
            while written < count {
                let result = buffer.withUnsafeBytes { write(destination, $0.baseAddress! + written, count - written) }
                if result < 0 {
                    if errno == EINTR { continue }
                    throw .system(call: "write", path: to, errno: errno)
                }
                written += result
            }
        }
        try sync(destination, path: to)
    }

    /// `mkdir -p`.
    static func makeDirectories(_ path: String, mode: mode_t) throws(BackupError) {
        if kind(of: path) == .directory { return }
        let up = parent(of: path)
        if up != path, kind(of: up) == .missing { try makeDirectories(up, mode: mode) }
        if mkdir(path, mode) != 0, errno != EEXIST { throw .system(call: "mkdir", path: path, errno: errno) }
    }

    static func setMode(_ mode: mode_t, of path: String) throws(BackupError) {
        try retrying("chmod", path) { chmod(path, mode) }
    }

    /// Gives `to` the owner and group of `from`, when run as root (nobody else may).
    static func copyOwner(from: String, to: String) {
        var info = stat()
        guard geteuid() == 0, stat(from, &info) == 0 else { return }
        _ = chown(to, info.st_uid, info.st_gid)
    }

    /// Gives `to` the owner, group and permission bits of `from` (a restored database keeps the replaced one's, so a
    /// restore run as root leaves a file the server's user can still write). The owner can be changed only by root;
    /// otherwise the file is this user's already.
    static func copyOwnership(from: String, to: String) {
        var info = stat()
        guard stat(from, &info) == 0 else { return }
        if geteuid() == 0 { _ = chown(to, info.st_uid, info.st_gid) }
        _ = chmod(to, info.st_mode & 0o7777)
    }

    private static func open(_ path: String, _ flags: Int32, mode: mode_t = 0) throws(BackupError) -> Int32 {
        while true {
            let descriptor = Glibc.open(path, flags | O_CLOEXEC, mode)
            if descriptor >= 0 { return descriptor }
            if errno == EINTR { continue }
            throw .system(call: "open", path: path, errno: errno)
        }
    }

    private static func sync(_ descriptor: Int32, path: String) throws(BackupError) {
        try retrying("fsync", path) { Glibc.fsync(descriptor) }
    }

    private static func retrying(_ call: String, _ path: String, _ body: () -> Int32) throws(BackupError) {
        while body() != 0 {
            if errno == EINTR { continue }
            throw .system(call: call, path: path, errno: errno)
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// A temporary directory, removed with everything in it when the value goes away.
package final class TemporaryDirectory {
    package let path: String

    package init() throws {
        var template = Array("/tmp/lastword-test-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw TestClientError.system("mkdtemp", errno: errno)
        }
        path = String(cString: made)
    }

    deinit { Self.remove(path) }

    package func write(_ relativePath: String, _ bytes: [UInt8]) throws {
        let full = path + "/" + relativePath
        let fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TestClientError.system("open \(full)", errno: errno) }
        defer { Glibc.close(fd) }
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw TestClientError.system("write \(full)", errno: errno) }
    }

    package func write(_ relativePath: String, _ text: String) throws {
        try write(relativePath, Array(text.utf8))
    }

    package func makeDirectory(_ relativePath: String) throws {
        guard mkdir(path + "/" + relativePath, 0o755) == 0 else { throw TestClientError.system("mkdir", errno: errno) }
    }

    package func symlink(_ relativePath: String, to target: String) throws {
        guard Glibc.symlink(target, path + "/" + relativePath) == 0 else { throw TestClientError.system("symlink", errno: errno) }
    }

    private static func remove(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            if let directory = opendir(path) {
                while let entry = readdir(directory) {
                    let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                    }
                    if name == "." || name == ".." { continue }
                    remove(path + "/" + name)
                }
                closedir(directory)
            }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}

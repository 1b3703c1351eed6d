import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A line on standard error: warnings that must not mix with what a script reads from standard output.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
}

/// The system's directory for temporary files (`TMPDIR`, or /tmp).
func temporaryDirectory() -> String {
    let path = FileManager.default.temporaryDirectory.path
    return path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
}

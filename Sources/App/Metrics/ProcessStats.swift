#if canImport(Glibc)
import Glibc
#endif

/// The process's resource use, read from /proc at scrape time (Linux only; a field that cannot be read is nil and
/// its metric is left out of that scrape).
package struct ProcessStats: Sendable, Equatable {
    package var residentBytes: Int?
    package var virtualBytes: Int?
    package var openDescriptors: Int?
    package var maxDescriptors: Int?
    package var cpuSeconds: Double?
    package var startTimeSeconds: Double?

    package static func read() -> ProcessStats {
        var stats = ProcessStats()
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = sysconf(Int32(_SC_PAGESIZE))
        if let text = readProcFile("/proc/self/stat"), let fields = statFields(text), ticks > 0 {
            // proc(5): utime 14, stime 15, starttime 22, vsize 23, rss 24 (1-based; field 3, the state, is first here).
            func field(_ number: Int) -> Double? { fields.count > number - 3 ? Double(fields[number - 3]) : nil }
            if let user = field(14), let system = field(15) { stats.cpuSeconds = (user + system) / ticks }
            if let virtual = field(23) { stats.virtualBytes = Int(virtual) }
            if let pages = field(24) { stats.residentBytes = Int(pages) * pageSize }
            if let started = field(22), let boot = bootTime() { stats.startTimeSeconds = boot + started / ticks }
        }
        stats.openDescriptors = countOpenDescriptors()
        var limit = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < rlim_t(Int.max) { stats.maxDescriptors = Int(limit.rlim_cur) }
        return stats
    }

    /// The fields of /proc/self/stat after the command name (which is in parentheses and may hold spaces).
    static func statFields(_ text: String) -> [Substring]? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
    }

    /// The boot time from /proc/stat's `btime` line, in seconds since the epoch.
    private static func bootTime() -> Double? {
        guard let text = readProcFile("/proc/stat") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(String(line.dropFirst("btime ".count)).filter { $0 != " " })
        }
        return nil
    }

    /// Entries of /proc/self/fd, less the one the directory listing itself holds open.
    private static func countOpenDescriptors() -> Int? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { name in name[0] == UInt8(ascii: ".") }
            if !isDot { count += 1 }
        }
        return max(0, count - 1)
    }

    /// A small /proc file (a few KiB at most); nil if it cannot be read.
    private static func readProcFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 1 << 20 {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

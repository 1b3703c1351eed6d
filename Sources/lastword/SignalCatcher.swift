import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Catches signals from the moment it is made: a C handler, installed with sigaction before `init` returns, writes the
/// signal's number into a pipe (write(2) is async-signal-safe), and a dispatch read source on the pipe hands each to
/// `handler` on `queue`.
///
/// Not a dispatch signal source: on Linux its registration completes later, on libdispatch's manager thread, and a
/// signal that came in between met the disposition set to keep the default action away (ignore) and was lost — a
/// SIGTERM sent right after the server's first log line then never shut it down (the interop lifecycle test, on a
/// busy machine).
final class SignalCatcher: @unchecked Sendable {
    // @unchecked Sendable: `source` is set once in init and only cancelled afterwards, which DispatchSource allows from
    // any thread; the pipe's descriptors are constants.
    private let source: DispatchSourceRead
    private let pipe: (read: Int32, write: Int32)
    private let signals: [Int32]

    /// `signals`: at most one catcher per signal at a time (a later one takes the signal over).
    init(_ signals: [Int32], queue: DispatchQueue, handler: @escaping @Sendable (Int32) -> Void) {
        var descriptors: [Int32] = [-1, -1]
        let made = Glibc.pipe(&descriptors)
        precondition(made == 0, "pipe failed: \(String(cString: strerror(errno)))")
        for descriptor in descriptors {
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        }
        pipe = (descriptors[0], descriptors[1])
        self.signals = signals
        let readEnd = descriptors[0]
        source = DispatchSource.makeReadSource(fileDescriptor: readEnd, queue: queue)
        source.setEventHandler {
            var bytes = [UInt8](repeating: 0, count: 64)
            while true {
                let count = read(readEnd, &bytes, bytes.count)
                if count <= 0 { break }
                for byte in bytes[0..<count] { handler(Int32(byte)) }
            }
        }
        source.setCancelHandler { [pipe] in
            close(pipe.read)
            close(pipe.write)
        }
        source.resume()
        let table = SignalPipes.table
        for signal in signals where signal > 0 && signal < SignalPipes.count {
            table[Int(signal)] = descriptors[1]
            var action = sigaction()
            action.__sigaction_handler.sa_handler = signalCaught
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(signal, &action, nil)
        }
    }

    /// The signals are ignored from now on (their handler is gone), and the pipe is closed.
    func cancel() {
        for signal in signals where signal > 0 && signal < SignalPipes.count {
            Glibc.signal(signal, SIG_IGN)
            if SignalPipes.table[Int(signal)] == pipe.write { SignalPipes.table[Int(signal)] = -1 }
        }
        source.cancel()
    }
}

/// Each signal's pipe: what the C handler writes to (-1: none). Allocated once, before any handler is installed, so
/// the handler reads plain memory and calls nothing of Swift's runtime.
private enum SignalPipes {
    static let count = 65
    nonisolated(unsafe) static let table: UnsafeMutablePointer<Int32> = {
        let table = UnsafeMutablePointer<Int32>.allocate(capacity: count)
        table.initialize(repeating: -1, count: count)
        return table
    }()
}

/// The C handler: the signal's number, as one byte, into its pipe. Only async-signal-safe calls (write); errno kept.
private func signalCaught(_ signal: Int32) {
    let saved = errno
    if signal > 0 && signal < SignalPipes.count {
        let descriptor = SignalPipes.table[Int(signal)]
        if descriptor >= 0 {
            var byte = UInt8(truncatingIfNeeded: signal)
            _ = write(descriptor, &byte, 1)
        }
    }
    errno = saved
}

import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// The dispatch sources that watch libpq's socket for one connection: a read source (suspended while not wanted)
/// and a write source that exists only while output is pending, as Transport's per-connection sources do.
///
/// They watch a duplicate of libpq's descriptor that this object owns, not libpq's own: libpq closes its socket
/// when it moves to the next host or retries without TLS, and also in PQfinish, and a new socket may get the same
/// number at once. A source on a descriptor closed under it would watch whatever reuses the number; the
/// duplicate keeps the old socket's file open until both sources are cancelled, and is closed in the cancel
/// handler of the last one (STYLE.md §6). Whoever owns a watch changes its interest and cancels it on its queue.
final class SocketWatch {
    /// Which socket this is: a descriptor number can be reused, a socket's inode cannot while it is open.
    struct Identity: Equatable {
        let descriptor: Int32
        let device: UInt64
        let inode: UInt64

        init?(descriptor: Int32) {
            var info = stat()
            guard descriptor >= 0, fstat(descriptor, &info) == 0 else { return nil }
            self.descriptor = descriptor
            self.device = UInt64(info.st_dev)
            self.inode = UInt64(info.st_ino)
        }
    }

    let identity: Identity
    private let fd: Int32
    private let queue: DispatchQueue
    private var read: DispatchSourceRead?
    private var readSuspended = true
    private var write: DispatchSourceWrite?
    private var live = 0
    private var cancelled = false
    private var onReadable: (() -> Void)?
    private var onWritable: (() -> Void)?
    private var afterCancel: (() -> Void)?

    /// Watches the socket `identity` names (libpq's descriptor), through a duplicate. Nil when dup fails (EMFILE).
    init?(identity: Identity, queue: DispatchQueue, onReadable: @escaping () -> Void, onWritable: @escaping () -> Void) {
        let duplicate = fcntl(identity.descriptor, F_DUPFD_CLOEXEC, 0)
        guard duplicate >= 0 else { return nil }
        self.identity = identity
        self.fd = duplicate
        self.queue = queue
        self.onReadable = onReadable
        self.onWritable = onWritable
        let source = DispatchSource.makeReadSource(fileDescriptor: duplicate, queue: queue)
        source.setEventHandler { [self] in self.onReadable?() }
        source.setCancelHandler { [self] in sourceCancelled() }
        live = 1
        read = source  // suspended until the first setInterest(read: true, …)
    }

    func setInterest(read wantRead: Bool, write wantWrite: Bool) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !cancelled else { return }
        if wantRead, readSuspended {
            readSuspended = false
            read?.resume()
        } else if !wantRead, !readSuspended {
            readSuspended = true
            read?.suspend()
        }
        if wantWrite, write == nil {
            let source = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
            source.setEventHandler { [self] in self.onWritable?() }
            source.setCancelHandler { [self] in sourceCancelled() }
            live += 1
            write = source
            source.resume()
        } else if !wantWrite, let source = write {
            write = nil
            source.cancel()
        }
    }

    /// Cancels both sources; once neither can fire again the duplicate is closed and `then` runs (on the queue):
    /// that is where the connection calls PQfinish.
    func cancel(then: (() -> Void)? = nil) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !cancelled else { return }
        cancelled = true
        afterCancel = then
        onReadable = nil
        onWritable = nil
        if readSuspended {
            readSuspended = false
            read?.resume()  // a suspended source never runs its cancel handler
        }
        read?.cancel()
        read = nil
        write?.cancel()
        write = nil
    }

    private func sourceCancelled() {
        live -= 1
        guard live == 0, cancelled else { return }
        _ = Glibc.close(fd)
        let then = afterCancel
        afterCancel = nil
        then?()
    }
}

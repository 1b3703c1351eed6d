import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// The socket calls the transport makes, each through `syscall` (STYLE.md §6). Descriptors are plain `Int32`s here;
/// ownership lives with `Connection` and `Listener`, which close a descriptor only after all of its dispatch sources are cancelled.
package enum Socket {
    /// A listening socket: non-blocking, close-on-exec, SO_REUSEADDR; IPv6 sockets are dual-stack only when `v6Only` is false.
    package static func listen(on address: SocketAddress, backlog: Int32, v6Only: Bool = true) throws(IOError) -> Int32 {
        let fd = try syscallNonBlocking("socket") { socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        do throws(IOError) {
            try setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
            if address.family == AF_INET6 {
                try setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, v6Only ? 1 : 0)
            }
            let bound = address.withSockAddr { addr, len in Glibc.bind(fd, addr, len) }
            if bound < 0 { throw IOError("bind", errno: errno) }
            try syscallNonBlocking("listen") { Glibc.listen(fd, backlog) }
            return fd
        } catch {
            _ = Glibc.close(fd)
            throw error
        }
    }

    /// `accept4` with SOCK_NONBLOCK | SOCK_CLOEXEC. `.wouldBlock` when the queue is empty.
    package static func accept(_ listener: Int32) throws(IOError) -> IOResult<(Int32, SocketAddress?)> {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = try withUnsafeMutablePointer(to: &storage) { pointer throws(IOError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { addr throws(IOError) in
                try syscall("accept4") { lw_accept4(listener, addr, &length, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)) }
            }
        }
        switch result {
        case .wouldBlock:
            return .wouldBlock
        case .processed(let fd):
            return .processed((fd, withUnsafePointer(to: &storage) { SocketAddress($0) }))
        }
    }

    /// The local address a socket is bound to (to learn the port the kernel picked for port 0).
    package static func localAddress(_ fd: Int32) throws(IOError) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        if rc < 0 { throw IOError("getsockname", errno: errno) }
        return withUnsafePointer(to: &storage) { SocketAddress($0) }
    }

    /// `recv` into `buffer`; `.processed(0)` is end of stream. `recv` rather than `read`: it goes straight to the
    /// socket layer, skipping the file (VFS) layer a socket does not need.
    @inline(__always)
    package static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(IOError) -> IOResult<Int> {
        try syscall("recv") { Glibc.recv(fd, buffer.baseAddress, buffer.count, 0) }
    }

    /// Sends up to IOV_MAX vectors; returns the number of bytes the kernel took. One vector (the common case: a
    /// reply, or one broadcast message) goes through `send`, several through `sendmsg`: both go straight to the
    /// socket layer, where `writev` first passes through the file layer — measurable at 100,000 sends a second.
    /// MSG_NOSIGNAL: a peer that has gone away is an EPIPE here, never a SIGPIPE (which is also ignored).
    @inline(__always)
    package static func send(_ fd: Int32, _ vectors: UnsafeBufferPointer<iovec>) throws(IOError) -> IOResult<Int> {
        if vectors.count == 1 {
            let vector = vectors[0]
            return try syscall("send") { Glibc.send(fd, vector.iov_base, vector.iov_len, Int32(MSG_NOSIGNAL)) }
        }
        return try syscall("sendmsg") {
            var message = msghdr()
            message.msg_iov = UnsafeMutablePointer(mutating: vectors.baseAddress)
            message.msg_iovlen = vectors.count
            return Glibc.sendmsg(fd, &message, Int32(MSG_NOSIGNAL))
        }
    }

    /// `send` of one buffer (TLS records from the loop's scratch), MSG_NOSIGNAL as above.
    @inline(__always)
    package static func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(IOError) -> IOResult<Int> {
        try syscall("send") { Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
    }

    @inline(__always)
    package static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(IOError) -> IOResult<Int> {
        try syscall("write") { Glibc.write(fd, bytes.baseAddress, bytes.count) }
    }

    package static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) throws(IOError) {
        var value = value
        try syscallNonBlocking("setsockopt") { setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) }
    }

    /// Half-closes the sending side (a lingering close: the peer reads our last response before it sees EOF).
    package static func shutdownWrite(_ fd: Int32) {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// Closes a descriptor. EINTR on close must not be retried on Linux (the descriptor is gone either way).
    package static func close(_ fd: Int32) {
        let rc = Glibc.close(fd)
        if rc < 0 && errno == EBADF {
            preconditionFailure("close(\(fd)) failed with EBADF: a descriptor was closed twice")
        }
    }

    /// Makes the next `close` send RST instead of FIN (SO_LINGER 0): used to abort a connection that is misbehaving.
    package static func setAbortiveClose(_ fd: Int32) {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
    }
}

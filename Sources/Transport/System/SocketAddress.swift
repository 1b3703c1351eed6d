#if canImport(Glibc)
import Glibc
#endif

/// An IP address without a port: the key for per-client limits. IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`)
/// are folded to IPv4 so a dual-stack listener counts a client once.
package enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(UInt32)               // network byte order
    case v6(UInt64, UInt64)       // network byte order halves

    package var description: String {
        switch self {
        case .v4(var raw):
            var buffer = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            _ = inet_ntop(AF_INET, &raw, &buffer, socklen_t(buffer.count))
            return Self.string(buffer)
        case .v6(let hi, let lo):
            var raw = (hi, lo)
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            _ = withUnsafePointer(to: &raw) { inet_ntop(AF_INET6, $0, &buffer, socklen_t(buffer.count)) }
            return Self.string(buffer)
        }
    }

    private static func string(_ buffer: [CChar]) -> String {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    package var isLoopback: Bool {
        switch self {
        case .v4(let raw): return UInt32(bigEndian: raw) >> 24 == 127
        case .v6(let hi, let lo): return hi == 0 && lo == UInt64(1).bigEndian
        }
    }
}

/// A socket address (IPv4 or IPv6, with port), as the kernel gives and takes it.
package struct SocketAddress: Sendable, CustomStringConvertible {
    package enum Storage: Sendable {
        case v4(sockaddr_in)
        case v6(sockaddr_in6)
    }
    package var storage: Storage

    package init(_ storage: Storage) { self.storage = storage }

    /// Parses a numeric IPv4 or IPv6 address (no name resolution: a server binds what it is told).
    package init?(ip: String, port: Int) {
        guard (0...65535).contains(port) else { return nil }
        var v4 = sockaddr_in()
        if inet_pton(AF_INET, ip, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = in_port_t(UInt16(port).bigEndian)
            storage = .v4(v4)
            return
        }
        var v6 = sockaddr_in6()
        let bare = ip.hasPrefix("[") && ip.hasSuffix("]") ? String(ip.dropFirst().dropLast()) : ip
        if inet_pton(AF_INET6, bare, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = in_port_t(UInt16(port).bigEndian)
            storage = .v6(v6)
            return
        }
        return nil
    }

    /// Reads the address the kernel filled into a `sockaddr_storage`.
    package init?(_ raw: UnsafePointer<sockaddr_storage>) {
        switch Int32(raw.pointee.ss_family) {
        case AF_INET:
            storage = .v4(UnsafeRawPointer(raw).load(as: sockaddr_in.self))
        case AF_INET6:
            storage = .v6(UnsafeRawPointer(raw).load(as: sockaddr_in6.self))
        default:
            return nil
        }
    }

    package var family: Int32 {
        switch storage {
        case .v4: return AF_INET
        case .v6: return AF_INET6
        }
    }

    package var port: Int {
        switch storage {
        case .v4(let a): return Int(UInt16(bigEndian: a.sin_port))
        case .v6(let a): return Int(UInt16(bigEndian: a.sin6_port))
        }
    }

    package var ip: IPAddress {
        switch storage {
        case .v4(let a):
            return .v4(a.sin_addr.s_addr)
        case .v6(var a):
            let halves = withUnsafeBytes(of: &a.sin6_addr) { ($0.load(fromByteOffset: 0, as: UInt64.self), $0.load(fromByteOffset: 8, as: UInt64.self)) }
            // ::ffff:a.b.c.d → a.b.c.d
            let mappedPrefix = withUnsafeBytes(of: &a.sin6_addr) { bytes in
                bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff
            }
            if mappedPrefix {
                let v4 = withUnsafeBytes(of: &a.sin6_addr) { $0.load(fromByteOffset: 12, as: UInt32.self) }
                return .v4(v4)
            }
            return .v6(halves.0, halves.1)
        }
    }

    package var description: String {
        switch storage {
        case .v4: return "\(ip):\(port)"
        case .v6: return "[\(ip)]:\(port)"
        }
    }

    /// Calls `body` with the address as a `sockaddr` pointer and its length.
    package func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) rethrows -> R {
        switch storage {
        case .v4(var a):
            return try withUnsafePointer(to: &a) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        case .v6(var a):
            return try withUnsafePointer(to: &a) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
    }
}

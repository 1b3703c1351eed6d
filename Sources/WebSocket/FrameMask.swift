/// The masking transform of RFC 6455 §5.3: octet i of the payload is XORed with octet (i mod 4) of the masking key.
/// The same operation masks and unmasks.
///
/// The key is kept as a `UInt32` whose least significant byte is key octet 0 ("little-endian key"), so that on a
/// little-endian machine a word loaded from memory lines up with it without shuffling. The loop works 16 and 8 bytes at a
/// time; `phase` says which key octet the first byte of the buffer uses, so a frame's payload may be unmasked in pieces as
/// it arrives.
enum FrameMask {
    /// The key octets `k0 k1 k2 k3` as a little-endian key.
    @inline(__always)
    static func key(_ k0: UInt8, _ k1: UInt8, _ k2: UInt8, _ k3: UInt8) -> UInt32 {
        UInt32(k0) | UInt32(k1) << 8 | UInt32(k2) << 16 | UInt32(k3) << 24
    }

    /// The little-endian key rotated so that its octet 0 is the one that applies at offset `phase` of the payload.
    @inline(__always)
    static func rotated(_ key: UInt32, phase: Int) -> UInt32 {
        let shift = UInt32(phase & 3) * 8
        return shift == 0 ? key : key >> shift | key << (32 - shift)
    }

    /// XORs `count` bytes at `source` with the key into `destination` (which may be `source`).
    @inline(__always)
    static func apply(
        key: UInt32, phase: Int, from source: UnsafeRawPointer, to destination: UnsafeMutableRawPointer, count: Int
    ) {
        let key32 = rotated(key, phase: phase)
        let key64 = UInt64(key32) | UInt64(key32) << 32
        let keyWord = key64.littleEndian  // memory order
        var index = 0
        while index + 16 <= count {
            let a = source.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let b = source.loadUnaligned(fromByteOffset: index + 8, as: UInt64.self)
            destination.storeBytes(of: a ^ keyWord, toByteOffset: index, as: UInt64.self)
            destination.storeBytes(of: b ^ keyWord, toByteOffset: index + 8, as: UInt64.self)
            index += 16
        }
        if index + 8 <= count {
            let a = source.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            destination.storeBytes(of: a ^ keyWord, toByteOffset: index, as: UInt64.self)
            index += 8
        }
        // index is a multiple of 8 here, so the tail starts at key octet 0 of `key32`.
        var shift: UInt64 = 0
        while index < count {
            let byte = source.load(fromByteOffset: index, as: UInt8.self) ^ UInt8(truncatingIfNeeded: key64 >> shift)
            destination.storeBytes(of: byte, toByteOffset: index, as: UInt8.self)
            shift += 8
            index += 1
        }
    }
}

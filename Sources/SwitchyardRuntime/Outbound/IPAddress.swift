#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as a number, for the egress policy's range checks.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(UInt32)
    case v6(UInt128)

    /// Parses the textual forms `inet_pton` accepts: dotted quad for IPv4 (no shorthand such as
    /// `127.1`, which only resolution turns into an address), RFC 4291 text for IPv6 (no
    /// brackets, no zone).
    public init?(_ text: String) {
        if let v4 = Self.parse(text, family: AF_INET, size: 4) {
            self = .v4(UInt32(v4))
        } else if let v6 = Self.parse(text, family: AF_INET6, size: 16) {
            self = .v6(v6)
        } else {
            return nil
        }
    }

    /// The address in network byte order, as `sockaddr` stores it.
    init(networkBytes bytes: [UInt8]) {
        var value: UInt128 = 0
        for byte in bytes { value = value << 8 | UInt128(byte) }
        self = bytes.count == 4 ? .v4(UInt32(value)) : .v6(value)
    }

    public var description: String {
        switch self {
        case .v4(let value):
            return "\(value >> 24).\(value >> 16 & 0xff).\(value >> 8 & 0xff).\(value & 0xff)"
        case .v6(let value):
            var bytes = (0..<16).map { UInt8(truncatingIfNeeded: value >> (8 * (15 - $0))) }
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            _ = inet_ntop(AF_INET6, &bytes, &text, socklen_t(text.count))
            return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// The form that goes into a URL's authority: IPv6 in brackets.
    public var uriHost: String {
        if case .v6 = self { return "[\(description)]" }
        return description
    }

    /// The IPv4 address an IPv6 address carries and that a gateway would reach: IPv4-mapped
    /// (`::ffff:0:0/96`), IPv4-compatible (`::/96`), NAT64 (`64:ff9b::/96`), 6to4 (`2002::/16`)
    /// and Teredo (`2001::/32`, the client address inverted). `nil` for IPv4 and other IPv6.
    public var embeddedIPv4: UInt32? {
        guard case .v6(let value) = self else { return nil }
        let low = UInt32(truncatingIfNeeded: value)
        switch value >> 32 {
        case 0xffff: return low
        case 0 where low > 1: return low  // `::` and `::1` are themselves
        case 0x64_ff9b_0000_0000_0000_0000: return low
        default: break
        }
        if value >> 112 == 0x2002 { return UInt32(truncatingIfNeeded: value >> 80) }
        if value >> 96 == 0x2001_0000 { return ~low }
        return nil
    }

    private static func parse(_ text: String, family: Int32, size: Int) -> UInt128? {
        var bytes = [UInt8](repeating: 0, count: size)
        guard inet_pton(family, text, &bytes) == 1 else { return nil }
        var value: UInt128 = 0
        for byte in bytes { value = value << 8 | UInt128(byte) }
        return value
    }
}

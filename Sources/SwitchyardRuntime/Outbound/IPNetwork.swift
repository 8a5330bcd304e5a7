/// A CIDR block: every address whose first `prefixLength` bits are those of `address`.
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    public let address: IPAddress
    public let prefixLength: Int

    /// - Precondition: `prefixLength` fits the family and `address` has no bits set past it.
    init(_ address: IPAddress, prefixLength: Int) {
        self.address = address
        self.prefixLength = prefixLength
    }

    /// Parses `a.b.c.d/len`, `v6/len`, or a single address (a /32 or /128).
    /// - Throws: a message naming what is wrong.
    init(parsing text: String) throws(EgressRule.ParseError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else {
            throw .init("\"\(parts[0])\" is not an IP address")
        }
        let width = address.bitWidth
        guard parts.count == 2 else {
            self.init(address, prefixLength: width)
            return
        }
        guard let length = Int(parts[1]), (0...width).contains(length), parts[1].allSatisfy(\.isASCII) else {
            throw .init("the prefix length \"\(parts[1])\" must be a number from 0 to \(width)")
        }
        let network = IPNetwork(address, prefixLength: length)
        guard network.hostBitsClear else {
            throw .init("\(text) has bits set past its /\(length) prefix (the network is \(network.masked))")
        }
        self = network
    }

    public var description: String { "\(address)/\(prefixLength)" }

    /// Whether `other` is inside this block (an IPv4 block never contains IPv6 addresses: the
    /// policy compares the IPv4 an IPv6 address embeds separately).
    public func contains(_ other: IPAddress) -> Bool {
        switch (address, other) {
        case (.v4(let base), .v4(let value)):
            prefixLength == 0 || base >> (32 - prefixLength) == value >> (32 - prefixLength)
        case (.v6(let base), .v6(let value)):
            prefixLength == 0 || base >> (128 - prefixLength) == value >> (128 - prefixLength)
        default:
            false
        }
    }

    private var hostBitsClear: Bool { masked == self }

    private var masked: IPNetwork {
        switch address {
        case .v4(let base):
            let kept = prefixLength == 0 ? 0 : (base >> (32 - prefixLength)) << (32 - prefixLength)
            return IPNetwork(.v4(kept), prefixLength: prefixLength)
        case .v6(let base):
            let kept = prefixLength == 0 ? 0 : (base >> (128 - prefixLength)) << (128 - prefixLength)
            return IPNetwork(.v6(kept), prefixLength: prefixLength)
        }
    }
}

extension IPAddress {
    /// 32 or 128.
    var bitWidth: Int {
        if case .v4 = self { return 32 }
        return 128
    }
}

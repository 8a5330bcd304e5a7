/// Which addresses a worker's `fetch()` may reach.
///
/// By default a worker reaches the public internet only: loopback, unspecified, link-local
/// (with the cloud metadata address 169.254.169.254), private, CGNAT, benchmarking,
/// documentation, multicast and reserved ranges are refused, and an IPv6 address that embeds an
/// IPv4 one (mapped, compatible, NAT64, 6to4, Teredo) is judged by the IPv4 address inside. The
/// platform's own listeners are refused on every local address, even where a rule opens the
/// range they are in, unless a rule names their port explicitly.
///
/// The operator opens exceptions with ``EgressRule``s (`--egress-allow`).
///
/// The policy judges addresses; ``EgressResolver`` applies it to every address a host resolves to.
public struct EgressPolicy: Sendable {
    public var rules: [EgressRule]
    public var listeners: PlatformListeners

    public init(rules: [EgressRule] = [], listeners: PlatformListeners = PlatformListeners()) {
        self.rules = rules
        self.listeners = listeners
    }

    /// Parses each `HOST_OR_CIDR[:PORT]`.
    /// - Throws: ``EgressRule/ParseError`` for the first bad rule.
    public init(allowing rules: [String], listeners: PlatformListeners = PlatformListeners()) throws {
        self.init(rules: try rules.map { try EgressRule(parsing: $0) }, listeners: listeners)
    }

    /// Why an address is refused, or `nil` when it may be reached.
    ///
    /// - Parameters:
    ///   - host: the URL's host, lowercased (an IP literal or a name).
    ///   - address: one address `host` resolved to.
    ///   - port: the port the request goes to.
    ///   - isLocalInterface: whether `address` belongs to one of this machine's interfaces
    ///     (only consulted when `port` is a platform listener's).
    func refusal(host: String, address: IPAddress, port: Int, isLocalInterface: Bool) -> String? {
        let judged = address.embeddedIPv4.map(IPAddress.v4) ?? address
        let range = Self.specialRange(of: judged)
        let via = IPAddress(host) == address ? "\(address)" : "\(host) resolves to \(address), which"
        let embeds = judged == address ? "" : " embeds \(judged), which"
        if listeners.contains(port: port), range == .loopback || range == .unspecified || isLocalInterface {
            let opened = rules.contains { $0.port == port && $0.matches(host: host, address: address, port: port) }
            return opened ? nil : "\(via)\(embeds) is this server's own listener on port \(port)"
        }
        guard let range else { return nil }
        if rules.contains(where: { $0.matches(host: host, address: address, port: port) }) { return nil }
        return "\(via)\(embeds) is \(range.description)"
    }

    /// The special-purpose ranges (RFC 6890 and its IPv6 counterparts) a worker may not reach.
    enum SpecialRange: CustomStringConvertible {
        case loopback, unspecified, linkLocal, privateUse, sharedCGNAT, benchmarking, protocolAssignments
        case documentation, multicast, broadcast, reserved

        var description: String {
            switch self {
            case .loopback: "a loopback address"
            case .unspecified: "an unspecified address"
            case .linkLocal: "a link-local address (this includes cloud metadata services)"
            case .privateUse: "a private address"
            case .sharedCGNAT: "a shared (CGNAT) address"
            case .benchmarking: "a benchmarking address"
            case .protocolAssignments: "an IETF protocol assignment address"
            case .documentation: "a documentation address"
            case .multicast: "a multicast address"
            case .broadcast: "the broadcast address"
            case .reserved: "a reserved address"
            }
        }
    }

    private static let ranges: [(IPNetwork, SpecialRange)] = [
        ("0.0.0.0/8", .unspecified), ("127.0.0.0/8", .loopback), ("169.254.0.0/16", .linkLocal),
        ("10.0.0.0/8", .privateUse), ("172.16.0.0/12", .privateUse), ("192.168.0.0/16", .privateUse),
        ("100.64.0.0/10", .sharedCGNAT), ("198.18.0.0/15", .benchmarking), ("192.0.0.0/24", .protocolAssignments),
        ("192.0.2.0/24", .documentation), ("198.51.100.0/24", .documentation), ("203.0.113.0/24", .documentation),
        ("255.255.255.255/32", .broadcast), ("224.0.0.0/4", .multicast), ("240.0.0.0/4", .reserved),
        ("::/128", .unspecified), ("::1/128", .loopback), ("fe80::/10", .linkLocal), ("fec0::/10", .privateUse),
        ("fc00::/7", .privateUse), ("ff00::/8", .multicast), ("64:ff9b:1::/48", .reserved), ("100::/64", .reserved),
        ("2001:db8::/32", .documentation),
    ].map { text, range in
        // Literals above; they parse.
        ((try? IPNetwork(parsing: text))!, range)
    }

    static func specialRange(of address: IPAddress) -> SpecialRange? {
        ranges.first { $0.0.contains(address) }?.1
    }
}

import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Resolves a URL's host and applies the ``EgressPolicy`` to every address it resolves to.
///
/// A host is refused when any of its addresses is: a name with one public and one loopback
/// address would otherwise reach loopback whenever the connection picked the second. IP
/// literals skip DNS. `getaddrinfo` blocks, so it runs on the thread pool, never on an executor.
///
/// The addresses checked are the ones connected to (``OutboundFetcher`` puts the address in the
/// URL for `http:`), so a name whose DNS answer changes between the check and the connection
/// (DNS rebinding) cannot slip an internal address in.
struct EgressResolver: Sendable {
    let policy: EgressPolicy
    let threadPool: NIOThreadPool

    /// The addresses to connect to, in the resolver's order of preference, every one allowed.
    func checkedAddresses(for url: OutboundURL, on eventLoop: any EventLoop) -> EventLoopFuture<[IPAddress]> {
        if let literal = IPAddress(url.host), !needsInterfaces(literal, port: url.port) {
            return eventLoop.makeCompletedFuture { try check(url, [literal], interfaces: []) }
        }
        let policy = self.policy
        return threadPool.runIfActive(eventLoop: eventLoop) {
            let addresses = try IPAddress(url.host).map { [$0] } ?? Self.resolve(url)
            let interfaces = policy.listeners.contains(port: url.port) ? Self.localInterfaceAddresses() : []
            return try check(url, addresses, interfaces: interfaces)
        }
    }

    private func check(_ url: OutboundURL, _ addresses: [IPAddress], interfaces: Set<IPAddress>) throws -> [IPAddress] {
        for address in addresses {
            if let reason = policy.refusal(
                host: url.host, address: address, port: url.port, isLocalInterface: interfaces.contains(address))
            {
                throw OutboundError.blocked(url, reason)
            }
        }
        guard !addresses.isEmpty else { throw OutboundError.failed(.connection, url.string, "\(url.host) has no address") }
        return addresses
    }

    /// Whether judging `address` on `port` needs the machine's interface addresses (to spot the
    /// platform's listeners behind a public address of this machine).
    private func needsInterfaces(_ address: IPAddress, port: Int) -> Bool {
        guard policy.listeners.contains(port: port) else { return false }
        let range = EgressPolicy.specialRange(of: address.embeddedIPv4.map(IPAddress.v4) ?? address)
        return range != .loopback && range != .unspecified
    }

    /// `getaddrinfo` for TCP; blocks.
    private static func resolve(_ url: OutboundURL) throws -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Darwin)
        hints.ai_socktype = SOCK_STREAM
        #else
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(url.host, nil, &hints, &list)
        guard status == 0, let list else {
            let reason = String(cString: gai_strerror(status))
            throw OutboundError.failed(.connection, url.string, "the host name \(url.host) could not be resolved (\(reason))")
        }
        defer { freeaddrinfo(list) }
        var addresses: [IPAddress] = []
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let current = entry {
            if let address = IPAddress(sockaddr: current.pointee.ai_addr), !addresses.contains(address) {
                addresses.append(address)
            }
            entry = current.pointee.ai_next
        }
        return addresses
    }

    /// The addresses of this machine's interfaces.
    private static func localInterfaceAddresses() -> Set<IPAddress> {
        let devices = (try? System.enumerateDevices()) ?? []
        return Set(devices.compactMap { device in device.address?.ipAddress.flatMap(IPAddress.init) })
    }
}

extension IPAddress {
    init?(sockaddr pointer: UnsafeMutablePointer<sockaddr>?) {
        guard let pointer else { return nil }
        switch Int32(pointer.pointee.sa_family) {
        case AF_INET:
            let address = pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
            self = .v4(UInt32(bigEndian: address.s_addr))
        case AF_INET6:
            var address = pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
            let bytes = withUnsafeBytes(of: &address) { Array($0) }
            self.init(networkBytes: bytes)
        default:
            return nil
        }
    }
}

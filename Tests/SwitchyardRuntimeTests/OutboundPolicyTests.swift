import NIOCore
import SwitchyardRuntime
import Testing

@Suite("Outbound: egress rules and the policy")
struct OutboundPolicyTests {
    @Test(arguments: [
        ("127.0.0.1:8080", "127.0.0.1:8080"), ("10.0.0.0/8", "10.0.0.0/8"), ("[::1]:9000", "[::1]:9000"),
        ("localhost", "localhost"), ("api.internal:443", "api.internal:443"), ("fc00::/7", "fc00::/7"),
        ("[fc00::]/7:8443", "[fc00::/7]:8443"), ("::1", "::1"), ("API.Internal.", "api.internal"),
        ("192.168.1.7", "192.168.1.7"), (" 10.1.0.0/16:80 ", "10.1.0.0/16:80"),
    ])
    func parsesRules(text: String, normalized: String) throws {
        #expect(try EgressRule(parsing: text).description == normalized)
    }

    @Test(arguments: [
        ("nonsense", "single-label host name"), ("", "it is empty"), ("10.0.0.1/8", "bits set past its /8 prefix"),
        ("[::1", "not closed"), ("1.2.3.4:0", "port \"0\""), ("1.2.3.4:99999", "port \"99999\""),
        ("300.1.1.1", "not a dotted-quad"), ("fe80::/200", "prefix length \"200\""), ("a..b.com", "empty or overlong label"),
        ("exa_mple.com", "neither an IP address"), ("[api.internal]:80", "brackets are for IPv6"), ("10.0.0.0/x", "prefix length"),
        ("host.example:http", "port \"http\""),
    ])
    func refusesBadRules(text: String, reason: String) {
        #expect {
            try EgressRule(parsing: text)
        } throws: { error in
            let message = "\(error)"
            return message.hasPrefix("invalid egress rule \"\(text)\": ") && message.contains(reason)
                && message.contains("expected HOST_OR_CIDR[:PORT]")
        }
    }

    /// Refused by default, judged without connecting (no traffic leaves loopback).
    @Test(arguments: [
        ("http://10.1.2.3/", "10.1.2.3 is a private address"), ("http://192.168.1.1/", "192.168.1.1 is a private address"),
        ("http://172.16.5.4/", "a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://100.64.0.1/", "a shared (CGNAT) address"), ("http://198.18.0.1/", "a benchmarking address"),
        ("http://192.0.0.8/", "an IETF protocol assignment address"), ("http://0.0.0.0/", "an unspecified address"),
        ("http://224.0.0.1/", "a multicast address"), ("http://255.255.255.255/", "the broadcast address"),
        ("http://240.0.0.1/", "a reserved address"), ("http://[fe80::1]/", "a link-local address"),
        ("http://[fd00::1]/", "a private address"), ("http://[ff02::1]/", "a multicast address"), ("http://[::]/", "unspecified"),
        ("http://[::ffff:10.0.0.1]/", "::ffff:10.0.0.1 embeds 10.0.0.1, which is a private address"),
        ("http://[64:ff9b::a9fe:a9fe]/", "embeds 169.254.169.254, which is a link-local address"),
        ("http://[2002:7f00:1::]/", "embeds 127.0.0.1, which is a loopback address"),
        ("http://[::ffff:127.0.0.1]:8080/", "::ffff:127.0.0.1 embeds 127.0.0.1, which is a loopback address"),
        ("http://127.0.0.1:8080/", "127.0.0.1 is a loopback address"), ("https://[::1]/", "::1 is a loopback address"),
        ("http://localhost:9/", "localhost resolves to"),
    ])
    func refusesInternalAddressesByDefault(url: String, reason: String) async throws {
        try await OutboundHarness.with { harness in
            let error = await #expect(throws: OutboundError.self) {
                try await harness.fetcher.checkedAddresses(for: OutboundURL(url), on: harness.loop).get()
            }
            #expect(error?.isBlocked == true)
            #expect(error?.description.hasPrefix("fetch to \(url) was blocked: ") == true, "\(String(describing: error))")
            #expect(error?.description.contains(reason) == true, "\(String(describing: error))")
            #expect(error?.description.hasSuffix("; the operator can allow it with --egress-allow") == true)
        }
    }

    @Test func publicAddressesPassWithoutDNS() async throws {
        try await OutboundHarness.with { harness in
            for url in ["http://8.8.8.8/", "https://[2606:4700:4700::1111]/", "http://[::ffff:1.1.1.1]/"] {
                let addresses = try await harness.fetcher.checkedAddresses(for: OutboundURL(url), on: harness.loop).get()
                #expect(addresses.count == 1)
            }
        }
    }

    @Test func rulesOpenRangesHostsAndPorts() async throws {
        try await OutboundHarness.with(allowing: ["10.0.0.0/8", "192.168.1.5:8080", "localhost", "[fd00::1]:443"]) { harness in
            func check(_ url: String) async -> Bool {
                do {
                    _ = try await harness.fetcher.checkedAddresses(for: OutboundURL(url), on: harness.loop).get()
                    return true
                } catch {
                    #expect((error as? OutboundError)?.isBlocked == true)
                    return false
                }
            }
            #expect(await check("http://10.200.0.1:1234/"))
            #expect(await check("http://[::ffff:10.0.0.1]/"))  // judged by the IPv4 inside
            #expect(await check("http://192.168.1.5:8080/"))
            #expect(await !check("http://192.168.1.5:8081/"))
            #expect(await !check("http://192.168.1.6:8080/"))
            #expect(await check("http://localhost:3000/"))
            #expect(await !check("http://127.0.0.1:3000/"))  // the name is open, not the address
            #expect(await check("https://[fd00::1]/"))
            #expect(await !check("http://[fd00::1]/"))
        }
    }

    @Test func theListenersStayClosedUnlessTheirPortIsNamed() async throws {
        let listeners = PlatformListeners()
        listeners.add(port: 8787)
        try await OutboundHarness.with(allowing: ["127.0.0.0/8", "::1", "127.0.0.1:8788"], listeners: listeners) { harness in
            let error = await #expect(throws: OutboundError.self) {
                try await harness.fetcher.checkedAddresses(for: OutboundURL("http://127.0.0.1:8787/"), on: harness.loop).get()
            }
            #expect(error?.description.contains("127.0.0.1 is this server's own listener on port 8787") == true)
            await #expect(throws: OutboundError.self) {
                try await harness.fetcher.checkedAddresses(for: OutboundURL("http://[::1]:8787/"), on: harness.loop).get()
            }
            await #expect(throws: OutboundError.self) {
                try await harness.fetcher.checkedAddresses(for: OutboundURL("http://0.0.0.0:8787/"), on: harness.loop).get()
            }
            _ = try await harness.fetcher.checkedAddresses(for: OutboundURL("http://127.0.0.1:8000/"), on: harness.loop).get()
        }
        listeners.add(port: 8788)
        try await OutboundHarness.with(allowing: ["127.0.0.1:8788"], listeners: listeners) { harness in
            _ = try await harness.fetcher.checkedAddresses(for: OutboundURL("http://127.0.0.1:8788/"), on: harness.loop).get()
        }
    }

    @Test(arguments: [
        ("ftp://example.com/", "only http: and https: URLs can be fetched"), ("http://user:pw@example.com/", "credentials"),
        ("http://example.com:0/", "port \"0\""), ("http:///x", "it has no host"), ("example.com/x", "not an absolute"),
    ])
    func refusesURLsItCannotFetch(url: String, reason: String) {
        #expect {
            try OutboundURL(url)
        } throws: { error in
            "\(error)".hasPrefix("fetch to \(url) failed: ") && "\(error)".contains(reason)
        }
    }
}

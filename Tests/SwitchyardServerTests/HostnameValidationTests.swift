import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import SwitchyardServer

/// The pieces of custom hostname validation that need no server: the backoff schedule and the
/// DNS client against the tests' DNS server.
@Suite("Custom hostname validation parts")
struct HostnameValidationTests {
    @Test("the backoff schedule is Cloudflare's table: 75 checks, 1.05 then 1.15, capped at 4 hours")
    func backoff() {
        // Values from Cloudflare's published table.
        let expected = [0: 60, 1: 63, 5: 76, 9: 93, 10: 242, 20: 981, 30: 3972, 39: 13975, 40: 14400, 73: 14400]
        for (attempt, seconds) in expected { #expect(ValidationBackoff.delay(afterAttempt: attempt) == seconds, "\(attempt)") }
        #expect(ValidationBackoff.delay(afterAttempt: 74) == nil, "the 75th failed check ends the schedule")
        let total = (0..<74).compactMap(ValidationBackoff.delay(afterAttempt:)).reduce(0, +)
        #expect((6 * 86400...8 * 86400).contains(total), "about seven days: \(total) s")
    }

    @Test("the DNS client reads A and TXT records, and no records for an unknown name")
    func dnsClient() async throws {
        var records = TestDNSServer.Records()
        records.a["app.customer.com"] = ["127.0.0.1", "127.0.0.2"]
        records.txt["_cf-custom-hostname.app.customer.com"] = ["token-1"]
        try await TestDNSServer.with(records) { server in
            let client = DNSClient(
                resolver: try DNSClient.parse(address: "127.0.0.1:\(server.port)"), group: MultiThreadedEventLoopGroup.singleton)
            #expect(try await client.addresses(of: "App.Customer.com") == ["127.0.0.1", "127.0.0.2"])
            #expect(try await client.texts(of: "_cf-custom-hostname.app.customer.com") == ["token-1"])
            #expect(try await client.addresses(of: "nothing.customer.com") == [])
            #expect(try await client.texts(of: "app.customer.com") == [])
        }
    }

    @Test("a resolver that never answers is an error after its attempts, not a hang")
    func silentResolver() async throws {
        // A UDP port nobody answers on: the test DNS server, stopped.
        let server = try await TestDNSServer.start()
        let port = server.port
        await server.stop()
        var client = DNSClient(resolver: try DNSClient.parse(address: "127.0.0.1:\(port)"), group: MultiThreadedEventLoopGroup.singleton)
        client.timeout = .milliseconds(200)
        await #expect(throws: DNSClient.Failure.self) { try await client.addresses(of: "app.customer.com") }
        #expect(throws: DNSClient.Failure.self) { try DNSClient.parse(address: "no-port") }
    }

    @Test("malformed answers are rejected without a crash")
    func malformedAnswers() throws {
        let query = try DNSClient.encodeQuery(id: 7, name: "a.example", type: .a)
        for bytes: [UInt8] in [[], [0, 7], Array(query.prefix(11)), query, [0, 8] + Array(query.dropFirst(2))] {
            #expect(throws: (any Error).self) { try DNSClient.decodeAnswer(bytes, id: 7, type: .a) }
        }
        // An answer whose record claims more data than there is.
        var answer = TestDNSServer.Handler.answer(query, records: .init(a: ["a.example": ["1.2.3.4"]]))!
        answer.removeLast(2)
        #expect(throws: (any Error).self) { try DNSClient.decodeAnswer(answer, id: 7, type: .a) }
    }
}

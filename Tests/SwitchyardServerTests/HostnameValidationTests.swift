import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOPosix
import SwitchyardModel
import SwitchyardStore
import SwitchyardStoreSQLite
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

    @Test("the last failed check moves a hostname; seven days moved, it is deleted; a refresh could bring it back before")
    func movedThenDeleted() async throws {
        let store = try await SQLiteControlPlaneStore.open(configuration: .init(path: ":memory:", secrets: .ephemeral()))
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            _ = try await store.createAccount(id: "a1", name: "one")
            let zone = try await store.createZone(accountID: "a1", accountName: "one", name: "saas.example", type: "full")
            let hostname = CustomHostname(
                id: "h1", hostname: "app.customer.com", createdAt: "2026-01-01T00:00:00.000Z",
                ownershipVerification: .init(name: "_cf-custom-hostname.app.customer.com", value: "txt-token"),
                ownershipVerificationHTTP: .init(httpURL: "http://app.customer.com/", httpBody: "http-token"))
            _ = try await store.createCustomHostname(zoneID: zone.id, hostname, hardCap: 10)
            // One check left in the schedule, due now.
            _ = try await store.updateCustomHostname(zoneID: zone.id, id: "h1") { record in
                record.checkAttempts = ValidationBackoff.checks - 1
                record.nextCheckAt = HostnameValidator.text(Date(timeIntervalSinceNow: -1))
            }
            var records = TestDNSServer.Records()
            records.a["app.customer.com"] = ["127.0.0.1"]
            try await TestDNSServer.with(records) { server in
                let dns = DNSClient(resolver: try DNSClient.parse(address: "127.0.0.1:\(server.port)"), group: MultiThreadedEventLoopGroup.singleton)
                // Port 1 on loopback: nothing listens, so the HTTP token is not found; no TXT record either.
                let validator = HostnameValidator(
                    store: store, table: CustomHostnameTable(store: store, logger: Logger(label: "test")),
                    checker: OwnershipChecker(dns: dns, httpPort: { 1 }, client: client), issuer: nil,
                    logger: Logger(label: "test"))
                let start = Date()
                let wake = try await validator.checkDue(now: start)
                var record = try #require(try await store.allCustomHostnames().first)
                #expect(record.hostname.status == "moved")
                #expect(record.hostname.verificationErrors == [OwnershipChecker.notFound])
                let deletion = try #require(record.nextCheckAt.flatMap(HostnameValidator.date))
                #expect(deletion.timeIntervalSince(start) >= Double(ValidationBackoff.movedUntilDeleted))
                #expect(wake == deletion, "the validator wakes for the deletion")
                // Six days later nothing changes.
                _ = try await validator.checkDue(now: start.addingTimeInterval(6 * 86400))
                #expect(try await store.allCustomHostnames().first?.hostname.status == "moved")
                // Past seven days the hostname is deleted: kept, with nothing left to check.
                let after = try await validator.checkDue(now: deletion.addingTimeInterval(1))
                record = try #require(try await store.allCustomHostnames().first)
                #expect(record.hostname.status == "deleted" && record.nextCheckAt == nil)
                #expect(after == nil)
            }
            try await client.shutdown()
            try await store.close()
        } catch {
            try? await client.shutdown()
            try? await store.close()
            throw error
        }
    }

    @Test("an expired ACME certificate is ordered again; an uploaded one is the operator's to replace")
    func expiredCertificatesAreReordered() {
        var hostname = CustomHostname(
            id: "h1", hostname: "app.customer.com", createdAt: "2026-01-01T00:00:00.000Z", status: "active",
            ownershipVerification: .init(name: "_cf-custom-hostname.app.customer.com", value: "t"),
            ownershipVerificationHTTP: .init(httpURL: "http://app.customer.com/", httpBody: "t"))
        var ssl = CustomHostname.SSL(id: "s1", method: "http", status: "expired")
        ssl.expiresOn = "2026-01-02T00:00:00.000Z"
        hostname.ssl = ssl
        #expect(CertificateIssuer.needsCertificate(CustomHostnameRecord(zoneID: "z", hostname: hostname), now: Date()))
        hostname.ssl?.uploadedOn = "2026-01-01T00:00:00.000Z"
        #expect(!CertificateIssuer.needsCertificate(CustomHostnameRecord(zoneID: "z", hostname: hostname), now: Date()))
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

import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import SwitchyardModel
import SwitchyardStore

/// Validates the ownership of pending custom hostnames, retrying on Cloudflare's backoff
/// schedule (``ValidationBackoff``): a hostname is checked as soon as it is created or
/// refreshed (a PATCH with `ssl`), then after each failure at the schedule's next delay, and is
/// `moved` when the schedule ends, then `deleted` after seven days `moved` (a refresh makes
/// either pending again). A passed check makes it `active`, and then the
/// ``CertificateIssuer`` (when ACME is configured) orders its certificate.
///
/// A `Service`: it sleeps until the next check is due or the ``CustomHostnameTable`` reloads
/// (a change through the API may be new work), and stops on graceful shutdown.
struct HostnameValidator: Service {
    let store: any CustomHostnameStore
    let table: CustomHostnameTable
    let checker: OwnershipChecker
    /// Orders certificates for hostnames once they are active; `nil`: none are ordered.
    let issuer: CertificateIssuer?
    let logger: Logger
    let wakeup = Wakeup()

    func run() async throws {
        table.onReload { [wakeup] in wakeup.signal() }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                var next: Date?
                do {
                    next = try await checkDue(now: Date())
                } catch {
                    logger.error("custom hostname validation failed", metadata: ["error": "\(error)"])
                    next = Date().addingTimeInterval(60)
                }
                await wakeup.wait(upTo: next.map { .milliseconds(max(0, Int($0.timeIntervalSinceNow * 1000))) })
            }
        }
    }

    /// Checks every pending hostname whose check is due; returns when the next one is.
    func checkDue(now: Date) async throws -> Date? {
        var earliest: Date?
        var changed = false
        var due: [CustomHostnameRecord] = []
        let records = try await store.allCustomHostnames()
        for record in records {
            guard let dueText = record.nextCheckAt else { continue }
            let dueAt = Self.date(dueText) ?? now
            if dueAt > now {
                earliest = min(earliest ?? dueAt, dueAt)
                continue
            }
            if record.hostname.status == CustomHostname.Status.moved.rawValue {
                try await markDeleted(record)
                changed = true
            } else if record.hostname.status == CustomHostname.Status.pending.rawValue {
                due.append(record)
            }
        }
        // Side by side: a check of a name that does not answer yet (the usual pending hostname)
        // waits out its HTTP timeout, and one after another they would put the schedule hours behind.
        try await withThrowingTaskGroup(of: Void.self) { group in
            var running = 0
            for record in due {
                if running == Self.concurrentChecks {
                    try await group.next()
                    running -= 1
                }
                group.addTask { try await self.check(record) }
                running += 1
            }
            try await group.waitForAll()
        }
        if !due.isEmpty { changed = true }
        // The checks above change statuses, never certificates: the records read first still tell.
        if try await markExpiredCertificates(in: records, now: now, earliest: &earliest) { changed = true }
        if changed { try await table.reload() }
        if let issuer {
            for record in try await store.allCustomHostnames() {
                if let retry = try await issuer.issueIfDue(record, now: now) { earliest = min(earliest ?? retry, retry) }
                // Wake for the next renewal too.
                if let ssl = record.hostname.ssl, ssl.status == CustomHostname.SSL.Status.active.rawValue,
                    let renewal = CertificateIssuer.renewal(of: ssl), renewal > now
                {
                    earliest = min(earliest ?? renewal, renewal)
                }
            }
        }
        // Reread: the ones just checked have their next time now.
        for record in try await store.allCustomHostnames()
        where record.hostname.status == CustomHostname.Status.pending.rawValue
            || record.hostname.status == CustomHostname.Status.moved.rawValue
        {
            if let due = record.nextCheckAt.flatMap(Self.date) { earliest = min(earliest ?? due, due) }
        }
        return earliest
    }

    /// Ownership checks run at once, at most.
    static let concurrentChecks = 32

    /// Checks one due pending hostname and records the outcome on the backoff schedule.
    private func check(_ record: CustomHostnameRecord) async throws {
        let errors = await checker.check(record.hostname)
        let scheduled = record.nextCheckAt
        let attempt = record.checkAttempts
        let checkedAt = Date()
        let table = self.table
        let updated = try await store.updateCustomHostname(zoneID: record.zoneID, id: record.hostname.id) { current in
            defer { table.apply(current) }
            // A PATCH that rescheduled the hostname while it was being checked wins.
            guard current.nextCheckAt == scheduled, current.hostname.status == CustomHostname.Status.pending.rawValue else {
                return
            }
            current.checkAttempts = attempt + 1
            if errors.isEmpty {
                current.hostname.status = CustomHostname.Status.active.rawValue
                current.hostname.verificationErrors = nil
                current.nextCheckAt = nil
            } else if let delay = ValidationBackoff.delay(afterAttempt: attempt) {
                current.hostname.verificationErrors = errors
                current.nextCheckAt = Self.text(checkedAt.addingTimeInterval(TimeInterval(delay)))
            } else {
                current.hostname.status = CustomHostname.Status.moved.rawValue
                current.hostname.verificationErrors = errors
                current.nextCheckAt = Self.text(checkedAt.addingTimeInterval(TimeInterval(ValidationBackoff.movedUntilDeleted)))
            }
        }
        logger.info(
            "custom hostname checked",
            metadata: [
                "switchyard.hostname": .string(record.hostname.hostname),
                "switchyard.hostname_status": .string(updated?.status ?? "deleted"),
            ])
    }

    /// Reports certificates past their `expires_on` that nothing replaced in time (the CA was
    /// unreachable for the 30 days of renewal, or the operator did not replace an uploaded one) as
    /// `expired`; the edge keeps presenting them, as nginx would, and the issuer orders a new one.
    /// - Returns: whether any was marked; `earliest` gains the next expiry.
    private func markExpiredCertificates(in records: [CustomHostnameRecord], now: Date, earliest: inout Date?) async throws
        -> Bool
    {
        var marked = false
        for record in records {
            guard let ssl = record.hostname.ssl, ssl.status == CustomHostname.SSL.Status.active.rawValue,
                let expiry = ssl.expiresOn.flatMap(Self.date)
            else { continue }
            if expiry > now {
                earliest = min(earliest ?? expiry, expiry)
                continue
            }
            let table = self.table
            _ = try await store.updateCustomHostname(zoneID: record.zoneID, id: record.hostname.id) { current in
                defer { table.apply(current) }
                guard current.hostname.ssl?.expiresOn == ssl.expiresOn,
                    current.hostname.ssl?.status == CustomHostname.SSL.Status.active.rawValue
                else { return }
                current.hostname.ssl?.status = CustomHostname.SSL.Status.expired.rawValue
            }
            marked = true
            logger.warning(
                "custom hostname certificate expired",
                metadata: ["switchyard.hostname": .string(record.hostname.hostname), "switchyard.expired_on": .string(ssl.expiresOn ?? "")])
        }
        return marked
    }

    /// Cloudflare's last step for a hostname given up on: `moved` for seven days, then `deleted`
    /// (kept, so the operator sees what became of it; a refresh starts it over).
    private func markDeleted(_ record: CustomHostnameRecord) async throws {
        let scheduled = record.nextCheckAt
        let table = self.table
        _ = try await store.updateCustomHostname(zoneID: record.zoneID, id: record.hostname.id) { current in
            defer { table.apply(current) }
            guard current.nextCheckAt == scheduled, current.hostname.status == CustomHostname.Status.moved.rawValue else { return }
            current.hostname.status = CustomHostname.Status.deleted.rawValue
            current.nextCheckAt = nil
        }
        logger.info(
            "custom hostname deleted after seven days moved",
            metadata: ["switchyard.hostname": .string(record.hostname.hostname)])
    }

    static let format = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    static func date(_ text: String) -> Date? { try? format.parse(text) }

    static func text(_ date: Date) -> String { date.formatted(format) }
}

/// Cloudflare's hostname validation backoff schedule: 75 checks over about seven days; after the
/// n-th failed check (0-based) the next comes `floor(60 × 1.05ⁿ)` seconds later for the first
/// ten, `floor(60 × 1.15ⁿ)` for the rest, never more than four hours.
/// (developers.cloudflare.com/cloudflare-for-platforms/cloudflare-for-saas/domain-support/hostname-validation/backoff-schedule/)
enum ValidationBackoff {
    static let checks = 75
    /// Seconds a hostname stays `moved` before it is `deleted`.
    static let movedUntilDeleted = 7 * 86400

    /// Seconds until the check after failed check `attempt`; `nil` when the schedule is over.
    static func delay(afterAttempt attempt: Int) -> Int? {
        guard attempt < checks - 1 else { return nil }
        let factor = attempt < 10 ? 1.05 : 1.15
        return min(Int((60 * pow(factor, Double(attempt))).rounded(.down)), 4 * 3600)
    }
}

/// One ownership check of a custom hostname: its HTTP token, fetched from the address its name
/// resolves to on the edge's HTTP port, or else its TXT record (when a DNS resolver is set).
struct OwnershipChecker: Sendable {
    /// Resolves names and TXT records; `nil`: the system resolver, and no TXT checks.
    let dns: DNSClient?
    /// The port HTTP checks connect to (the edge's, once it listens).
    let httpPort: @Sendable () -> Int
    let client: HTTPClient

    static let userAgent = "Cloudflare Custom Hostname Verification"
    /// Cloudflare's text for a hostname that shows neither token.
    static let notFound =
        "None of the A or AAAA records are owned by this account and the pre-generated ownership validation token was not found."

    /// The verification errors; `[]` when ownership is shown.
    func check(_ hostname: CustomHostname) async -> [String] {
        let name = hostname.isWildcard ? String(hostname.hostname.dropFirst(2)) : hostname.hostname
        if !hostname.isWildcard, await httpTokenMatches(name: name, hostname: hostname) { return [] }
        if let dns, let texts = try? await dns.texts(of: hostname.ownershipVerification.name),
            texts.contains(hostname.ownershipVerification.value)
        {
            return []
        }
        return [Self.notFound]
    }

    private func httpTokenMatches(name: String, hostname: CustomHostname) async -> Bool {
        let path = CustomHostnameTable.challengePath(id: hostname.id)
        let port = httpPort()
        var targets: [String]
        if let dns {
            targets = ((try? await dns.addresses(of: name)) ?? []).map { "http://\($0):\(port)\(path)" }
        } else {
            targets = ["http://\(name):\(port)\(path)"]
        }
        for url in targets.prefix(4) {
            var request = HTTPClientRequest(url: url)
            request.headers.replaceOrAdd(name: "host", value: port == 80 ? name : "\(name):\(port)")
            request.headers.replaceOrAdd(name: "user-agent", value: Self.userAgent)
            guard let response = try? await client.execute(request, timeout: .seconds(10)), response.status == .ok,
                let body = try? await response.body.collect(upTo: 4096)
            else { continue }
            let text = String(buffer: body).trimmingCharacters(in: .whitespacesAndNewlines)
            if text == hostname.ownershipVerificationHTTP.httpBody { return true }
        }
        return false
    }
}

import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import SwiftASN1
import SwitchyardModel
import SwitchyardStore
import Synchronization
import X509

/// Obtains certificates over ACME for active custom hostnames that have `ssl` and no
/// certificate yet, and stores them with their private keys sealed (``KeySealer``).
///
/// The statuses follow Cloudflare's order: `pending_validation` while the CA checks the HTTP-01
/// token the edge serves (shown in `ssl.validation_records`), `pending_issuance` while the order
/// is finalized, `active` with `expires_on`, `issuer` and `serial_number` once stored;
/// `issuance_timed_out` with `ssl.validation_errors` when the CA refused (a PATCH with `ssl`
/// starts over). A CA that cannot be reached (``ACMEClient/Unreachable``: no network, DNS, 5xx)
/// decides nothing: the hostname keeps its status, a `notice` says when the order is tried
/// again, and the tries back off on the validation schedule (``ValidationBackoff``: a minute,
/// growing to four hours), kept in memory (a restart tries at once). Serving never waits on it.
struct CertificateIssuer: Sendable {
    let store: any CustomHostnameStore & SwitchyardStore.CertificateStore
    let table: CustomHostnameTable
    let directoryURL: String
    let client: HTTPClient
    let sealer: KeySealer
    /// The ACME account key's raw bytes (P-256).
    let accountKey: Data
    /// The TLS listener's certificates, which a new certificate joins at once.
    let certificates: EdgeCertificates
    let logger: Logger
    /// The hostnames (by id) whose CA was unreachable: the failed tries in a row, and when the next is due.
    let retries = RetrySchedule()

    /// Shared by the issuer's copies (the struct is copied; the schedule is one).
    final class RetrySchedule: Sendable {
        private let entries = Mutex<[String: (failures: Int, due: Date)]>([:])

        func withLock<T: Sendable>(_ body: (inout [String: (failures: Int, due: Date)]) -> T) -> T {
            entries.withLock { body(&$0) }
        }
    }

    /// Certificate statuses that mean no usable certificate: the issuer orders one.
    static let waiting: Set<String> = [
        CustomHostname.SSL.Status.initializing.rawValue, CustomHostname.SSL.Status.pendingValidation.rawValue,
        CustomHostname.SSL.Status.expired.rawValue,
    ]

    /// Certificates are renewed this long before they expire (certbot's default; Let's
    /// Encrypt's are valid for 90 days).
    static let renewBefore: TimeInterval = 30 * 86400
    /// ... but a certificate younger than this is not (short-lived ones would be renewed again
    /// and again).
    static let minimumAge: TimeInterval = 3600

    /// Whether `record` needs a certificate (or a new one) at `now`.
    static func needsCertificate(_ record: CustomHostnameRecord, now: Date) -> Bool {
        // Uploaded certificates (`uploaded_on`) are the operator's to replace.
        guard record.hostname.status == CustomHostname.Status.active.rawValue, !record.hostname.isWildcard,
            let ssl = record.hostname.ssl, !ssl.wildcard, ssl.uploadedOn == nil
        else { return false }
        if waiting.contains(ssl.status) { return true }
        return ssl.status == CustomHostname.SSL.Status.active.rawValue && (renewal(of: ssl).map { $0 <= now } ?? false)
    }

    /// When an active certificate is due for renewal.
    static func renewal(of ssl: CustomHostname.SSL) -> Date? {
        ssl.expiresOn.flatMap(HostnameValidator.date).map { $0.addingTimeInterval(-renewBefore) }
    }

    /// Renews or orders what ``needsCertificate(_:now:)`` says, but not a certificate issued
    /// less than ``minimumAge`` ago, nor one whose CA was unreachable before the retry is due.
    /// - Returns: when to call again for an order that waits on an unreachable CA.
    @discardableResult
    func issueIfDue(_ record: CustomHostnameRecord, now: Date) async throws -> Date? {
        guard Self.needsCertificate(record, now: now) else { return nil }
        if let due = retries.withLock({ $0[record.hostname.id]?.due }), due > now { return due }
        if record.hostname.ssl?.status == CustomHostname.SSL.Status.active.rawValue,
            let stored = try await store.certificate(hostnameID: record.hostname.id),
            let issued = HostnameValidator.date(stored.issuedOn), now.timeIntervalSince(issued) < Self.minimumAge
        {
            return nil
        }
        try await issue(record)
        return retries.withLock { $0[record.hostname.id]?.due }
    }

    /// Issues and stores a certificate for `record`'s hostname; failures are recorded on it.
    func issue(_ record: CustomHostnameRecord) async throws {
        let name = record.hostname.hostname
        let key = P256.Signing.PrivateKey()
        let acme = ACMEClient(
            directoryURL: directoryURL, client: client, accountKey: try P256.Signing.PrivateKey(rawRepresentation: accountKey))
        do {
            let chain = try await acme.obtainCertificate(for: name, certificateKey: key) { token, keyAuthorization in
                table.setACMEChallenge(token: token, keyAuthorization: keyAuthorization)
                guard let keyAuthorization else { return }
                _ = try? await update(record) { ssl in
                    ssl.status = CustomHostname.SSL.Status.pendingValidation.rawValue
                    ssl.validationRecords = [
                        .init(
                            httpURL: "http://\(name)/.well-known/acme-challenge/\(token)", httpBody: keyAuthorization,
                            status: "pending")
                    ]
                }
            }
            // The chain is leaf first, then the issuers.
            guard let first = try PEMDocument.parseMultiple(pemString: chain).first else {
                throw ACMEClient.Failure(description: "the CA sent no certificate")
            }
            let leaf = try Certificate(derEncoded: first.derBytes)
            let expires = Self.format(leaf.notValidAfter)
            try await store.saveCertificate(
                StoredCertificate(
                    hostnameID: record.hostname.id, chainPEM: chain, sealedKey: try sealer.seal(Array(key.pemRepresentation.utf8)),
                    expiresOn: expires, issuedOn: Self.format(Date())))
            try certificates.install(hostname: name, chainPEM: chain, keyPEM: key.pemRepresentation)
            _ = try await update(record) { ssl in
                ssl.status = CustomHostname.SSL.Status.active.rawValue
                ssl.validationRecords = nil
                ssl.validationErrors = nil
                ssl.expiresOn = expires
                ssl.issuer = leaf.issuer.description
                // Hex, two digits a byte, as Cloudflare shows serial numbers.
                ssl.serialNumber = leaf.serialNumber.bytes.map { String(format: "%02x", $0) }.joined()
                ssl.hosts = [name]
            }
            retries.withLock { $0[record.hostname.id] = nil }
            logger.info("certificate issued", metadata: ["switchyard.hostname": .string(name), "switchyard.expires_on": .string(expires)])
        } catch let error as ACMEClient.Unreachable {
            let failures = (retries.withLock { $0[record.hostname.id]?.failures } ?? 0) + 1
            // The validation schedule, without its end: a CA that comes back is used.
            let delay = ValidationBackoff.delay(afterAttempt: min(failures - 1, ValidationBackoff.checks - 2)) ?? 4 * 3600
            retries.withLock { $0[record.hostname.id] = (failures, Date().addingTimeInterval(TimeInterval(delay))) }
            logger.notice(
                "ACME CA unreachable; the certificate order will be retried",
                metadata: [
                    "switchyard.hostname": .string(name), "switchyard.acme_directory": .string(directoryURL),
                    "switchyard.retry_in_s": "\(delay)", "switchyard.failures": "\(failures)", "error": "\(error)",
                ])
            return
        } catch {
            retries.withLock { $0[record.hostname.id] = nil }
            logger.notice("certificate issuance failed", metadata: ["switchyard.hostname": .string(name), "error": "\(error)"])
            _ = try await update(record) { ssl in
                ssl.status = CustomHostname.SSL.Status.issuanceTimedOut.rawValue
                ssl.validationErrors = [.init(message: "\(error)")]
            }
        }
    }

    private func update(_ record: CustomHostnameRecord, _ change: @escaping @Sendable (inout CustomHostname.SSL) -> Void) async throws
        -> CustomHostname?
    {
        try await store.updateCustomHostname(zoneID: record.zoneID, id: record.hostname.id) { [table] (current: inout CustomHostnameRecord) in
            guard var ssl = current.hostname.ssl else { return }
            change(&ssl)
            current.hostname.ssl = ssl
            table.apply(current)
        }
    }

    static func format(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)) }
}

/// Seals private keys for storage with AES-GCM under a 256-bit key kept in its own file
/// (mode 0600) in the data directory, so the database alone never holds a usable key.
struct KeySealer: Sendable {
    /// The key's bytes (`SymmetricKey` is not `Sendable`).
    private let keyBytes: Data
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    init(key: SymmetricKey) {
        keyBytes = key.withUnsafeBytes { Data($0) }
    }

    /// The key in `path`, created (random) when the file does not exist.
    static func load(path: String) throws -> KeySealer {
        if let data = FileManager.default.contents(atPath: path) {
            guard data.count == 32 else { throw KeySealerError(description: "\(path) must hold 32 bytes") }
            return KeySealer(key: SymmetricKey(data: data))
        }
        let key = SymmetricKey(size: .bits256)
        let bytes = key.withUnsafeBytes { Data($0) }
        guard FileManager.default.createFile(atPath: path, contents: bytes, attributes: [.posixPermissions: 0o600]) else {
            throw KeySealerError(description: "cannot create \(path)")
        }
        return KeySealer(key: key)
    }

    func seal(_ bytes: [UInt8]) throws -> [UInt8] {
        guard let combined = try AES.GCM.seal(bytes, using: key).combined else {
            throw KeySealerError(description: "AES-GCM gave no combined form")
        }
        return Array(combined)
    }

    func open(_ sealed: [UInt8]) throws -> [UInt8] {
        Array(try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key))
    }

    /// The raw bytes sealed in `path`, created (random `count` bytes, sealed) when it does not exist.
    func secret(at path: String, create: () -> [UInt8]) throws -> [UInt8] {
        if let data = FileManager.default.contents(atPath: path) { return try open(Array(data)) }
        let fresh = create()
        guard FileManager.default.createFile(atPath: path, contents: Data(try seal(fresh)), attributes: [.posixPermissions: 0o600])
        else { throw KeySealerError(description: "cannot create \(path)") }
        return fresh
    }
}

struct KeySealerError: Error, CustomStringConvertible {
    var description: String
}

import Crypto
import Foundation
import NIOCore
import NIOSSL
import Synchronization
import SwiftASN1
import X509

/// The certificates the edge's TLS listener serves, picked per handshake by SNI: a custom
/// hostname's issued certificate, else the fallback (for unknown names and clients that send no
/// SNI): the operator's (`--edge-tls-certificate`), or a self-signed one made at start.
///
/// ``install(hostname:chainPEM:keyPEM:)`` and ``retain(_:)`` change the table under a `Mutex`;
/// a handshake reads it once, so a renewed certificate is served to the next handshake while
/// open connections keep theirs (no restart, nothing dropped).
final class EdgeCertificates: Sendable {
    struct Entry: Sendable {
        var chain: [NIOSSLCertificate]
        var key: NIOSSLPrivateKey
    }

    final class Book: Sendable {
        let entries = Mutex<[String: Entry]>([:])
    }

    let book = Book()
    /// The TLS context of the listener: the fallback certificate, h2 and HTTP/1.1 over ALPN, and the
    /// SNI callback reading ``book``.
    let context: NIOSSLContext

    /// - Parameter fallback: PEM files of the certificate chain (leaf first) and key served to
    ///   unknown names and clients without SNI; `nil`: a self-signed one made now.
    init(fallback: (chainFile: String, keyFile: String)? = nil) throws {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        if let fallback {
            chain = try NIOSSLCertificate.fromPEMFile(fallback.chainFile)
            key = try NIOSSLPrivateKey(file: fallback.keyFile, format: .pem)
        } else {
            let (certificate, selfSignedKey) = try Self.selfSigned(name: "switchyard fallback certificate")
            (chain, key) = ([certificate], selfSignedKey)
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.applicationProtocols = ["h2", "http/1.1"]
        configuration.minimumTLSVersion = .tlsv12
        configuration.sslContextCallback = { [book] values, promise in
            let name = values.serverHostname?.lowercased()
            guard let name, let entry = book.entries.withLock({ $0[name] }) else {
                promise.succeed(.noChanges)
                return
            }
            var override = NIOSSLContextConfigurationOverride()
            override.certificateChain = entry.chain.map { .certificate($0) }
            override.privateKey = .privateKey(entry.key)
            promise.succeed(override)
        }
        context = try NIOSSLContext(configuration: configuration)
    }

    /// Serves `chainPEM` (leaf first) with `keyPEM` for `hostname` from the next handshake on.
    func install(hostname: String, chainPEM: String, keyPEM: String) throws {
        let chain = try NIOSSLCertificate.fromPEMBytes(Array(chainPEM.utf8))
        let key = try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)
        book.entries.withLock { $0[hostname] = Entry(chain: chain, key: key) }
    }

    /// Drops the certificates of hostnames not in `names` (deleted, or no longer active).
    func retain(_ names: Set<String>) {
        book.entries.withLock { entries in entries = entries.filter { names.contains($0.key) } }
    }

    var hostnames: Set<String> { Set(book.entries.withLock { $0.keys }) }

    /// A self-signed P-256 certificate for `name`, valid from an hour ago for ten years.
    static func selfSigned(name: String) throws -> (NIOSSLCertificate, NIOSSLPrivateKey) {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(name) }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(10 * 365 * 86400),
            issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256, extensions: Certificate.Extensions(),
            issuerPrivateKey: Certificate.PrivateKey(key))
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return (
            try NIOSSLCertificate(bytes: serializer.serializedBytes, format: .der),
            try NIOSSLPrivateKey(bytes: Array(key.pemRepresentation.utf8), format: .pem)
        )
    }
}

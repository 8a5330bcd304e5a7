import Foundation
import SwiftASN1
import SwitchyardAPI
import SwitchyardStore
import X509

/// Uploaded certificates of custom hostnames (``CustomCertificateHandler``): checked (valid
/// now, covering the hostname, matching the key), stored with the key sealed, served by SNI.
struct CustomCertificates: CustomCertificateHandler {
    let store: any SwitchyardStore.CertificateStore
    let sealer: KeySealer
    let edge: EdgeCertificates

    func check(hostname: String, certificatePEM: String, keyPEM: String) throws -> CustomCertificateSummary {
        let leaf: Certificate
        let key: Certificate.PrivateKey
        do {
            guard let first = try PEMDocument.parseMultiple(pemString: certificatePEM).first else {
                throw CustomCertificateError("ssl.custom_certificate holds no PEM certificate")
            }
            leaf = try Certificate(derEncoded: first.derBytes)
        } catch let error as CustomCertificateError {
            throw error
        } catch {
            throw CustomCertificateError("ssl.custom_certificate is not a PEM certificate: \(error)")
        }
        do {
            key = try Certificate.PrivateKey(pemEncoded: keyPEM)
        } catch {
            throw CustomCertificateError("ssl.custom_key is not a PEM private key: \(error)")
        }
        guard key.publicKey == leaf.publicKey else {
            throw CustomCertificateError("ssl.custom_key is not the key of ssl.custom_certificate")
        }
        let now = Date()
        guard leaf.notValidAfter > now else {
            throw CustomCertificateError("the certificate expired on \(CertificateIssuer.format(leaf.notValidAfter))")
        }
        guard leaf.notValidBefore <= now else {
            throw CustomCertificateError("the certificate is not valid before \(CertificateIssuer.format(leaf.notValidBefore))")
        }
        let names = ((try? leaf.extensions.subjectAlternativeNames) ?? nil).map { names in
            names.compactMap { name -> String? in
                if case .dnsName(let dns) = name { return dns.lowercased() }
                return nil
            }
        } ?? []
        guard names.contains(where: { Self.covers($0, hostname) }) else {
            throw CustomCertificateError("the certificate does not cover \(hostname) (it names \(names.joined(separator: ", ")))")
        }
        return CustomCertificateSummary(
            expiresOn: CertificateIssuer.format(leaf.notValidAfter), issuer: leaf.issuer.description,
            serialNumber: leaf.serialNumber.bytes.map { String(format: "%02x", $0) }.joined())
    }

    func install(id: String, hostname: String, certificatePEM: String, keyPEM: String) async throws {
        let summary = try check(hostname: hostname, certificatePEM: certificatePEM, keyPEM: keyPEM)
        try await store.saveCertificate(
            StoredCertificate(
                hostnameID: id, chainPEM: certificatePEM, sealedKey: try sealer.seal(Array(keyPEM.utf8)),
                expiresOn: summary.expiresOn, issuedOn: CertificateIssuer.format(Date())))
        try edge.install(hostname: hostname, chainPEM: certificatePEM, keyPEM: keyPEM)
    }

    /// Whether the certificate name `name` covers `hostname`: the same, or `*.` and one label more.
    static func covers(_ name: String, _ hostname: String) -> Bool {
        if name == hostname { return true }
        guard name.hasPrefix("*."), let dot = hostname.firstIndex(of: ".") else { return false }
        return hostname[hostname.index(after: dot)...] == name.dropFirst(2)
    }
}

import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import SwiftASN1
import X509

/// An ACME client (RFC 8555) that obtains a certificate for names it can answer HTTP-01
/// challenges for: account, order, authorizations, challenge, finalize with a CSR, download.
///
/// Requests are JWS (RFC 7515) signed with the account's P-256 key (ES256); the first names the
/// key (`jwk`), the others the account URL (`kid`). Every POST carries a fresh nonce from the
/// last answer's `Replay-Nonce`; a `badNonce` error is retried once with the nonce it brought.
struct ACMEClient {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The CA could not be reached (no route, refused, DNS, a timeout) or answered 5xx: nothing
    /// was decided about the name, so the order is tried again later.
    struct Unreachable: Error, CustomStringConvertible {
        var description: String
    }

    let directoryURL: String
    let client: HTTPClient
    let accountKey: P256.Signing.PrivateKey

    /// Publishes a key authorization at `http://<name>/.well-known/acme-challenge/<token>`.
    typealias Respond = @Sendable (_ token: String, _ keyAuthorization: String?) async -> Void

    /// Issues a certificate for `name` with `certificateKey`; returns the PEM chain (leaf first).
    /// `respond` is called with each challenge's token and key authorization before the CA is
    /// asked to check it, and with `nil` once it is done.
    func obtainCertificate(for name: String, certificateKey: P256.Signing.PrivateKey, respond: Respond) async throws -> String {
        let directory = try await getJSON(directoryURL)
        guard let newNonce = directory["newNonce"] as? String, let newAccount = directory["newAccount"] as? String,
            let newOrder = directory["newOrder"] as? String
        else { throw Failure(description: "the ACME directory \(directoryURL) lacks newNonce, newAccount or newOrder") }
        var session = Session(client: self, nonce: try await freshNonce(newNonce))

        let account = try await session.post(newAccount, payload: ["termsOfServiceAgreed": true], useJWK: true)
        guard let kid = account.location else { throw Failure(description: "newAccount answered without a Location") }
        session.kid = kid

        let order = try await session.post(newOrder, payload: ["identifiers": [["type": "dns", "value": name]]])
        guard let orderURL = order.location, let authorizations = order.json["authorizations"] as? [String],
            let finalize = order.json["finalize"] as? String
        else { throw Failure(description: "newOrder answered without Location, authorizations or finalize") }

        for authorization in authorizations {
            let authz = try await session.post(authorization, payload: nil)
            if authz.json["status"] as? String == "valid" { continue }
            guard let challenge = (authz.json["challenges"] as? [[String: Any]])?.first(where: { $0["type"] as? String == "http-01" }),
                let url = challenge["url"] as? String, let token = challenge["token"] as? String
            else { throw Failure(description: "no http-01 challenge for \(name)") }
            await respond(token, "\(token).\(thumbprint)")
            _ = try await session.post(url, payload: [String: String]())
            let final = try await session.poll(authorization, until: ["valid"], failing: ["invalid", "deactivated", "expired", "revoked"])
            await respond(token, nil)
            guard final["status"] as? String == "valid" else { throw Failure(description: "authorization for \(name) failed: \(final)") }
        }

        let csr = try Self.csr(for: name, key: certificateKey)
        _ = try await session.post(finalize, payload: ["csr": Self.base64url(csr)])
        let done = try await session.poll(orderURL, until: ["valid"], failing: ["invalid"])
        guard let certificateURL = done["certificate"] as? String else { throw Failure(description: "the order has no certificate: \(done)") }
        let chain = try await session.post(certificateURL, payload: nil)
        return String(decoding: chain.body, as: UTF8.self)
    }

    /// RFC 7638 thumbprint of the account key, as key authorizations end with it.
    var thumbprint: String {
        Self.base64url(Data(SHA256.hash(data: Data(jwkJSON.utf8))))
    }

    /// The account key's JWK with its members in lexicographic order and no spaces (RFC 7638).
    var jwkJSON: String {
        let raw = accountKey.publicKey.rawRepresentation
        return #"{"crv":"P-256","kty":"EC","x":"\#(Self.base64url(raw.prefix(32)))","y":"\#(Self.base64url(raw.suffix(32)))"}"#
    }

    /// A DER CSR for `name` (subject CN and subjectAltName dNSName), signed with `key`.
    static func csr(for name: String, key: P256.Signing.PrivateKey) throws -> [UInt8] {
        let request = try CertificateSigningRequest(
            version: .v1, subject: try DistinguishedName { CommonName(name) }, privateKey: Certificate.PrivateKey(key),
            attributes: try CertificateSigningRequest.Attributes([
                try .init(ExtensionRequest(extensions: try Certificate.Extensions { SubjectAlternativeNames([.dnsName(name)]) }))
            ]))
        var serializer = DER.Serializer()
        try serializer.serialize(request)
        return serializer.serializedBytes
    }

    static func base64url(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    // MARK: HTTP

    struct Answer {
        var status: Int
        var json: [String: Any]
        var body: [UInt8]
        var location: String?
        var nonce: String?
    }

    private func getJSON(_ url: String) async throws -> [String: Any] {
        let answer = try await send(HTTPClientRequest(url: url))
        guard answer.status == 200 else { throw Failure(description: "GET \(url): \(answer.status)") }
        return answer.json
    }

    private func freshNonce(_ url: String) async throws -> String {
        var request = HTTPClientRequest(url: url)
        request.method = .HEAD
        guard let nonce = try await send(request).nonce else { throw Failure(description: "no Replay-Nonce from \(url)") }
        return nonce
    }

    fileprivate func send(_ request: HTTPClientRequest) async throws -> Answer {
        let response: HTTPClientResponse
        let body: [UInt8]
        do {
            response = try await client.execute(request, timeout: .seconds(30))
            body = Array((try await response.body.collect(upTo: 1 << 20)).readableBytesView)
        } catch {
            throw Unreachable(description: "\(request.method.rawValue) \(request.url): \(error)")
        }
        if response.status.code >= 500 {
            throw Unreachable(description: "\(request.method.rawValue) \(request.url): \(response.status.code)")
        }
        let json = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
        return Answer(
            status: Int(response.status.code), json: json, body: body, location: response.headers.first(name: "location"),
            nonce: response.headers.first(name: "replay-nonce"))
    }

    /// The signed requests of one issuance, carrying the nonce from one answer to the next.
    struct Session {
        let client: ACMEClient
        var nonce: String
        var kid: String?

        init(client: ACMEClient, nonce: String) {
            self.client = client
            self.nonce = nonce
        }

        /// A signed POST; `payload` `nil` is POST-as-GET (an empty payload).
        mutating func post(_ url: String, payload: Any?, useJWK: Bool = false) async throws -> Answer {
            for attempt in 0..<2 {
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.headers.add(name: "content-type", value: "application/jose+json")
                request.body = .bytes(ByteBuffer(bytes: try jws(url: url, payload: payload, useJWK: useJWK)))
                let answer = try await client.send(request)
                if let next = answer.nonce { nonce = next }
                if answer.status < 300 { return answer }
                if attempt == 0, (answer.json["type"] as? String)?.hasSuffix(":badNonce") == true { continue }
                throw Failure(description: "POST \(url): \(answer.status) \(String(decoding: answer.body, as: UTF8.self))")
            }
            throw Failure(description: "POST \(url): the nonce was refused twice")
        }

        /// POST-as-GET `url` until its `status` is one of `done` or `failing`; the CA's
        /// `Retry-After` is not waited for beyond a short pause, as pebble answers at once.
        mutating func poll(_ url: String, until done: Set<String>, failing: Set<String>) async throws -> [String: Any] {
            for _ in 0..<600 {
                let answer = try await post(url, payload: nil)
                let status = answer.json["status"] as? String ?? ""
                if done.contains(status) || failing.contains(status) { return answer.json }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw Failure(description: "\(url) did not finish")
        }

        private func jws(url: String, payload: Any?, useJWK: Bool) throws -> [UInt8] {
            var header = #"{"alg":"ES256","nonce":"\#(nonce)","url":"\#(url)","#
            if let kid, !useJWK { header += #""kid":"\#(kid)"}"# } else { header += #""jwk":\#(client.jwkJSON)}"# }
            let protected = ACMEClient.base64url(Array(header.utf8))
            let body = try payload.map { ACMEClient.base64url(try JSONSerialization.data(withJSONObject: $0)) } ?? ""
            let signature = try client.accountKey.signature(for: Data("\(protected).\(body)".utf8))
            let jws = #"{"protected":"\#(protected)","payload":"\#(body)","signature":"\#(ACMEClient.base64url(signature.rawRepresentation))"}"#
            return Array(jws.utf8)
        }
    }
}

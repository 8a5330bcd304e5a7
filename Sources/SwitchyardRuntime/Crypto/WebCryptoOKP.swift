import Crypto
import Foundation
import SwiftASN1

/// Ed25519 and X25519 (Secure Curves in WebCrypto; RFC 8032, RFC 7748). Keys are held as their
/// 32 raw bytes; SubjectPublicKeyInfo and PKCS #8 are the fixed RFC 8410 encodings around them
/// (PKCS #8 read in full: RFC 5958's version 2 with attributes and the public key is accepted).
enum WebCryptoOKP {
    enum Algorithm: String, WebCryptoName {
        case ed25519 = "Ed25519"
        case x25519 = "X25519"

        static let kind = "algorithm"

        /// The last byte of the algorithm's OID, 1.3.101.112 or 1.3.101.110 (RFC 8410 §3).
        var oidByte: UInt8 { self == .ed25519 ? 0x70 : 0x6e }

        /// SubjectPublicKeyInfo up to the key's bytes (RFC 8410 §4).
        var spkiPrefix: [UInt8] { [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, oidByte, 0x03, 0x21, 0x00] }

        /// OneAsymmetricKey (version 0, no attributes) up to the key's bytes (RFC 8410 §7), as
        /// keys are exported.
        var pkcs8Prefix: [UInt8] {
            [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, oidByte, 0x04, 0x22, 0x04, 0x20]
        }
    }

    static func generate(_ algorithm: Algorithm) -> (privateKey: [UInt8], publicKey: [UInt8]) {
        switch algorithm {
        case .ed25519:
            let key = Curve25519.Signing.PrivateKey()
            return (Array(key.rawRepresentation), Array(key.publicKey.rawRepresentation))
        case .x25519:
            let key = Curve25519.KeyAgreement.PrivateKey()
            return (Array(key.rawRepresentation), Array(key.publicKey.rawRepresentation))
        }
    }

    static func publicKey(_ algorithm: Algorithm, privateKey: [UInt8]) throws -> [UInt8] {
        switch algorithm {
        case .ed25519: Array(try Curve25519.Signing.PrivateKey(rawRepresentation: privateKey).publicKey.rawRepresentation)
        case .x25519: Array(try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: privateKey).publicKey.rawRepresentation)
        }
    }

    /// The raw key inside `data` given as `format`; `raw` is a public key.
    static func importKey(_ algorithm: Algorithm, format: String, _ data: [UInt8]) throws -> [UInt8] {
        let prefix: [UInt8]
        switch format {
        case "raw": prefix = []
        case "spki": prefix = algorithm.spkiPrefix
        case "pkcs8": return try privateKey(algorithm, pkcs8: data)
        default: throw WebCryptoError.notSupported("Unsupported key format \(format)")
        }
        guard data.count == prefix.count + 32, data.starts(with: prefix) else {
            throw WebCryptoError.data("Invalid \(algorithm.rawValue) key data")
        }
        return Array(data[prefix.count...])
    }

    /// The private key in a OneAsymmetricKey (RFC 5958 §2; RFC 8410 §7): version 1 (v1) or
    /// 2 (v2, encoded 0 and 1), the algorithm without parameters, the key as an OCTET STRING in
    /// the OCTET STRING, attributes (skipped) and, in v2, the public key, which must be the
    /// private key's.
    static func privateKey(_ algorithm: Algorithm, pkcs8 data: [UInt8]) throws -> [UInt8] {
        let invalid = WebCryptoError.data("Invalid \(algorithm.rawValue) key data")
        let oid: ASN1ObjectIdentifier = [1, 3, 101, UInt(algorithm.oidByte)]
        let parsed: (key: [UInt8], publicKey: ASN1BitString?)
        do {
            parsed = try DER.sequence(try DER.parse(data), identifier: .sequence) { nodes in
                let version = try Int(derEncoded: &nodes)
                guard let algorithmNode = nodes.next() else { throw invalid }
                let identifier = try DER.sequence(algorithmNode, identifier: .sequence) { try ASN1ObjectIdentifier(derEncoded: &$0) }
                let wrapped = try ASN1OctetString(derEncoded: &nodes)
                let key = try ASN1OctetString(derEncoded: Array(wrapped.bytes))
                _ = DER.optionalImplicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) { $0 }
                let publicKey = try DER.optionalImplicitlyTagged(&nodes, tagNumber: 1, tagClass: .contextSpecific) {
                    try ASN1BitString(derEncoded: $0, withIdentifier: $0.identifier)
                }
                guard identifier == oid, (0...1).contains(version), publicKey == nil || version == 1 else { throw invalid }
                return (Array(key.bytes), publicKey)
            }
        } catch {
            throw invalid
        }
        guard parsed.key.count == 32 else { throw invalid }
        if let embedded = parsed.publicKey {
            guard embedded.paddingBits == 0, embedded.bytes.elementsEqual(try publicKey(algorithm, privateKey: parsed.key)) else {
                throw WebCryptoError.data("The PKCS #8 public key is not the private key's")
            }
        }
        return parsed.key
    }

    static func exportKey(_ algorithm: Algorithm, format: String, _ key: [UInt8], isPrivate: Bool) throws -> [UInt8] {
        switch (format, isPrivate) {
        case ("raw", false): key
        case ("spki", false): algorithm.spkiPrefix + key
        case ("pkcs8", true): algorithm.pkcs8Prefix + key
        default: throw WebCryptoError(name: .invalidAccess, message: "Keys of this type cannot be exported as \(format)")
        }
    }

    static func sign(privateKey: [UInt8], _ data: UnsafeRawBufferPointer) throws -> [UInt8] {
        Array(try Curve25519.Signing.PrivateKey(rawRepresentation: privateKey).signature(for: data))
    }

    static func verify(publicKey: [UInt8], signature: [UInt8], _ data: UnsafeRawBufferPointer) throws -> Bool {
        try Curve25519.Signing.PublicKey(rawRepresentation: publicKey).isValidSignature(signature, for: data)
    }

    /// X25519's shared secret; an all-zero result (a small-order peer key) is an
    /// OperationError (Secure Curves §X25519 deriveBits).
    static func sharedSecret(privateKey: [UInt8], peer: [UInt8]) throws -> [UInt8] {
        let own = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: privateKey)
        let secret: [UInt8]
        do {
            let shared = try own.sharedSecretFromKeyAgreement(with: Curve25519.KeyAgreement.PublicKey(rawRepresentation: peer))
            secret = shared.withUnsafeBytes { Array($0) }
        } catch {
            throw WebCryptoError.operation("X25519 key agreement failed")
        }
        guard secret.contains(where: { $0 != 0 }) else { throw WebCryptoError.operation("X25519 key agreement failed") }
        return secret
    }
}

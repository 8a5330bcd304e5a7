import Crypto
import Foundation
import SwiftASN1
import _CryptoExtras

/// RSASSA-PKCS1-v1_5, RSA-PSS and RSA-OAEP (WebCrypto §20-§22) over `_CryptoExtras`.
///
/// Private keys are held as PKCS #1 RSAPrivateKey DER and public keys as SubjectPublicKeyInfo
/// DER. What `_CryptoExtras` cannot do goes to ``OpenSSLRSA``: a PSS salt other than the
/// hash's length, OAEP with SHA-384 / SHA-512 or a label, and key generation with an exponent
/// other than 65537. Keys under 1024 bits are refused with a NotSupportedError.
enum WebCryptoRSA {
    enum Scheme: String {
        case pkcs1 = "RSASSA-PKCS1-v1_5"
        case pss = "RSA-PSS"

        /// swift-crypto's padding (its PSS salt is as long as the hash).
        var padding: _RSA.Signing.Padding { self == .pkcs1 ? .insecurePKCS1v1_5 : .PSS }
    }

    /// A new key pair; runs for tens of milliseconds to seconds, so off the executor.
    static func generate(bits: Int, publicExponent: [UInt8]) throws -> (privateKey: [UInt8], publicKey: [UInt8]) {
        let exponent = try Self.exponent(publicExponent)
        guard [1024, 2048, 3072, 4096].contains(bits) else {
            throw WebCryptoError.notSupported("RSA keys of 1024, 2048, 3072 or 4096 bits are supported")
        }
        let key =
            exponent == 65537
            ? try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: bits))
            : try _RSA.Signing.PrivateKey(unsafeDERRepresentation: OpenSSLRSA.generate(bits: bits, exponent: exponent))
        return (Array(key.derRepresentation), Array(key.publicKey.derRepresentation))
    }

    /// The public exponent of a key to generate: odd and at least 3, as RSA needs (RFC 8017
    /// §3.1), and at most 33 bits, the most swift-crypto's BoringSSL accepts in a key.
    static func exponent(_ bytes: [UInt8]) throws -> UInt64 {
        let significant = bytes.drop(while: { $0 == 0 })
        guard significant.count <= 5 else { throw WebCryptoError.operation("The public exponent is too large") }
        let value = significant.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard value >= 3, value % 2 == 1 else {
            throw WebCryptoError.operation("The public exponent must be odd and at least 3")
        }
        guard value < 1 << 33 else { throw WebCryptoError.operation("The public exponent is too large") }
        return value
    }

    /// The held form of `data` given as `pkcs8` / `spki` (`raw` is not an RSA format).
    static func importKey(format: String, _ data: [UInt8]) throws -> [UInt8] {
        do {
            switch format {
            case "pkcs8": return Array(try _RSA.Signing.PrivateKey(unsafeDERRepresentation: data).derRepresentation)
            case "spki": return Array(try _RSA.Signing.PublicKey(unsafeDERRepresentation: data).derRepresentation)
            default: throw WebCryptoError.notSupported("Unsupported key format \(format)")
            }
        } catch let error as WebCryptoError {
            throw error
        } catch {
            throw WebCryptoError.data("Invalid RSA key data")
        }
    }

    static func exportKey(format: String, _ key: [UInt8], isPrivate: Bool) throws -> [UInt8] {
        switch (format, isPrivate) {
        case ("spki", false): return key
        case ("pkcs8", true):
            let pem = try _RSA.Signing.PrivateKey(unsafeDERRepresentation: key).pkcs8PEMRepresentation
            let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
            guard let der = Data(base64Encoded: body) else { throw WebCryptoError.operation("The key could not be encoded") }
            return Array(der)
        default: throw WebCryptoError(name: .invalidAccess, message: "Keys of this type cannot be exported as \(format)")
        }
    }

    static func publicKey(privateKey: [UInt8]) throws -> [UInt8] {
        Array(try _RSA.Signing.PrivateKey(unsafeDERRepresentation: privateKey).publicKey.derRepresentation)
    }

    /// The modulus length in bits and the public exponent (the key's `algorithm` members).
    static func parameters(_ key: [UInt8], isPrivate: Bool) throws -> (bits: Int, exponent: [UInt8]) {
        let publicKey = isPrivate
            ? try _RSA.Signing.PrivateKey(unsafeDERRepresentation: key).publicKey
            : try _RSA.Signing.PublicKey(unsafeDERRepresentation: key)
        return (publicKey.keySizeInBits, Array(try publicKey.getKeyPrimitives().publicExponent))
    }

    /// The JWK members in order: `n, e` of a public key; `n, e, d, p, q, dp, dq, qi` of a
    /// private one (big-endian, no leading zeros), read from PKCS #1 (RFC 8017 §A.1.2).
    static func components(_ key: [UInt8], isPrivate: Bool) throws -> [[UInt8]] {
        guard isPrivate else {
            let primitives = try _RSA.Signing.PublicKey(unsafeDERRepresentation: key).getKeyPrimitives()
            return [Array(primitives.modulus), Array(primitives.publicExponent)]
        }
        return try DER.sequence(try DER.parse(key), identifier: .sequence) { nodes in
            _ = try Int(derEncoded: &nodes)  // version
            return try (0..<8).map { _ in Array(try ArraySlice<UInt8>(derEncoded: &nodes)) }
        }
    }

    /// A held key from JWK members: `n, e` (public) or `n, e, d, p, q` (private; the CRT
    /// values are computed again, and a key without primes is rebuilt from `d`).
    static func fromComponents(n: [UInt8], e: [UInt8], d: [UInt8]?, p: [UInt8]?, q: [UInt8]?) throws -> [UInt8] {
        do {
            guard let d else { return Array(try _RSA.Signing.PublicKey(n: n, e: e).derRepresentation) }
            let key = if let p, let q {
                try _RSA.Signing.PrivateKey(n: n, e: e, d: d, p: p, q: q)
            } else {
                try _RSA.Signing.PrivateKey._createFromNumbers(n: n, e: e, d: d)
            }
            return Array(key.derRepresentation)
        } catch {
            throw WebCryptoError.data("Invalid RSA JWK")
        }
    }

    static func sign(
        _ scheme: Scheme, hash: WebCryptoHash, saltLength: Int, privateKey: [UInt8], _ data: UnsafeRawBufferPointer
    ) throws -> [UInt8] {
        struct Signer: HashVisitor {
            let key: _RSA.Signing.PrivateKey
            let padding: _RSA.Signing.Padding
            let data: UnsafeRawBufferPointer
            func visit<H: HashFunction>(_ hash: H.Type) throws -> [UInt8] {
                Array(try key.signature(for: H.hash(data: data), padding: padding).rawRepresentation)
            }
        }
        if scheme == .pss, saltLength != hash.byteCount {
            return try OpenSSLRSA.signPSS(hash: hash, saltLength: saltLength, privateKey: privateKey, data)
        }
        let key = try _RSA.Signing.PrivateKey(unsafeDERRepresentation: privateKey)
        do {
            return try hash.signingHash().visit(Signer(key: key, padding: scheme.padding, data: data))
        } catch {
            throw WebCryptoError.operation("The key is too small for this hash")
        }
    }

    static func verify(
        _ scheme: Scheme, hash: WebCryptoHash, saltLength: Int, publicKey: [UInt8], signature: [UInt8],
        _ data: UnsafeRawBufferPointer
    ) throws -> Bool {
        struct Verifier: HashVisitor {
            let key: _RSA.Signing.PublicKey
            let padding: _RSA.Signing.Padding
            let signature: _RSA.Signing.RSASignature
            let data: UnsafeRawBufferPointer
            func visit<H: HashFunction>(_ hash: H.Type) -> Bool {
                key.isValidSignature(signature, for: H.hash(data: data), padding: padding)
            }
        }
        if scheme == .pss, saltLength != hash.byteCount {
            return try OpenSSLRSA.verifyPSS(
                hash: hash, saltLength: saltLength, publicKey: publicKey, signature: signature, data)
        }
        let key = try _RSA.Signing.PublicKey(unsafeDERRepresentation: publicKey)
        let parsed = _RSA.Signing.RSASignature(rawRepresentation: signature)
        return try hash.signingHash().visit(Verifier(key: key, padding: scheme.padding, signature: parsed, data: data))
    }

    static func encrypt(hash: WebCryptoHash, label: [UInt8], publicKey: [UInt8], _ data: UnsafeRawBufferPointer) throws
        -> [UInt8]
    {
        guard let padding = try oaepPadding(hash: hash, label: label) else {
            return try OpenSSLRSA.encryptOAEP(hash: hash, label: label, publicKey: publicKey, data)
        }
        let key = try _RSA.Encryption.PublicKey(unsafeDERRepresentation: publicKey)
        do {
            return Array(try key.encrypt(data, padding: padding))
        } catch {
            throw WebCryptoError.operation("The data is too large for the key")
        }
    }

    static func decrypt(hash: WebCryptoHash, label: [UInt8], privateKey: [UInt8], _ data: UnsafeRawBufferPointer) throws
        -> [UInt8]
    {
        guard let padding = try oaepPadding(hash: hash, label: label) else {
            return try OpenSSLRSA.decryptOAEP(hash: hash, label: label, privateKey: privateKey, data)
        }
        let key = try _RSA.Encryption.PrivateKey(unsafeDERRepresentation: privateKey)
        do {
            return Array(try key.decrypt(data, padding: padding))
        } catch {
            throw WebCryptoError.operation("Decryption failed")
        }
    }

    /// swift-crypto's padding, or nil where it has none (a label, SHA-384 / SHA-512).
    static func oaepPadding(hash: WebCryptoHash, label: [UInt8]) throws -> _RSA.Encryption.Padding? {
        guard label.isEmpty else { return nil }
        switch try hash.signingHash() {
        case .sha1: return .PKCS1_OAEP
        case .sha256: return .PKCS1_OAEP_SHA256
        default: return nil
        }
    }
}

import Crypto
import Foundation

/// ECDSA and ECDH on P-256, P-384 and P-521 (WebCrypto §23-§24). Private keys are held as
/// PKCS #8 and public keys as SubjectPublicKeyInfo DER, the forms swift-crypto reads back.
enum WebCryptoEC {
    enum Curve: String, WebCryptoName {
        case p256 = "P-256"
        case p384 = "P-384"
        case p521 = "P-521"

        static let kind = "curve"

        /// The operations of this curve's swift-crypto types.
        var keys: any NISTCurveKeys.Type {
            switch self {
            case .p256: CurveKeys<P256.Signing.PrivateKey, P256.KeyAgreement.PrivateKey>.self
            case .p384: CurveKeys<P384.Signing.PrivateKey, P384.KeyAgreement.PrivateKey>.self
            case .p521: CurveKeys<P521.Signing.PrivateKey, P521.KeyAgreement.PrivateKey>.self
            }
        }
    }

    static func generate(_ curve: Curve) -> (privateKey: [UInt8], publicKey: [UInt8]) { curve.keys.generate() }

    /// A key given as `format` (`raw` public point, `spki`, `pkcs8`) in the form it is held.
    static func importKey(_ curve: Curve, format: String, _ data: [UInt8]) throws -> [UInt8] {
        do {
            return try curve.keys.canonical(format: format, data)
        } catch let error as WebCryptoError {
            throw error
        } catch {
            throw WebCryptoError.data("Invalid \(curve.rawValue) key data")
        }
    }

    /// The SubjectPublicKeyInfo of a held private key.
    static func publicKey(_ curve: Curve, privateKey: [UInt8]) throws -> [UInt8] {
        try curve.keys.publicKey(ofPrivate: privateKey)
    }

    /// A held key as `raw` (the uncompressed point of a public key), `spki` or `pkcs8`.
    static func exportKey(_ curve: Curve, format: String, _ key: [UInt8], isPrivate: Bool) throws -> [UInt8] {
        switch (format, isPrivate) {
        case ("pkcs8", true), ("spki", false): key
        case ("raw", false): try curve.keys.uncompressedPoint(spki: key)
        default: throw WebCryptoError(name: .invalidAccess, message: "Keys of this type cannot be exported as \(format)")
        }
    }

    /// `x || y` of a public key, or `x || y || d` of a private one (JWK members, §23.7).
    static func components(_ curve: Curve, _ key: [UInt8], isPrivate: Bool) throws -> [UInt8] {
        try curve.keys.components(key, isPrivate: isPrivate)
    }

    /// A held key from JWK members: `x`, `y` and, for a private key, `d` (checked to match).
    static func fromComponents(_ curve: Curve, x: [UInt8], y: [UInt8], d: [UInt8]?) throws -> [UInt8] {
        do {
            return try curve.keys.fromComponents(x: x, y: y, d: d)
        } catch let error as WebCryptoError {
            throw error
        } catch {
            throw WebCryptoError.data("Invalid \(curve.rawValue) JWK")
        }
    }

    /// The IEEE P1363 (`r || s`) signature of `data` hashed with `hash`.
    static func sign(_ curve: Curve, hash: WebCryptoHash, privateKey: [UInt8], _ data: UnsafeRawBufferPointer) throws
        -> [UInt8]
    {
        try curve.keys.sign(hash: try hash.signingHash(), privateKey: privateKey, data)
    }

    static func verify(
        _ curve: Curve, hash: WebCryptoHash, publicKey: [UInt8], signature: [UInt8], _ data: UnsafeRawBufferPointer
    ) throws -> Bool {
        try curve.keys.verify(hash: try hash.signingHash(), publicKey: publicKey, signature: signature, data)
    }

    /// The shared secret's x-coordinate (§24.4.3 deriveBits, before truncation).
    static func sharedSecret(_ curve: Curve, privateKey: [UInt8], peer: [UInt8]) throws -> [UInt8] {
        try curve.keys.sharedSecret(privateKey: privateKey, peer: peer)
    }
}

// MARK: - One implementation for the three curves

/// What WebCrypto needs of one curve; ``CurveKeys`` implements it over swift-crypto's types.
protocol NISTCurveKeys {
    static func generate() -> (privateKey: [UInt8], publicKey: [UInt8])
    static func canonical(format: String, _ data: [UInt8]) throws -> [UInt8]
    static func publicKey(ofPrivate privateKey: [UInt8]) throws -> [UInt8]
    static func uncompressedPoint(spki: [UInt8]) throws -> [UInt8]
    static func components(_ key: [UInt8], isPrivate: Bool) throws -> [UInt8]
    static func fromComponents(x: [UInt8], y: [UInt8], d: [UInt8]?) throws -> [UInt8]
    static func sign(hash: WebCryptoHash, privateKey: [UInt8], _ data: UnsafeRawBufferPointer) throws -> [UInt8]
    static func verify(hash: WebCryptoHash, publicKey: [UInt8], signature: [UInt8], _ data: UnsafeRawBufferPointer)
        throws -> Bool
    static func sharedSecret(privateKey: [UInt8], peer: [UInt8]) throws -> [UInt8]
}

/// The parts of swift-crypto's `P256.Signing.PrivateKey` (and P-384's, P-521's) used here.
protocol ECSigningPrivateKey {
    associatedtype PublicKey: ECSigningPublicKey
    init(compactRepresentable: Bool)
    init<Bytes: ContiguousBytes>(rawRepresentation: Bytes) throws
    init<Bytes: RandomAccessCollection>(derRepresentation: Bytes) throws where Bytes.Element == UInt8
    var rawRepresentation: Data { get }
    var derRepresentation: Data { get }
    var publicKey: PublicKey { get }
    func signature<D: Digest>(for digest: D) throws -> PublicKey.Signature
}

protocol ECSigningPublicKey {
    associatedtype Signature: ECSignatureValue
    init<Bytes: ContiguousBytes>(rawRepresentation: Bytes) throws
    init<Bytes: ContiguousBytes>(x963Representation: Bytes) throws
    init<Bytes: ContiguousBytes>(compressedRepresentation: Bytes) throws
    init<Bytes: RandomAccessCollection>(derRepresentation: Bytes) throws where Bytes.Element == UInt8
    var rawRepresentation: Data { get }
    var x963Representation: Data { get }
    var derRepresentation: Data { get }
    func isValidSignature<D: Digest>(_ signature: Signature, for digest: D) -> Bool
}

protocol ECSignatureValue {
    init<D: DataProtocol>(rawRepresentation: D) throws
    var rawRepresentation: Data { get }
}

protocol ECAgreementPrivateKey {
    associatedtype PublicKey: ECAgreementPublicKey
    init<Bytes: ContiguousBytes>(rawRepresentation: Bytes) throws
    func sharedSecretFromKeyAgreement(with publicKeyShare: PublicKey) throws -> SharedSecret
}

protocol ECAgreementPublicKey {
    init<Bytes: RandomAccessCollection>(derRepresentation: Bytes) throws where Bytes.Element == UInt8
}

extension P256.Signing.PrivateKey: ECSigningPrivateKey { typealias PublicKey = P256.Signing.PublicKey }
extension P256.Signing.PublicKey: ECSigningPublicKey { typealias Signature = P256.Signing.ECDSASignature }
extension P256.Signing.ECDSASignature: ECSignatureValue {}
extension P256.KeyAgreement.PrivateKey: ECAgreementPrivateKey { typealias PublicKey = P256.KeyAgreement.PublicKey }
extension P256.KeyAgreement.PublicKey: ECAgreementPublicKey {}
extension P384.Signing.PrivateKey: ECSigningPrivateKey { typealias PublicKey = P384.Signing.PublicKey }
extension P384.Signing.PublicKey: ECSigningPublicKey { typealias Signature = P384.Signing.ECDSASignature }
extension P384.Signing.ECDSASignature: ECSignatureValue {}
extension P384.KeyAgreement.PrivateKey: ECAgreementPrivateKey { typealias PublicKey = P384.KeyAgreement.PublicKey }
extension P384.KeyAgreement.PublicKey: ECAgreementPublicKey {}
extension P521.Signing.PrivateKey: ECSigningPrivateKey { typealias PublicKey = P521.Signing.PublicKey }
extension P521.Signing.PublicKey: ECSigningPublicKey { typealias Signature = P521.Signing.ECDSASignature }
extension P521.Signing.ECDSASignature: ECSignatureValue {}
extension P521.KeyAgreement.PrivateKey: ECAgreementPrivateKey { typealias PublicKey = P521.KeyAgreement.PublicKey }
extension P521.KeyAgreement.PublicKey: ECAgreementPublicKey {}

enum CurveKeys<Signing: ECSigningPrivateKey, Agreement: ECAgreementPrivateKey>: NISTCurveKeys {
    static func generate() -> (privateKey: [UInt8], publicKey: [UInt8]) {
        let key = Signing(compactRepresentable: false)
        return (Array(key.derRepresentation), Array(key.publicKey.derRepresentation))
    }

    static func canonical(format: String, _ data: [UInt8]) throws -> [UInt8] {
        switch format {
        case "pkcs8": return Array(try Signing(derRepresentation: data).derRepresentation)
        case "spki": return Array(try Signing.PublicKey(derRepresentation: data).derRepresentation)
        case "raw":
            // An uncompressed (0x04) or compressed (0x02 / 0x03) point (§23.8 step 2.3).
            let key = data.first == 0x04
                ? try Signing.PublicKey(x963Representation: data) : try Signing.PublicKey(compressedRepresentation: data)
            return Array(key.derRepresentation)
        default:
            throw WebCryptoError.notSupported("Unsupported key format \(format)")
        }
    }

    static func publicKey(ofPrivate privateKey: [UInt8]) throws -> [UInt8] {
        Array(try Signing(derRepresentation: privateKey).publicKey.derRepresentation)
    }

    static func uncompressedPoint(spki: [UInt8]) throws -> [UInt8] {
        Array(try Signing.PublicKey(derRepresentation: spki).x963Representation)
    }

    static func components(_ key: [UInt8], isPrivate: Bool) throws -> [UInt8] {
        if isPrivate {
            let privateKey = try Signing(derRepresentation: key)
            return Array(privateKey.publicKey.rawRepresentation) + Array(privateKey.rawRepresentation)
        }
        return Array(try Signing.PublicKey(derRepresentation: key).rawRepresentation)
    }

    static func fromComponents(x: [UInt8], y: [UInt8], d: [UInt8]?) throws -> [UInt8] {
        let publicKey = try Signing.PublicKey(rawRepresentation: x + y)
        guard let d else { return Array(publicKey.derRepresentation) }
        let privateKey = try Signing(rawRepresentation: d)
        guard privateKey.publicKey.rawRepresentation == publicKey.rawRepresentation else {
            throw WebCryptoError.data("The JWK's public point does not match its private key")
        }
        return Array(privateKey.derRepresentation)
    }

    static func sign(hash: WebCryptoHash, privateKey: [UInt8], _ data: UnsafeRawBufferPointer) throws -> [UInt8] {
        try hash.visit(ECDSASigner(key: try Signing(derRepresentation: privateKey), data: data))
    }

    static func verify(hash: WebCryptoHash, publicKey: [UInt8], signature: [UInt8], _ data: UnsafeRawBufferPointer)
        throws -> Bool
    {
        let key = try Signing.PublicKey(derRepresentation: publicKey)
        // A signature of the wrong length does not verify (§23.4.2 step 8).
        guard let parsed = try? Signing.PublicKey.Signature(rawRepresentation: signature) else { return false }
        return try hash.visit(ECDSAVerifier(key: key, signature: parsed, data: data))
    }

    static func sharedSecret(privateKey: [UInt8], peer: [UInt8]) throws -> [UInt8] {
        let own = try Agreement(rawRepresentation: try Signing(derRepresentation: privateKey).rawRepresentation)
        let secret = try own.sharedSecretFromKeyAgreement(with: try Agreement.PublicKey(derRepresentation: peer))
        return secret.withUnsafeBytes { Array($0) }
    }
}

private struct ECDSASigner<Key: ECSigningPrivateKey>: HashVisitor {
    let key: Key
    let data: UnsafeRawBufferPointer
    func visit<H: HashFunction>(_ hash: H.Type) throws -> [UInt8] {
        Array(try key.signature(for: H.hash(data: data)).rawRepresentation)
    }
}

private struct ECDSAVerifier<Key: ECSigningPublicKey>: HashVisitor {
    let key: Key
    let signature: Key.Signature
    let data: UnsafeRawBufferPointer
    func visit<H: HashFunction>(_ hash: H.Type) -> Bool {
        key.isValidSignature(signature, for: H.hash(data: data))
    }
}

import Crypto
import Foundation
import _CryptoExtras

/// A hash algorithm as WebCrypto names it (`SHA-256`...); MD5 only for `digest`, as Workers allow.
enum WebCryptoHash: String, Sendable, WebCryptoName {
    case sha1 = "SHA-1"
    case sha256 = "SHA-256"
    case sha384 = "SHA-384"
    case sha512 = "SHA-512"
    case md5 = "MD5"

    static let kind = "hash"

    /// The hash's output length in bytes.
    var byteCount: Int {
        switch self {
        case .sha1: 20
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        case .md5: 16
        }
    }

    /// The block length in bits: HMAC's default key length (WebCrypto §29.6).
    var blockBits: Int {
        switch self {
        case .sha384, .sha512: 1024
        default: 512
        }
    }

    /// Runs `visitor` with the swift-crypto type of this hash: one switch for every generic
    /// operation (HMAC, HKDF, ECDSA, RSA) instead of one per operation.
    func visit<V: HashVisitor>(_ visitor: V) throws -> V.Result {
        switch self {
        case .sha1: try visitor.visit(Insecure.SHA1.self)
        case .sha256: try visitor.visit(SHA256.self)
        case .sha384: try visitor.visit(SHA384.self)
        case .sha512: try visitor.visit(SHA512.self)
        case .md5: try visitor.visit(Insecure.MD5.self)
        }
    }

    /// The hash for everything but `digest`, where MD5 is refused.
    func signingHash() throws -> Self {
        guard self != .md5 else { throw WebCryptoError.notSupported("MD5 is only supported by digest") }
        return self
    }

    var pbkdf2Function: KDF.Insecure.PBKDF2.HashFunction {
        switch self {
        case .sha1: .insecureSHA1
        case .sha256: .sha256
        case .sha384: .sha384
        case .sha512: .sha512
        case .md5: .insecureMD5
        }
    }
}

/// An operation generic over the hash function, run by ``WebCryptoHash/visit(_:)``.
protocol HashVisitor {
    associatedtype Result
    func visit<H: HashFunction>(_ hash: H.Type) throws -> Result
}

/// Digests, HMAC and the key derivations (WebCrypto §30 SHA, §29 HMAC, §31 HKDF, §32 PBKDF2).
enum WebCryptoDigests {
    static func digest(_ hash: WebCryptoHash, _ data: UnsafeRawBufferPointer) throws -> [UInt8] {
        struct Digesting: HashVisitor {
            let data: UnsafeRawBufferPointer
            func visit<H: HashFunction>(_ hash: H.Type) -> [UInt8] { Array(H.hash(data: data)) }
        }
        return try hash.visit(Digesting(data: data))
    }

    static func hmacSign(_ hash: WebCryptoHash, key: [UInt8], _ data: UnsafeRawBufferPointer) throws -> [UInt8] {
        struct Signing: HashVisitor {
            let key: SymmetricKey
            let data: UnsafeRawBufferPointer
            func visit<H: HashFunction>(_ hash: H.Type) -> [UInt8] {
                Array(HMAC<H>.authenticationCode(for: data, using: key))
            }
        }
        return try hash.signingHash().visit(Signing(key: SymmetricKey(data: key), data: data))
    }

    /// Compares in constant time (swift-crypto's `isValidAuthenticationCode`).
    static func hmacVerify(_ hash: WebCryptoHash, key: [UInt8], signature: [UInt8], _ data: UnsafeRawBufferPointer)
        throws -> Bool
    {
        struct Verifying: HashVisitor {
            let key: SymmetricKey
            let signature: [UInt8]
            let data: UnsafeRawBufferPointer
            func visit<H: HashFunction>(_ hash: H.Type) -> Bool {
                HMAC<H>.isValidAuthenticationCode(signature, authenticating: data, using: key)
            }
        }
        return try hash.signingHash().visit(Verifying(key: SymmetricKey(data: key), signature: signature, data: data))
    }

    static func hkdf(_ hash: WebCryptoHash, key: [UInt8], salt: [UInt8], info: [UInt8], bits: Int) throws -> [UInt8] {
        struct Deriving: HashVisitor {
            let key: [UInt8], salt: [UInt8], info: [UInt8], byteCount: Int
            func visit<H: HashFunction>(_ hash: H.Type) throws -> [UInt8] {
                // RFC 5869 §2.3: at most 255 blocks of output.
                guard byteCount <= 255 * H.Digest.byteCount else {
                    throw WebCryptoError.operation("HKDF cannot derive more than 255 hash lengths")
                }
                let derived = HKDF<H>.deriveKey(
                    inputKeyMaterial: SymmetricKey(data: key), salt: salt, info: info, outputByteCount: byteCount)
                return derived.withUnsafeBytes { Array($0) }
            }
        }
        let byteCount = try derivedByteCount(bits)
        return try hash.signingHash().visit(Deriving(key: key, salt: salt, info: info, byteCount: byteCount))
    }

    static func pbkdf2(_ hash: WebCryptoHash, password: [UInt8], salt: [UInt8], iterations: Int, bits: Int) throws
        -> [UInt8]
    {
        guard iterations > 0 else { throw WebCryptoError.operation("PBKDF2 requires a positive iteration count") }
        let byteCount = try derivedByteCount(bits)
        let derived = try KDF.Insecure.PBKDF2.deriveKey(
            from: password, salt: salt, using: try hash.signingHash().pbkdf2Function, outputByteCount: byteCount,
            unsafeUncheckedRounds: iterations)
        return derived.withUnsafeBytes { Array($0) }
    }

    /// The whole bytes a derivation of `bits` asks for (a positive multiple of 8).
    static func derivedByteCount(_ bits: Int) throws -> Int {
        guard bits > 0, bits % 8 == 0 else { throw WebCryptoError.operation("The length must be a positive multiple of 8") }
        return bits / 8
    }
}

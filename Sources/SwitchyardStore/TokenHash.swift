import Crypto
import Foundation

/// Hashing of secrets and content.
public enum TokenHash {
    /// SHA-256 of a token secret, in lowercase hex: what the store keeps instead of the secret.
    public static func of(secret: String) -> String {
        sha256Hex(Array(secret.utf8))
    }

    /// SHA-256 of `bytes` in lowercase hex.
    public static func sha256Hex(_ bytes: some Sequence<UInt8>) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(bytes))
        return hexString(hasher.finalize())
    }

    /// Lowercase hex of bytes.
    public static func hexString(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `count` random bytes in lowercase hex (ids, secrets).
    public static func randomHex(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return hexString((0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// A random UUID string, lowercase.
    public static func uuid() -> String {
        UUID().uuidString.lowercased()
    }
}

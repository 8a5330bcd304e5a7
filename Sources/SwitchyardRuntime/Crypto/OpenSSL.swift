import COpenSSL

/// What the calls into OpenSSL 3's libcrypto share: the status check, the digests and the key
/// loaders. OpenSSL serves only what swift-crypto's `_CryptoExtras` cannot do (``OpenSSLRSA``,
/// ``OpenSSLGCM``); everything else stays on swift-crypto.
///
/// Every OpenSSL object is freed by a `defer` next to its creation, on every path. A failing
/// call leaves its reasons on the calling thread's error queue, which ``check(_:_:)`` empties
/// so that nothing accumulates on an executor thread or reaches the next call there.
enum OpenSSL {
    /// Throws `error` unless `status` is OpenSSL's success (a positive value).
    static func check(_ status: Int32, _ error: @autoclosure () -> WebCryptoError) throws {
        guard status > 0 else { throw failure(error()) }
    }

    /// `value`, or `error` when OpenSSL returned NULL.
    static func check<T>(_ value: T?, _ error: @autoclosure () -> WebCryptoError) throws -> T {
        guard let value else { throw failure(error()) }
        return value
    }

    private static func failure(_ error: WebCryptoError) -> WebCryptoError {
        ERR_clear_error()
        return error
    }

    /// The EVP digest of a hash WebCrypto signs or encrypts with (never MD5).
    static func digest(_ hash: WebCryptoHash) throws -> OpaquePointer {
        let digest: OpaquePointer? =
            switch try hash.signingHash() {
            case .sha1: EVP_sha1()
            case .sha256: EVP_sha256()
            case .sha384: EVP_sha384()
            case .sha512: EVP_sha512()
            case .md5: nil
            }
        return try check(digest, .operation("The digest is not available"))
    }

    /// Runs `body` with the private key from PKCS #1 RSAPrivateKey DER, the form the runtime
    /// holds RSA private keys in.
    static func withRSAPrivateKey<R>(_ der: [UInt8], _ body: (OpaquePointer) throws -> R) throws -> R {
        guard !der.isEmpty else { throw WebCryptoError.data("Invalid RSA key data") }
        defer { ERR_clear_error() }  // (OpenSSL 3's decoders can queue errors even when they succeed)
        let key = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor = buffer.baseAddress
            return d2i_PrivateKey(EVP_PKEY_RSA, nil, &cursor, buffer.count)
        }
        let loaded = try check(key, .data("Invalid RSA key data"))
        defer { EVP_PKEY_free(loaded) }
        return try body(loaded)
    }

    /// Runs `body` with the public key from SubjectPublicKeyInfo DER.
    static func withPublicKey<R>(_ der: [UInt8], _ body: (OpaquePointer) throws -> R) throws -> R {
        guard !der.isEmpty else { throw WebCryptoError.data("Invalid public key data") }
        defer { ERR_clear_error() }  // (OpenSSL 3's decoders can queue errors even when they succeed)
        let key = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor = buffer.baseAddress
            return d2i_PUBKEY(nil, &cursor, buffer.count)
        }
        let loaded = try check(key, .data("Invalid public key data"))
        defer { EVP_PKEY_free(loaded) }
        return try body(loaded)
    }

    /// Calls `body` with the address of `bytes`, never NULL: an empty input gets the address of
    /// a zero byte, so no OpenSSL function is handed a NULL buffer.
    static func withAddress<R>(_ bytes: UnsafeRawBufferPointer, _ body: (UnsafePointer<UInt8>) throws -> R) rethrows -> R {
        if let base = bytes.baseAddress { return try body(base.assumingMemoryBound(to: UInt8.self)) }
        return try withUnsafePointer(to: UInt8(0)) { try body($0) }
    }

    /// The bytes of OpenSSL's two-call output: `call` with no buffer sets the most it may
    /// write, then with a buffer of that size the length it wrote.
    static func output(_ failed: WebCryptoError, _ call: (UnsafeMutablePointer<UInt8>?, inout Int) -> Int32) throws
        -> [UInt8]
    {
        var length = 0
        try check(call(nil, &length), failed)
        var bytes = [UInt8](repeating: 0, count: length)
        let status = bytes.withUnsafeMutableBufferPointer { call($0.baseAddress, &length) }
        try check(status, failed)
        return Array(bytes.prefix(length))
    }

    /// `count` as the `int` length OpenSSL takes, or `error` when it does not fit.
    static func int32(_ count: Int, _ error: @autoclosure () -> WebCryptoError) throws -> Int32 {
        guard let value = Int32(exactly: count) else { throw error() }
        return value
    }
}

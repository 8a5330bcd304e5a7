import COpenSSL

/// The RSA that `_CryptoExtras` cannot do, on OpenSSL 3's EVP API: RSA-PSS with any salt length
/// (WebCrypto §21), RSA-OAEP with SHA-384 / SHA-512 or a label (§22), and key generation with a
/// public exponent other than 65537. ``WebCryptoRSA`` decides which calls come here.
///
/// Keys arrive in the runtime's held forms: PKCS #1 RSAPrivateKey and SubjectPublicKeyInfo DER.
enum OpenSSLRSA {
    /// A new key pair's private key as PKCS #1 RSAPrivateKey DER (OpenSSL's type-specific form
    /// of an RSA key). `exponent` is odd and at least 3, checked by the caller.
    static func generate(bits: Int, exponent: UInt64) throws -> [UInt8] {
        let failed = WebCryptoError.operation("RSA key generation failed")
        let context = try OpenSSL.check(EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nil), failed)
        defer { EVP_PKEY_CTX_free(context) }
        let publicExponent = try OpenSSL.check(BN_new(), failed)
        defer { BN_free(publicExponent) }
        try OpenSSL.check(BN_set_word(publicExponent, UInt(exponent)), failed)
        try OpenSSL.check(EVP_PKEY_keygen_init(context), failed)
        try OpenSSL.check(EVP_PKEY_CTX_set_rsa_keygen_bits(context, try OpenSSL.int32(bits, failed)), failed)
        try OpenSSL.check(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(context, publicExponent), failed)
        var generated: OpaquePointer?
        defer { EVP_PKEY_free(generated) }
        try OpenSSL.check(EVP_PKEY_keygen(context, &generated), failed)
        let length = i2d_PrivateKey(generated, nil)
        try OpenSSL.check(length, failed)
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return i2d_PrivateKey(generated, &cursor)
        }
        guard written == length else { throw failed }
        return der
    }

    // MARK: RSA-PSS

    static func signPSS(hash: WebCryptoHash, saltLength: Int, privateKey: [UInt8], _ data: UnsafeRawBufferPointer) throws
        -> [UInt8]
    {
        let failed = WebCryptoError.operation("The salt is too long for this key and hash")
        let digest = try OpenSSL.digest(hash)
        return try OpenSSL.withRSAPrivateKey(privateKey) { key in
            let context = try OpenSSL.check(EVP_MD_CTX_new(), failed)
            defer { EVP_MD_CTX_free(context) }
            var keyContext: OpaquePointer?  // owned by `context`
            try OpenSSL.check(EVP_DigestSignInit(context, &keyContext, digest, nil, key), failed)
            try usePSS(keyContext, digest: digest, saltLength: try OpenSSL.int32(saltLength, failed))
            return try OpenSSL.withAddress(data) { input in
                try OpenSSL.output(failed) { EVP_DigestSign(context, $0, &$1, input, data.count) }
            }
        }
    }

    /// Whether `signature` is a PSS signature of `data` with a salt of exactly `saltLength`
    /// bytes; a malformed signature or an impossible salt length verifies false (§21.4.2).
    static func verifyPSS(
        hash: WebCryptoHash, saltLength: Int, publicKey: [UInt8], signature: [UInt8], _ data: UnsafeRawBufferPointer
    ) throws -> Bool {
        let failed = WebCryptoError.operation("RSA-PSS verification could not start")
        let digest = try OpenSSL.digest(hash)
        guard let salt = Int32(exactly: saltLength) else { return false }
        return try OpenSSL.withPublicKey(publicKey) { key in
            let context = try OpenSSL.check(EVP_MD_CTX_new(), failed)
            defer { EVP_MD_CTX_free(context) }
            var keyContext: OpaquePointer?  // owned by `context`
            try OpenSSL.check(EVP_DigestVerifyInit(context, &keyContext, digest, nil, key), failed)
            try usePSS(keyContext, digest: digest, saltLength: salt)
            let status = signature.withUnsafeBytes { signatureBytes in
                OpenSSL.withAddress(signatureBytes) { signaturePointer in
                    OpenSSL.withAddress(data) { input in
                        EVP_DigestVerify(context, signaturePointer, signatureBytes.count, input, data.count)
                    }
                }
            }
            // A signature that does not verify leaves its reason queued.
            ERR_clear_error()
            return status == 1
        }
    }

    /// PSS padding with MGF1 over the message's hash, as WebCrypto fixes it (§21.2).
    private static func usePSS(_ keyContext: OpaquePointer?, digest: OpaquePointer, saltLength: Int32) throws {
        let failed = WebCryptoError.operation("RSA-PSS parameters were refused")
        try OpenSSL.check(EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PSS_PADDING), failed)
        try OpenSSL.check(EVP_PKEY_CTX_set_rsa_mgf1_md(keyContext, digest), failed)
        try OpenSSL.check(EVP_PKEY_CTX_set_rsa_pss_saltlen(keyContext, saltLength), failed)
    }

    // MARK: RSA-OAEP

    static func encryptOAEP(hash: WebCryptoHash, label: [UInt8], publicKey: [UInt8], _ data: UnsafeRawBufferPointer)
        throws -> [UInt8]
    {
        try OpenSSL.withPublicKey(publicKey) { key in
            try oaep(key, hash: hash, label: label, encrypting: true, data)
        }
    }

    /// Any failure, a wrong label or hash included, is the one OperationError (§22.4.2).
    static func decryptOAEP(hash: WebCryptoHash, label: [UInt8], privateKey: [UInt8], _ data: UnsafeRawBufferPointer)
        throws -> [UInt8]
    {
        try OpenSSL.withRSAPrivateKey(privateKey) { key in
            try oaep(key, hash: hash, label: label, encrypting: false, data)
        }
    }

    /// OAEP with MGF1 over the same hash, as WebCrypto fixes it (§22.2).
    private static func oaep(
        _ key: OpaquePointer, hash: WebCryptoHash, label: [UInt8], encrypting: Bool, _ data: UnsafeRawBufferPointer
    ) throws -> [UInt8] {
        let failed = WebCryptoError.operation(encrypting ? "The data is too large for the key" : "Decryption failed")
        let digest = try OpenSSL.digest(hash)
        let context = try OpenSSL.check(EVP_PKEY_CTX_new(key, nil), failed)
        defer { EVP_PKEY_CTX_free(context) }
        try OpenSSL.check(encrypting ? EVP_PKEY_encrypt_init(context) : EVP_PKEY_decrypt_init(context), failed)
        try OpenSSL.check(EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_OAEP_PADDING), failed)
        try OpenSSL.check(EVP_PKEY_CTX_set_rsa_oaep_md(context, digest), failed)
        try OpenSSL.check(EVP_PKEY_CTX_set_rsa_mgf1_md(context, digest), failed)
        if !label.isEmpty { try setLabel(context, label, failed) }
        let operation = encrypting ? EVP_PKEY_encrypt : EVP_PKEY_decrypt
        return try OpenSSL.withAddress(data) { input in
            try OpenSSL.output(failed) { operation(context, $0, &$1, input, data.count) }
        }
    }

    /// The OAEP label: OpenSSL takes a buffer of its own allocation and frees it once it has
    /// accepted it, so it is copied into one and freed here only when refused.
    private static func setLabel(_ context: OpaquePointer, _ label: [UInt8], _ failed: WebCryptoError) throws {
        let length = try OpenSSL.int32(label.count, failed)
        let copy = try OpenSSL.check(CRYPTO_malloc(label.count, nil, 0), failed)
        label.withUnsafeBytes { UnsafeMutableRawBufferPointer(start: copy, count: label.count).copyMemory(from: $0) }
        let status = EVP_PKEY_CTX_set0_rsa_oaep_label(context, copy, length)
        if status <= 0 { CRYPTO_free(copy, nil, 0) }
        try OpenSSL.check(status, failed)
    }
}

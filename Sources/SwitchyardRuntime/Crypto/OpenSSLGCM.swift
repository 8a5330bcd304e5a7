import COpenSSL

/// AES-GCM on OpenSSL 3's EVP API for every IV of up to 128 bytes (WebCrypto §34 allows any IV
/// length and tags of 32 to 128 bits): the IVs under 96 bits and the truncated tags swift-crypto
/// cannot take, and the 96-bit IVs too, since the cipher writes straight into the result.
/// ``WebCryptoAES`` decides which calls come here.
enum OpenSSLGCM {
    /// The longest IV OpenSSL 3's GCM takes (its GCM_IV_MAX_SIZE, 1,024 bits).
    static let maximumIVBytes = 128

    /// The ciphertext followed by the first `tagBytes` of the tag.
    static func seal(key: [UInt8], iv: [UInt8], additionalData: [UInt8], tagBytes: Int, _ data: UnsafeRawBufferPointer)
        throws -> [UInt8]
    {
        let failed = WebCryptoError.operation("AES-GCM encryption failed")
        return try withCipher(key: key, iv: iv, encrypting: true) { context in
            try authenticate(context, additionalData)
            // Written whole by the cipher and the tag: no zeroing first (a 1 MB memset per call).
            return try [UInt8](unsafeUninitializedCapacity: data.count + tagBytes) { buffer, initialized in
                try update(context, data, into: buffer.baseAddress)
                try finish(context, failed)
                let tag = buffer.baseAddress.map { $0 + data.count }
                try OpenSSL.check(EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(tagBytes), tag), failed)
                initialized = data.count + tagBytes
            }
        }
    }

    /// Opens ciphertext-and-tag; a tag that does not authenticate is an OperationError and
    /// no plaintext leaves (§34.4.2).
    static func open(key: [UInt8], iv: [UInt8], additionalData: [UInt8], tagBytes: Int, _ data: UnsafeRawBufferPointer)
        throws -> [UInt8]
    {
        let failed = WebCryptoError.operation("Decryption failed")
        let count = data.count - tagBytes
        var tag = Array(data[count...])
        return try withCipher(key: key, iv: iv, encrypting: false) { context in
            try OpenSSL.check(EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(tagBytes), &tag), failed)
            try authenticate(context, additionalData)
            let plaintext = try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                try update(context, UnsafeRawBufferPointer(rebasing: data[..<count]), into: buffer.baseAddress)
                initialized = count
            }
            try finish(context, failed)  // checks the tag
            return plaintext
        }
    }

    private static func withCipher<R>(
        key: [UInt8], iv: [UInt8], encrypting: Bool, _ body: (OpaquePointer) throws -> R
    ) throws -> R {
        let failed = WebCryptoError.operation("AES-GCM could not start")
        let cipher: OpaquePointer? =
            switch key.count {
            case 16: EVP_aes_128_gcm()
            case 24: EVP_aes_192_gcm()
            case 32: EVP_aes_256_gcm()
            default: nil
            }
        let algorithm = try OpenSSL.check(cipher, .data("Invalid AES key length"))
        let context = try OpenSSL.check(EVP_CIPHER_CTX_new(), failed)
        defer { EVP_CIPHER_CTX_free(context) }
        let direction: Int32 = encrypting ? 1 : 0
        try OpenSSL.check(EVP_CipherInit_ex(context, algorithm, nil, nil, nil, direction), failed)
        let ivLength = try OpenSSL.int32(iv.count, failed)
        try OpenSSL.check(EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, ivLength, nil), failed)
        try OpenSSL.check(EVP_CipherInit_ex(context, nil, nil, key, iv, direction), failed)
        return try body(context)
    }

    /// Ends the operation (GCM writes no bytes here; the scratch block is for the API's sake).
    private static func finish(_ context: OpaquePointer, _ failed: WebCryptoError) throws {
        var scratch = [UInt8](repeating: 0, count: 16)
        var written: Int32 = 0
        try OpenSSL.check(EVP_CipherFinal_ex(context, &scratch, &written), failed)
    }

    private static func authenticate(_ context: OpaquePointer, _ additionalData: [UInt8]) throws {
        try additionalData.withUnsafeBytes { try update(context, $0, into: nil) }
    }

    /// Runs `input` through the cipher in pieces that fit OpenSSL's `int` lengths; with no
    /// `output` it is additional data. (GCM's output is as long as its input.)
    private static func update(_ context: OpaquePointer, _ input: UnsafeRawBufferPointer, into output: UnsafeMutablePointer<UInt8>?)
        throws
    {
        let piece = 1 << 30
        var offset = 0
        while offset < input.count {
            let length = min(piece, input.count - offset)
            var written: Int32 = 0
            let status = OpenSSL.withAddress(UnsafeRawBufferPointer(rebasing: input[offset..<(offset + length)])) { bytes in
                EVP_CipherUpdate(context, output.map { $0 + offset }, &written, bytes, Int32(length))
            }
            try OpenSSL.check(status, .operation("AES-GCM failed"))
            offset += length
        }
    }
}

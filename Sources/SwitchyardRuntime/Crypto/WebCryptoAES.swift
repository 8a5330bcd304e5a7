import Crypto
import Foundation
import _CryptoExtras

/// AES-GCM, AES-CBC, AES-CTR and AES-KW (WebCrypto §27-§28, §34-§36) over swift-crypto;
/// the GCM IVs swift-crypto cannot take go to ``OpenSSLGCM``.
enum WebCryptoAES {
    static func key(_ bytes: [UInt8]) throws -> SymmetricKey {
        guard [16, 24, 32].contains(bytes.count) else { throw WebCryptoError.data("Invalid AES key length") }
        return SymmetricKey(data: bytes)
    }

    // MARK: AES-GCM

    /// The ciphertext followed by the first `tagBits` of the tag (§34.4.1).
    ///
    /// OpenSSL seals every IV it takes (up to 128 bytes) straight into the result, one write of
    /// the output where swift-crypto's sealed box is copied out again (a third of a 1 MB call);
    /// swift-crypto seals longer IVs (any tag is a prefix of the whole one).
    static func gcmEncrypt(
        key: [UInt8], iv: [UInt8], additionalData: [UInt8], tagBits: Int, _ data: UnsafeRawBufferPointer
    ) throws -> [UInt8] {
        let tagBytes = try gcmTagBytes(tagBits)
        guard iv.count > OpenSSLGCM.maximumIVBytes else {
            return try OpenSSLGCM.seal(key: key, iv: try openSSLIV(iv), additionalData: additionalData, tagBytes: tagBytes, data)
        }
        let sealed = try AES.GCM.seal(data, using: try Self.key(key), nonce: try gcmNonce(iv), authenticating: additionalData)
        var out = [UInt8]()
        out.reserveCapacity(data.count + tagBytes)
        out.append(contentsOf: sealed.ciphertext)
        out.append(contentsOf: sealed.tag.prefix(tagBytes))
        return out
    }

    /// Opens ciphertext-and-tag; any failure to authenticate is an OperationError (§34.4.2).
    /// OpenSSL opens every IV it takes, with any tag length; swift-crypto opens longer IVs with
    /// whole tags (it checks whole tags only).
    static func gcmDecrypt(
        key: [UInt8], iv: [UInt8], additionalData: [UInt8], tagBits: Int, _ data: UnsafeRawBufferPointer
    ) throws -> [UInt8] {
        let tagBytes = try gcmTagBytes(tagBits)
        guard data.count >= tagBytes else { throw WebCryptoError.operation("The ciphertext is shorter than the tag") }
        guard iv.count > OpenSSLGCM.maximumIVBytes, tagBytes == 16 else {
            return try OpenSSLGCM.open(key: key, iv: try openSSLIV(iv), additionalData: additionalData, tagBytes: tagBytes, data)
        }
        let ciphertext = UnsafeRawBufferPointer(rebasing: data[..<(data.count - tagBytes)])
        let tag = Array(data[(data.count - tagBytes)...])
        do {
            let box = try AES.GCM.SealedBox(nonce: try gcmNonce(iv), ciphertext: ciphertext, tag: tag)
            return Array(try AES.GCM.open(box, using: try Self.key(key), authenticating: additionalData))
        } catch {
            throw WebCryptoError.operation("Decryption failed")
        }
    }

    static func gcmTagBytes(_ bits: Int) throws -> Int {
        guard [32, 64, 96, 104, 112, 120, 128].contains(bits) else {
            throw WebCryptoError.operation("\(bits) is not a valid AES-GCM tag length")
        }
        return bits / 8
    }

    static func gcmNonce(_ iv: [UInt8]) throws -> AES.GCM.Nonce {
        guard iv.count >= 12 else { throw WebCryptoError.operation("AES-GCM IVs under 96 bits go to OpenSSL") }
        return try AES.GCM.Nonce(data: iv)
    }

    /// An IV for ``OpenSSLGCM``: GCM needs at least one byte (SP 800-38D §5.2.1.1), and OpenSSL
    /// takes at most 128.
    static func openSSLIV(_ iv: [UInt8]) throws -> [UInt8] {
        guard !iv.isEmpty else { throw WebCryptoError.operation("The AES-GCM IV must not be empty") }
        guard iv.count <= OpenSSLGCM.maximumIVBytes else {
            throw WebCryptoError.notSupported("Tags under 128 bits cannot be checked with IVs over 128 bytes")
        }
        return iv
    }

    // MARK: AES-CBC

    static func cbcEncrypt(key: [UInt8], iv: [UInt8], _ data: UnsafeRawBufferPointer) throws -> [UInt8] {
        Array(try AES._CBC.encrypt(data, using: try Self.key(key), iv: try cbcIV(iv)))
    }

    static func cbcDecrypt(key: [UInt8], iv: [UInt8], _ data: UnsafeRawBufferPointer) throws -> [UInt8] {
        let symmetricKey = try Self.key(key)
        let initializationVector = try cbcIV(iv)
        do {
            return Array(try AES._CBC.decrypt(data, using: symmetricKey, iv: initializationVector))
        } catch {
            throw WebCryptoError.operation("Decryption failed")
        }
    }

    static func cbcIV(_ iv: [UInt8]) throws -> AES._CBC.IV {
        guard iv.count == 16 else { throw WebCryptoError.operation("AES-CBC needs a 16-byte IV") }
        return try AES._CBC.IV(ivBytes: iv)
    }

    // MARK: AES-CTR

    /// Encrypts or decrypts (the same in CTR). Only the rightmost `lengthBits` of `counter`
    /// count (§27.4.1): where they wrap, the block counter restarts from zero in those bits
    /// while the rest of the block stays, which BoringSSL's 128-bit increment would not do.
    static func ctr(key: [UInt8], counter: [UInt8], lengthBits: Int, _ data: UnsafeRawBufferPointer) throws -> [UInt8] {
        guard counter.count == 16 else { throw WebCryptoError.operation("AES-CTR needs a 16-byte counter") }
        guard (1...128).contains(lengthBits) else { throw WebCryptoError.operation("The counter length must be 1 to 128") }
        let symmetricKey = try Self.key(key)
        let blocks = (data.count + 15) / 16
        // Blocks left before the low `lengthBits` bits wrap (saturating past 2^63).
        let low = counterValue(counter, bits: lengthBits)
        let space: UInt64? = lengthBits >= 64 ? nil : (UInt64(1) << UInt64(lengthBits))
        if let space, UInt64(blocks) > space {
            throw WebCryptoError.operation("The counter would repeat")
        }
        let untilWrap: UInt64? = space.map { $0 - low }
        guard let untilWrap, UInt64(blocks) > untilWrap else {
            return Array(try AES._CTR.encrypt(data, using: symmetricKey, nonce: try AES._CTR.Nonce(nonceBytes: counter)))
        }
        let split = Int(untilWrap) * 16
        var out = Array(
            try AES._CTR.encrypt(
                UnsafeRawBufferPointer(rebasing: data[..<split]), using: symmetricKey,
                nonce: try AES._CTR.Nonce(nonceBytes: counter)))
        let wrapped = withLowBitsCleared(counter, bits: lengthBits)
        out += try AES._CTR.encrypt(
            UnsafeRawBufferPointer(rebasing: data[split...]), using: symmetricKey,
            nonce: try AES._CTR.Nonce(nonceBytes: wrapped))
        return out
    }

    /// The value of the low `bits` bits of a 16-byte counter block (bits < 64 when used).
    static func counterValue(_ block: [UInt8], bits: Int) -> UInt64 {
        guard bits < 64 else { return 0 }
        var value: UInt64 = 0
        for byte in block[8...] { value = value << 8 | UInt64(byte) }
        return value & ((UInt64(1) << UInt64(bits)) - 1)
    }

    static func withLowBitsCleared(_ block: [UInt8], bits: Int) -> [UInt8] {
        var result = block
        var remaining = bits
        var index = 15
        while remaining > 0 {
            let take = min(remaining, 8)
            result[index] &= take == 8 ? 0 : ~UInt8((1 << take) - 1)
            remaining -= take
            index -= 1
        }
        return result
    }

    // MARK: AES-KW (RFC 3394)

    static func wrapKey(kek: [UInt8], _ keyData: [UInt8]) throws -> [UInt8] {
        guard keyData.count >= 16, keyData.count % 8 == 0 else {
            throw WebCryptoError.operation("AES-KW wraps multiples of 8 bytes, at least 16")
        }
        return Array(try AES.KeyWrap.wrap(SymmetricKey(data: keyData), using: try key(kek)))
    }

    static func unwrapKey(kek: [UInt8], _ wrapped: [UInt8]) throws -> [UInt8] {
        let symmetricKey = try key(kek)
        do {
            return try AES.KeyWrap.unwrap(wrapped, using: symmetricKey).withUnsafeBytes { Array($0) }
        } catch {
            throw WebCryptoError.operation("The key could not be unwrapped")
        }
    }
}

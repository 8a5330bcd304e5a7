import Crypto
import Foundation
import NIOCore
import NIOPosix
import SwitchyardJS

/// The host side of `crypto.subtle` (`web/45_webcrypto.js`): one synchronous call per
/// primitive, run on the executor (a digest, an HMAC or AES over a megabyte costs less than a
/// thread hop), and the asynchronous calls for work that can take seconds (RSA key generation,
/// PBKDF2 with many iterations), run on ``CryptoThreads`` and charged to the request's CPU.
///
/// JavaScript has already normalized the algorithm (names, lengths, usages); these check again
/// whatever a mistake there could turn into a crash, and fail with the spec's error names.
extension WorkerIsolate {
    /// `ops.host(crypto, method, ...)`.
    func cryptoCall(_ arguments: JSArguments) throws -> JSValue {
        let call = CryptoArguments(arguments, first: 0)
        let method = try call.string(0)
        switch method {
        case "digest":
            let hash = try WebCryptoHash(name: call.string(1))
            return .bytes(try call.withData(2) { try WebCryptoDigests.digest(hash, $0) })
        case "hmacSign":
            let hash = try WebCryptoHash(name: call.string(1))
            let key = try call.bytes(2)
            return .bytes(try call.withData(3) { try WebCryptoDigests.hmacSign(hash, key: key, $0) })
        case "hmacVerify":
            let hash = try WebCryptoHash(name: call.string(1))
            let key = try call.bytes(2), signature = try call.bytes(3)
            return .bool(try call.withData(4) { try WebCryptoDigests.hmacVerify(hash, key: key, signature: signature, $0) })
        case "hkdf":
            return .bytes(
                try WebCryptoDigests.hkdf(
                    WebCryptoHash(name: call.string(1)), key: call.bytes(2), salt: call.bytes(3), info: call.bytes(4),
                    bits: call.integer(5)))
        case "pbkdf2":
            return .bytes(try Self.pbkdf2(call))
        case "aesGcmEncrypt", "aesGcmDecrypt":
            let key = try call.bytes(1), iv = try call.bytes(2), additionalData = try call.bytes(3)
            let tagBits = try call.integer(4)
            let encrypt = method == "aesGcmEncrypt"
            return .bytes(
                try call.withData(5) {
                    encrypt
                        ? try WebCryptoAES.gcmEncrypt(key: key, iv: iv, additionalData: additionalData, tagBits: tagBits, $0)
                        : try WebCryptoAES.gcmDecrypt(key: key, iv: iv, additionalData: additionalData, tagBits: tagBits, $0)
                })
        case "aesCbcEncrypt", "aesCbcDecrypt":
            let key = try call.bytes(1), iv = try call.bytes(2)
            let encrypt = method == "aesCbcEncrypt"
            return .bytes(
                try call.withData(3) {
                    encrypt ? try WebCryptoAES.cbcEncrypt(key: key, iv: iv, $0) : try WebCryptoAES.cbcDecrypt(key: key, iv: iv, $0)
                })
        case "aesCtr":
            let key = try call.bytes(1), counter = try call.bytes(2), length = try call.integer(3)
            return .bytes(try call.withData(4) { try WebCryptoAES.ctr(key: key, counter: counter, lengthBits: length, $0) })
        case "aesKwWrap":
            return .bytes(try WebCryptoAES.wrapKey(kek: call.bytes(1), call.bytes(2)))
        case "aesKwUnwrap":
            return .bytes(try WebCryptoAES.unwrapKey(kek: call.bytes(1), call.bytes(2)))
        case "ecGenerate", "ecImport", "ecPublic", "ecExport", "ecComponents", "ecFromComponents", "ecdsaSign", "ecdsaVerify",
            "ecdh":
            return try ecCall(method, call)
        case "okpGenerate", "okpPublic", "okpImport", "okpExport", "ed25519Sign", "ed25519Verify", "x25519":
            return try okpCall(method, call)
        case "rsaImport", "rsaExport", "rsaPublic", "rsaComponents", "rsaFromComponents", "rsaSign", "rsaVerify", "rsaEncrypt",
            "rsaDecrypt":
            return try rsaCall(method, call)
        case "digestStreamNew", "digestStreamUpdate", "digestStreamFinish", "digestStreamDrop":
            return try digestStreamCall(method, call)
        default:
            throw HostCallError(description: "unknown crypto method \(method)")
        }
    }

    private func ecCall(_ method: String, _ call: CryptoArguments) throws -> JSValue {
        let curve = try WebCryptoEC.Curve(name: call.string(1))
        switch method {
        case "ecGenerate": return .bytes(WebCryptoEC.generate(curve).privateKey)
        case "ecImport": return .bytes(try WebCryptoEC.importKey(curve, format: call.string(2), call.bytes(3)))
        case "ecPublic": return .bytes(try WebCryptoEC.publicKey(curve, privateKey: call.bytes(2)))
        case "ecExport":
            return .bytes(try WebCryptoEC.exportKey(curve, format: call.string(2), call.bytes(3), isPrivate: call.bool(4)))
        case "ecComponents": return .bytes(try WebCryptoEC.components(curve, call.bytes(2), isPrivate: call.bool(3)))
        case "ecFromComponents":
            return .bytes(try WebCryptoEC.fromComponents(curve, x: call.bytes(2), y: call.bytes(3), d: call.optionalBytes(4)))
        case "ecdsaSign":
            let hash = try WebCryptoHash(name: call.string(2)), key = try call.bytes(3)
            return .bytes(try call.withData(4) { try WebCryptoEC.sign(curve, hash: hash, privateKey: key, $0) })
        case "ecdsaVerify":
            let hash = try WebCryptoHash(name: call.string(2)), key = try call.bytes(3), signature = try call.bytes(4)
            return .bool(
                try call.withData(5) { try WebCryptoEC.verify(curve, hash: hash, publicKey: key, signature: signature, $0) })
        default:  // ecdh
            return .bytes(try WebCryptoEC.sharedSecret(curve, privateKey: call.bytes(2), peer: call.bytes(3)))
        }
    }

    private func okpCall(_ method: String, _ call: CryptoArguments) throws -> JSValue {
        switch method {
        case "okpGenerate": return .bytes(WebCryptoOKP.generate(try .init(name: call.string(1))).privateKey)
        case "okpPublic": return .bytes(try WebCryptoOKP.publicKey(.init(name: call.string(1)), privateKey: call.bytes(2)))
        case "okpImport":
            return .bytes(try WebCryptoOKP.importKey(.init(name: call.string(1)), format: call.string(2), call.bytes(3)))
        case "okpExport":
            return .bytes(
                try WebCryptoOKP.exportKey(
                    .init(name: call.string(1)), format: call.string(2), call.bytes(3), isPrivate: call.bool(4)))
        case "ed25519Sign":
            let key = try call.bytes(1)
            return .bytes(try call.withData(2) { try WebCryptoOKP.sign(privateKey: key, $0) })
        case "ed25519Verify":
            let key = try call.bytes(1), signature = try call.bytes(2)
            return .bool(try call.withData(3) { try WebCryptoOKP.verify(publicKey: key, signature: signature, $0) })
        default:  // x25519
            return .bytes(try WebCryptoOKP.sharedSecret(privateKey: call.bytes(1), peer: call.bytes(2)))
        }
    }

    private func rsaCall(_ method: String, _ call: CryptoArguments) throws -> JSValue {
        switch method {
        case "rsaImport": return .bytes(try WebCryptoRSA.importKey(format: call.string(1), call.bytes(2)))
        case "rsaExport": return .bytes(try WebCryptoRSA.exportKey(format: call.string(1), call.bytes(2), isPrivate: call.bool(3)))
        case "rsaPublic": return .bytes(try WebCryptoRSA.publicKey(privateKey: call.bytes(1)))
        case "rsaComponents":
            // Each member as a 4-byte big-endian length and its bytes.
            let members = try WebCryptoRSA.components(call.bytes(1), isPrivate: call.bool(2))
            return .bytes(members.flatMap { member in withUnsafeBytes(of: UInt32(member.count).bigEndian, Array.init) + member })
        case "rsaFromComponents":
            return .bytes(
                try WebCryptoRSA.fromComponents(
                    n: call.bytes(1), e: call.bytes(2), d: call.optionalBytes(3), p: call.optionalBytes(4),
                    q: call.optionalBytes(5)))
        case "rsaSign", "rsaVerify":
            guard let scheme = WebCryptoRSA.Scheme(rawValue: try call.string(1)) else {
                throw WebCryptoError.notSupported("Unrecognized RSA scheme")
            }
            let hash = try WebCryptoHash(name: call.string(2)), saltLength = try call.integer(3), key = try call.bytes(4)
            if method == "rsaSign" {
                return .bytes(
                    try call.withData(5) {
                        try WebCryptoRSA.sign(scheme, hash: hash, saltLength: saltLength, privateKey: key, $0)
                    })
            }
            let signature = try call.bytes(5)
            return .bool(
                try call.withData(6) {
                    try WebCryptoRSA.verify(
                        scheme, hash: hash, saltLength: saltLength, publicKey: key, signature: signature, $0)
                })
        default:  // rsaEncrypt, rsaDecrypt
            let hash = try WebCryptoHash(name: call.string(1)), label = try call.bytes(2), key = try call.bytes(3)
            let encrypt = method == "rsaEncrypt"
            return .bytes(
                try call.withData(4) {
                    encrypt
                        ? try WebCryptoRSA.encrypt(hash: hash, label: label, publicKey: key, $0)
                        : try WebCryptoRSA.decrypt(hash: hash, label: label, privateKey: key, $0)
                })
        }
    }

    private func digestStreamCall(_ method: String, _ call: CryptoArguments) throws -> JSValue {
        switch method {
        case "digestStreamNew":
            return .number(Double(try digestStreams.open(WebCryptoHash(name: call.string(1)))))
        case "digestStreamUpdate":
            let handle = try call.integer(1)
            try call.withData(2) { try digestStreams.update(handle, $0) }
            return .undefined
        case "digestStreamFinish":
            return .bytes(try digestStreams.finish(call.integer(1)))
        default:  // digestStreamDrop
            digestStreams.drop(try call.integer(1))
            return .undefined
        }
    }

    /// PBKDF2 from `(hash, password, salt, iterations, bits)`.
    private static func pbkdf2(_ call: CryptoArguments) throws -> [UInt8] {
        try WebCryptoDigests.pbkdf2(
            WebCryptoHash(name: call.string(1)), password: call.bytes(2), salt: call.bytes(3), iterations: call.integer(4),
            bits: call.integer(5))
    }

    /// `ops.host(cryptoAsync, opID, method, ...)`: work that may take seconds, on
    /// ``CryptoThreads``; its thread CPU time is added to the request's, so the CPU limit
    /// holds as if it had run in JavaScript. Completes with `(true, bytes)` or
    /// `(false, errorName, message)`.
    func startCryptoOperation(_ arguments: JSArguments) throws {
        let owner = try requestInTask()
        guard let id = Self.integer(arguments[0]) else { throw HostCallError(description: "bad operation id") }
        let call = CryptoArguments(arguments, first: 1)
        let work: @Sendable () throws -> [UInt8]
        switch try call.string(0) {
        case "rsaGenerate":
            let bits = try call.integer(1), exponent = try call.bytes(2)
            work = { try WebCryptoRSA.generate(bits: bits, publicExponent: exponent).privateKey }
        case "pbkdf2":
            let hash = try WebCryptoHash(name: call.string(1)), password = try call.bytes(2), salt = try call.bytes(3)
            let iterations = try call.integer(4), bits = try call.integer(5)
            work = { try WebCryptoDigests.pbkdf2(hash, password: password, salt: salt, iterations: iterations, bits: bits) }
        default:
            throw HostCallError(description: "unknown asynchronous crypto method")
        }
        let answer = CryptoThreads.pool.runIfActive(eventLoop: eventLoop) { () -> (Result<[UInt8], any Error>, UInt64) in
            let start = CryptoThreads.threadCPUNanoseconds()
            let result = Result { try work() }
            return (result, CryptoThreads.threadCPUNanoseconds() - start)
        }
        completeStoreOperation(
            id, of: owner, when: answer,
            failure: { error in .values([.bool(false), .string("OperationError"), .string(String(describing: error))]) },
            finish: { result, cpu in
                owner.cpuNanoseconds += cpu
                switch result {
                case .success(let bytes):
                    return .valuesAndBytes([.bool(true)], ByteBuffer(bytes: bytes))
                case .failure(let error as WebCryptoError):
                    return .values([.bool(false), .string(error.name.rawValue), .string(error.message)])
                case .failure(let error):
                    return .values([.bool(false), .string("OperationError"), .string(String(describing: error))])
                }
            })
    }
}

/// The threads slow crypto runs on: two, so key generation by one tenant never takes every
/// core from the executors, started on first use and kept for the process.
enum CryptoThreads {
    static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        return pool
    }()

    static func threadCPUNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}

/// The arguments of a crypto host call from index `first` on, read with the checks a
/// malformed call (a bug in the runtime's JavaScript) needs to fail instead of trapping.
struct CryptoArguments {
    let arguments: JSArguments
    let first: Int

    init(_ arguments: JSArguments, first: Int) {
        self.arguments = arguments
        self.first = first
    }

    func string(_ index: Int) throws -> String {
        guard let text = arguments[first + index].stringValue else { throw argumentError(index) }
        return text
    }

    func integer(_ index: Int) throws -> Int {
        guard let value = WorkerIsolate.integer(arguments[first + index]) else { throw argumentError(index) }
        return value
    }

    func bool(_ index: Int) throws -> Bool {
        guard case .bool(let value) = arguments[first + index] else { throw argumentError(index) }
        return value
    }

    func bytes(_ index: Int) throws -> [UInt8] {
        guard case .bytes(let bytes) = arguments[first + index] else { throw argumentError(index) }
        return bytes
    }

    func optionalBytes(_ index: Int) throws -> [UInt8]? {
        if case .undefined = arguments[first + index] { return nil }
        return try bytes(index)
    }

    /// Calls `body` with the bytes of argument `index` in place (a large input is not copied).
    func withData<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try arguments.withBytes(first + index) { bytes in
            guard let bytes else { throw argumentError(index) }
            return try body(bytes)
        }
    }

    // A concrete type, not `some Error`: Swift 6.3.1 crashed in IRGen on the opaque one with -O.
    private func argumentError(_ index: Int) -> WorkerIsolate.HostCallError {
        WorkerIsolate.HostCallError(description: "bad crypto argument \(index)")
    }
}

/// Cloudflare's limits on KV and the texts it refuses with, checked in one place for the binding
/// (whose errors read "KV PUT failed: 414 ...") and the REST API.
public enum KVRules {
    public static let maximumKeyBytes = 512
    public static let maximumValueBytes = 25 * 1024 * 1024
    public static let maximumMetadataBytes = 1024
    public static let minimumTTL: Int64 = 60
    public static let maximumListLimit = 1000
    /// Keys a bulk get may ask for at once.
    public static let maximumBulkGetKeys = 100
    /// Entries a bulk write or delete may carry.
    public static let maximumBulkWrite = 10_000

    public static func checkKey(_ key: String) throws(KVError) {
        if key.isEmpty { throw KVError(status: 400, message: "Key names must not be empty") }
        if key == "." || key == ".." {
            throw KVError(status: 400, message: "Illegal key name \"\(key)\". Please use a different name.")
        }
        try checkKeyLength(key)
    }

    public static func checkKeyLength(_ key: String) throws(KVError) {
        let length = key.utf8.count
        if length > maximumKeyBytes {
            throw KVError(
                status: 414, message: "UTF-8 encoded length of \(length) exceeds key length limit of \(maximumKeyBytes).")
        }
    }

    public static func checkValue(length: Int) throws(KVError) {
        if length > maximumValueBytes {
            throw KVError(status: 413, message: "Value length of \(length) exceeds limit of \(maximumValueBytes).")
        }
    }

    public static func checkMetadata(_ json: String) throws(KVError) {
        let length = json.utf8.count
        if length > maximumMetadataBytes {
            throw KVError(status: 413, message: "Metadata length of \(length) exceeds limit of \(maximumMetadataBytes).")
        }
    }

    /// The absolute expiration of a write given `expiration` (seconds since the epoch) or
    /// `expirationTTL` (seconds from `now`); the TTL wins when both are given, as on Cloudflare.
    /// `shownExpiration` / `shownTTL` are the values as the caller wrote them, for the messages.
    public static func expiration(
        absolute: Double?, ttl: Double?, now: Int64, shownExpiration: String? = nil, shownTTL: String? = nil
    ) throws(KVError) -> Int64? {
        if let ttl {
            let shown = shownTTL ?? format(ttl)
            guard ttl.isFinite, ttl > 0 else {
                throw KVError(status: 400, message: "Invalid expiration_ttl of \(shown). Please specify integer greater than 0.")
            }
            let seconds = Int64(ttl.rounded())
            if seconds < minimumTTL {
                throw KVError(
                    status: 400, message: "Invalid expiration_ttl of \(shown). Expiration TTL must be at least \(minimumTTL).")
            }
            return now + min(seconds, Int64(Int32.max))
        }
        if let absolute {
            let shown = shownExpiration ?? format(absolute)
            guard absolute.isFinite, absolute > Double(now) else {
                throw KVError(
                    status: 400,
                    message: "Invalid expiration of \(shown). Please specify integer greater than the current number of seconds since the UNIX epoch.")
            }
            let seconds = absolute >= 1e15 ? Int64(1e15) : Int64(absolute.rounded())
            if seconds < now + minimumTTL {
                throw KVError(
                    status: 400,
                    message: "Invalid expiration of \(shown). Expiration times must be at least \(minimumTTL) seconds in the future.")
            }
            return seconds
        }
        return nil
    }

    public static func checkListLimit(_ limit: Double) throws(KVError) -> Int {
        guard limit.isFinite, limit >= 1 else {
            throw KVError(status: 400, message: "Invalid key_count_limit of \(format(limit)). Please specify an integer greater than 0.")
        }
        if limit > Double(maximumListLimit) {
            throw KVError(
                status: 400,
                message: "Invalid key_count_limit of \(format(limit)). Please specify an integer less than \(maximumListLimit).")
        }
        return Int(limit)
    }

    public static func checkCacheTTL(_ ttl: Double) throws(KVError) {
        guard ttl.isFinite, ttl >= Double(minimumTTL) else {
            throw KVError(status: 400, message: "Invalid cache_ttl of \(format(ttl)). Cache TTL must be at least \(minimumTTL).")
        }
    }

    /// A number as JavaScript prints it: 60, not 60.0.
    static func format(_ number: Double) -> String {
        if number.isNaN { return "NaN" }
        if number.rounded() == number, abs(number) < 1e21 { return String(Int64(number)) }
        return String(number)
    }
}

/// A refusal of a KV operation: Cloudflare's status and text ("414 UTF-8 encoded length...").
public struct KVError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var message: String

    public init(status: Int, message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "\(status) \(message)" }

    public static func namespaceNotFound(_ namespace: String) -> KVError {
        KVError(status: 404, message: "namespace \(namespace) not found")
    }

    public static func quotaExceeded(_ what: String) -> KVError {
        KVError(status: 413, message: "KV namespace quota exceeded: \(what).")
    }
}

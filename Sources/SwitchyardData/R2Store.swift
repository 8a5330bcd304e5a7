import NIOCore

/// The objects of R2 buckets, behind the `r2_bucket` binding. The embedded implementation keeps
/// object bytes in files and metadata in SQLite; an S3-compatible backend implements the same
/// protocol.
///
/// Bucket names are unique per account only, so every call names its bucket with an
/// ``R2BucketID`` (account and name): two tenants' buckets called `assets` never share an object.
/// A bucket holds data only between ``createBucket(_:)`` and ``deleteBucket(_:)``; calls on any
/// other bucket fail with ``R2Error/noSuchBucket``. Which account a worker may reach is the
/// control plane's to check before a binding reaches the store.
///
/// Bodies stream: ``put(_:key:body:options:)`` takes its bytes as an asynchronous sequence of
/// chunks and ``get(_:key:options:)`` returns an ``R2BodyReader`` that reads the stored object a
/// chunk at a time, so no object is ever held whole in memory.
public protocol R2Store: Sendable {
    func createBucket(_ bucket: R2BucketID) async throws
    /// Removes the bucket, its objects (and their files) and its multipart uploads.
    func deleteBucket(_ bucket: R2BucketID) async throws

    /// The object's metadata, or nil when there is none under `key`.
    func head(_ bucket: R2BucketID, key: String) async throws -> R2Object?
    /// The object and a reader of its bytes (of the range asked for), or why not.
    func get(_ bucket: R2BucketID, key: String, options: R2GetOptions) async throws -> R2GetResult
    /// Stores the bytes of `body` under `key`, acknowledged once bytes and metadata are on disk.
    /// Returns nil when `options.onlyIf` does not hold (nothing is written then).
    func put<Body: AsyncSequence<ByteBuffer, any Error>>(
        _ bucket: R2BucketID, key: String, body: Body, options: R2PutOptions
    ) async throws -> R2Object?
    /// Deletes the objects (missing keys are not an error).
    func delete(_ bucket: R2BucketID, keys: [String]) async throws
    func list(_ bucket: R2BucketID, options: R2ListOptions) async throws -> R2Listing

    /// Starts a multipart upload of `key`; returns its upload id.
    func createMultipartUpload(_ bucket: R2BucketID, key: String, options: R2MultipartOptions) async throws -> String
    /// Stores part `partNumber` (1...10,000) of an upload in progress, replacing a part uploaded
    /// before with that number.
    func uploadPart<Body: AsyncSequence<ByteBuffer, any Error>>(
        _ bucket: R2BucketID, key: String, uploadID: String, partNumber: Int, body: Body, expectedLength: Int?
    ) async throws -> R2UploadedPart
    /// Makes the object of `key` from the parts named, in part-number order.
    func completeMultipartUpload(_ bucket: R2BucketID, key: String, uploadID: String, parts: [R2UploadedPart])
        async throws -> R2Object
    /// Drops an upload and its parts; aborting an upload already completed or aborted does nothing.
    func abortMultipartUpload(_ bucket: R2BucketID, key: String, uploadID: String) async throws

    /// What the bucket holds, for quotas: objects and bytes (uploaded parts count as bytes).
    func usage(_ bucket: R2BucketID) async throws -> R2Usage
}

/// A bucket: its account and its name (unique within that account only).
public struct R2BucketID: Hashable, Sendable, CustomStringConvertible {
    public var accountID: String
    public var name: String

    public init(accountID: String, name: String) {
        self.accountID = accountID
        self.name = name
    }

    public var description: String { "\(accountID)/\(name)" }
}

/// The HTTP headers stored with an object (`R2HTTPMetadata`).
public struct R2HTTPMetadata: Sendable, Equatable, Codable {
    public var contentType: String?
    public var contentLanguage: String?
    public var contentDisposition: String?
    public var contentEncoding: String?
    public var cacheControl: String?
    /// The `Expires` header, in milliseconds since the epoch.
    public var cacheExpiry: Int64?

    public init(
        contentType: String? = nil, contentLanguage: String? = nil, contentDisposition: String? = nil,
        contentEncoding: String? = nil, cacheControl: String? = nil, cacheExpiry: Int64? = nil
    ) {
        self.contentType = contentType
        self.contentLanguage = contentLanguage
        self.contentDisposition = contentDisposition
        self.contentEncoding = contentEncoding
        self.cacheControl = cacheControl
        self.cacheExpiry = cacheExpiry
    }
}

/// The hash algorithms R2 verifies an upload against.
public enum R2HashAlgorithm: String, Sendable, CaseIterable, Codable {
    case md5, sha1, sha256, sha384, sha512

    /// The name R2's messages use ("SHA-256").
    public var displayName: String {
        switch self {
        case .md5: "MD5"
        case .sha1: "SHA-1"
        case .sha256: "SHA-256"
        case .sha384: "SHA-384"
        case .sha512: "SHA-512"
        }
    }

    /// The digest's length in bytes.
    public var byteCount: Int {
        switch self {
        case .md5: 16
        case .sha1: 20
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }
}

/// The checksums stored with an object: the MD5 of every single-part upload, and the one
/// other hash its writer asked to be verified.
public struct R2Checksums: Sendable, Equatable, Codable {
    public var md5: [UInt8]?
    public var sha1: [UInt8]?
    public var sha256: [UInt8]?
    public var sha384: [UInt8]?
    public var sha512: [UInt8]?

    public init(md5: [UInt8]? = nil, sha1: [UInt8]? = nil, sha256: [UInt8]? = nil, sha384: [UInt8]? = nil, sha512: [UInt8]? = nil) {
        self.md5 = md5
        self.sha1 = sha1
        self.sha256 = sha256
        self.sha384 = sha384
        self.sha512 = sha512
    }

    public subscript(algorithm: R2HashAlgorithm) -> [UInt8]? {
        get {
            switch algorithm {
            case .md5: md5
            case .sha1: sha1
            case .sha256: sha256
            case .sha384: sha384
            case .sha512: sha512
            }
        }
        set {
            switch algorithm {
            case .md5: md5 = newValue
            case .sha1: sha1 = newValue
            case .sha256: sha256 = newValue
            case .sha384: sha384 = newValue
            case .sha512: sha512 = newValue
            }
        }
    }
}

/// An object's metadata (`R2Object`), and for a read, the range its body holds.
public struct R2Object: Sendable, Equatable {
    public var key: String
    /// Random per write: two writes of the same bytes have the same etag, not the same version.
    public var version: String
    public var size: Int
    /// The MD5 of the bytes in hex, or for a multipart object the MD5 of its parts' MD5s
    /// followed by `-` and the number of parts (as S3 and R2 compute it).
    public var etag: String
    /// Milliseconds since the epoch.
    public var uploaded: Int64
    /// Nil when a listing did not include it.
    public var httpMetadata: R2HTTPMetadata?
    /// Nil when a listing did not include it.
    public var customMetadata: [String: String]?
    public var checksums: R2Checksums
    public var storageClass: String
    /// The bytes a `get` returns (the whole object unless a range was asked for).
    public var range: R2ByteRange?

    public init(
        key: String, version: String, size: Int, etag: String, uploaded: Int64, httpMetadata: R2HTTPMetadata? = R2HTTPMetadata(),
        customMetadata: [String: String]? = [:], checksums: R2Checksums = R2Checksums(), storageClass: String = "Standard",
        range: R2ByteRange? = nil
    ) {
        self.key = key
        self.version = version
        self.size = size
        self.etag = etag
        self.uploaded = uploaded
        self.httpMetadata = httpMetadata
        self.customMetadata = customMetadata
        self.checksums = checksums
        self.storageClass = storageClass
        self.range = range
    }

    /// The etag as an HTTP `ETag` header carries it: in double quotes.
    public var httpEtag: String { "\"\(etag)\"" }
}

/// `offset` and `length` of the bytes returned.
public struct R2ByteRange: Sendable, Equatable {
    public var offset: Int
    public var length: Int

    public init(offset: Int, length: Int) {
        self.offset = offset
        self.length = length
    }
}

/// The range a `get` asks for: `length` bytes from `offset` (either may be left out: from 0, to
/// the end), the last `suffix` bytes, or an HTTP `Range` header's value (a single `bytes=`
/// range; any other value reads the whole object).
public enum R2RangeRequest: Sendable, Equatable {
    case bytes(offset: Int?, length: Int?)
    case suffix(Int)
    case header(String)
}

/// An etag a condition names (`If-Match: "a", W/"b"`, or `*`).
public enum R2Etag: Sendable, Equatable {
    case strong(String)
    case weak(String)
    case wildcard
}

/// `onlyIf`: conditions on the stored object, from an `R2Conditional` or HTTP conditional headers.
public struct R2Conditional: Sendable, Equatable {
    public var etagMatches: [R2Etag]?
    public var etagDoesNotMatch: [R2Etag]?
    /// Milliseconds since the epoch.
    public var uploadedBefore: Int64?
    public var uploadedAfter: Int64?
    /// Compare upload times in whole seconds (as HTTP dates are); set for conditions from headers.
    public var secondsGranularity: Bool

    public init(
        etagMatches: [R2Etag]? = nil, etagDoesNotMatch: [R2Etag]? = nil, uploadedBefore: Int64? = nil,
        uploadedAfter: Int64? = nil, secondsGranularity: Bool = false
    ) {
        self.etagMatches = etagMatches
        self.etagDoesNotMatch = etagDoesNotMatch
        self.uploadedBefore = uploadedBefore
        self.uploadedAfter = uploadedAfter
        self.secondsGranularity = secondsGranularity
    }
}

public struct R2GetOptions: Sendable, Equatable {
    public var onlyIf: R2Conditional?
    public var range: R2RangeRequest?

    public init(onlyIf: R2Conditional? = nil, range: R2RangeRequest? = nil) {
        self.onlyIf = onlyIf
        self.range = range
    }
}

/// A checksum the writer gives, which the bytes must match.
public struct R2ExpectedChecksum: Sendable, Equatable {
    public var algorithm: R2HashAlgorithm
    public var digest: [UInt8]

    public init(_ algorithm: R2HashAlgorithm, _ digest: [UInt8]) {
        self.algorithm = algorithm
        self.digest = digest
    }
}

public struct R2PutOptions: Sendable, Equatable {
    public var onlyIf: R2Conditional?
    public var httpMetadata: R2HTTPMetadata
    public var customMetadata: [String: String]
    /// At most one, as R2 allows.
    public var checksum: R2ExpectedChecksum?
    /// `Standard` (the default) or `InfrequentAccess`.
    public var storageClass: String?
    /// The length the writer declared; a body of another length is refused.
    public var expectedLength: Int?

    public init(
        onlyIf: R2Conditional? = nil, httpMetadata: R2HTTPMetadata = R2HTTPMetadata(), customMetadata: [String: String] = [:],
        checksum: R2ExpectedChecksum? = nil, storageClass: String? = nil, expectedLength: Int? = nil
    ) {
        self.onlyIf = onlyIf
        self.httpMetadata = httpMetadata
        self.customMetadata = customMetadata
        self.checksum = checksum
        self.storageClass = storageClass
        self.expectedLength = expectedLength
    }
}

public struct R2MultipartOptions: Sendable, Equatable {
    public var httpMetadata: R2HTTPMetadata
    public var customMetadata: [String: String]
    public var storageClass: String?

    public init(httpMetadata: R2HTTPMetadata = R2HTTPMetadata(), customMetadata: [String: String] = [:], storageClass: String? = nil) {
        self.httpMetadata = httpMetadata
        self.customMetadata = customMetadata
        self.storageClass = storageClass
    }
}

/// A part as `uploadPart` returns it and `complete` takes it.
public struct R2UploadedPart: Sendable, Equatable {
    public var partNumber: Int
    public var etag: String

    public init(partNumber: Int, etag: String) {
        self.partNumber = partNumber
        self.etag = etag
    }
}

public struct R2ListOptions: Sendable, Equatable {
    public var prefix: String
    /// Keys with this after the prefix are rolled up into one of the listing's `delimitedPrefixes`.
    public var delimiter: String?
    public var cursor: String?
    public var startAfter: String?
    /// 1...1000 (the default).
    public var limit: Int
    public var includeHTTPMetadata: Bool
    public var includeCustomMetadata: Bool

    public init(
        prefix: String = "", delimiter: String? = nil, cursor: String? = nil, startAfter: String? = nil,
        limit: Int = R2Rules.maximumListLimit, includeHTTPMetadata: Bool = false, includeCustomMetadata: Bool = false
    ) {
        self.prefix = prefix
        self.delimiter = delimiter
        self.cursor = cursor
        self.startAfter = startAfter
        self.limit = limit
        self.includeHTTPMetadata = includeHTTPMetadata
        self.includeCustomMetadata = includeCustomMetadata
    }
}

/// A page of a listing (`R2Objects`).
public struct R2Listing: Sendable, Equatable {
    public var objects: [R2Object]
    public var delimitedPrefixes: [String]
    public var truncated: Bool
    /// Where the next page starts; set when `truncated`.
    public var cursor: String?

    public init(objects: [R2Object], delimitedPrefixes: [String], truncated: Bool, cursor: String?) {
        self.objects = objects
        self.delimitedPrefixes = delimitedPrefixes
        self.truncated = truncated
        self.cursor = cursor
    }
}

/// What a `get` found.
public enum R2GetResult: Sendable {
    case notFound
    /// The object exists but `onlyIf` did not hold: its metadata, no body.
    case preconditionFailed(R2Object)
    /// The object (its `range` says which bytes the reader returns) and its body.
    case found(R2Object, any R2BodyReader)
}

/// The bytes of a stored object, read a chunk at a time from where they are kept. The reader
/// holds what it reads from (an open file) until it reaches the end or is closed, so an object
/// deleted or overwritten meanwhile is still read whole, as it was when `get` returned.
///
/// - Important: One read at a time. A reader nobody reads to the end must be closed.
public protocol R2BodyReader: AnyObject, Sendable {
    /// Bytes the reader returns in all.
    var length: Int { get }
    /// The next chunk (non-empty), or nil at the end; completes on `eventLoop` (for callers
    /// confined to an event loop, such as an isolate).
    func read(on eventLoop: any EventLoop) -> EventLoopFuture<ByteBuffer?>
    /// The next chunk (non-empty), or nil at the end.
    func read() async throws -> ByteBuffer?
    /// Releases what the reader holds; later reads return nil. Idempotent.
    func close()
}

/// What a bucket holds.
public struct R2Usage: Sendable, Equatable {
    public var objects: Int
    public var bytes: Int

    public init(objects: Int, bytes: Int) {
        self.objects = objects
        self.bytes = bytes
    }
}

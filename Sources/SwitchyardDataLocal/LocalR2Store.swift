import Foundation
import NIOCore
import NIOPosix
import SwitchyardData

/// R2 buckets on the local disk: object bytes in files under `<directory>/objects`, metadata
/// in one SQLite file (`<directory>/r2.sqlite3`) served by a ``SQLiteQueue``.
///
/// Durability, in this order for every write: the bytes go to a new file under a random name,
/// which is fsynced, then its directory; only then is the metadata row naming it committed
/// (synchronous=FULL), and only after that commit are the files it replaced removed.
/// A crash therefore leaves at worst a file no row names (removed by the next ``init``), never a
/// row without its whole file, and an acknowledged write is on disk.
///
/// Buckets are keyed by account and name together (``R2BucketID``), each with an id of its own
/// that every object and upload row carries: two accounts' buckets of the same name never meet,
/// and a bucket deleted and made again starts empty. Keys are stored as UTF-8 blobs, so listings
/// come in byte order as R2's do. Each bucket's objects and bytes (uploaded parts included) are
/// kept beside it, updated in the write's transaction, so quotas cost no scan.
public final class LocalR2Store: R2Store {
    /// Limits per bucket; writes past them fail with ``R2Error/quotaExceeded(_:)``.
    public struct Quota: Sendable {
        public var objects: Int
        public var bytes: Int

        public init(objects: Int = 1_000_000, bytes: Int = 10 << 30) {
            self.objects = objects
            self.bytes = bytes
        }
    }

    public struct Configuration: Sendable {
        public var quota: Quota
        /// The smallest part of a multipart upload but the last (R2: 5 MiB; tests lower it).
        public var minimumPartBytes: Int
        /// The largest single `put` or part (R2: 5 MiB less than 5 GiB).
        public var maximumUploadBytes: Int
        /// The chunks a body is read in: each is a round trip to the file threads, so large (the
        /// consumer takes them at its pace; a slow one holds one chunk per read in flight).
        public var readChunkBytes: Int
        /// Threads doing the file work (writes, fsyncs, reads) and the hashing: more than the
        /// cores, since most of the time a thread here waits for the disk.
        public var fileThreads: Int

        public init(
            quota: Quota = Quota(), minimumPartBytes: Int = R2Rules.minimumPartBytes,
            maximumUploadBytes: Int = R2Rules.maximumUploadBytes, readChunkBytes: Int = 1024 * 1024, fileThreads: Int = 8
        ) {
            self.quota = quota
            self.minimumPartBytes = minimumPartBytes
            self.maximumUploadBytes = maximumUploadBytes
            self.readChunkBytes = readChunkBytes
            self.fileThreads = fileThreads
        }
    }

    let queue: SQLiteQueue
    let files: R2Files
    let threads: NIOThreadPool
    let configuration: Configuration
    let clock: @Sendable () -> Int64
    /// Files the last ``init`` removed because no row named them (what a crash left behind).
    public let removedOrphans: Int

    static let schema = """
        CREATE TABLE IF NOT EXISTS buckets (
            id INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT NULL, name TEXT NOT NULL,
            objects INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0, UNIQUE (account, name));
        CREATE TABLE IF NOT EXISTS objects (
            bucket INTEGER NOT NULL, key BLOB NOT NULL, file TEXT NOT NULL, version TEXT NOT NULL, size INTEGER NOT NULL,
            etag TEXT NOT NULL, uploaded INTEGER NOT NULL, checksums TEXT NOT NULL, http_metadata TEXT NOT NULL,
            custom_metadata TEXT NOT NULL, storage_class TEXT NOT NULL, PRIMARY KEY (bucket, key)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS uploads (
            id TEXT PRIMARY KEY, bucket INTEGER NOT NULL, key BLOB NOT NULL, http_metadata TEXT NOT NULL,
            custom_metadata TEXT NOT NULL, storage_class TEXT NOT NULL, state INTEGER NOT NULL, created INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS uploads_by_bucket ON uploads (bucket);
        CREATE TABLE IF NOT EXISTS parts (
            upload TEXT NOT NULL, number INTEGER NOT NULL, file TEXT NOT NULL, size INTEGER NOT NULL, md5 BLOB NOT NULL,
            PRIMARY KEY (upload, number)) WITHOUT ROWID;
        """

    /// Opens (creating) the store in `directory`, removing the files a crash left without a row.
    /// - Parameter clock: milliseconds since the epoch (tests fix it).
    public init(
        directory: String, configuration: Configuration = Configuration(),
        clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) throws {
        files = try R2Files(directory: directory)
        var referenced: Set<String> = []
        queue = try SQLiteQueue(path: directory + "/r2.sqlite3") { database in
            try database.execute(Self.schema)
            for row in try database.rows("SELECT file FROM objects UNION ALL SELECT file FROM parts") {
                if let file = row[0].asText { referenced.insert(file) }
            }
        }
        // Before any write can start, so no file being written now is taken for an orphan.
        removedOrphans = try files.removeUnreferenced(keeping: referenced)
        threads = NIOThreadPool(numberOfThreads: max(configuration.fileThreads, 1))
        threads.start()
        self.configuration = configuration
        self.clock = clock
    }

    public func close() async throws {
        try await queue.close()
        try await threads.shutdownGracefully()
    }

    // MARK: - Buckets

    public func createBucket(_ bucket: R2BucketID) async throws {
        try await queue.write { database in
            try database.run("INSERT OR IGNORE INTO buckets (account, name) VALUES (?, ?)", [.text(bucket.accountID), .text(bucket.name)])
        }
    }

    public func deleteBucket(_ bucket: R2BucketID) async throws {
        let removed = try await queue.write { database -> [String] in
            guard let id = try Self.bucketRow(database, bucket) else { return [] }
            var files = try database.rows("SELECT file FROM objects WHERE bucket = ?", [.integer(id)]).compactMap { $0[0].asText }
            files += try database.rows(
                "SELECT parts.file FROM parts JOIN uploads ON parts.upload = uploads.id WHERE uploads.bucket = ?", [.integer(id)]
            ).compactMap { $0[0].asText }
            try database.run("DELETE FROM parts WHERE upload IN (SELECT id FROM uploads WHERE bucket = ?)", [.integer(id)])
            try database.run("DELETE FROM uploads WHERE bucket = ?", [.integer(id)])
            try database.run("DELETE FROM objects WHERE bucket = ?", [.integer(id)])
            try database.run("DELETE FROM buckets WHERE id = ?", [.integer(id)])
            return files
        }
        await removeFiles(removed)
    }

    public func usage(_ bucket: R2BucketID) async throws -> R2Usage {
        try await queue.read { database in
            let row = try database.rows(
                "SELECT objects, bytes FROM buckets WHERE account = ? AND name = ?", [.text(bucket.accountID), .text(bucket.name)]
            ).first
            guard let row else { throw R2Error.noSuchBucket }
            return R2Usage(objects: Int(row[0].asInteger ?? 0), bytes: Int(row[1].asInteger ?? 0))
        }
    }

    // MARK: - Objects

    public func head(_ bucket: R2BucketID, key: String) async throws -> R2Object? {
        try R2Rules.checkKey(key)
        guard var object = try await lookUp(bucket, key: key)?.object else { return nil }
        object.range = R2ByteRange(offset: 0, length: object.size)
        return object
    }

    public func get(_ bucket: R2BucketID, key: String, options: R2GetOptions) async throws -> R2GetResult {
        try R2Rules.checkKey(key)
        // The file of the row found may be unlinked before it is opened (a write replaced the
        // object, or a delete removed it, and committed meanwhile): then look again.
        for _ in 0..<8 {
            guard let stored = try await lookUp(bucket, key: key) else { return .notFound }
            var object = stored.object
            object.range = R2ByteRange(offset: 0, length: object.size)
            if let onlyIf = options.onlyIf, !R2Rules.holds(onlyIf, etag: object.etag, uploaded: object.uploaded) {
                return .preconditionFailed(object)
            }
            let range = try R2Rules.resolve(options.range, size: object.size) ?? R2ByteRange(offset: 0, length: object.size)
            object.range = range
            let files = self.files
            guard let fd = try await run({ try files.openForReading(stored.file) }) else { continue }
            return .found(object, R2FileBodyReader(fd: fd, range: range, chunkSize: configuration.readChunkBytes, threads: threads))
        }
        throw R2Error.internalError
    }

    public func put<Body: AsyncSequence<ByteBuffer, any Error>>(
        _ bucket: R2BucketID, key: String, body: Body, options: R2PutOptions
    ) async throws -> R2Object? {
        try R2Rules.checkKey(key)
        try R2Rules.checkCustomMetadata(options.customMetadata)
        let storageClass = try R2Rules.checkStorageClass(options.storageClass)
        if let declared = options.expectedLength, declared > configuration.maximumUploadBytes { throw R2Error.entityTooLarge }
        // Checked early so a write that cannot succeed reads no body; checked again, atomically, at the commit.
        let current = try await lookUp(bucket, key: key)
        if let onlyIf = options.onlyIf, !R2Rules.holds(onlyIf, etag: current?.object.etag, uploaded: current?.object.uploaded) {
            return nil
        }
        let room = try await room(in: bucket, freed: current?.object.size ?? 0)
        let (staged, checksums) = try await stage(
            body, checksum: options.checksum, expectedLength: options.expectedLength, room: room)
        let object = R2Object(
            key: key, version: Self.newVersion(), size: staged.size, etag: R2Rules.hex(checksums.md5 ?? []), uploaded: clock(),
            httpMetadata: options.httpMetadata, customMetadata: options.customMetadata, checksums: checksums,
            storageClass: storageClass)
        let record = try StoredObject(object, file: staged.id)
        let quota = configuration.quota
        let outcome: PutOutcome
        do {
            outcome = try await queue.write { database -> PutOutcome in
                guard let id = try Self.bucketRow(database, bucket) else { throw R2Error.noSuchBucket }
                let existing = try Self.storedObject(database, bucket: id, key: key)
                if let onlyIf = options.onlyIf,
                    !R2Rules.holds(onlyIf, etag: existing?.object.etag, uploaded: existing?.object.uploaded)
                {
                    return .preconditionFailed
                }
                try Self.adjustUsage(
                    database, bucket: id, objects: existing == nil ? 1 : 0, bytes: record.size - (existing?.object.size ?? 0),
                    quota: quota)
                try Self.insert(record, database: database, bucket: id)
                return .stored(replaced: existing?.file)
            }
        } catch {
            await removeFiles([staged.id])
            throw error
        }
        switch outcome {
        case .preconditionFailed:
            await removeFiles([staged.id])
            return nil
        case .stored(let replaced):
            if let replaced { await removeFiles([replaced]) }
            var stored = object
            stored.range = nil
            return stored
        }
    }

    private enum PutOutcome: Sendable {
        case stored(replaced: String?)
        case preconditionFailed
    }

    public func delete(_ bucket: R2BucketID, keys: [String]) async throws {
        for key in keys { try R2Rules.checkKey(key) }
        let removed = try await queue.write { database -> [String] in
            guard let id = try Self.bucketRow(database, bucket) else { throw R2Error.noSuchBucket }
            var files: [String] = []
            var bytes = 0
            for key in Set(keys) {
                guard let existing = try Self.storedObject(database, bucket: id, key: key) else { continue }
                try database.run("DELETE FROM objects WHERE bucket = ? AND key = ?", [.integer(id), .blob(Array(key.utf8))])
                files.append(existing.file)
                bytes += existing.object.size
            }
            try Self.adjustUsage(database, bucket: id, objects: -files.count, bytes: -bytes, quota: nil)
            return files
        }
        await removeFiles(removed)
    }

    // MARK: - Writing bytes

    /// What a write may still add to `bucket`: its byte quota less what it holds, plus `freed`
    /// (the bytes of the object the write replaces).
    func room(in bucket: R2BucketID, freed: Int) async throws -> Int {
        let used = try await usage(bucket)
        return max(configuration.quota.bytes - used.bytes + freed, 0)
    }

    /// Streams `body` to a new file, hashing it beside the writes, verifies its length and
    /// checksum and syncs the file and its name. On any failure the file is removed.
    func stage<Body: AsyncSequence<ByteBuffer, any Error>>(
        _ body: Body, checksum: R2ExpectedChecksum?, expectedLength: Int?, room: Int
    ) async throws -> (R2StagedFile, R2Checksums) {
        let files = self.files
        let staged = try await run { try R2StagedFile(files: files) }
        let digester = R2Digester(checksum: checksum?.algorithm, threads: threads)
        do {
            for try await chunk in body where chunk.readableBytes > 0 {
                let total = staged.size + chunk.readableBytes
                if let expectedLength, total > expectedLength {
                    throw R2Error.lengthMismatch(declared: expectedLength, received: total)
                }
                if total > configuration.maximumUploadBytes { throw R2Error.entityTooLarge }
                if total > room { throw R2Error.quotaExceeded("more than \(configuration.quota.bytes) bytes") }
                digester.feed(chunk)
                try await run { try staged.append(chunk) }
                await digester.throttle()
            }
            if let expectedLength, staged.size != expectedLength {
                throw R2Error.lengthMismatch(declared: expectedLength, received: staged.size)
            }
            // The sync and the last of the hashing, at once.
            async let synced: Void = run { try staged.finish() }
            let checksums = try await digester.finish()
            try await synced
            if let checksum, let actual = checksums[checksum.algorithm], actual != checksum.digest {
                throw R2Error.badDigest(checksum.algorithm, provided: checksum.digest, actual: actual)
            }
            return (staged, checksums)
        } catch {
            await runDiscarding { staged.discard() }
            throw error
        }
    }

    /// Removes published files, once no row names them.
    func removeFiles(_ ids: [String]) async {
        await files.remove(ids, on: threads)
    }

    /// Runs blocking file work on the file threads. Not cancelled with its task: a step that
    /// started (a write, a sync, a rename) always finishes, so the store's state stays known.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await threads.runToCompletion(failing: R2Error.internalError, body)
    }

    func runDiscarding(_ body: @escaping @Sendable () -> Void) async {
        _ = try? await run(body)
    }

    // MARK: - Rows

    /// The object stored under `key` and its file.
    func lookUp(_ bucket: R2BucketID, key: String) async throws -> (object: R2Object, file: String)? {
        try await queue.read { database in
            guard let id = try Self.bucketRow(database, bucket) else { throw R2Error.noSuchBucket }
            return try Self.storedObject(database, bucket: id, key: key)
        }
    }

    static func bucketRow(_ database: SQLiteDatabase, _ bucket: R2BucketID) throws -> Int64? {
        try database.rows("SELECT id FROM buckets WHERE account = ? AND name = ?", [.text(bucket.accountID), .text(bucket.name)])
            .first?[0].asInteger
    }

    static let objectColumns = "key, version, size, etag, uploaded, checksums, http_metadata, custom_metadata, storage_class, file"

    static func storedObject(_ database: SQLiteDatabase, bucket: Int64, key: String) throws -> (object: R2Object, file: String)? {
        let rows = try database.rows(
            "SELECT \(objectColumns) FROM objects WHERE bucket = ? AND key = ?", [.integer(bucket), .blob(Array(key.utf8))])
        guard let row = rows.first else { return nil }
        return try decodeObject(row, includeHTTPMetadata: true, includeCustomMetadata: true)
    }

    /// An object from the columns of ``objectColumns``.
    static func decodeObject(_ row: [SQLiteValue], includeHTTPMetadata: Bool, includeCustomMetadata: Bool) throws
        -> (object: R2Object, file: String)
    {
        let decoder = JSONDecoder()
        func json<T: Decodable>(_ value: SQLiteValue, as type: T.Type) throws -> T {
            try decoder.decode(T.self, from: Data((value.asText ?? "{}").utf8))
        }
        let object = R2Object(
            key: row[0].asBlob.map { String(decoding: $0, as: UTF8.self) } ?? "",
            version: row[1].asText ?? "", size: Int(row[2].asInteger ?? 0), etag: row[3].asText ?? "",
            uploaded: row[4].asInteger ?? 0,
            httpMetadata: includeHTTPMetadata ? try json(row[6], as: R2HTTPMetadata.self) : nil,
            customMetadata: includeCustomMetadata ? try json(row[7], as: [String: String].self) : nil,
            checksums: try json(row[5], as: HexChecksums.self).checksums, storageClass: row[8].asText ?? "Standard")
        return (object, row[9].asText ?? "")
    }

    static func insert(_ record: StoredObject, database: SQLiteDatabase, bucket: Int64) throws {
        try database.run(
            """
            INSERT INTO objects (bucket, key, file, version, size, etag, uploaded, checksums, http_metadata, custom_metadata, storage_class)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
            ON CONFLICT (bucket, key) DO UPDATE SET file = ?3, version = ?4, size = ?5, etag = ?6, uploaded = ?7,
            checksums = ?8, http_metadata = ?9, custom_metadata = ?10, storage_class = ?11
            """,
            [
                .integer(bucket), .blob(Array(record.key.utf8)), .text(record.file), .text(record.version),
                .integer(Int64(record.size)), .text(record.etag), .integer(record.uploaded), .text(record.checksums),
                .text(record.httpMetadata), .text(record.customMetadata), .text(record.storageClass),
            ])
    }

    /// Moves the bucket's counts by `objects` and `bytes`; with a quota, fails (rolling the
    /// write back) when a count that grew is now past it.
    static func adjustUsage(_ database: SQLiteDatabase, bucket: Int64, objects: Int, bytes: Int, quota: Quota?) throws {
        guard objects != 0 || bytes != 0 else { return }
        try database.run(
            "UPDATE buckets SET objects = max(objects + ?2, 0), bytes = max(bytes + ?3, 0) WHERE id = ?1",
            [.integer(bucket), .integer(Int64(objects)), .integer(Int64(bytes))])
        guard let quota, objects > 0 || bytes > 0 else { return }
        let row = try database.rows("SELECT objects, bytes FROM buckets WHERE id = ?", [.integer(bucket)]).first
        if objects > 0, (row?[0].asInteger ?? 0) > quota.objects {
            throw R2Error.quotaExceeded("more than \(quota.objects) objects")
        }
        if bytes > 0, (row?[1].asInteger ?? 0) > quota.bytes {
            throw R2Error.quotaExceeded("more than \(quota.bytes) bytes")
        }
    }

    static func newVersion() -> String { R2Files.newID() }
}

/// An object's row, its metadata already encoded.
struct StoredObject: Sendable {
    var key: String
    var file: String
    var version: String
    var size: Int
    var etag: String
    var uploaded: Int64
    var checksums: String
    var httpMetadata: String
    var customMetadata: String
    var storageClass: String

    init(_ object: R2Object, file: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        func json(_ value: some Encodable) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
        key = object.key
        self.file = file
        version = object.version
        size = object.size
        etag = object.etag
        uploaded = object.uploaded
        checksums = try json(HexChecksums(object.checksums))
        httpMetadata = try json(object.httpMetadata ?? R2HTTPMetadata())
        customMetadata = try json(object.customMetadata ?? [:])
        storageClass = object.storageClass
    }
}

/// Checksums as stored: hexadecimal strings.
struct HexChecksums: Codable {
    var md5, sha1, sha256, sha384, sha512: String?

    init(_ checksums: R2Checksums) {
        md5 = checksums.md5.map(R2Rules.hex)
        sha1 = checksums.sha1.map(R2Rules.hex)
        sha256 = checksums.sha256.map(R2Rules.hex)
        sha384 = checksums.sha384.map(R2Rules.hex)
        sha512 = checksums.sha512.map(R2Rules.hex)
    }

    var checksums: R2Checksums {
        R2Checksums(
            md5: md5.flatMap(R2Rules.bytes(hex:)), sha1: sha1.flatMap(R2Rules.bytes(hex:)),
            sha256: sha256.flatMap(R2Rules.bytes(hex:)), sha384: sha384.flatMap(R2Rules.bytes(hex:)),
            sha512: sha512.flatMap(R2Rules.bytes(hex:)))
    }
}

extension SQLiteValue {
    var asInteger: Int64? {
        if case .integer(let number) = self { return number }
        return nil
    }

    var asText: String? {
        if case .text(let text) = self { return text }
        return nil
    }

    var asBlob: [UInt8]? {
        switch self {
        case .blob(let bytes): bytes
        case .text(let text): Array(text.utf8)
        default: nil
        }
    }
}

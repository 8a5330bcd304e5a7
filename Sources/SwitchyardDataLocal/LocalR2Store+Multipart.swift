import Crypto
import Foundation
import NIOCore
import SwitchyardData

/// Multipart uploads. Each part is a file of its own (written and synced like an object) with
/// a row naming it; completing the upload copies the parts, in part-number order, into one new
/// object file, so a multipart object is read like any other. An upload's row stays after it is
/// completed or aborted, so a later `abort` can tell "already finished" (which does nothing)
/// from "never existed", as R2 does. Parts count toward their bucket's bytes until the upload ends.
extension LocalR2Store {
    enum UploadState: Int64 {
        case inProgress = 0
        case completed = 1
        case aborted = 2
    }

    public func createMultipartUpload(_ bucket: R2BucketID, key: String, options: R2MultipartOptions) async throws -> String {
        try R2Rules.checkKey(key)
        try R2Rules.checkCustomMetadata(options.customMetadata)
        let storageClass = try R2Rules.checkStorageClass(options.storageClass)
        let uploadID = Self.newUploadID()
        let metadata = try StoredObject(
            R2Object(
                key: key, version: "", size: 0, etag: "", uploaded: 0, httpMetadata: options.httpMetadata,
                customMetadata: options.customMetadata, storageClass: storageClass),
            file: "")
        let now = clock()
        try await queue.write { database in
            guard let id = try Self.bucketRow(database, bucket) else { throw R2Error.noSuchBucket }
            try database.run(
                """
                INSERT INTO uploads (id, bucket, key, http_metadata, custom_metadata, storage_class, state, created)
                VALUES (?, ?, ?, ?, ?, ?, 0, ?)
                """,
                [
                    .text(uploadID), .integer(id), .blob(Array(key.utf8)), .text(metadata.httpMetadata),
                    .text(metadata.customMetadata), .text(storageClass), .integer(now),
                ])
        }
        return uploadID
    }

    public func uploadPart<Body: AsyncSequence<ByteBuffer, any Error>>(
        _ bucket: R2BucketID, key: String, uploadID: String, partNumber: Int, body: Body, expectedLength: Int?
    ) async throws -> R2UploadedPart {
        try R2Rules.checkKey(key)
        guard R2Rules.partNumbers.contains(partNumber) else { throw R2Error.invalidPartNumber(partNumber) }
        if let declared = expectedLength, declared > configuration.maximumUploadBytes { throw R2Error.entityTooLarge }
        // An upload that is not in progress takes no bytes (checked again at the commit).
        let replacedSize = try await queue.read { database -> Int in
            guard try Self.upload(database, bucket: bucket, key: key, id: uploadID)?.state == .inProgress else {
                throw R2Error.noSuchUpload
            }
            let row = try database.rows(
                "SELECT size FROM parts WHERE upload = ? AND number = ?", [.text(uploadID), .integer(Int64(partNumber))]
            ).first
            return Int(row?[0].asInteger ?? 0)
        }
        let room = try await room(in: bucket, freed: replacedSize)
        let (staged, checksums) = try await stage(body, checksum: nil, expectedLength: expectedLength, room: room)
        let md5 = checksums.md5 ?? []
        let size = staged.size
        let quota = configuration.quota
        let replaced: String?
        do {
            replaced = try await queue.write { database -> String? in
                guard let upload = try Self.upload(database, bucket: bucket, key: key, id: uploadID), upload.state == .inProgress
                else { throw R2Error.noSuchUpload }
                let old = try database.rows(
                    "SELECT file, size FROM parts WHERE upload = ? AND number = ?", [.text(uploadID), .integer(Int64(partNumber))]
                ).first
                try Self.adjustUsage(
                    database, bucket: upload.bucket, objects: 0, bytes: size - Int(old?[1].asInteger ?? 0), quota: quota)
                try database.run(
                    """
                    INSERT INTO parts (upload, number, file, size, md5) VALUES (?1, ?2, ?3, ?4, ?5)
                    ON CONFLICT (upload, number) DO UPDATE SET file = ?3, size = ?4, md5 = ?5
                    """,
                    [.text(uploadID), .integer(Int64(partNumber)), .text(staged.id), .integer(Int64(size)), .blob(md5)])
                return old?[0].asText
            }
        } catch {
            await removeFiles([staged.id])
            throw error
        }
        if let replaced { await removeFiles([replaced]) }
        // A part's etag is the MD5 of its bytes, as S3's and (since June 2023) R2's are.
        return R2UploadedPart(partNumber: partNumber, etag: R2Rules.hex(md5))
    }

    public func completeMultipartUpload(_ bucket: R2BucketID, key: String, uploadID: String, parts: [R2UploadedPart])
        async throws -> R2Object
    {
        try R2Rules.checkKey(key)
        let minimumPartBytes = configuration.minimumPartBytes
        let (upload, chosen) = try await queue.read { database -> (UploadRow, [PartRow]) in
            guard let upload = try Self.upload(database, bucket: bucket, key: key, id: uploadID) else { throw R2Error.internalError }
            guard upload.state == .inProgress else { throw R2Error.noSuchUpload }
            let stored = try Self.parts(database, uploadID: uploadID)
            return (upload, try Self.choose(parts, from: stored, minimumPartBytes: minimumPartBytes))
        }
        // The object's file: the chosen parts' bytes in part-number order.
        let files = self.files
        let assembled = try await run { try R2StagedFile(files: files) }
        do {
            for part in chosen {
                try await run {
                    guard let fd = try files.openForReading(part.file) else { throw R2Error.badUpload }
                    defer { R2Files.closeFile(fd) }
                    try assembled.append(file: fd, length: part.size)
                }
            }
            try await run { try assembled.finish() }
        } catch {
            await runDiscarding { assembled.discard() }
            throw error
        }
        // The etag as S3 and R2 compute it: the MD5 of the parts' binary MD5s, then "-" and their count.
        var md5 = Insecure.MD5()
        for part in chosen { md5.update(data: part.md5) }
        let object = R2Object(
            key: key, version: Self.newVersion(), size: assembled.size,
            etag: "\(R2Rules.hex(md5.finalize()))-\(chosen.count)", uploaded: clock(), httpMetadata: upload.httpMetadata,
            customMetadata: upload.customMetadata, storageClass: upload.storageClass)
        let record = try StoredObject(object, file: assembled.id)
        let quota = configuration.quota
        let removed: [String]
        do {
            removed = try await queue.write { database -> [String] in
                // Nothing changed since the parts were read: the upload is still in progress and
                // no chosen part was replaced (or the object would hold bytes no part has now).
                guard let current = try Self.upload(database, bucket: bucket, key: key, id: uploadID) else {
                    throw R2Error.internalError
                }
                guard current.state == .inProgress else { throw R2Error.noSuchUpload }
                let stored = try Self.parts(database, uploadID: uploadID)
                let files = Dictionary(stored.map { ($0.number, $0.file) }, uniquingKeysWith: { first, _ in first })
                guard chosen.allSatisfy({ files[$0.number] == $0.file }) else { throw R2Error.badUpload }
                let existing = try Self.storedObject(database, bucket: upload.bucket, key: key)
                let partBytes = stored.reduce(0) { $0 + $1.size }
                try Self.adjustUsage(
                    database, bucket: upload.bucket, objects: existing == nil ? 1 : 0,
                    bytes: record.size - partBytes - (existing?.object.size ?? 0), quota: quota)
                try Self.insert(record, database: database, bucket: upload.bucket)
                try database.run("DELETE FROM parts WHERE upload = ?", [.text(uploadID)])
                try database.run(
                    "UPDATE uploads SET state = ? WHERE id = ?", [.integer(UploadState.completed.rawValue), .text(uploadID)])
                return stored.map(\.file) + (existing.map { [$0.file] } ?? [])
            }
        } catch {
            await removeFiles([assembled.id])
            throw error
        }
        await removeFiles(removed)
        return object
    }

    public func abortMultipartUpload(_ bucket: R2BucketID, key: String, uploadID: String) async throws {
        try R2Rules.checkKey(key)
        let removed = try await queue.write { database -> [String] in
            guard let upload = try Self.upload(database, bucket: bucket, key: key, id: uploadID) else { throw R2Error.internalError }
            // Aborting an upload that is already completed or aborted does nothing.
            guard upload.state == .inProgress else { return [] }
            let stored = try Self.parts(database, uploadID: uploadID)
            try database.run("DELETE FROM parts WHERE upload = ?", [.text(uploadID)])
            try database.run("UPDATE uploads SET state = ? WHERE id = ?", [.integer(UploadState.aborted.rawValue), .text(uploadID)])
            try Self.adjustUsage(database, bucket: upload.bucket, objects: 0, bytes: -stored.reduce(0) { $0 + $1.size }, quota: nil)
            return stored.map(\.file)
        }
        await removeFiles(removed)
    }

    /// The parts `requested` names, in part-number order, checked as R2 checks them: each
    /// exists with that etag, each number once; every part but the last is at least
    /// `minimumPartBytes`, and they are all the same size, the last no larger.
    static func choose(_ requested: [R2UploadedPart], from stored: [PartRow], minimumPartBytes: Int) throws -> [PartRow] {
        var numbers: Set<Int> = []
        for part in requested where !numbers.insert(part.partNumber).inserted { throw R2Error.internalError }
        let byNumber = Dictionary(stored.map { ($0.number, $0) }, uniquingKeysWith: { first, _ in first })
        let chosen = try requested.map { part -> PartRow in
            guard let row = byNumber[part.partNumber], R2Rules.hex(row.md5) == part.etag else { throw R2Error.invalidPart }
            return row
        }
        // In the order given first, for R2's friendlier error...
        for part in chosen.dropLast() where part.size < minimumPartBytes { throw R2Error.entityTooSmall }
        // ...then in the order the object is made.
        let ordered = chosen.sorted { $0.number < $1.number }
        if let size = ordered.first?.size, ordered.count > 1 {
            for part in ordered.dropLast() where part.size != size || part.size < minimumPartBytes { throw R2Error.badUpload }
            if let last = ordered.last, last.size > size { throw R2Error.badUpload }
        }
        return ordered
    }

    struct UploadRow: Sendable {
        var bucket: Int64
        var state: UploadState
        var httpMetadata: R2HTTPMetadata
        var customMetadata: [String: String]
        var storageClass: String
    }

    struct PartRow: Sendable {
        var number: Int
        var file: String
        var size: Int
        var md5: [UInt8]
    }

    /// The upload `id` of `key` in `bucket`; nil when there is none (in another bucket or for
    /// another key there is none either).
    static func upload(_ database: SQLiteDatabase, bucket: R2BucketID, key: String, id: String) throws -> UploadRow? {
        guard let bucketID = try bucketRow(database, bucket) else { throw R2Error.noSuchBucket }
        let row = try database.rows(
            "SELECT state, http_metadata, custom_metadata, storage_class FROM uploads WHERE id = ? AND bucket = ? AND key = ?",
            [.text(id), .integer(bucketID), .blob(Array(key.utf8))]
        ).first
        guard let row else { return nil }
        let decoder = JSONDecoder()
        return UploadRow(
            bucket: bucketID, state: UploadState(rawValue: row[0].asInteger ?? 0) ?? .aborted,
            httpMetadata: try decoder.decode(R2HTTPMetadata.self, from: Data((row[1].asText ?? "{}").utf8)),
            customMetadata: try decoder.decode([String: String].self, from: Data((row[2].asText ?? "{}").utf8)),
            storageClass: row[3].asText ?? "Standard")
    }

    static func parts(_ database: SQLiteDatabase, uploadID: String) throws -> [PartRow] {
        try database.rows("SELECT number, file, size, md5 FROM parts WHERE upload = ? ORDER BY number", [.text(uploadID)]).map { row in
            PartRow(
                number: Int(row[0].asInteger ?? 0), file: row[1].asText ?? "", size: Int(row[2].asInteger ?? 0),
                md5: row[3].asBlob ?? [])
        }
    }

    static func newUploadID() -> String { R2Files.newID() + R2Files.newID() }
}

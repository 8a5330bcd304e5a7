import Crypto
import Foundation
import NIOCore
import SwitchyardData
import Testing

@testable import SwitchyardDataLocal

/// A body given as chunks, failing after them when `failure` is set (a client that went away).
struct Chunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    typealias Failure = any Error

    var chunks: [ByteBuffer]
    var failure: (any Error)?

    init(_ chunks: [ByteBuffer], failingWith failure: (any Error)? = nil) {
        self.chunks = chunks
        self.failure = failure
    }

    init(_ text: String) {
        self.init([ByteBuffer(string: text)])
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var rest: ArraySlice<ByteBuffer>
        var failure: (any Error)?

        mutating func next() async throws -> ByteBuffer? {
            if let chunk = rest.popFirst() { return chunk }
            if let failure {
                self.failure = nil
                throw failure
            }
            return nil
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(rest: chunks[...], failure: failure) }
}

struct ClientGone: Error {}

@Suite struct LocalR2StoreTests {
    let directory: URL
    let bucket = R2BucketID(accountID: "account-a", name: "assets")

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("r2-\(UUID().uuidString)")
    }

    func open(_ configuration: LocalR2Store.Configuration = .init(), clock: @escaping @Sendable () -> Int64 = { 1_700_000_000_000 })
        throws -> LocalR2Store
    {
        try LocalR2Store(directory: directory.path, configuration: configuration, clock: clock)
    }

    /// Files under `objects/` and `tmp/`.
    func storedFiles() throws -> (objects: Int, temporary: Int) {
        let manager = FileManager.default
        let objects = directory.appendingPathComponent("objects").path
        var count = 0
        for sub in try manager.contentsOfDirectory(atPath: objects) {
            count += try manager.contentsOfDirectory(atPath: "\(objects)/\(sub)").count
        }
        return (count, try manager.contentsOfDirectory(atPath: directory.appendingPathComponent("tmp").path).count)
    }

    func read(_ result: R2GetResult) async throws -> (R2Object, String, chunks: Int)? {
        guard case .found(let object, let reader) = result else { return nil }
        var bytes: [UInt8] = []
        var chunks = 0
        while let chunk = try await reader.read() {
            bytes += chunk.readableBytesView
            chunks += 1
        }
        #expect(bytes.count == reader.length)
        return (object, String(decoding: bytes, as: UTF8.self), chunks)
    }

    func text(_ store: LocalR2Store, _ key: String, range: R2RangeRequest? = nil, in bucket: R2BucketID? = nil) async throws -> String? {
        try await read(store.get(bucket ?? self.bucket, key: key, options: R2GetOptions(range: range)))?.1
    }

    // MARK: - Round trips

    @Test func anObjectReadsBackWithItsMetadataAndSurvivesReopening() async throws {
        let store = try open()
        try await store.createBucket(bucket)
        let http = R2HTTPMetadata(contentType: "text/plain", cacheControl: "max-age=60", cacheExpiry: 1_800_000_000_000)
        let put = try #require(
            try await store.put(
                bucket, key: "dir/hello.txt", body: Chunks([ByteBuffer(string: "hello "), ByteBuffer(string: "world")]),
                options: R2PutOptions(httpMetadata: http, customMetadata: ["owner": "ada"])))
        let md5 = Array(Insecure.MD5.hash(data: Array("hello world".utf8)))
        #expect(put.size == 11)
        #expect(put.etag == R2Rules.hex(md5))
        #expect(put.httpEtag == "\"\(R2Rules.hex(md5))\"")
        #expect(put.checksums == R2Checksums(md5: md5))
        #expect(put.uploaded == 1_700_000_000_000)
        #expect(put.version.count == 32)
        #expect(put.storageClass == "Standard")

        let (object, body, _) = try #require(try await read(store.get(bucket, key: "dir/hello.txt", options: R2GetOptions())))
        #expect(body == "hello world")
        #expect(object.httpMetadata == http)
        #expect(object.customMetadata == ["owner": "ada"])
        #expect(object.range == R2ByteRange(offset: 0, length: 11))
        #expect(object.version == put.version)
        let head = try #require(try await store.head(bucket, key: "dir/hello.txt"))
        #expect(head.etag == put.etag)
        #expect(try await store.head(bucket, key: "missing") == nil)
        guard case .notFound = try await store.get(bucket, key: "missing", options: R2GetOptions()) else {
            Issue.record("a missing key is not found")
            return
        }
        try await store.close()

        let reopened = try open()
        #expect(try await text(reopened, "dir/hello.txt") == "hello world")
        #expect(try await reopened.usage(bucket) == R2Usage(objects: 1, bytes: 11))
        #expect(reopened.removedOrphans == 0)
        try await reopened.close()
    }

    @Test func aLargeObjectStreamsInChunksBothWays() async throws {
        let store = try open(.init(readChunkBytes: 64 * 1024))
        try await store.createBucket(bucket)
        var hasher = SHA256()
        var chunks: [ByteBuffer] = []
        for index in 0..<48 {
            let chunk = [UInt8](repeating: UInt8(index), count: 65_536 + index)
            hasher.update(data: chunk)
            chunks.append(ByteBuffer(bytes: chunk))
        }
        let total = chunks.reduce(0) { $0 + $1.readableBytes }
        let digest = Array(hasher.finalize())
        let put = try #require(
            try await store.put(bucket, key: "big", body: Chunks(chunks), options: R2PutOptions(checksum: .init(.sha256, digest))))
        #expect(put.size == total)
        guard case .found(_, let reader) = try await store.get(bucket, key: "big", options: R2GetOptions()) else {
            Issue.record("stored")
            return
        }
        var readHasher = SHA256()
        var count = 0
        var largest = 0
        while let chunk = try await reader.read() {
            readHasher.update(data: Array(chunk.readableBytesView))
            count += 1
            largest = max(largest, chunk.readableBytes)
        }
        #expect(Array(readHasher.finalize()) == digest)
        #expect(largest == 64 * 1024)
        #expect(count == (total + 65_535) / 65_536)
        try await store.close()
    }

    @Test func aReaderKeepsTheObjectItOpenedWhenItIsReplacedOrDeleted() async throws {
        let store = try open(.init(readChunkBytes: 4))
        try await store.createBucket(bucket)
        _ = try await store.put(bucket, key: "k", body: Chunks("old bytes here"), options: R2PutOptions())
        let first = try await store.get(bucket, key: "k", options: R2GetOptions())
        _ = try await store.put(bucket, key: "k", body: Chunks("new"), options: R2PutOptions())
        let second = try await store.get(bucket, key: "k", options: R2GetOptions())
        try await store.delete(bucket, keys: ["k"])
        #expect(try await read(first)?.1 == "old bytes here")
        #expect(try await read(second)?.1 == "new")
        #expect(try await text(store, "k") == nil)
        #expect(try storedFiles() == (0, 0))
        try await store.close()
    }

    @Test func deleteTakesOneKeyOrMany() async throws {
        let store = try open()
        try await store.createBucket(bucket)
        for key in ["a", "b", "c", "d"] { _ = try await store.put(bucket, key: key, body: Chunks(key), options: R2PutOptions()) }
        try await store.delete(bucket, keys: ["a"])
        try await store.delete(bucket, keys: ["b", "c", "missing", "b"])
        #expect(try await store.list(bucket, options: R2ListOptions()).objects.map(\.key) == ["d"])
        #expect(try await store.usage(bucket) == R2Usage(objects: 1, bytes: 1))
        #expect(try storedFiles().objects == 1)
        try await store.close()
    }

    @Test func keysAndMetadataAreCheckedAsR2ChecksThem() async throws {
        let store = try open()
        try await store.createBucket(bucket)
        for key in ["", String(repeating: "k", count: 1025)] {
            await #expect(throws: R2Error.invalidObjectName) {
                _ = try await store.put(bucket, key: key, body: Chunks("x"), options: R2PutOptions())
            }
            await #expect(throws: R2Error.invalidObjectName) { _ = try await store.head(bucket, key: key) }
        }
        // 1024 bytes of UTF-8 is the most a key may have.
        let longest = String(repeating: "é", count: 512)
        #expect(try await store.put(bucket, key: longest, body: Chunks("x"), options: R2PutOptions()) != nil)
        await #expect(throws: R2Error.metadataTooLarge) {
            _ = try await store.put(
                bucket, key: "m", body: Chunks("x"), options: R2PutOptions(customMetadata: ["k": String(repeating: "v", count: 2048)]))
        }
        await #expect(throws: R2Error.invalidStorageClass) {
            _ = try await store.put(bucket, key: "s", body: Chunks("x"), options: R2PutOptions(storageClass: "Glacier"))
        }
        let cold = try await store.put(bucket, key: "s", body: Chunks("x"), options: R2PutOptions(storageClass: "InfrequentAccess"))
        #expect(cold?.storageClass == "InfrequentAccess")
        #expect(try await store.head(bucket, key: "s")?.storageClass == "InfrequentAccess")
        await #expect(throws: R2Error.lengthMismatch(declared: 5, received: 1)) {
            _ = try await store.put(bucket, key: "short", body: Chunks("x"), options: R2PutOptions(expectedLength: 5))
        }
        await #expect(throws: R2Error.noSuchBucket) {
            _ = try await store.put(R2BucketID(accountID: "account-a", name: "nope"), key: "k", body: Chunks("x"), options: R2PutOptions())
        }
        #expect(try storedFiles().temporary == 0)
        try await store.close()
    }

    // MARK: - Ranges

    @Test(arguments: [
        (R2RangeRequest.bytes(offset: 2, length: 3), "234"),
        (.bytes(offset: 7, length: nil), "789"),
        (.bytes(offset: nil, length: 2), "01"),
        (.bytes(offset: 8, length: 100), "89"),
        (.bytes(offset: 0, length: nil), "0123456789"),
        (.suffix(3), "789"),
        (.suffix(50), "0123456789"),
        (.header("bytes=2-4"), "234"),
        (.header("bytes=-3"), "789"),
        (.header("bytes=5-"), "56789"),
        (.header("bytes=5-500"), "56789"),
        (.header("bytes=0-1, 4-5"), "0123456789"),
        (.header("items=0-1"), "0123456789"),
        (.header("bytes=4-2"), "0123456789"),
    ] as [(R2RangeRequest, String?)])
    func aRangeReadsItsBytes(range: R2RangeRequest, expected: String?) async throws {
        let store = try open()
        try await store.createBucket(bucket)
        _ = try await store.put(bucket, key: "digits", body: Chunks("0123456789"), options: R2PutOptions())
        let result = try await store.get(bucket, key: "digits", options: R2GetOptions(range: range))
        let (object, body, _) = try #require(try await read(result))
        #expect(body == (expected ?? ""))
        #expect(object.range?.length == (expected ?? "").utf8.count)
        #expect(object.size == 10)
        try await store.close()
    }

    @Test(arguments: [
        R2RangeRequest.bytes(offset: 11, length: nil), .bytes(offset: 0, length: 0), .suffix(0), .header("bytes=10-"),
        .header("bytes=-0"),
    ])
    func anUnsatisfiableRangeIsRefused(range: R2RangeRequest) async throws {
        let store = try open()
        try await store.createBucket(bucket)
        _ = try await store.put(bucket, key: "digits", body: Chunks("0123456789"), options: R2PutOptions())
        await #expect(throws: R2Error.invalidRange) {
            _ = try await store.get(bucket, key: "digits", options: R2GetOptions(range: range))
        }
        try await store.close()
    }

    // MARK: - Conditionals

    @Test func getOnlyIfReturnsTheObjectWithoutABodyWhenItDoesNotHold() async throws {
        let store = try open()
        try await store.createBucket(bucket)
        let put = try #require(try await store.put(bucket, key: "k", body: Chunks("v"), options: R2PutOptions()))
        let holding: [R2Conditional] = [
            R2Conditional(etagMatches: [.strong(put.etag)]),
            R2Conditional(etagMatches: [.wildcard]),
            R2Conditional(etagDoesNotMatch: [.strong("other")]),
            R2Conditional(uploadedBefore: put.uploaded + 1),
            R2Conditional(uploadedAfter: put.uploaded - 1),
            // If-Match wins over If-Unmodified-Since.
            R2Conditional(etagMatches: [.strong(put.etag)], uploadedBefore: put.uploaded - 1),
        ]
        let failing: [R2Conditional] = [
            R2Conditional(etagMatches: [.strong("other")]),
            R2Conditional(etagMatches: [.weak(put.etag)]),
            R2Conditional(etagDoesNotMatch: [.strong(put.etag)]),
            R2Conditional(etagDoesNotMatch: [.weak(put.etag)]),
            R2Conditional(etagDoesNotMatch: [.wildcard]),
            R2Conditional(uploadedBefore: put.uploaded),
            R2Conditional(uploadedAfter: put.uploaded),
        ]
        for condition in holding {
            #expect(try await read(store.get(bucket, key: "k", options: R2GetOptions(onlyIf: condition)))?.1 == "v")
        }
        for condition in failing {
            guard case .preconditionFailed(let object) = try await store.get(bucket, key: "k", options: R2GetOptions(onlyIf: condition))
            else {
                Issue.record("\(condition) should not hold")
                continue
            }
            #expect(object.etag == put.etag)
            #expect(object.customMetadata == [:])
        }
        try await store.close()
    }

    @Test func conditionsFromHTTPHeadersCompareWholeSeconds() async throws {
        let store = try open(clock: { 1_700_000_000_750 })
        try await store.createBucket(bucket)
        let put = try #require(try await store.put(bucket, key: "k", body: Chunks("v"), options: R2PutOptions()))
        // If-Modified-Since the upload's second: not modified since, although 750 ms later.
        let notModified = try R2Rules.conditional(
            ifMatch: nil, ifNoneMatch: nil, ifModifiedSince: 1_700_000_000_000, ifUnmodifiedSince: nil)
        guard case .preconditionFailed = try await store.get(bucket, key: "k", options: R2GetOptions(onlyIf: notModified)) else {
            Issue.record("not modified within the second")
            return
        }
        let matching = try R2Rules.conditional(
            ifMatch: "\"x\", \"\(put.etag)\"", ifNoneMatch: nil, ifModifiedSince: nil, ifUnmodifiedSince: nil)
        #expect(try await read(store.get(bucket, key: "k", options: R2GetOptions(onlyIf: matching)))?.1 == "v")
        let noneMatching = try R2Rules.conditional(
            ifMatch: nil, ifNoneMatch: "W/\"\(put.etag)\"", ifModifiedSince: nil, ifUnmodifiedSince: nil)
        guard case .preconditionFailed = try await store.get(bucket, key: "k", options: R2GetOptions(onlyIf: noneMatching)) else {
            Issue.record("a weak etag matches If-None-Match")
            return
        }
        try await store.close()
    }

    @Test func putOnlyIfWritesNothingWhenItDoesNotHold() async throws {
        let store = try open()
        try await store.createBucket(bucket)
        // Create only if absent.
        let absent = R2Conditional(etagDoesNotMatch: [.wildcard])
        let first = try #require(try await store.put(bucket, key: "k", body: Chunks("one"), options: R2PutOptions(onlyIf: absent)))
        #expect(try await store.put(bucket, key: "k", body: Chunks("two"), options: R2PutOptions(onlyIf: absent)) == nil)
        // Replace only the version read.
        #expect(
            try await store.put(bucket, key: "k", body: Chunks("three"), options: R2PutOptions(onlyIf: .init(etagMatches: [.strong("x")])))
                == nil)
        let replaced = try await store.put(
            bucket, key: "k", body: Chunks("four"), options: R2PutOptions(onlyIf: .init(etagMatches: [.strong(first.etag)])))
        #expect(replaced != nil)
        #expect(try await text(store, "k") == "four")
        // A condition on an object that does not exist: etagMatches never holds.
        #expect(
            try await store.put(bucket, key: "new", body: Chunks("x"), options: R2PutOptions(onlyIf: .init(etagMatches: [.wildcard])))
                == nil)
        #expect(try storedFiles() == (1, 0))
        try await store.close()
    }

    // MARK: - Checksums

    @Test(arguments: R2HashAlgorithm.allCases)
    func aChecksumIsVerifiedAndKept(algorithm: R2HashAlgorithm) async throws {
        let store = try open()
        try await store.createBucket(bucket)
        let bytes = Array("checked bytes".utf8)
        let digest = referenceDigest(algorithm, of: bytes)
        let put = try #require(
            try await store.put(bucket, key: "ok", body: Chunks("checked bytes"), options: R2PutOptions(checksum: .init(algorithm, digest))))
        #expect(put.checksums[algorithm] == digest)
        #expect(put.checksums.md5 == Array(Insecure.MD5.hash(data: bytes)))
        #expect(try await store.head(bucket, key: "ok")?.checksums == put.checksums)

        var wrong = digest
        wrong[0] ^= 0xff
        await #expect(throws: R2Error.badDigest(algorithm, provided: wrong, actual: digest)) {
            _ = try await store.put(bucket, key: "bad", body: Chunks("checked bytes"), options: R2PutOptions(checksum: .init(algorithm, wrong)))
        }
        #expect(try await store.head(bucket, key: "bad") == nil)
        #expect(try storedFiles() == (1, 0))
        try await store.close()
    }

    @Test func aBadDigestReadsAsR2Says() {
        let error = R2Error.badDigest(.sha256, provided: [0xab], actual: [0x01, 0x02])
        #expect(error.code == 10037)
        #expect(
            error.message == """
                The SHA-256 checksum you specified did not match what we received.
                You provided a SHA-256 checksum with value: ab
                Actual SHA-256 was: 0102
                """)
    }

    // MARK: - Listing

    @Test func listWalksKeysInByteOrderWithCursorsAndStartAfter() async throws {
        let store = try open()
        try await store.createBucket(bucket)
        let keys = ["b", "a", "ab", "a/1", "a/2", "é", "c/d/e", "c/x"]
        for key in keys { _ = try await store.put(bucket, key: key, body: Chunks(key), options: R2PutOptions()) }
        var seen: [String] = []
        var cursor: String?
        repeat {
            let page = try await store.list(bucket, options: R2ListOptions(cursor: cursor, limit: 3))
            #expect(page.objects.count <= 3)
            #expect(page.truncated == (page.cursor != nil))
            seen += page.objects.map(\.key)
            cursor = page.cursor
        } while cursor != nil
        #expect(seen == keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })

        let after = try await store.list(bucket, options: R2ListOptions(startAfter: "b"))
        #expect(after.objects.map(\.key) == ["c/d/e", "c/x", "é"])
        #expect(!after.truncated)
        let prefixed = try await store.list(bucket, options: R2ListOptions(prefix: "a"))
        #expect(prefixed.objects.map(\.key) == ["a", "a/1", "a/2", "ab"])

        await #expect(throws: R2Error.invalidMaxKeys) { _ = try await store.list(self.bucket, options: R2ListOptions(limit: 0)) }
        await #expect(throws: R2Error.invalidMaxKeys) { _ = try await store.list(self.bucket, options: R2ListOptions(limit: 1001)) }
        try await store.close()
    }

    @Test func aDelimiterRollsKeysUpIntoPrefixes() async throws {
        let store = try open()
        try await store.createBucket(bucket)
        let keys = ["top", "photos/2024/a.jpg", "photos/2024/b.jpg", "photos/2025/c.jpg", "photos/readme", "videos/x", "zz"]
        for key in keys { _ = try await store.put(bucket, key: key, body: Chunks(key), options: R2PutOptions()) }
        let root = try await store.list(bucket, options: R2ListOptions(delimiter: "/"))
        #expect(root.objects.map(\.key) == ["top", "zz"])
        #expect(root.delimitedPrefixes == ["photos/", "videos/"])
        let photos = try await store.list(bucket, options: R2ListOptions(prefix: "photos/", delimiter: "/"))
        #expect(photos.objects.map(\.key) == ["photos/readme"])
        #expect(photos.delimitedPrefixes == ["photos/2024/", "photos/2025/"])
        // A page of one entry at a time: prefixes and objects share the limit and the cursor.
        var entries: [String] = []
        var cursor: String?
        repeat {
            let page = try await store.list(bucket, options: R2ListOptions(delimiter: "/", cursor: cursor, limit: 1))
            entries += page.objects.map(\.key) + page.delimitedPrefixes
            cursor = page.cursor
        } while cursor != nil
        #expect(entries == ["photos/", "top", "videos/", "zz"])
        try await store.close()
    }

    @Test func listIncludesMetadataOnlyWhenAsked() async throws {
        let store = try open()
        try await store.createBucket(bucket)
        _ = try await store.put(
            bucket, key: "k", body: Chunks("v"),
            options: R2PutOptions(httpMetadata: R2HTTPMetadata(contentType: "a/b"), customMetadata: ["x": "y"]))
        let bare = try await store.list(bucket, options: R2ListOptions()).objects[0]
        #expect(bare.httpMetadata == nil)
        #expect(bare.customMetadata == nil)
        #expect(bare.etag.count == 32)
        let full = try await store.list(bucket, options: R2ListOptions(includeHTTPMetadata: true, includeCustomMetadata: true)).objects[0]
        #expect(full.httpMetadata == R2HTTPMetadata(contentType: "a/b"))
        #expect(full.customMetadata == ["x": "y"])
        try await store.close()
    }

    // MARK: - Multipart

    @Test func aMultipartUploadMakesOneObjectWithR2sEtag() async throws {
        let store = try open(.init(minimumPartBytes: 10))
        try await store.createBucket(bucket)
        let uploadID = try await store.createMultipartUpload(
            bucket, key: "video", options: R2MultipartOptions(httpMetadata: R2HTTPMetadata(contentType: "video/mp4"), customMetadata: ["a": "b"]))
        let contents = ["0123456789", "abcdefghij", "XYZ"]
        var parts: [R2UploadedPart] = []
        // Out of order, and part 2 uploaded twice: the second replaces the first.
        parts.append(try await store.uploadPart(bucket, key: "video", uploadID: uploadID, partNumber: 2, body: Chunks("wrong-part"), expectedLength: nil))
        for (index, text) in contents.enumerated().reversed() {
            parts.append(
                try await store.uploadPart(bucket, key: "video", uploadID: uploadID, partNumber: index + 1, body: Chunks(text), expectedLength: text.utf8.count))
        }
        #expect(parts.last?.etag == R2Rules.hex(Insecure.MD5.hash(data: Array("0123456789".utf8))))
        #expect(try await store.usage(bucket) == R2Usage(objects: 0, bytes: 23))
        #expect(try await store.head(bucket, key: "video") == nil)

        let chosen = parts.suffix(3).sorted { $0.partNumber < $1.partNumber }
        let object = try await store.completeMultipartUpload(bucket, key: "video", uploadID: uploadID, parts: chosen)
        var md5s: [UInt8] = []
        for text in contents { md5s += Insecure.MD5.hash(data: Array(text.utf8)) }
        #expect(object.etag == R2Rules.hex(Insecure.MD5.hash(data: md5s)) + "-3")
        #expect(object.size == 23)
        #expect(object.httpMetadata == R2HTTPMetadata(contentType: "video/mp4"))
        #expect(object.customMetadata == ["a": "b"])
        #expect(try await text(store, "video") == "0123456789abcdefghijXYZ")
        #expect(try await text(store, "video", range: .bytes(offset: 8, length: 4)) == "89ab")
        #expect(try await store.usage(bucket) == R2Usage(objects: 1, bytes: 23))
        #expect(try storedFiles() == (1, 0))

        // Finished: no more parts, a second completion fails, an abort does nothing.
        await #expect(throws: R2Error.noSuchUpload) {
            _ = try await store.uploadPart(self.bucket, key: "video", uploadID: uploadID, partNumber: 4, body: Chunks("x"), expectedLength: nil)
        }
        await #expect(throws: R2Error.noSuchUpload) {
            _ = try await store.completeMultipartUpload(self.bucket, key: "video", uploadID: uploadID, parts: chosen)
        }
        try await store.abortMultipartUpload(bucket, key: "video", uploadID: uploadID)
        #expect(try await text(store, "video") == "0123456789abcdefghijXYZ")
        try await store.close()
    }

    @Test func completeRefusesPartsAsR2Does() async throws {
        let store = try open(.init(minimumPartBytes: 4))
        try await store.createBucket(bucket)
        let uploadID = try await store.createMultipartUpload(bucket, key: "k", options: R2MultipartOptions())
        let one = try await store.uploadPart(bucket, key: "k", uploadID: uploadID, partNumber: 1, body: Chunks("aaaa"), expectedLength: nil)
        let two = try await store.uploadPart(bucket, key: "k", uploadID: uploadID, partNumber: 2, body: Chunks("bb"), expectedLength: nil)
        let three = try await store.uploadPart(bucket, key: "k", uploadID: uploadID, partNumber: 3, body: Chunks("cccc"), expectedLength: nil)
        let cases: [([R2UploadedPart], R2Error)] = [
            ([one, R2UploadedPart(partNumber: 2, etag: "nope")], .invalidPart),
            ([one, R2UploadedPart(partNumber: 9, etag: two.etag)], .invalidPart),
            ([one, one], .internalError),
            ([one, two, three], .entityTooSmall),
            // Given with the short part last, but in part-number order it is not the last.
            ([one, three, two], .badUpload),
        ]
        for (parts, error) in cases {
            await #expect(throws: error) {
                _ = try await store.completeMultipartUpload(self.bucket, key: "k", uploadID: uploadID, parts: parts)
            }
        }
        await #expect(throws: R2Error.internalError) {
            _ = try await store.completeMultipartUpload(self.bucket, key: "other", uploadID: uploadID, parts: [one])
        }
        await #expect(throws: R2Error.invalidPartNumber(0)) {
            _ = try await store.uploadPart(self.bucket, key: "k", uploadID: uploadID, partNumber: 0, body: Chunks("x"), expectedLength: nil)
        }
        // Still in progress after the refusals: parts 1 and 3 make an object.
        let object = try await store.completeMultipartUpload(bucket, key: "k", uploadID: uploadID, parts: [one, three])
        #expect(object.size == 8)
        #expect(try await text(store, "k") == "aaaacccc")
        #expect(try await store.usage(bucket) == R2Usage(objects: 1, bytes: 8))
        #expect(try storedFiles() == (1, 0))
        try await store.close()
    }

    @Test func abortDropsTheUploadsParts() async throws {
        let store = try open(.init(minimumPartBytes: 1))
        try await store.createBucket(bucket)
        let uploadID = try await store.createMultipartUpload(bucket, key: "k", options: R2MultipartOptions())
        _ = try await store.uploadPart(bucket, key: "k", uploadID: uploadID, partNumber: 1, body: Chunks("abc"), expectedLength: nil)
        #expect(try storedFiles().objects == 1)
        try await store.abortMultipartUpload(bucket, key: "k", uploadID: uploadID)
        try await store.abortMultipartUpload(bucket, key: "k", uploadID: uploadID)
        #expect(try storedFiles() == (0, 0))
        #expect(try await store.usage(bucket) == R2Usage(objects: 0, bytes: 0))
        await #expect(throws: R2Error.noSuchUpload) {
            _ = try await store.uploadPart(self.bucket, key: "k", uploadID: uploadID, partNumber: 1, body: Chunks("x"), expectedLength: nil)
        }
        await #expect(throws: R2Error.internalError) {
            try await store.abortMultipartUpload(self.bucket, key: "k", uploadID: "never-made")
        }
        try await store.close()
    }

    // MARK: - Isolation, buckets, quotas

    @Test func sameNamedBucketsOfTwoAccountsNeverMeet() async throws {
        let store = try open(.init(minimumPartBytes: 1))
        let mine = R2BucketID(accountID: "account-a", name: "assets")
        let theirs = R2BucketID(accountID: "account-b", name: "assets")
        try await store.createBucket(mine)
        try await store.createBucket(theirs)
        _ = try await store.put(mine, key: "secret", body: Chunks("mine"), options: R2PutOptions())
        #expect(try await text(store, "secret", in: theirs) == nil)
        #expect(try await store.head(theirs, key: "secret") == nil)
        #expect(try await store.list(theirs, options: R2ListOptions()).objects.isEmpty)
        try await store.delete(theirs, keys: ["secret"])
        #expect(try await text(store, "secret", in: mine) == "mine")
        // An upload belongs to its bucket: the other account cannot add to it, complete or abort it.
        let uploadID = try await store.createMultipartUpload(mine, key: "up", options: R2MultipartOptions())
        await #expect(throws: R2Error.noSuchUpload) {
            _ = try await store.uploadPart(theirs, key: "up", uploadID: uploadID, partNumber: 1, body: Chunks("x"), expectedLength: nil)
        }
        await #expect(throws: R2Error.internalError) { try await store.abortMultipartUpload(theirs, key: "up", uploadID: uploadID) }
        _ = try await store.put(theirs, key: "secret", body: Chunks("theirs"), options: R2PutOptions())
        #expect(try await text(store, "secret", in: mine) == "mine")
        #expect(try await store.usage(mine) == R2Usage(objects: 1, bytes: 4))
        #expect(try await store.usage(theirs) == R2Usage(objects: 1, bytes: 6))
        try await store.close()
    }

    @Test func deletingABucketRemovesItsObjectsFilesAndUploads() async throws {
        let store = try open(.init(minimumPartBytes: 1))
        let other = R2BucketID(accountID: "account-b", name: "assets")
        try await store.createBucket(bucket)
        try await store.createBucket(other)
        for key in ["a", "b", "c"] { _ = try await store.put(bucket, key: key, body: Chunks(key), options: R2PutOptions()) }
        _ = try await store.put(other, key: "kept", body: Chunks("kept"), options: R2PutOptions())
        let uploadID = try await store.createMultipartUpload(bucket, key: "up", options: R2MultipartOptions())
        _ = try await store.uploadPart(bucket, key: "up", uploadID: uploadID, partNumber: 1, body: Chunks("p"), expectedLength: nil)
        #expect(try storedFiles().objects == 5)
        try await store.deleteBucket(bucket)
        #expect(try storedFiles().objects == 1)
        await #expect(throws: R2Error.noSuchBucket) { _ = try await store.head(self.bucket, key: "a") }
        await #expect(throws: R2Error.noSuchBucket) {
            _ = try await store.put(self.bucket, key: "a", body: Chunks("x"), options: R2PutOptions())
        }
        // Made again, it starts empty.
        try await store.createBucket(bucket)
        #expect(try await store.list(bucket, options: R2ListOptions()).objects.isEmpty)
        #expect(try await store.usage(bucket) == R2Usage(objects: 0, bytes: 0))
        #expect(try await text(store, "kept", in: other) == "kept")
        try await store.close()
    }

    @Test func writesPastTheQuotaAreRefusedAndLeaveNothing() async throws {
        let store = try open(.init(quota: .init(objects: 2, bytes: 100), minimumPartBytes: 1))
        try await store.createBucket(bucket)
        _ = try await store.put(bucket, key: "a", body: Chunks(String(repeating: "a", count: 40)), options: R2PutOptions())
        _ = try await store.put(bucket, key: "b", body: Chunks(String(repeating: "b", count: 40)), options: R2PutOptions())
        await #expect(throws: R2Error.quotaExceeded("more than 2 objects")) {
            _ = try await store.put(self.bucket, key: "c", body: Chunks("c"), options: R2PutOptions())
        }
        // A body past the byte quota is cut off while it streams.
        let chunks = (0..<10).map { _ in ByteBuffer(repeating: 0x7a, count: 10) }
        await #expect(throws: R2Error.quotaExceeded("more than 100 bytes")) {
            _ = try await store.put(self.bucket, key: "a", body: Chunks(chunks), options: R2PutOptions())
        }
        // Overwriting within the quota is fine: the old bytes are freed.
        _ = try await store.put(bucket, key: "a", body: Chunks(String(repeating: "A", count: 60)), options: R2PutOptions())
        #expect(try await store.usage(bucket) == R2Usage(objects: 2, bytes: 100))
        // Parts count too.
        let uploadID = try await store.createMultipartUpload(bucket, key: "a", options: R2MultipartOptions())
        await #expect(throws: R2Error.quotaExceeded("more than 100 bytes")) {
            _ = try await store.uploadPart(self.bucket, key: "a", uploadID: uploadID, partNumber: 1, body: Chunks("x"), expectedLength: nil)
        }
        #expect(try await text(store, "a") == String(repeating: "A", count: 60))
        #expect(try storedFiles() == (2, 0))
        try await store.close()
    }

    @Test func concurrentPutsAreAllKept() async throws {
        let store = try open()
        try await store.createBucket(bucket)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<64 {
                group.addTask { _ = try await store.put(self.bucket, key: "k\(index)", body: Chunks("\(index)"), options: R2PutOptions()) }
            }
            try await group.waitForAll()
        }
        #expect(try await store.usage(bucket).objects == 64)
        for index in [0, 31, 63] { #expect(try await text(store, "k\(index)") == "\(index)") }
        #expect(try storedFiles() == (64, 0))
        try await store.close()
    }

    // MARK: - Crash safety

    @Test func aBodyThatFailsMidwayLeavesTheOldObjectAndNoFile() async throws {
        let store = try open()
        try await store.createBucket(bucket)
        _ = try await store.put(bucket, key: "k", body: Chunks("intact"), options: R2PutOptions())
        await #expect(throws: ClientGone.self) {
            _ = try await store.put(
                self.bucket, key: "k", body: Chunks([ByteBuffer(string: "torn ")], failingWith: ClientGone()), options: R2PutOptions())
        }
        await #expect(throws: ClientGone.self) {
            _ = try await store.put(
                self.bucket, key: "new", body: Chunks([ByteBuffer(string: "torn ")], failingWith: ClientGone()), options: R2PutOptions())
        }
        #expect(try await text(store, "k") == "intact")
        #expect(try await store.head(bucket, key: "new") == nil)
        #expect(try storedFiles() == (1, 0))
        try await store.close()
    }

    @Test func theNextOpenRemovesWhatACrashLeftAndNeverServesIt() async throws {
        let store = try open()
        try await store.createBucket(bucket)
        _ = try await store.put(bucket, key: "kept", body: Chunks("kept"), options: R2PutOptions())
        try await store.close()
        // What a crash leaves: a temporary file half written (before its rename), and a file
        // moved into place whose row was never committed (between the rename and the commit).
        let tmp = directory.appendingPathComponent("tmp/0123456789abcdef0123456789abcdef")
        try Data("half an obj".utf8).write(to: tmp)
        let orphanDirectory = directory.appendingPathComponent("objects/fe")
        try FileManager.default.createDirectory(at: orphanDirectory, withIntermediateDirectories: true)
        try Data("never committed".utf8).write(to: orphanDirectory.appendingPathComponent("fedcba9876543210fedcba9876543210"))
        #expect(try storedFiles() == (2, 1))

        let reopened = try open()
        #expect(reopened.removedOrphans == 2)
        #expect(try storedFiles() == (1, 0))
        #expect(try await text(reopened, "kept") == "kept")
        #expect(try await reopened.list(bucket, options: R2ListOptions()).objects.map(\.key) == ["kept"])
        #expect(try await reopened.usage(bucket) == R2Usage(objects: 1, bytes: 4))
        try await reopened.close()
    }

    @Test func anInterruptedMultipartUploadKeepsItsCommittedParts() async throws {
        let store = try open(.init(minimumPartBytes: 1))
        try await store.createBucket(bucket)
        let uploadID = try await store.createMultipartUpload(bucket, key: "k", options: R2MultipartOptions())
        let one = try await store.uploadPart(bucket, key: "k", uploadID: uploadID, partNumber: 1, body: Chunks("first"), expectedLength: nil)
        try await store.close()
        // The crash came while part 2 was being written.
        try Data("sec".utf8).write(to: directory.appendingPathComponent("tmp/00000000000000000000000000000002"))
        let reopened = try open(.init(minimumPartBytes: 1))
        #expect(reopened.removedOrphans == 1)
        let two = try await reopened.uploadPart(bucket, key: "k", uploadID: uploadID, partNumber: 2, body: Chunks("two"), expectedLength: nil)
        _ = try await reopened.completeMultipartUpload(bucket, key: "k", uploadID: uploadID, parts: [one, two])
        #expect(try await text(reopened, "k") == "firsttwo")
        try await reopened.close()
    }
}

@Suite struct R2RulesTests {
    @Test func etagHeadersParseAsR2ParsesThem() throws {
        #expect(try R2Rules.parseEtagHeader("\"a\"") == [.strong("a")])
        #expect(try R2Rules.parseEtagHeader("\"a\", W/\"b\" ,\"c,d\"") == [.strong("a"), .weak("b"), .strong("c,d")])
        #expect(try R2Rules.parseEtagHeader("*") == [.wildcard])
        #expect(try R2Rules.parseEtagHeader("\"a\", *") == [.wildcard])
        #expect(try R2Rules.parseEtagHeader("\"a\",, ,\"b\"") == [.strong("a"), .strong("b")])
        #expect(try R2Rules.parseEtagHeader("unquoted") == [])
        #expect(throws: R2ArgumentError("Unclosed double quote for Etag")) { try R2Rules.parseEtagHeader("\"a") }
        #expect(throws: R2ArgumentError("Weak etags must start with W/ and their value must be quoted")) {
            try R2Rules.parseEtagHeader("W\"a\"")
        }
        #expect(throws: R2ArgumentError.self) { try R2Rules.parseEtagHeader("\"a\" \"b\"") }
        #expect(throws: R2ArgumentError.self) { try R2Rules.parseEtagHeader("\"a\" *") }
    }

    @Test func customMetadataIsCountedAsR2CountsIt() {
        #expect(R2Rules.customMetadataSize(["ab": "cd"]) == 4)
        #expect(R2Rules.customMetadataSize(["é": "x"]) == 2)
        // Beyond U+00FF a string counts two bytes per UTF-16 unit.
        #expect(R2Rules.customMetadataSize(["k": "€"]) == 3)
    }

    @Test func hexRoundTrips() {
        #expect(R2Rules.hex([0x00, 0xab, 0xff]) == "00abff")
        #expect(R2Rules.bytes(hex: "00ABff") == [0x00, 0xab, 0xff])
        #expect(R2Rules.bytes(hex: "abc") == nil)
        #expect(R2Rules.bytes(hex: "zz") == nil)
    }
}

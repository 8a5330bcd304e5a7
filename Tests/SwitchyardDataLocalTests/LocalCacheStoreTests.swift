import Foundation
import NIOCore
import Synchronization
import SwitchyardData
import Testing

@testable import SwitchyardDataLocal

/// A clock tests move by hand.
final class TestClock: Sendable {
    let milliseconds = Atomic<Int64>(1_700_000_000_000)
    var now: @Sendable () -> Int64 { { [self] in milliseconds.load(ordering: .relaxed) } }
    func advance(seconds: Int64) { milliseconds.add(seconds * 1000, ordering: .relaxed) }
}

@Suite struct LocalCacheStoreTests {
    let directory: URL
    let clock = TestClock()
    let mine = CacheID(scope: .worker(accountID: "a", script: "one"), name: nil)

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("cache-\(UUID().uuidString)")
    }

    func open(_ configuration: LocalCacheStore.Configuration = .init()) throws -> LocalCacheStore {
        try LocalCacheStore(directory: directory.path, configuration: configuration, clock: clock.now)
    }

    func entry(seconds: Int64 = 60, headers: [CacheHeader] = [], status: Int = 200, length: Int? = nil) -> CacheEntry {
        CacheEntry(
            status: status, statusText: "OK", headers: headers, expires: clock.now() + seconds * 1000, expectedLength: length)
    }

    @discardableResult
    func put(_ store: LocalCacheStore, _ key: String, _ body: String, in cache: CacheID? = nil, seconds: Int64 = 60,
        headers: [CacheHeader] = []) async throws -> Bool
    {
        try await store.put(cache ?? mine, key: key, entry: entry(seconds: seconds, headers: headers), body: Chunks(body))
    }

    /// The body and status of a hit, or nil on a miss.
    func get(_ store: LocalCacheStore, _ key: String, in cache: CacheID? = nil, query: CacheQuery = .init()) async throws
        -> (status: Int, body: String, headers: [CacheHeader])?
    {
        guard let found = try await store.match(cache ?? mine, key: key, query: query) else { return nil }
        var text = ""
        if let reader = found.body {
            while let chunk = try await reader.read() { text += String(buffer: chunk) }
        }
        return (found.status, text, found.headers)
    }

    /// Every file under the store's directory (relative paths).
    func allFiles() throws -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory.path)
        var paths: [String] = []
        while let path = enumerator?.nextObject() as? String { paths.append(path) }
        return paths
    }

    func bodyFiles() throws -> Int {
        try allFiles().filter { $0.hasPrefix("objects/") && $0.split(separator: "/").count == 3 }.count
    }

    @Test func putMatchDeleteRoundTrip() async throws {
        let store = try open()
        #expect(try await put(store, "https://example.com/a", "hello", headers: [CacheHeader("content-type", "text/plain")]))
        let hit = try #require(try await get(store, "https://example.com/a"))
        #expect(hit.status == 200)
        #expect(hit.body == "hello")
        #expect(hit.headers.contains(CacheHeader("cf-cache-status", "HIT")))
        #expect(hit.headers.contains(CacheHeader("content-length", "5")))
        #expect(hit.headers.contains(CacheHeader("content-type", "text/plain")))
        #expect(try await get(store, "https://example.com/b") == nil)
        #expect(try await store.delete(mine, key: "https://example.com/a"))
        #expect(try await store.delete(mine, key: "https://example.com/a") == false)
        #expect(try await get(store, "https://example.com/a") == nil)
        #expect(try await store.usage(mine.scope) == CacheUsage(entries: 0, bytes: 0))
        #expect(try bodyFiles() == 0)
        try await store.close()
    }

    @Test func replacingAnEntryKeepsOneFile() async throws {
        let store = try open()
        try await put(store, "https://example.com/a", "first")
        try await put(store, "https://example.com/a", "second")
        #expect(try await get(store, "https://example.com/a")?.body == "second")
        #expect(try await store.usage(mine.scope).entries == 1)
        #expect(try bodyFiles() == 1)
        try await store.close()
    }

    @Test func expiredEntriesAreMissesAndRemoved() async throws {
        let store = try open()
        try await put(store, "https://example.com/short", "x", seconds: 10)
        try await put(store, "https://example.com/long", "y", seconds: 1000)
        clock.advance(seconds: 11)
        #expect(try await get(store, "https://example.com/short") == nil)
        #expect(try await store.delete(mine, key: "https://example.com/short") == false)
        #expect(try await get(store, "https://example.com/long")?.body == "y")
        #expect(try await store.usage(mine.scope).entries == 1)
        #expect(try bodyFiles() == 1)
        // An expired entry nobody asks for goes with the scope's next put, and at the next open.
        clock.advance(seconds: 2000)
        try await put(store, "https://example.com/new", "z", seconds: 5000)
        #expect(try await store.usage(mine.scope).entries == 1)
        #expect(try bodyFiles() == 1)
        clock.advance(seconds: 6000)
        try await store.close()
        let reopened = try open()
        #expect(try await reopened.usage(mine.scope).entries == 0)
        #expect(try bodyFiles() == 0)
        try await reopened.close()
    }

    @Test func anEntryAlreadyStaleIsNotStored() async throws {
        let store = try open()
        #expect(try await put(store, "https://example.com/a", "x", seconds: 0) == false)
        #expect(try await get(store, "https://example.com/a") == nil)
        try await store.close()
    }

    @Test func leastRecentlyUsedEntriesAreEvictedByBytes() async throws {
        // Each entry is 1,000 body bytes plus its overhead; the scope holds three.
        let perEntry = 1000 + "https://example.com/0".utf8.count + "[]".utf8.count + LocalCacheStore.rowOverhead
        let store = try open(.init(scopeBytes: perEntry * 3 + 10))
        let body = String(repeating: "b", count: 1000)
        for index in 0..<3 { try await put(store, "https://example.com/\(index)", body) }
        // Using entry 0 makes entry 1 the least recently used.
        #expect(try await get(store, "https://example.com/0") != nil)
        try await put(store, "https://example.com/3", body)
        #expect(try await get(store, "https://example.com/1") == nil)
        for index in [0, 2, 3] { #expect(try await get(store, "https://example.com/\(index)")?.body == body) }
        let usage = try await store.usage(mine.scope)
        #expect(usage.entries == 3)
        #expect(usage.bytes <= perEntry * 3 + 10)
        #expect(try bodyFiles() == 3)
        try await store.close()
    }

    @Test func entryCountIsBounded() async throws {
        let store = try open(.init(scopeEntries: 5))
        for index in 0..<20 { try await put(store, "https://example.com/\(index)", "") }
        #expect(try await store.usage(mine.scope).entries == 5)
        #expect(try await get(store, "https://example.com/19") != nil)
        #expect(try await get(store, "https://example.com/0") == nil)
        try await store.close()
    }

    @Test func bodiesPastTheObjectLimitAreDeclinedWithoutAFile() async throws {
        let store = try open(.init(maximumObjectBytes: 1000))
        let chunk = ByteBuffer(repeating: 1, count: 400)
        // A stream of unknown length is read until it passes the limit, then dropped.
        let streamed = try await store.put(mine, key: "https://example.com/big", entry: entry(), body: Chunks([chunk, chunk, chunk]))
        #expect(streamed == false)
        // A declared length past it is refused before any byte is read.
        let declared = try await store.put(
            mine, key: "https://example.com/big", entry: entry(length: 5000), body: Chunks([], failingWith: ClientGone()))
        #expect(declared == false)
        #expect(try await get(store, "https://example.com/big") == nil)
        #expect(try allFiles().filter { $0.hasPrefix("tmp/") || $0.split(separator: "/").count == 3 }.isEmpty)
        try await store.close()
    }

    @Test func anEntryLargerThanTheScopeIsDeclined() async throws {
        let store = try open(.init(scopeBytes: 2000))
        try await put(store, "https://example.com/kept", "k")
        let big = ByteBuffer(repeating: 2, count: 3000)
        #expect(try await store.put(mine, key: "https://example.com/big", entry: entry(), body: Chunks([big])) == false)
        #expect(try await get(store, "https://example.com/kept")?.body == "k")
        try await store.close()
    }

    @Test func aFailingBodyStoresNothing() async throws {
        let store = try open()
        try await put(store, "https://example.com/a", "old")
        await #expect(throws: ClientGone.self) {
            try await store.put(
                mine, key: "https://example.com/a", entry: entry(), body: Chunks([ByteBuffer(string: "new")], failingWith: ClientGone()))
        }
        #expect(try await get(store, "https://example.com/a")?.body == "old")
        #expect(try allFiles().filter { $0.hasPrefix("tmp/") && $0.count > 4 }.isEmpty)
        try await store.close()
    }

    @Test func aCrashLeavesNoHalfWrittenEntry() async throws {
        var store = try open()
        try await put(store, "https://example.com/a", "whole")
        try await store.close()
        // What a crash leaves: a temporary file half written (before its rename), and a published
        // file whose row was never committed.
        try Data("half".utf8).write(to: directory.appendingPathComponent("tmp/0123456789abcdef0123456789abcdef"))
        let orphans = directory.appendingPathComponent("objects/fe")
        try FileManager.default.createDirectory(at: orphans, withIntermediateDirectories: true)
        try Data("never committed".utf8).write(to: orphans.appendingPathComponent("fedcba9876543210fedcba9876543210"))
        store = try open()
        #expect(store.removedOrphans == 2)
        #expect(try await get(store, "https://example.com/a")?.body == "whole")
        #expect(try bodyFiles() == 1)
        try await store.close()
    }

    @Test func scopesAndNamesNeverMeet() async throws {
        let store = try open()
        let key = "https://example.com/secret"
        let other = CacheID(scope: .worker(accountID: "a", script: "two"), name: nil)
        let otherAccount = CacheID(scope: .worker(accountID: "b", script: "one"), name: nil)
        let named = CacheID(scope: mine.scope, name: "default")
        let emptyName = CacheID(scope: mine.scope, name: "")
        try await put(store, key, "mine", in: mine)
        for cache in [other, otherAccount, named, emptyName] {
            #expect(try await get(store, key, in: cache) == nil)
            #expect(try await store.delete(cache, key: key) == false)
        }
        try await put(store, key, "named", in: named)
        #expect(try await get(store, key, in: mine)?.body == "mine")
        #expect(try await get(store, key, in: named)?.body == "named")
        // Owners are length-prefixed: a namespace and script cannot spell another's scope.
        #expect(CacheScope.userWorker(accountID: "a", namespace: "n", script: "x/script:1:y")
            != CacheScope.userWorker(accountID: "a", namespace: "n/script:1:x", script: "y"))
        try await store.close()
    }

    @Test(arguments: ["../../../../etc/passwd", "/etc/passwd", "..", "objects/../../x", "a\0b", "%2e%2e/%2e%2e"])
    func hostileKeysAndNamesStayInsideTheDirectory(_ hostile: String) async throws {
        let store = try open()
        let cache = CacheID(scope: .worker(accountID: hostile, script: hostile), name: hostile)
        #expect(try await put(store, hostile, "x", in: cache))
        #expect(try await get(store, hostile, in: cache)?.body == "x")
        // Every file is the database or a body named by the store's own random id.
        for path in try allFiles() {
            let parts = path.split(separator: "/").map(String.init)
            let allowed =
                ["cache.sqlite3", "cache.sqlite3-wal", "cache.sqlite3-shm", "objects", "tmp"].contains(path)
                || (parts.count == 2 && parts[0] == "objects" && parts[1].count == 2)
                || (parts.count == 3 && parts[0] == "objects" && R2Files.isID(parts[2]))
            #expect(allowed, "unexpected file \(path)")
        }
        try await store.close()
    }

    @Test func overlongKeysAreNotStored() async throws {
        let store = try open()
        let key = "https://example.com/" + String(repeating: "k", count: CacheRules.maximumKeyBytes)
        #expect(try await put(store, key, "x") == false)
        #expect(try await get(store, key) == nil)
        try await store.close()
    }

    @Test func rangesAndConditionalsAreAnswered() async throws {
        let store = try open()
        let headers = [CacheHeader("etag", "\"v1\""), CacheHeader("last-modified", "Tue, 14 Nov 2023 22:13:20 GMT")]
        try await put(store, "https://example.com/r", "0123456789", headers: headers)
        let partial = try #require(try await get(store, "https://example.com/r", query: CacheQuery(range: "bytes=2-4")))
        #expect(partial.status == 206)
        #expect(partial.body == "234")
        #expect(partial.headers.contains(CacheHeader("content-range", "bytes 2-4/10")))
        #expect(partial.headers.contains(CacheHeader("content-length", "3")))
        let suffix = try #require(try await get(store, "https://example.com/r", query: CacheQuery(range: "bytes=-3")))
        #expect(suffix.body == "789")
        let unsatisfiable = try #require(try await get(store, "https://example.com/r", query: CacheQuery(range: "bytes=20-")))
        #expect(unsatisfiable.status == 416)
        #expect(unsatisfiable.headers.contains(CacheHeader("content-range", "bytes */10")))
        // Several ranges: a multipart/byteranges 206 (CacheRulesTests checks its layout).
        let several = try #require(try await get(store, "https://example.com/r", query: CacheQuery(range: "bytes=0-1,4-5")))
        #expect(several.status == 206)
        let type = several.headers.first { $0.name == "content-type" }?.value ?? ""
        #expect(type.hasPrefix("multipart/byteranges; boundary="))
        let boundary = String(type.dropFirst("multipart/byteranges; boundary=".count))
        #expect(several.body.contains("Content-Range: bytes 0-1/10\r\n\r\n01\r\n--\(boundary)\r\n"), "\(several.body)")
        #expect(several.body.hasSuffix("Content-Range: bytes 4-5/10\r\n\r\n45\r\n--\(boundary)--\r\n"), "\(several.body)")
        #expect(several.headers.first { $0.name == "content-length" }?.value == String(several.body.utf8.count))
        let etag = try #require(try await get(store, "https://example.com/r", query: CacheQuery(ifNoneMatch: "W/\"v1\", \"v0\"")))
        #expect(etag.status == 304)
        #expect(etag.body == "")
        let otherTag = try #require(try await get(store, "https://example.com/r", query: CacheQuery(ifNoneMatch: "\"v2\"")))
        #expect(otherTag.status == 200)
        let since = try #require(
            try await get(store, "https://example.com/r", query: CacheQuery(ifModifiedSince: "Wed, 15 Nov 2023 00:00:00 GMT")))
        #expect(since.status == 304)
        let before = try #require(
            try await get(store, "https://example.com/r", query: CacheQuery(ifModifiedSince: "Mon, 13 Nov 2023 00:00:00 GMT")))
        #expect(before.status == 200)
        try await store.close()
    }

    @Test func manyNamesShareTheScopeBound() async throws {
        let store = try open(.init(scopeBytes: 64 * 1024))
        for index in 0..<300 {
            let cache = CacheID(scope: mine.scope, name: "name-\(index)")
            try await put(store, "https://example.com/", String(repeating: "n", count: 500), in: cache)
        }
        let usage = try await store.usage(mine.scope)
        #expect(usage.bytes <= 64 * 1024)
        #expect(usage.entries < 300)
        #expect(try bodyFiles() == usage.entries)
        try await store.close()
    }
}

@Suite struct CacheRulesTests {
    let now: Int64 = 1_700_000_000

    func decide(_ headers: [(String, String)], status: Int = 200) -> CacheRules.Decision {
        CacheRules.decide(status: status, headers: headers.map { CacheHeader($0.0, $0.1) }, now: now)
    }

    func seconds(_ decision: CacheRules.Decision) -> Int64? {
        if case .store(_, let seconds) = decision { return seconds }
        return nil
    }

    /// RFC 9110 §14: a set of ranges keeps the satisfiable ones in order; a header that is not
    /// one to answer (another unit, malformed, more than `maximumRanges`) gives the whole body.
    @Test func rangeSetsAnswerMultipartByteranges() {
        let entry = CacheEntry(status: 200, statusText: "OK", headers: [CacheHeader("content-type", "text/plain")], expires: 0)
        func answer(_ range: String) -> CacheRules.Answer {
            CacheRules.answer(entry, size: 10, query: CacheQuery(range: range), boundary: { "B" })
        }
        let two = [R2ByteRange(offset: 0, length: 2), R2ByteRange(offset: 5, length: 2)]
        #expect(answer("bytes=0-1,5-6") == .multipart(two, boundary: "B"))
        #expect(answer("bytes= 0-1 , ,5-6") == .multipart(two, boundary: "B"))
        #expect(answer("bytes=0-1,50-") == .partial(R2ByteRange(offset: 0, length: 2)))
        #expect(answer("bytes=50-,-0") == .unsatisfiable)
        #expect(answer("bytes=0-1,x") == .full)
        #expect(answer("items=0-1,5-6") == .full)
        #expect(answer("bytes=" + Array(repeating: "0-0", count: CacheRules.maximumRanges + 1).joined(separator: ",")) == .full)
        let multipart = answer("bytes=5-6,0-1")
        let body = (CacheRules.body(of: entry, size: 10, answer: multipart) ?? []).map { piece -> String in
            switch piece {
            case .bytes(let bytes): String(decoding: bytes, as: UTF8.self)
            case .stored(let range): "<\(range.offset)+\(range.length)>"
            }
        }.joined()
        #expect(body == "--B\r\nContent-Type: text/plain\r\nContent-Range: bytes 5-6/10\r\n\r\n<5+2>\r\n"
            + "--B\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/10\r\n\r\n<0+2>\r\n--B--\r\n")
        let headers = CacheRules.headers(of: entry, size: 10, answer: multipart)
        #expect(headers.filter { $0.name == "content-type" }.map(\.value) == ["multipart/byteranges; boundary=B"])
        let bytes = body.replacingOccurrences(of: "<5+2>", with: "56").replacingOccurrences(of: "<0+2>", with: "01")
        #expect(headers.first { $0.name == "content-length" }?.value == String(bytes.utf8.count))
        #expect(CacheRules.status(of: entry, answer: multipart) == (206, "Partial Content"))
        #expect(CacheRules.newBoundary().count == 32)
    }

    @Test func cacheControlDecidesLifetime() {
        #expect(seconds(decide([("cache-control", "max-age=3600")])) == 3600)
        #expect(seconds(decide([("cache-control", "public, max-age=60, s-maxage=600")])) == 600)
        #expect(seconds(decide([("cache-control", "max-age=100"), ("age", "30")])) == 70)
        #expect(decide([("cache-control", "max-age=0")]) == .skip)
        #expect(decide([("cache-control", "max-age=abc")]) == .skip)
        #expect(decide([("cache-control", "no-store, max-age=60")]) == .skip)
        #expect(decide([("cache-control", "No-Cache")]) == .skip)
        #expect(decide([("cache-control", "private, max-age=60")]) == .skip)
        #expect(seconds(decide([("cache-control", "\"max-age=60\", max-age=\"30\"")])) == 30)
    }

    @Test func expiresCountsFromDate() {
        let expires = HTTPDate.format(now + 300)
        #expect(seconds(decide([("expires", expires)])) == 300)
        #expect(seconds(decide([("expires", expires), ("date", HTTPDate.format(now + 100))])) == 200)
        #expect(decide([("expires", "0")]) == .skip)
        #expect(decide([("expires", HTTPDate.format(now - 1))]) == .skip)
        // max-age wins over Expires.
        #expect(seconds(decide([("expires", "0"), ("cache-control", "max-age=5")])) == 5)
    }

    @Test(arguments: [(200, 7200), (206, 7200), (301, 7200), (302, 1200), (303, 1200), (404, 180), (410, 180)])
    func defaultEdgeTTLs(_ status: Int, _ ttl: Int64) {
        #expect(seconds(decide([], status: status)) == ttl)
    }

    @Test(arguments: [201, 204, 307, 400, 500, 503])
    func otherStatusesAreNotCachedByDefault(_ status: Int) {
        #expect(decide([], status: status) == .skip)
        #expect(seconds(decide([("cache-control", "max-age=10")], status: status)) == 10)
    }

    @Test func setCookieIsNeverCachedUnlessPrivateNamesIt() {
        #expect(decide([("set-cookie", "a=1"), ("cache-control", "max-age=60")]) == .skip)
        guard case .store(let headers, 60) = decide([
            ("set-cookie", "a=1"), ("cache-control", "private=Set-Cookie, max-age=60"), ("x", "y"),
        ]) else {
            Issue.record("not stored")
            return
        }
        #expect(!headers.contains { $0.name == "set-cookie" })
        #expect(headers.contains(CacheHeader("x", "y")))
        guard case .store(let quoted, _) = decide([("set-cookie", "a=1"), ("cache-control", "private=\"set-cookie, x\"")])
        else {
            Issue.record("not stored")
            return
        }
        #expect(quoted.isEmpty == false)
        #expect(!quoted.contains { $0.name == "set-cookie" || $0.name == "x" })
    }

    @Test func httpDatesInAllThreeForms() {
        let expected: Int64 = 784_111_777
        #expect(HTTPDate.seconds("Sun, 06 Nov 1994 08:49:37 GMT") == expected)
        #expect(HTTPDate.seconds("Sunday, 06-Nov-94 08:49:37 GMT") == expected)
        #expect(HTTPDate.seconds("Sun Nov  6 08:49:37 1994") == expected)
        #expect(HTTPDate.format(expected) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.seconds("0") == nil)
        #expect(HTTPDate.seconds("yesterday") == nil)
        #expect(HTTPDate.seconds("Sun, 06 Nov 1994 25:49:37 GMT") == nil)
    }
}

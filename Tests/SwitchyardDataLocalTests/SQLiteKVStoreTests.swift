import Foundation
import NIOCore
import Synchronization
import SwitchyardData
import Testing

@testable import SwitchyardDataLocal

@Suite struct SQLiteKVStoreTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func open(quota: SQLiteKVStore.Quota = .init(), clock: @escaping @Sendable () -> Int64 = { 1_000_000 }) throws -> SQLiteKVStore {
        try SQLiteKVStore(path: directory.appendingPathComponent("kv.sqlite3").path, quota: quota, clock: clock)
    }

    func entry(_ text: String, metadata: String? = nil, expiration: Int64? = nil) -> KVEntry {
        KVEntry(value: ByteBuffer(string: text), metadata: metadata, expiration: expiration)
    }

    @Test func writesReadBackAndSurviveReopening() async throws {
        let store = try open()
        try await store.createNamespace("ns")
        try await store.put(namespace: "ns", [KVWrite(key: "a", entry: entry("1", metadata: #"{"m":1}"#))])
        try await store.put(namespace: "ns", [KVWrite(key: "a", entry: entry("2"))])
        #expect(try await store.get(namespace: "ns", keys: ["a", "b"]) == [entry("2"), nil])
        try await store.close()
        let reopened = try open()
        #expect(try await reopened.get(namespace: "ns", keys: ["a"]) == [entry("2")])
        #expect(try await reopened.usage(namespace: "ns") == KVUsage(keys: 1, bytes: 2))
        try await reopened.close()
    }

    @Test func aNamespaceThatDoesNotExistTakesNoWrites() async throws {
        let store = try open()
        await #expect(throws: KVError.namespaceNotFound("gone")) {
            try await store.put(namespace: "gone", [KVWrite(key: "a", entry: entry("1"))])
        }
        try await store.createNamespace("ns")
        try await store.put(namespace: "ns", [KVWrite(key: "a", entry: entry("1"))])
        try await store.deleteNamespace("ns")
        #expect(try await store.get(namespace: "ns", keys: ["a"]) == [nil])
        await #expect(throws: KVError.namespaceNotFound("ns")) {
            try await store.put(namespace: "ns", [KVWrite(key: "a", entry: entry("1"))])
        }
        try await store.close()
    }

    @Test func namespacesDoNotSeeEachOther() async throws {
        let store = try open()
        try await store.createNamespace("one")
        try await store.createNamespace("two")
        try await store.put(namespace: "one", [KVWrite(key: "k", entry: entry("secret"))])
        #expect(try await store.get(namespace: "two", keys: ["k"]) == [nil])
        #expect(try await store.list(namespace: "two", prefix: "", limit: 1000, cursor: nil).keys.isEmpty)
        try await store.delete(namespace: "two", keys: ["k"])
        #expect(try await store.get(namespace: "one", keys: ["k"]) == [entry("secret")])
        try await store.close()
    }

    @Test func listPagesThroughKeysInByteOrder() async throws {
        let store = try open()
        try await store.createNamespace("ns")
        let names = ["b", "a", "ab", "a\u{FF}", "a\u{10FFFF}", "aa", "c", "é"]
        try await store.put(namespace: "ns", names.map { KVWrite(key: $0, entry: entry($0)) })
        var seen: [String] = []
        var cursor: String?
        repeat {
            let page = try await store.list(namespace: "ns", prefix: "", limit: 3, cursor: cursor)
            #expect(page.keys.count <= 3)
            seen += page.keys.map(\.name)
            cursor = page.cursor
        } while cursor != nil
        #expect(seen == names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        let prefixed = try await store.list(namespace: "ns", prefix: "a", limit: 1000, cursor: nil)
        #expect(prefixed.keys.map(\.name) == ["a", "aa", "ab", "a\u{FF}", "a\u{10FFFF}"])
        #expect(prefixed.cursor == nil)
        try await store.close()
    }

    @Test func expiredKeysAreNeverReturned() async throws {
        let now = Mutex<Int64>(1_000)
        let store = try open(clock: { now.withLock { $0 } })
        try await store.createNamespace("ns")
        try await store.put(namespace: "ns", [
            KVWrite(key: "short", entry: entry("x", expiration: 1_100)), KVWrite(key: "long", entry: entry("y")),
        ])
        #expect(try await store.list(namespace: "ns", prefix: "", limit: 10, cursor: nil).keys.count == 2)
        now.withLock { $0 = 1_100 }
        #expect(try await store.get(namespace: "ns", keys: ["short"]) == [nil])
        #expect(try await store.list(namespace: "ns", prefix: "", limit: 10, cursor: nil).keys.map(\.name) == ["long"])
        // The next write removes it, and its bytes leave the namespace's size.
        try await store.put(namespace: "ns", [KVWrite(key: "other", entry: entry("z"))])
        #expect(try await store.usage(namespace: "ns") == KVUsage(keys: 2, bytes: 11))
        try await store.close()
    }

    @Test func aWritePastTheQuotaChangesNothing() async throws {
        let store = try open(quota: .init(keys: 2, bytes: 100))
        try await store.createNamespace("ns")
        try await store.put(namespace: "ns", [KVWrite(key: "a", entry: entry("1")), KVWrite(key: "b", entry: entry("2"))])
        await #expect(throws: KVError.self) {
            try await store.put(namespace: "ns", [KVWrite(key: "a", entry: entry("3")), KVWrite(key: "c", entry: entry("4"))])
        }
        #expect(try await store.get(namespace: "ns", keys: ["a", "c"]) == [entry("1"), nil])
        await #expect(throws: KVError.self) {
            try await store.put(namespace: "ns", [KVWrite(key: "a", entry: entry(String(repeating: "x", count: 200)))])
        }
        // Overwriting within the quota is fine.
        try await store.put(namespace: "ns", [KVWrite(key: "a", entry: entry("5"))])
        #expect(try await store.usage(namespace: "ns") == KVUsage(keys: 2, bytes: 4))
        try await store.close()
    }

    @Test func concurrentWritesAreAllAcknowledgedAndKept() async throws {
        let store = try open()
        try await store.createNamespace("ns")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<500 {
                group.addTask { try await store.put(namespace: "ns", [KVWrite(key: "k\(index)", entry: entry("\(index)"))]) }
            }
            // One bad write among them fails alone.
            group.addTask {
                await #expect(throws: KVError.self) {
                    try await store.put(namespace: "missing", [KVWrite(key: "x", entry: entry("x"))])
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.usage(namespace: "ns").keys == 500)
        let values = try await store.get(namespace: "ns", keys: (0..<500).map { "k\($0)" })
        #expect(values == (0..<500).map { entry("\($0)") })
        try await store.close()
    }
}

extension SQLiteKVStoreTests {
    @Test func listsKeysWithExpirationsUnderAPrefix() async throws {
        let store = try open(clock: { 1_000 })
        try await store.createNamespace("ns")
        for key in ["list/a", "list/b", "list/c", "list/d", "other"] {
            try await store.put(namespace: "ns", [KVWrite(key: key, entry: entry(key, expiration: 4_600))])
        }
        let page = try await store.list(namespace: "ns", prefix: "list/", limit: 3, cursor: nil)
        #expect(page.keys.map(\.name) == ["list/a", "list/b", "list/c"])
        #expect(page.keys.first?.expiration == 4_600)
        let rest = try await store.list(namespace: "ns", prefix: "list/", limit: 3, cursor: page.cursor)
        #expect(rest.keys.map(\.name) == ["list/d"])
        #expect(rest.cursor == nil)
        try await store.close()
    }
}

extension SQLiteKVStoreTests {
    @Test func aReadSeesWritesAcknowledgedAfterAnEarlierRead() async throws {
        let store = try open()
        try await store.createNamespace("ns")
        try await store.put(namespace: "ns", [KVWrite(key: "a", entry: entry("1"))])
        #expect(try await store.get(namespace: "ns", keys: ["a"]) == [entry("1")])
        try await store.put(namespace: "ns", [KVWrite(key: "b", entry: entry("2"))])
        #expect(try await store.list(namespace: "ns", prefix: "", limit: 10, cursor: nil).keys.map(\.name) == ["a", "b"])
        try await store.put(namespace: "ns", [KVWrite(key: "a", entry: entry("3"))])
        #expect(try await store.get(namespace: "ns", keys: ["a"]) == [entry("3")])
        try await store.close()
    }
}

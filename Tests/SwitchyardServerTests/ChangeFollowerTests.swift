import Foundation
import Logging
import SwitchyardModel
import SwitchyardRuntime
import SwitchyardStore
import SwitchyardStoreSQLite
import Testing

@testable import SwitchyardServer

/// The change follower against real SQLite stores, without a server: a second store on the same
/// file is the second process whose commits send this one no signal.
@Suite("Change follower")
struct ChangeFollowerTests {
    static let secrets = SecretSealer.ephemeral()

    /// Two stores on one new database file (two processes, as far as SQLite is concerned), with
    /// the namespace `ns` of account `a`, a catalog and a follower over the first one.
    static func withTwoStores(
        retention: Int = 10_000, batchSize: Int = 500,
        _ body: (SQLiteControlPlaneStore, SQLiteControlPlaneStore, WorkerCatalog, ChangeFollower) async throws -> Void
    ) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-follower-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let configuration = SQLiteControlPlaneStore.Configuration(
            path: folder + "/db.sqlite", secrets: secrets, changeRetention: retention)
        let mine = try await SQLiteControlPlaneStore.open(configuration: configuration)
        let other = try await SQLiteControlPlaneStore.open(configuration: configuration)
        do {
            _ = try await mine.createNamespace(accountID: "a", name: "ns", createdBy: "t")
            let catalog = WorkerCatalog(store: mine, runtime: nil)
            let follower = ChangeFollower(
                feed: mine, catalog: catalog, hostnames: nil, configuration: .init(batchSize: batchSize),
                logger: Logger(label: "test"))
            try await body(mine, other, catalog, follower)
            try await mine.close()
            try await other.close()
        } catch {
            try? await mine.close()
            try? await other.close()
            throw error
        }
    }

    @discardableResult
    static func deploy(_ store: SQLiteControlPlaneStore, _ text: String, script: String = "w") async throws -> String {
        let bytes = Array("export default { fetch() { return new Response(\"\(text)\") } }".utf8)
        let hash = TokenHash.sha256Hex(bytes)
        let record = try await store.deploy(
            accountID: "a", namespace: "ns", script: script,
            version: NewVersion(
                settings: VersionSettings(mainModule: "w.mjs"),
                modules: [ModuleDescriptor(name: "w.mjs", type: .esModule, sha256: hash, size: bytes.count)],
                blobs: [hash: bytes], source: "upload"))
        return record.current.id
    }

    static func served(_ catalog: WorkerCatalog, _ script: String = "w") async throws -> String? {
        try await catalog.script(accountID: "a", namespace: "ns", name: script)?.versionID
    }

    @Test("another process's deploys, which send no signal, reach the caches from the log")
    func catchesUpFromTheLog() async throws {
        try await Self.withTwoStores(batchSize: 2) { mine, other, catalog, follower in
            let v1 = try await Self.deploy(mine, "v1")
            try await follower.start()
            #expect(follower.appliedSequence == 1)
            #expect(try await Self.served(catalog) == v1)
            // Five changes by the other process: this one's catalog still answers from its cache.
            var latest = ""
            for round in 2...5 { latest = try await Self.deploy(other, "v\(round)") }
            try await Self.deploy(other, "x", script: "x")
            #expect(try await Self.served(catalog) == v1)
            try await follower.catchUp()
            #expect(follower.appliedSequence == 6)
            #expect(try await Self.served(catalog) == latest)
            #expect(try await Self.served(catalog, "x") != nil)
            #expect(follower.resetCount == 0)
            // A delete and a namespace rename by the other process.
            #expect(try await other.deleteScript(accountID: "a", namespace: "ns", name: "x"))
            try await follower.catchUp()
            #expect(try await Self.served(catalog, "x") == nil)
            _ = try await other.updateNamespace(accountID: "a", name: "ns", newName: "renamed", trustedWorkers: nil, modifiedBy: "t")
            try await follower.catchUp()
            #expect(catalog.cachedScript(accountID: "a", namespace: "ns", name: "w") == nil, "the old name was forgotten")
            #expect(try await Self.served(catalog) == nil)
        }
    }

    @Test("a follower that starts late begins at the head; one that missed its signals reads them all")
    func missedSignals() async throws {
        try await Self.withTwoStores { mine, _, catalog, follower in
            try await Self.deploy(mine, "v1")
            try await Self.deploy(mine, "v2")
            try await follower.start()
            #expect(follower.appliedSequence == 2)
            // Signals of this process's commits while nobody follows (the follower is not running).
            let v2 = try await Self.served(catalog)
            var latest = ""
            for round in 3...6 { latest = try await Self.deploy(mine, "v\(round)") }
            #expect(try await Self.served(catalog) == v2)
            try await follower.catchUp()
            #expect(follower.appliedSequence == 6)
            #expect(try await Self.served(catalog) == latest)
        }
    }

    @Test("a follower behind the trimmed tail drops its caches and continues from the head")
    func resetBehindTrimmedTail() async throws {
        try await Self.withTwoStores(retention: 2) { mine, other, catalog, follower in
            try await Self.deploy(mine, "v1")
            try await Self.deploy(mine, "y", script: "y")
            try await follower.start()
            let y = try await Self.served(catalog, "y")
            #expect(y != nil)
            var latest = ""
            for round in 2...5 { latest = try await Self.deploy(other, "v\(round)") }
            // y did not change, but its cached answer is dropped too: nothing in the log says so.
            #expect(try await mine.changes(after: 2, limit: 10).mustReset)
            try await follower.catchUp()
            #expect(follower.resetCount == 1)
            #expect(follower.appliedSequence == 6)
            #expect(catalog.cachedScript(accountID: "a", namespace: "ns", name: "y") == nil)
            #expect(try await Self.served(catalog) == latest)
            #expect(try await Self.served(catalog, "y") == y)
            // From the head on it follows change by change again.
            let next = try await Self.deploy(other, "v6")
            try await follower.catchUp()
            #expect(follower.resetCount == 1 && follower.appliedSequence == 7)
            #expect(try await Self.served(catalog) == next)
        }
    }

    @Test("running, the follower applies this process's commits before the barrier lets a write's answer go, and another's when asked")
    func barrier() async throws {
        try await Self.withTwoStores { mine, other, catalog, follower in
            try await Self.deploy(mine, "v1")
            try await follower.start()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await follower.run() }
                for round in 2...6 {
                    #expect(try await Self.served(catalog) != nil)
                    // Every other write is the other process's, which sends this one no signal:
                    // waiting for the head wakes the follower (the poll is 2 s away).
                    let theirs = round % 2 == 1
                    let version = try await Self.deploy(theirs ? other : mine, "v\(round)")
                    if theirs {
                        #expect(await follower.waitUntilApplied(try await mine.changeHead(), timeout: .seconds(60)))
                    } else {
                        await follower.waitForCommittedChanges()
                    }
                    #expect(follower.appliedSequence == Int64(round))
                    #expect(try await Self.served(catalog) == version)
                }
                group.cancelAll()
            }
        }
    }
}

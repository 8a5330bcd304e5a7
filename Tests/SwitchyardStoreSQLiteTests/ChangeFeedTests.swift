import Foundation
import SQLiteNIO
import Synchronization
import SwitchyardModel
import SwitchyardStore
import SwitchyardStoreSQLite
import Testing

/// The heads the feed announced.
final class Heads: Sendable {
    let values = Mutex<[Int64]>([])
}

/// The store's change feed: one change per committed mutation, in order, in the mutation's own
/// transaction, trimmed to the configured retention.
@Suite("SQLite change feed")
struct ChangeFeedTests {
    /// `kind namespace/script` of every change after `sequence`.
    static func summary(_ store: SQLiteControlPlaneStore, after sequence: Int64 = 0) async throws -> [String] {
        try await store.changes(after: sequence, limit: 1000).changes.map { change in
            [change.kind.rawValue, [change.namespace, change.newNamespace, change.script, change.hostname].compactMap { $0 }
                .joined(separator: "/")].joined(separator: " ")
        }
    }

    @Test("every mutation the edge caches is a change, in commit order, with its keys and new version")
    func changesInOrder() async throws {
        try await withStore { store, _ in
            #expect(try await store.changeHead() == 0)
            _ = try await store.createNamespace(accountID: "a", name: "ns", createdBy: "t")
            let v1 = try await store.deploy(accountID: "a", namespace: "ns", script: "w", version: version("export default {a:1}"))
            var settings = version("export default {a:1}")
            settings.source = "settings"
            _ = try await store.deploy(accountID: "a", namespace: "ns", script: "w", version: settings)
            var secrets = version("export default {a:1}")
            secrets.source = "secrets"
            _ = try await store.deploy(accountID: "a", namespace: "ns", script: "w", version: secrets)
            let rolledBack = try await store.rollback(accountID: "a", namespace: "ns", script: "w", to: v1.current.id)
            _ = try await store.setTags(accountID: "a", namespace: "ns", script: "w", tags: ["x"])
            _ = try await store.deploy(accountID: "a", namespace: "ns", script: "w2", version: version("export default {}", tags: ["x"]))
            _ = try await store.deleteScripts(accountID: "a", namespace: "ns", filter: TagFilter(required: ["x"]), limit: 10)
            _ = try await store.updateNamespace(accountID: "a", name: "ns", newName: "ns2", trustedWorkers: true, modifiedBy: "t")
            _ = try await store.updateNamespace(accountID: "a", name: "ns2", newName: nil, trustedWorkers: true, modifiedBy: "t")
            #expect(try await store.deleteNamespace(accountID: "a", name: "ns2"))
            let zone = try await store.createZone(accountID: "a", accountName: "one", name: "example.com", type: "full")
            _ = try await store.setFallbackOrigin(zoneID: zone.id, origin: "origin.example.com")
            #expect(try await store.deleteZone(id: zone.id))

            #expect(
                try await Self.summary(store) == [
                    "script.deployed ns/w", "script.settings ns/w", "script.secrets ns/w", "script.deployed ns/w",
                    "script.tags ns/w", "script.deployed ns/w2", "script.deleted ns/w", "script.deleted ns/w2",
                    "namespace.renamed ns/ns2", "namespace.changed ns2", "namespace.deleted ns2",
                    "hostnames.changed ", "hostnames.changed ", "hostnames.changed ",
                ])
            let all = try await store.changes(after: 0, limit: 1000)
            #expect(all.changes.map(\.sequence) == Array(1...14))
            #expect(all.head == 14 && !all.mustReset)
            #expect(all.changes[0].versionID == v1.current.id && all.changes[3].versionID == rolledBack.current.id)
            #expect(all.changes.allSatisfy { $0.accountID == "a" })
            // A bounded read after N, and the head.
            let page = try await store.changes(after: 4, limit: 2)
            #expect(page.changes.map(\.sequence) == [5, 6] && page.head == 14 && !page.mustReset)
            #expect(try await store.changes(after: 14, limit: 10).changes.isEmpty)
            #expect(try await store.changeHead() == 14)
        }
    }

    @Test("a mutation that fails writes no change, and announces none")
    func failedMutationWritesNoChange() async throws {
        try await withStore { store, _ in
            let heads = Heads()
            store.onCommit { head in heads.values.withLock { $0.append(head) } }
            _ = try await store.createNamespace(accountID: "a", name: "ns", createdBy: "t")
            let first = try await store.deploy(accountID: "a", namespace: "ns", script: "w", version: version("export default {a:1}"))
            #expect(heads.values.withLock { $0 } == [1])
            // Missing module bytes: fails after writing a blob, before the change.
            let (broken, _) = versionMissingABlob()
            await #expect(throws: StoreError.self) {
                try await store.deploy(accountID: "a", namespace: "ns", script: "w", version: broken)
            }
            // A stale read-modify-write: fails before anything is written.
            await #expect(throws: StoreError.self) {
                try await store.deploy(accountID: "a", namespace: "ns", script: "w", version: version("x", basedOn: "old"))
            }
            // A rename onto a taken name fails after the checks.
            _ = try await store.createNamespace(accountID: "a", name: "other", createdBy: "t")
            await #expect(throws: StoreError.self) {
                try await store.updateNamespace(accountID: "a", name: "ns", newName: "other", trustedWorkers: nil, modifiedBy: "t")
            }
            #expect(try await store.changeHead() == 1)
            #expect(try await store.changes(after: 0, limit: 10).changes.map(\.versionID) == [first.current.id])
            #expect(heads.values.withLock { $0 } == [1])
            // The next change gets the next number, and is announced.
            #expect(try await store.deleteScript(accountID: "a", namespace: "ns", name: "w"))
            #expect(heads.values.withLock { $0 } == [1, 2])
            // A write that records no change (a new namespace) announces nothing.
            _ = try await store.createNamespace(accountID: "a", name: "third", createdBy: "t")
            #expect(heads.values.withLock { $0 } == [1, 2])
        }
    }

    @Test("a change is committed with its data: another connection sees both or neither")
    func sameTransaction() async throws {
        try await withStore(file: true) { store, path in
            try await closing(try await SQLiteControlPlaneStore.open(configuration: .init(path: try #require(path), secrets: testSecrets))) {
                other in
                _ = try await store.createNamespace(accountID: "a", name: "ns", createdBy: "t")
                for round in 1...5 {
                    let record = try await store.deploy(
                        accountID: "a", namespace: "ns", script: "w", version: version("export default {n:\(round)}"))
                    // The second store (another process, as far as SQLite is concerned) reads the
                    // change and then the script: the version it names is the current one.
                    let change = try #require(try await other.changes(after: Int64(round - 1), limit: 1).changes.first)
                    #expect(change.sequence == Int64(round) && change.versionID == record.current.id)
                    let current = try await other.script(accountID: "a", namespace: "ns", name: "w")
                    #expect(current?.current.id == change.versionID)
                }
                // Its writes continue the same sequence.
                #expect(try await other.deleteScript(accountID: "a", namespace: "ns", name: "w"))
                #expect(try await store.changeHead() == 6)
                #expect(try await Self.summary(store, after: 5) == ["script.deleted ns/w"])
            }
        }
    }

    @Test("the log keeps the latest changes; a reader behind the trimmed tail is told to reset")
    func trimming() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-feed-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/db.sqlite"
        let store = try await SQLiteControlPlaneStore.open(configuration: .init(path: path, secrets: testSecrets, changeRetention: 3))
        try await closing(store) { store in
            _ = try await store.createNamespace(accountID: "a", name: "ns", createdBy: "t")
            for round in 1...7 {
                _ = try await store.deploy(accountID: "a", namespace: "ns", script: "w", version: version("export default {n:\(round)}"))
            }
            // Changes 5, 6, 7 are kept.
            let kept = try await store.changes(after: 4, limit: 10)
            #expect(kept.changes.map(\.sequence) == [5, 6, 7] && !kept.mustReset)
            for behind: Int64 in [0, 3] {
                let batch = try await store.changes(after: behind, limit: 10)
                #expect(batch.mustReset, "after \(behind)")
                #expect(batch.head == 7)
            }
            // Up to date is not behind, even though nothing after it is kept.
            #expect(try await store.changes(after: 7, limit: 10).mustReset == false)
        }
        // Sequence numbers are not reused after reopening, with trimmed rows gone.
        try await closing(try await SQLiteControlPlaneStore.open(configuration: .init(path: path, secrets: testSecrets))) { store async throws in
            #expect(try await store.changeHead() == 7)
            #expect(try await store.deleteScript(accountID: "a", namespace: "ns", name: "w"))
            #expect(try await store.changes(after: 7, limit: 10).changes.map(\.sequence) == [8])
            // The default retention keeps all of these.
            #expect(try await store.changes(after: 4, limit: 10).changes.map(\.sequence) == [5, 6, 7, 8])
        }
    }

    @Test("a database from before the change feed gets the table on open, starting at 0")
    func migration() async throws {
        let (store, path) = try await makeStore(file: true)
        _ = try await store.createNamespace(accountID: "a", name: "ns", createdBy: "t")
        _ = try await store.deploy(accountID: "a", namespace: "ns", script: "w", version: version("export default {}"))
        try await store.close()
        let connection = try await SQLiteConnection.open(storage: .file(path: try #require(path)))
        _ = try await connection.query("DROP TABLE changes")
        _ = try await connection.query("DELETE FROM sqlite_sequence WHERE name = 'changes'")
        try await connection.close()

        let file = try #require(path)
        try await closing(try await SQLiteControlPlaneStore.open(configuration: .init(path: file, secrets: testSecrets))) { reopened async throws in
            #expect(try await reopened.changeHead() == 0)
            #expect(try await reopened.changes(after: 0, limit: 10).mustReset == false)
            #expect(try await reopened.deleteScript(accountID: "a", namespace: "ns", name: "w"))
            #expect(try await Self.summary(reopened) == ["script.deleted ns/w"])
        }
    }
}

import Foundation
import SQLiteNIO
import SwitchyardModel
import SwitchyardStore
import SwitchyardStoreSQLite
import Testing

/// The secrets key of the stores these tests open (the same for every reopening of a file).
let testSecrets = SecretSealer.ephemeral()

/// A fresh store: in memory, or in a file of a new temporary folder.
func makeStore(file: Bool = false) async throws -> (SQLiteControlPlaneStore, String?) {
    if file {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/db.sqlite"
        return (try await SQLiteControlPlaneStore.open(configuration: .init(path: path, secrets: testSecrets)), path)
    }
    return (try await SQLiteControlPlaneStore.open(configuration: .init(path: ":memory:", secrets: testSecrets)), nil)
}

/// Runs `body` with a fresh store and closes it afterwards.
func withStore<T>(file: Bool = false, _ body: (SQLiteControlPlaneStore, String?) async throws -> T) async throws -> T {
    let (store, path) = try await makeStore(file: file)
    return try await closing(store) { try await body($0, path) }
}

/// Runs `body` with the database file at `path`, opened with `secrets`, and closes it afterwards.
func withStore<T>(at path: String, secrets: SecretSealer, _ body: (SQLiteControlPlaneStore) async throws -> T) async throws -> T {
    try await closing(try await SQLiteControlPlaneStore.open(configuration: .init(path: path, secrets: secrets)), body)
}

/// Runs `body` with `store` and closes the store afterwards, whatever happens.
func closing<T>(_ store: SQLiteControlPlaneStore, _ body: (SQLiteControlPlaneStore) async throws -> T) async throws -> T {
    do {
        let result = try await body(store)
        try await store.close()
        return result
    } catch {
        try? await store.close()
        throw error
    }
}

func module(_ name: String, _ text: String, type: ModuleType = .esModule) -> (ModuleDescriptor, [String: [UInt8]]) {
    let bytes = Array(text.utf8)
    let hash = TokenHash.sha256Hex(bytes)
    return (ModuleDescriptor(name: name, type: type, sha256: hash, size: bytes.count), [hash: bytes])
}

func version(_ text: String, tags: [String]? = nil, basedOn: String? = nil) -> NewVersion {
    let (descriptor, blobs) = module("index.mjs", text)
    return NewVersion(
        settings: VersionSettings(mainModule: "index.mjs"), modules: [descriptor], blobs: blobs, source: "upload",
        basedOn: basedOn, tags: tags)
}

/// A version whose second module's bytes are neither given nor stored (its deploy fails after
/// writing the first module's blob), and that first module.
func versionMissingABlob() -> (NewVersion, ModuleDescriptor) {
    let (good, goodBlobs) = module("a.mjs", "export const a = 1")
    let (missing, _) = module("b.mjs", "export const b = 2")
    let version = NewVersion(
        settings: VersionSettings(mainModule: "a.mjs"), modules: [good, missing], blobs: goodBlobs, source: "upload")
    return (version, good)
}

@Suite("SQLite control-plane store")
struct StoreTests {
    @Test("tokens are found by their hash only and can be revoked")
    func tokens() async throws {
        try await withStore { store, _ in
            let account = try await store.createAccount(id: "acc1", name: "one")
            let token = try await store.createToken(
                accountID: account.id, name: "ci", permission: .write, secretHash: TokenHash.of(secret: "s3cret"))
            #expect(try await store.token(secretHash: TokenHash.of(secret: "s3cret"))?.id == token.id)
            #expect(try await store.token(secretHash: TokenHash.of(secret: "other")) == nil)
            #expect(try await store.token(secretHash: "s3cret") == nil)
            #expect(try await store.tokens(accountID: account.id).map(\.id) == [token.id])
            #expect(try await store.revokeToken(accountID: "someone-else", id: token.id) == false)
            #expect(try await store.revokeToken(accountID: account.id, id: token.id))
            #expect(try await store.token(secretHash: TokenHash.of(secret: "s3cret")) == nil)
            await #expect(throws: StoreError.self) {
                try await store.createToken(accountID: "missing", name: "x", permission: .read, secretHash: "h")
            }
        }
    }

    @Test("namespaces: create, duplicate, rename, trusted_workers, script_count, delete with scripts")
    func namespaces() async throws {
        try await withStore { store, _ in
            _ = try await store.createAccount(id: "a", name: "a")
            let created = try await store.createNamespace(accountID: "a", name: "prod", createdBy: "t")
            #expect(created.namespaceName == "prod" && created.scriptCount == 0 && !created.trustedWorkers)
            await #expect(throws: StoreError.conflict("dispatch namespace \"prod\"")) {
                try await store.createNamespace(accountID: "a", name: "prod", createdBy: "t")
            }
            // The same name in another account is another namespace.
            _ = try await store.createNamespace(accountID: "b", name: "prod", createdBy: "t")
            _ = try await store.deploy(accountID: "a", namespace: "prod", script: "w1", version: version("export default {}"))
            #expect(try await store.namespace(accountID: "a", name: "prod")?.scriptCount == 1)
            #expect(try await store.namespace(accountID: "b", name: "prod")?.scriptCount == 0)

            let renamed = try await store.updateNamespace(
                accountID: "a", name: "prod", newName: "production", trustedWorkers: true, modifiedBy: "t")
            #expect(renamed.namespaceName == "production" && renamed.trustedWorkers && renamed.namespaceID == created.namespaceID)
            #expect(try await store.namespace(accountID: "a", name: "prod") == nil)
            #expect(try await store.script(accountID: "a", namespace: "production", name: "w1") != nil)

            #expect(try await store.deleteNamespace(accountID: "a", name: "production"))
            #expect(try await store.deleteNamespace(accountID: "a", name: "production") == false)
            _ = try await store.createNamespace(accountID: "a", name: "production", createdBy: "t")
            #expect(try await store.script(accountID: "a", namespace: "production", name: "w1") == nil)
        }
    }

    @Test("every deploy is a new immutable version; rollback copies an old one")
    func versions() async throws {
        try await withStore { store, _ in
            _ = try await store.createNamespace(accountID: "a", name: "ns", createdBy: "t")
            let first = try await store.deploy(accountID: "a", namespace: "ns", script: "w", version: version("export default {a:1}", tags: ["x"]))
            let second = try await store.deploy(accountID: "a", namespace: "ns", script: "w", version: version("export default {a:2}"))
            #expect(first.current.id != second.current.id)
            #expect(first.current.etag != second.current.etag)
            #expect(second.current.number == 2)
            #expect(second.tags == ["x"], "a deploy without tags keeps the script's tags")
            #expect(second.tag == first.tag, "the script's tag is stable across versions")

            let versions = try await store.versions(accountID: "a", namespace: "ns", script: "w")
            #expect(versions.map(\.number) == [2, 1])
            let rolledBack = try await store.rollback(accountID: "a", namespace: "ns", script: "w", to: first.current.id)
            #expect(rolledBack.current.number == 3 && rolledBack.current.source == "rollback")
            #expect(rolledBack.current.etag == first.current.etag)
            let content = try await store.moduleContents(rolledBack.current.modules)
            #expect(String(decoding: content[0].bytes, as: UTF8.self) == "export default {a:1}")
            await #expect(throws: StoreError.self) {
                try await store.rollback(accountID: "a", namespace: "ns", script: "w", to: "nope")
            }
        }
    }

    @Test("a deploy based on a version that is no longer current fails and changes nothing")
    func optimisticDeploy() async throws {
        try await withStore { store, _ in
            _ = try await store.createNamespace(accountID: "a", name: "ns", createdBy: "t")
            let first = try await store.deploy(accountID: "a", namespace: "ns", script: "w", version: version("export default {a:1}"))
            _ = try await store.deploy(accountID: "a", namespace: "ns", script: "w", version: version("export default {a:2}"))
            await #expect(throws: StoreError.self) {
                try await store.deploy(
                    accountID: "a", namespace: "ns", script: "w", version: version("export default {a:3}", basedOn: first.current.id))
            }
            #expect(try await store.versions(accountID: "a", namespace: "ns", script: "w").count == 2)
        }
    }

    @Test("a failing deploy leaves the previous version and no partial rows")
    func atomicDeploy() async throws {
        try await withStore { store, _ in
            _ = try await store.createNamespace(accountID: "a", name: "ns", createdBy: "t")
            let first = try await store.deploy(accountID: "a", namespace: "ns", script: "w", version: version("export default {a:1}"))
            // The second module's bytes are missing: the transaction fails after writing the first blob.
            let (broken, good) = versionMissingABlob()
            await #expect(throws: StoreError.self) {
                try await store.deploy(accountID: "a", namespace: "ns", script: "w", version: broken)
            }
            let current = try #require(try await store.script(accountID: "a", namespace: "ns", name: "w"))
            #expect(current.current.id == first.current.id)
            #expect(try await store.versions(accountID: "a", namespace: "ns", script: "w").count == 1)
            // The blob written inside the failed transaction was rolled back too.
            await #expect(throws: StoreError.self) { try await store.moduleContents([good]) }
        }
    }

    @Test("module bytes are content-addressed and collected when no version uses them")
    func contentAddressing() async throws {
        try await withStore { store, _ in
            _ = try await store.createNamespace(accountID: "a", name: "ns", createdBy: "t")
            let shared = "export default { fetch() { return new Response('same') } }"
            let one = try await store.deploy(accountID: "a", namespace: "ns", script: "one", version: version(shared))
            let (descriptor, _) = module("index.mjs", shared)
            // A second script reuses the stored bytes without sending them again.
            let reuse = NewVersion(settings: VersionSettings(mainModule: "index.mjs"), modules: [descriptor], blobs: [:], source: "upload")
            let two = try await store.deploy(accountID: "a", namespace: "ns", script: "two", version: reuse)
            #expect(one.current.modules[0].sha256 == two.current.modules[0].sha256)
            #expect(try await store.deleteScript(accountID: "a", namespace: "ns", name: "one"))
            #expect(try await store.moduleContents(two.current.modules).count == 1, "still used by \"two\"")
            #expect(try await store.deleteScript(accountID: "a", namespace: "ns", name: "two"))
            await #expect(throws: StoreError.self) { try await store.moduleContents(two.current.modules) }
        }
    }

    @Test("tag filters, paging and bulk delete")
    func tags() async throws {
        try await withStore { store, _ in
            _ = try await store.createNamespace(accountID: "a", name: "ns", createdBy: "t")
            for index in 0..<5 {
                let tags = index % 2 == 0 ? ["even", "customer-\(index)"] : ["odd"]
                _ = try await store.deploy(accountID: "a", namespace: "ns", script: "w\(index)", version: version("export default {}", tags: tags))
            }
            let even = try await store.scripts(accountID: "a", namespace: "ns", filter: TagFilter(required: ["even"]), page: .init())
            #expect(even.items.map(\.name) == ["w0", "w2", "w4"] && even.totalCount == 3)
            let notEven = try await store.scripts(accountID: "a", namespace: "ns", filter: TagFilter(excluded: ["even"]), page: .init())
            #expect(notEven.items.map(\.name) == ["w1", "w3"])
            let both = try await store.scripts(
                accountID: "a", namespace: "ns", filter: TagFilter(required: ["even"], excluded: ["customer-2"]), page: .init())
            #expect(both.items.map(\.name) == ["w0", "w4"])
            let page2 = try await store.scripts(accountID: "a", namespace: "ns", filter: TagFilter(), page: .init(page: 2, perPage: 2))
            #expect(page2.items.map(\.name) == ["w2", "w3"] && page2.totalCount == 5)
            let past = try await store.scripts(accountID: "a", namespace: "ns", filter: TagFilter(), page: .init(page: 9, perPage: 2))
            #expect(past.items.isEmpty)

            let (deleted, hasMore) = try await store.deleteScripts(accountID: "a", namespace: "ns", filter: TagFilter(required: ["even"]), limit: 2)
            #expect(deleted == ["w0", "w2"] && hasMore)
            let (rest, more) = try await store.deleteScripts(accountID: "a", namespace: "ns", filter: TagFilter(required: ["even"]), limit: 2)
            #expect(rest == ["w4"] && !more)
            _ = try await store.setTags(accountID: "a", namespace: "ns", script: "w1", tags: ["new"])
            #expect(try await store.script(accountID: "a", namespace: "ns", name: "w1")?.tags == ["new"])
            // Filters follow tag changes by setTags and by deploys that set tags.
            func names(_ filter: TagFilter) async throws -> [String] {
                try await store.scripts(accountID: "a", namespace: "ns", filter: filter, page: .init()).items.map(\.name)
            }
            #expect(try await names(TagFilter(required: ["new"])) == ["w1"])
            #expect(try await names(TagFilter(required: ["odd"])) == ["w3"])
            _ = try await store.deploy(accountID: "a", namespace: "ns", script: "w3", version: version("export default {}", tags: ["new"]))
            #expect(try await names(TagFilter(required: ["new"])) == ["w1", "w3"])
            #expect(try await names(TagFilter(required: ["odd"])) == [])
            _ = try await store.deploy(accountID: "a", namespace: "ns", script: "w3", version: version("export default { }"))
            #expect(try await names(TagFilter(required: ["new"])) == ["w1", "w3"], "a deploy without tags keeps them")
            #expect(try await store.deleteScript(accountID: "a", namespace: "ns", name: "w1"))
            #expect(try await names(TagFilter(required: ["new"])) == ["w3"])
        }
    }

    @Test("a database from before the tag index gets it filled on open")
    func tagIndexBackfill() async throws {
        let (store, path) = try await makeStore(file: true)
        _ = try await store.createNamespace(accountID: "a", name: "ns", createdBy: "t")
        for (name, tags) in [("w1", ["x", "y"]), ("w2", ["y"]), ("w3", [])] {
            _ = try await store.deploy(accountID: "a", namespace: "ns", script: name, version: version("export default {}", tags: tags))
        }
        try await store.close()
        // Make it an old database: no script_tags table.
        let connection = try await SQLiteConnection.open(storage: .file(path: try #require(path)))
        _ = try await connection.query("DROP TABLE script_tags")
        try await connection.close()

        let reopened = try await SQLiteControlPlaneStore.open(configuration: .init(path: try #require(path), secrets: testSecrets))
        let y = try await reopened.scripts(accountID: "a", namespace: "ns", filter: TagFilter(required: ["y"]), page: .init())
        let notX = try await reopened.scripts(accountID: "a", namespace: "ns", filter: TagFilter(excluded: ["x"]), page: .init())
        try await reopened.close()
        #expect(y.items.map(\.name) == ["w1", "w2"] && y.totalCount == 2)
        #expect(notX.items.map(\.name) == ["w2", "w3"])
    }

    @Test("resources are per account")
    func resources() async throws {
        try await withStore { store, _ in
            let kv = try await store.createKVNamespace(accountID: "a", title: "cache")
            await #expect(throws: StoreError.self) { try await store.createKVNamespace(accountID: "a", title: "cache") }
            #expect(try await store.kvNamespace(accountID: "b", id: kv.id) == nil)
            #expect(try await store.renameKVNamespace(accountID: "a", id: kv.id, title: "cache2").title == "cache2")
            #expect(try await store.kvNamespaces(accountID: "a", page: .init()).items.map(\.title) == ["cache2"])
            #expect(try await store.deleteKVNamespace(accountID: "b", id: kv.id) == false)
            #expect(try await store.deleteKVNamespace(accountID: "a", id: kv.id))

            let db = try await store.createD1Database(accountID: "a", name: "main")
            #expect(try await store.d1Database(accountID: "a", idOrName: "main")?.uuid == db.uuid)
            #expect(try await store.d1Database(accountID: "a", idOrName: db.uuid)?.name == "main")
            #expect(try await store.d1Database(accountID: "b", idOrName: db.uuid) == nil)
            #expect(try await store.deleteD1Database(accountID: "a", id: db.uuid))

            _ = try await store.createR2Bucket(accountID: "a", name: "assets", location: "weur", storageClass: nil)
            #expect(try await store.r2Buckets(accountID: "a").map(\.name) == ["assets"])
            #expect(try await store.r2Buckets(accountID: "b").isEmpty)
            #expect(try await store.r2Bucket(accountID: "a", name: "assets")?.location == "weur")
            #expect(try await store.deleteR2Bucket(accountID: "a", name: "assets"))
        }
    }

    @Test("data survives closing and reopening the database file")
    func persistence() async throws {
        let (store, path) = try await makeStore(file: true)
        _ = try await store.createAccount(id: "a", name: "a")
        _ = try await store.createNamespace(accountID: "a", name: "ns", createdBy: "t")
        let deployed = try await store.deploy(
            accountID: "a", namespace: "ns", script: "w", version: version("export default {}", tags: ["t"]))
        try await store.close()
        let reopened = try await SQLiteControlPlaneStore.open(configuration: .init(path: try #require(path), secrets: testSecrets))
        let again = try await reopened.script(accountID: "a", namespace: "ns", name: "w")
        let accounts = try await reopened.accounts()
        try await reopened.close()
        #expect(again == deployed)
        #expect(accounts.map(\.id) == ["a"])
    }

    @Test("concurrent deploys to one script each become a version")
    func concurrentDeploys() async throws {
        try await withStore { store, _ in
            _ = try await store.createNamespace(accountID: "a", name: "ns", createdBy: "t")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        _ = try await store.deploy(
                            accountID: "a", namespace: "ns", script: "w", version: version("export default {n:\(index)}"))
                    }
                }
                try await group.waitForAll()
            }
            let versions = try await store.versions(accountID: "a", namespace: "ns", script: "w")
            #expect(versions.map(\.number) == Array((1...20).reversed()))
        }
    }

    @Test("server runs: starts and crashes are counted, and survive reopening the database")
    func serverRuns() async throws {
        let path = try await withStore(file: true) { store, path in
            #expect(try await store.serverRunCounters() == ServerRunCounters())
            let first = try await store.recordStart(afterCrash: false)
            #expect(first.starts == 1 && first.crashes == 0 && first.lastCrashDetectedOn == nil)
            let second = try await store.recordStart(afterCrash: true)
            #expect(second.starts == 2 && second.crashes == 1 && second.lastCrashDetectedOn != nil)
            let third = try await store.recordStart(afterCrash: false)
            #expect(third.crashes == 1 && third.lastCrashDetectedOn == second.lastCrashDetectedOn, "a clean start keeps the last crash")
            return try #require(path)
        }
        let reopened = try await SQLiteControlPlaneStore.open(configuration: .init(path: path, secrets: testSecrets))
        let counters = try await reopened.serverRunCounters()
        try await reopened.close()
        #expect(counters.starts == 3 && counters.crashes == 1)
    }
}

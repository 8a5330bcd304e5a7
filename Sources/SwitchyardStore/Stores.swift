import SwitchyardModel

/// Accounts and their API tokens. Token secrets are never stored: only their SHA-256.
public protocol AccountStore: Sendable {
    func createAccount(id: String, name: String) async throws -> Account
    func account(id: String) async throws -> Account?
    func accounts() async throws -> [Account]

    /// Stores a token whose secret hashes to `secretHash` (see ``TokenHash``).
    func createToken(accountID: String, name: String, permission: TokenPermission, secretHash: String) async throws -> APIToken
    /// The active token whose secret hashes to `secretHash`.
    func token(secretHash: String) async throws -> APIToken?
    func tokens(accountID: String) async throws -> [APIToken]
    /// Revokes a token; `false` when there is no such token in the account.
    func revokeToken(accountID: String, id: String) async throws -> Bool
}

/// Dispatch namespaces of an account.
public protocol NamespaceStore: Sendable {
    /// - Throws: `StoreError.conflict` when the name is taken in the account.
    func createNamespace(accountID: String, name: String, createdBy: String) async throws -> Namespace
    func namespaces(accountID: String) async throws -> [Namespace]
    func namespace(accountID: String, name: String) async throws -> Namespace?
    /// Renames and/or sets `trusted_workers`; `nil` leaves a field unchanged.
    func updateNamespace(
        accountID: String, name: String, newName: String?, trustedWorkers: Bool?, modifiedBy: String
    ) async throws -> Namespace
    /// Deletes the namespace with all its scripts and versions; `false` when it does not exist.
    func deleteNamespace(accountID: String, name: String) async throws -> Bool
}

/// Scripts in dispatch namespaces, each a chain of immutable versions.
public protocol ScriptStore: Sendable {
    /// Stores `version` as the script's new current version, atomically: readers see the old
    /// version or the new one, and a crash leaves the old one.
    func deploy(accountID: String, namespace: String, script: String, version: NewVersion) async throws -> ScriptRecord
    func script(accountID: String, namespace: String, name: String) async throws -> ScriptRecord?
    func scripts(accountID: String, namespace: String, filter: TagFilter, page: PageRequest) async throws -> Page<ScriptRecord>
    /// `false` when there is no such script.
    func deleteScript(accountID: String, namespace: String, name: String) async throws -> Bool
    /// Deletes up to `limit` scripts matching `filter`; returns their names and whether more match.
    func deleteScripts(accountID: String, namespace: String, filter: TagFilter, limit: Int) async throws -> (deleted: [String], hasMore: Bool)
    /// Replaces the script's tags (no new version).
    func setTags(accountID: String, namespace: String, script: String, tags: [String]) async throws -> [String]
    /// All versions, newest first.
    func versions(accountID: String, namespace: String, script: String) async throws -> [VersionRecord]
    /// Makes an earlier version current again, as a new version copying it.
    func rollback(accountID: String, namespace: String, script: String, to versionID: String) async throws -> ScriptRecord
    /// The bytes of a version's modules.
    func moduleContents(_ modules: [ModuleDescriptor]) async throws -> [ModuleContent]
}

/// Records of the resources bindings point at. Their data lives elsewhere.
public protocol ResourceStore: Sendable {
    func createKVNamespace(accountID: String, title: String) async throws -> KVNamespace
    func kvNamespaces(accountID: String, page: PageRequest) async throws -> Page<KVNamespace>
    func kvNamespace(accountID: String, id: String) async throws -> KVNamespace?
    func renameKVNamespace(accountID: String, id: String, title: String) async throws -> KVNamespace
    func deleteKVNamespace(accountID: String, id: String) async throws -> Bool

    func createD1Database(accountID: String, name: String) async throws -> D1Database
    func d1Databases(accountID: String, name: String?, page: PageRequest) async throws -> Page<D1Database>
    /// By uuid or by name.
    func d1Database(accountID: String, idOrName: String) async throws -> D1Database?
    func deleteD1Database(accountID: String, id: String) async throws -> Bool

    func createR2Bucket(accountID: String, name: String, location: String?, storageClass: String?) async throws -> R2Bucket
    func r2Buckets(accountID: String) async throws -> [R2Bucket]
    func r2Bucket(accountID: String, name: String) async throws -> R2Bucket?
    func deleteR2Bucket(accountID: String, name: String) async throws -> Bool
}

/// Everything the control plane stores.
public typealias ControlPlaneStore = AccountStore & NamespaceStore & ScriptStore & ResourceStore
    & ZoneStore & CustomHostnameStore & CertificateStore & ChangeFeed

/// What `switchyard serve` records about its own runs on a data directory (the crash counter).
public protocol ServerRunStore: Sendable {
    /// Counts a start of the server and, when `afterCrash`, a crash of the run before it, in one
    /// transaction. Returns the counters as they are now.
    func recordStart(afterCrash: Bool) async throws -> ServerRunCounters
    /// The counters, without changing them.
    func serverRunCounters() async throws -> ServerRunCounters
}

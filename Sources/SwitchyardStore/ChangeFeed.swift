/// One committed change of the control plane's state that caches of it (the edge's catalog of
/// workers, its custom hostname table) must follow.
///
/// Changes are written in the same transaction as the data they describe, so a reader of the
/// feed never sees a change whose data is not there, nor data without its change.
public struct StoreChange: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// A new current version of a script: an upload, new content, a rollback.
        case scriptDeployed = "script.deployed"
        /// A new version that changes only the script's settings (bindings, compatibility...).
        case settingsChanged = "script.settings"
        /// A new version that changes only the script's secrets.
        case secretsChanged = "script.secrets"
        /// The script's tags (no new version).
        case tagsChanged = "script.tags"
        case scriptDeleted = "script.deleted"
        /// `namespace` was renamed to `newNamespace`.
        case namespaceRenamed = "namespace.renamed"
        /// A namespace setting (`trusted_workers`) changed.
        case namespaceChanged = "namespace.changed"
        /// The namespace, with all its scripts, is gone.
        case namespaceDeleted = "namespace.deleted"
        /// A zone, a custom hostname (its status too) or a fallback origin was created, changed or
        /// deleted. `hostname` names the custom hostname when there is one.
        case hostnamesChanged = "hostnames.changed"
    }

    /// Position in the feed: 1, 2, 3... in commit order, never reused (also once trimmed).
    public var sequence: Int64
    public var kind: Kind
    public var accountID: String
    public var namespace: String?
    /// The new name of a renamed namespace.
    public var newNamespace: String?
    public var script: String?
    public var hostname: String?
    /// The script's new current version, for changes that make one.
    public var versionID: String?

    public init(
        sequence: Int64, kind: Kind, accountID: String, namespace: String? = nil, newNamespace: String? = nil,
        script: String? = nil, hostname: String? = nil, versionID: String? = nil
    ) {
        self.sequence = sequence
        self.kind = kind
        self.accountID = accountID
        self.namespace = namespace
        self.newNamespace = newNamespace
        self.script = script
        self.hostname = hostname
        self.versionID = versionID
    }

    /// The kind of a deploy whose version was made by `source` (``NewVersion/source``).
    public static func deployKind(source: String) -> Kind {
        switch source {
        case "settings": .settingsChanged
        case "secrets": .secretsChanged
        default: .scriptDeployed
        }
    }
}

/// What ``ChangeFeed/changes(after:limit:)`` found.
public struct ChangeBatch: Sendable, Equatable {
    /// The changes after the asked sequence number, in order, at most the asked limit.
    public var changes: [StoreChange]
    /// The last sequence number committed when the batch was read.
    public var head: Int64
    /// Some changes after the asked sequence number were trimmed from the log (`changes` starts
    /// later than asked), or are of a kind this version does not know (left out): a follower
    /// must rebuild its caches from the store instead of applying them one by one.
    public var mustReset: Bool

    public init(changes: [StoreChange], head: Int64, mustReset: Bool) {
        self.changes = changes
        self.head = head
        self.mustReset = mustReset
    }
}

/// The ordered log of committed changes (``StoreChange``), for caches of the store to follow.
///
/// Several processes may share one store: a follower learns of its own process's commits at once
/// through ``onCommit(_:)`` and of other processes' by reading the log again (a poll, or a
/// PostgreSQL `LISTEN`/`NOTIFY` later); either way it reads ``changes(after:limit:)`` from its
/// last sequence number, so a missed or coalesced signal loses nothing.
public protocol ChangeFeed: Sendable {
    /// Up to `limit` changes with a sequence number above `sequence`, oldest first.
    func changes(after sequence: Int64, limit: Int) async throws -> ChangeBatch
    /// The last sequence number committed (0 before any change).
    func changeHead() async throws -> Int64
    /// Calls `listener` with the new head after each commit of this process that wrote changes.
    /// The call happens on the committing task, after the commit: keep it short (signal a task).
    func onCommit(_ listener: @escaping @Sendable (Int64) -> Void)
}

import SwitchyardModel

/// One immutable version of a script as stored.
public struct VersionRecord: Sendable, Equatable {
    public var id: String
    /// 1, 2, 3... per script.
    public var number: Int
    /// Hash of the version's modules and settings.
    public var etag: String
    public var createdOn: String
    /// What created it: `upload`, `content`, `settings`, `secrets`, `rollback`.
    public var source: String
    public var settings: VersionSettings
    public var modules: [ModuleDescriptor]

    public init(
        id: String, number: Int, etag: String, createdOn: String, source: String, settings: VersionSettings,
        modules: [ModuleDescriptor]
    ) {
        self.id = id
        self.number = number
        self.etag = etag
        self.createdOn = createdOn
        self.source = source
        self.settings = settings
        self.modules = modules
    }
}

/// A script in a namespace with its current version.
public struct ScriptRecord: Sendable, Equatable {
    public var namespace: String
    public var name: String
    /// The script's immutable id (Cloudflare's script `tag`).
    public var tag: String
    public var createdOn: String
    public var modifiedOn: String
    public var tags: [String]
    public var current: VersionRecord

    public init(
        namespace: String, name: String, tag: String, createdOn: String, modifiedOn: String, tags: [String],
        current: VersionRecord
    ) {
        self.namespace = namespace
        self.name = name
        self.tag = tag
        self.createdOn = createdOn
        self.modifiedOn = modifiedOn
        self.tags = tags
        self.current = current
    }
}

/// A version to store.
public struct NewVersion: Sendable {
    public var settings: VersionSettings
    /// The modules, in order; each one's bytes are either in `blobs` or already stored.
    public var modules: [ModuleDescriptor]
    /// Module bytes by SHA-256 hex; already-stored blobs may be left out.
    public var blobs: [String: [UInt8]]
    public var source: String
    /// When set, the deploy fails with `preconditionFailed` unless this is still the current
    /// version (read-modify-write of settings and secrets); `""` means "the script must not exist".
    public var basedOn: String?
    /// Tags to set on the script with this deploy (`nil`: keep the script's tags).
    public var tags: [String]?

    public init(
        settings: VersionSettings, modules: [ModuleDescriptor], blobs: [String: [UInt8]], source: String,
        basedOn: String? = nil, tags: [String]? = nil
    ) {
        self.settings = settings
        self.modules = modules
        self.blobs = blobs
        self.source = source
        self.basedOn = basedOn
        self.tags = tags
    }
}

/// The `tags=a:yes,b:no` filter: scripts that have every `required` tag and none of `excluded`.
public struct TagFilter: Sendable, Equatable {
    public var required: [String]
    public var excluded: [String]

    public init(required: [String] = [], excluded: [String] = []) {
        self.required = required
        self.excluded = excluded
    }

    public var isEmpty: Bool { required.isEmpty && excluded.isEmpty }

    /// Whether a script with `tags` passes.
    public func matches(_ tags: [String]) -> Bool {
        required.allSatisfy(tags.contains) && !excluded.contains(where: tags.contains)
    }
}

/// A page of a list: 1-based `page` of `perPage` items.
public struct PageRequest: Sendable, Equatable {
    public var page: Int
    public var perPage: Int

    public init(page: Int = 1, perPage: Int = 1000) {
        self.page = max(1, page)
        self.perPage = max(1, perPage)
    }

    public var offset: Int { (page - 1) * perPage }
}

/// A page of items and how many there are in all.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var totalCount: Int

    public init(items: [Item], totalCount: Int) {
        self.items = items
        self.totalCount = totalCount
    }
}

/// The counters ``ServerRunStore`` keeps.
public struct ServerRunCounters: Sendable, Equatable {
    /// Starts of the server, ever.
    public var starts: Int
    /// Starts that found the previous run had not shut down cleanly.
    public var crashes: Int
    /// When the last of those starts happened (ISO 8601).
    public var lastCrashDetectedOn: String?

    public init(starts: Int = 0, crashes: Int = 0, lastCrashDetectedOn: String? = nil) {
        self.starts = starts
        self.crashes = crashes
        self.lastCrashDetectedOn = lastCrashDetectedOn
    }
}

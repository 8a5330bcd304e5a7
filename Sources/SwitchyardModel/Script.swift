/// A script as the API shows it (`Script` in the SDKs).
public struct Script: Encodable, Sendable, Equatable {
    public var id: String
    public var tag: String
    public var etag: String
    public var createdOn: String
    public var modifiedOn: String
    public var compatibilityDate: String
    public var compatibilityFlags: [String]
    public var handlers: [String]
    public var hasAssets: Bool
    public var hasModules: Bool
    public var lastDeployedFrom: String
    public var logpush: Bool
    public var usageModel: String
    public var tags: [String]
    public var tailConsumers: [JSON]?
    public var observability: JSON?
    public var placement: JSON?
    public var migrationTag: String?
    /// The current version's id (`deployment_id` in upload results).
    public var deploymentID: String
    /// Only in upload results.
    public var startupTimeMs: Int?
    public var entryPoint: String?

    public init(
        id: String, tag: String, etag: String, createdOn: String, modifiedOn: String, compatibilityDate: String,
        compatibilityFlags: [String], handlers: [String], hasAssets: Bool = false, hasModules: Bool,
        lastDeployedFrom: String, logpush: Bool, usageModel: String, tags: [String], tailConsumers: [JSON]?,
        observability: JSON?, placement: JSON?, migrationTag: String?, deploymentID: String,
        startupTimeMs: Int? = nil, entryPoint: String? = nil
    ) {
        self.id = id
        self.tag = tag
        self.etag = etag
        self.createdOn = createdOn
        self.modifiedOn = modifiedOn
        self.compatibilityDate = compatibilityDate
        self.compatibilityFlags = compatibilityFlags
        self.handlers = handlers
        self.hasAssets = hasAssets
        self.hasModules = hasModules
        self.lastDeployedFrom = lastDeployedFrom
        self.logpush = logpush
        self.usageModel = usageModel
        self.tags = tags
        self.tailConsumers = tailConsumers
        self.observability = observability
        self.placement = placement
        self.migrationTag = migrationTag
        self.deploymentID = deploymentID
        self.startupTimeMs = startupTimeMs
        self.entryPoint = entryPoint
    }

    enum CodingKeys: String, CodingKey {
        case id, tag, etag, handlers, logpush, tags, observability, placement
        case createdOn = "created_on"
        case modifiedOn = "modified_on"
        case compatibilityDate = "compatibility_date"
        case compatibilityFlags = "compatibility_flags"
        case hasAssets = "has_assets"
        case hasModules = "has_modules"
        case lastDeployedFrom = "last_deployed_from"
        case usageModel = "usage_model"
        case tailConsumers = "tail_consumers"
        case migrationTag = "migration_tag"
        case deploymentID = "deployment_id"
        case startupTimeMs = "startup_time_ms"
        case entryPoint = "entry_point"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(tag, forKey: .tag)
        try c.encode(etag, forKey: .etag)
        try c.encode(createdOn, forKey: .createdOn)
        try c.encode(modifiedOn, forKey: .modifiedOn)
        try c.encode(compatibilityDate, forKey: .compatibilityDate)
        try c.encode(compatibilityFlags, forKey: .compatibilityFlags)
        try c.encode(handlers, forKey: .handlers)
        try c.encode(hasAssets, forKey: .hasAssets)
        try c.encode(hasModules, forKey: .hasModules)
        try c.encode(lastDeployedFrom, forKey: .lastDeployedFrom)
        try c.encode(logpush, forKey: .logpush)
        try c.encode(usageModel, forKey: .usageModel)
        try c.encode(tags, forKey: .tags)
        if let tailConsumers { try c.encode(tailConsumers, forKey: .tailConsumers) } else { try c.encodeNil(forKey: .tailConsumers) }
        try c.encodeIfPresent(observability, forKey: .observability)
        try c.encodeIfPresent(placement, forKey: .placement)
        try c.encodeIfPresent(migrationTag, forKey: .migrationTag)
        try c.encode(deploymentID, forKey: .deploymentID)
        try c.encodeIfPresent(startupTimeMs, forKey: .startupTimeMs)
        try c.encodeIfPresent(entryPoint, forKey: .entryPoint)
    }
}

/// A script in a namespace (`NamespaceScript`): `{created_on, modified_on, dispatch_namespace, script}`.
public struct NamespaceScript: Encodable, Sendable, Equatable {
    public var createdOn: String
    public var modifiedOn: String
    public var dispatchNamespace: String
    public var script: Script

    public init(createdOn: String, modifiedOn: String, dispatchNamespace: String, script: Script) {
        self.createdOn = createdOn
        self.modifiedOn = modifiedOn
        self.dispatchNamespace = dispatchNamespace
        self.script = script
    }

    enum CodingKeys: String, CodingKey {
        case script
        case createdOn = "created_on"
        case modifiedOn = "modified_on"
        case dispatchNamespace = "dispatch_namespace"
    }
}

/// `GET/PATCH .../settings` (`ScriptSettings`).
public struct ScriptSettings: Encodable, Sendable, Equatable {
    public var bindings: [Binding]
    public var compatibilityDate: String
    public var compatibilityFlags: [String]
    public var limits: ScriptLimits
    public var logpush: Bool
    public var observability: JSON?
    public var placement: JSON?
    public var tags: [String]
    public var tailConsumers: [JSON]?
    public var usageModel: String
    public var extra: [String: JSON]

    public init(settings: VersionSettings, tags: [String]) {
        bindings = settings.bindings.map(\.redacted)
        compatibilityDate = settings.compatibilityDate
        compatibilityFlags = settings.compatibilityFlags
        limits = settings.limits ?? ScriptLimits()
        logpush = settings.logpush
        observability = settings.observability
        placement = settings.placement
        self.tags = tags
        tailConsumers = settings.tailConsumers
        usageModel = settings.usageModel
        extra = settings.extra
    }

    enum CodingKeys: String, CodingKey {
        case bindings, limits, logpush, observability, placement, tags
        case compatibilityDate = "compatibility_date"
        case compatibilityFlags = "compatibility_flags"
        case tailConsumers = "tail_consumers"
        case usageModel = "usage_model"
    }

    public func encode(to encoder: any Encoder) throws {
        var object: [String: JSON] = extra
        object["bindings"] = .array(bindings.map(\.json))
        object["compatibility_date"] = .string(compatibilityDate)
        object["compatibility_flags"] = .array(compatibilityFlags.map { .string($0) })
        var limitsObject: [String: JSON] = [:]
        if let cpu = limits.cpuMs { limitsObject["cpu_ms"] = .number(Double(cpu)) }
        if let sub = limits.subrequests { limitsObject["subrequests"] = .number(Double(sub)) }
        if let memory = limits.memoryMB { limitsObject["memory_mb"] = .number(Double(memory)) }
        object["limits"] = .object(limitsObject)
        object["logpush"] = .bool(logpush)
        object["observability"] = observability ?? .null
        if let placement { object["placement"] = placement }
        object["tags"] = .array(tags.map { .string($0) })
        object["tail_consumers"] = tailConsumers.map { .array($0) } ?? .null
        object["usage_model"] = .string(usageModel)
        try JSON.object(object).encode(to: encoder)
    }
}

/// A secret as the API shows it: never its value.
public struct SecretInfo: Codable, Sendable, Equatable {
    public var name: String
    public var type: String

    public init(name: String, type: String) {
        self.name = name
        self.type = type
    }
}

/// Result of a bulk delete by tags.
public struct BulkDeleteResult: Codable, Sendable, Equatable {
    public struct Deleted: Codable, Sendable, Equatable {
        public var id: String
        public init(id: String) { self.id = id }
    }

    public var deleted: [Deleted]
    public var deletedCount: Int
    public var hasMore: Bool

    public init(deleted: [Deleted], hasMore: Bool) {
        self.deleted = deleted
        self.deletedCount = deleted.count
        self.hasMore = hasMore
    }

    enum CodingKeys: String, CodingKey {
        case deleted
        case deletedCount = "deleted_count"
        case hasMore = "has_more"
    }
}

/// One version of a script, as listed by `GET .../scripts/{script}/versions`.
public struct VersionInfo: Codable, Sendable, Equatable {
    public var id: String
    public var number: Int
    public var etag: String
    public var createdOn: String
    /// What made the version: `upload`, `settings`, `secrets`, `content`, `rollback`.
    public var source: String
    /// Whether it is the version being served.
    public var current: Bool

    public init(id: String, number: Int, etag: String, createdOn: String, source: String, current: Bool) {
        self.id = id
        self.number = number
        self.etag = etag
        self.createdOn = createdOn
        self.source = source
        self.current = current
    }

    enum CodingKeys: String, CodingKey {
        case id, number, etag, source, current
        case createdOn = "created_on"
    }
}

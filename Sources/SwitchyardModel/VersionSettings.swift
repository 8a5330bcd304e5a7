/// Everything a version carries besides its modules: entry point, bindings (secrets included),
/// compatibility, limits and the settings Cloudflare returns as-is.
///
/// Stored with each immutable version; the API derives `Script`, `ScriptSettings` and the
/// bindings list from it.
public struct VersionSettings: Codable, Sendable, Equatable {
    /// Entry module of an ES-module worker.
    public var mainModule: String?
    /// Entry script of a service-worker-syntax worker.
    public var bodyPart: String?
    public var bindings: [Binding]
    public var compatibilityDate: String
    public var compatibilityFlags: [String]
    public var limits: ScriptLimits?
    public var usageModel: String
    public var logpush: Bool
    public var tailConsumers: [JSON]?
    public var observability: JSON?
    public var placement: JSON?
    /// Other metadata fields, kept and returned unchanged (`migrations`, `cache_options`, ...).
    public var extra: [String: JSON]
    /// Event handlers the worker exports, as found by validation (`fetch`, `scheduled`...).
    public var handlers: [String]

    /// Compatibility date given to uploads that do not set one.
    public static let defaultCompatibilityDate = "2021-11-02"

    public init(
        mainModule: String? = nil, bodyPart: String? = nil, bindings: [Binding] = [],
        compatibilityDate: String = VersionSettings.defaultCompatibilityDate, compatibilityFlags: [String] = [],
        limits: ScriptLimits? = nil, usageModel: String = "standard", logpush: Bool = false,
        tailConsumers: [JSON]? = nil, observability: JSON? = nil, placement: JSON? = nil, extra: [String: JSON] = [:],
        handlers: [String] = []
    ) {
        self.handlers = handlers
        self.mainModule = mainModule
        self.bodyPart = bodyPart
        self.bindings = bindings
        self.compatibilityDate = compatibilityDate
        self.compatibilityFlags = compatibilityFlags
        self.limits = limits
        self.usageModel = usageModel
        self.logpush = logpush
        self.tailConsumers = tailConsumers
        self.observability = observability
        self.placement = placement
        self.extra = extra
    }

    enum CodingKeys: String, CodingKey {
        case mainModule = "main_module"
        case bodyPart = "body_part"
        case bindings
        case compatibilityDate = "compatibility_date"
        case compatibilityFlags = "compatibility_flags"
        case limits
        case usageModel = "usage_model"
        case logpush
        case tailConsumers = "tail_consumers"
        case observability, placement, extra, handlers
    }

    /// Name of the entry module, whichever syntax.
    public var entryPoint: String? { mainModule ?? bodyPart }
}

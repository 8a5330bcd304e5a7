import Foundation
import SwitchyardData

/// One immutable version of a worker: its code, bindings and limits.
///
/// Isolates are cached per ``versionID``: a new upload (or a reload in `switchyard dev`) is a
/// new `WorkerScript` with a new version id.
public final class WorkerScript: Sendable {
    public enum Format: Sendable, Equatable {
        /// ES modules; `main` names the entry module, whose default export handles events.
        case modules(main: String)
        /// A classic script using `addEventListener("fetch", ...)`.
        case serviceWorker(name: String)
    }

    public struct Module: Sendable, Equatable {
        public var name: String
        public var kind: WorkerModuleKind
        public var content: [UInt8]

        public init(name: String, kind: WorkerModuleKind, content: [UInt8]) {
            self.name = name
            self.kind = kind
            self.content = content
        }
    }

    public let name: String
    public let versionID: String
    public let format: Format
    public let modules: [Module]
    /// Plain bindings (`vars`, JSON) as a JSON object text: `{"NAME": value, ...}`.
    public let plainBindingsJSON: String
    /// Bindings that call other workers (`service`, `dispatch_namespace`).
    public let bindings: [WorkerBinding]
    public let limits: WorkerLimits
    public let compatibilityDate: String
    /// Whether requests delivered by another worker (a dispatcher) carry `request.cf`: user
    /// workers of an untrusted namespace (Cloudflare's default) see `undefined`, since `cf` holds
    /// the platform's fields; trusted namespaces and the account's own workers see it.
    public let receivesRequestCf: Bool
    /// Whose Cache API storage `caches` reaches; by default the worker's own, under its name.
    public let cache: WorkerCacheScope

    public init(
        name: String, versionID: String, format: Format, modules: [Module], plainBindingsJSON: String = "{}",
        bindings: [WorkerBinding] = [], limits: WorkerLimits = .init(), compatibilityDate: String = "2021-11-02",
        receivesRequestCf: Bool = true, cache: WorkerCacheScope? = nil
    ) {
        self.name = name
        self.versionID = versionID
        self.format = format
        self.modules = modules
        self.plainBindingsJSON = plainBindingsJSON
        self.bindings = bindings
        self.limits = limits
        self.compatibilityDate = compatibilityDate
        self.receivesRequestCf = receivesRequestCf
        self.cache = cache ?? .worker(accountID: "", script: name)
    }
}

/// Which Cache API storage a worker reaches, and whether `caches.default` works for it, as
/// Cloudflare's worker isolation has it: the account's own workers each have theirs; a user
/// worker of an untrusted dispatch namespace has caches of its own and no `caches.default`
/// ("disabled for all Workers in the namespace"); the user workers of a trusted namespace share
/// one cache space, `caches.default` included.
public struct WorkerCacheScope: Sendable, Equatable {
    public var scope: CacheScope
    public var defaultCacheEnabled: Bool

    public init(scope: CacheScope, defaultCacheEnabled: Bool) {
        self.scope = scope
        self.defaultCacheEnabled = defaultCacheEnabled
    }

    /// One of the account's own workers (a dispatcher, an outbound worker, a service).
    public static func worker(accountID: String, script: String) -> WorkerCacheScope {
        WorkerCacheScope(scope: .worker(accountID: accountID, script: script), defaultCacheEnabled: true)
    }

    /// A user worker of a dispatch namespace; `trusted` when the namespace has `trusted_workers`.
    public static func userWorker(accountID: String, namespace: String, script: String, trusted: Bool) -> WorkerCacheScope {
        trusted
            ? WorkerCacheScope(scope: .namespace(accountID: accountID, namespace: namespace), defaultCacheEnabled: true)
            : WorkerCacheScope(scope: .userWorker(accountID: accountID, namespace: namespace, script: script), defaultCacheEnabled: false)
    }
}

extension WorkerScript {
    /// The kinds and names of ``bindings``, in order, for the runtime's JavaScript:
    /// `[["service","AUTH"],["dispatch_namespace","DISPATCHER"]]`.
    var workerBindingsJSON: String {
        let pairs = bindings.map { [$0.kind, $0.name] }
        return (try? JSONEncoder().encode(pairs)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }
}

/// Per-worker resource limits.
public struct WorkerLimits: Sendable, Equatable {
    /// CPU time one request may use, in milliseconds.
    public var cpuMilliseconds: Int
    /// The isolate's whole footprint (heap, ArrayBuffers), in MiB.
    public var memoryMegabytes: Int
    /// How long `ctx.waitUntil()` work may run after the response, in milliseconds.
    public var waitUntilMilliseconds: Int
    /// Subrequests (`fetch()` calls, each redirect followed counting as one) one invocation may
    /// make: Cloudflare's `limits.subrequests`, whose default on the paid plan is 10,000
    /// (the free plan allows 50; configurable up to 10,000,000).
    public var subrequests: Int
    /// WebSockets one isolate may hold open at once (its requests' together); one more is refused
    /// with an error that says so.
    public var webSockets: Int

    public init(
        cpuMilliseconds: Int = 30_000, memoryMegabytes: Int = 128, waitUntilMilliseconds: Int = 30_000,
        subrequests: Int = 10_000, webSockets: Int = 256
    ) {
        self.cpuMilliseconds = cpuMilliseconds
        self.memoryMegabytes = memoryMegabytes
        self.waitUntilMilliseconds = waitUntilMilliseconds
        self.subrequests = subrequests
        self.webSockets = webSockets
    }
}

/// How the bytes of a worker module are presented to the worker (Cloudflare's module types).
public enum WorkerModuleKind: Sendable, Equatable {
    /// An ES module (`import` / `export`).
    case esModule
    /// A string: `import text from "./a.txt"`.
    case text
    /// An ArrayBuffer: `import data from "./a.bin"`.
    case data
    /// A parsed JSON value.
    case json
    /// A `WebAssembly.Module`.
    case wasm
    /// CommonJS (`module.exports`, `require()`); imported, its default export is `module.exports`.
    case commonJS
}

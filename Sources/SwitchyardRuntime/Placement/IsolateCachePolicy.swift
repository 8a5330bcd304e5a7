import Foundation

/// How many warm isolates the process keeps, for how long, and when a worker gets replicas
/// (``WorkerRuntime/Configuration/isolates``).
public struct IsolateCachePolicy: Sendable, Equatable {
    /// The bound of all warm isolates' memory (V8 heap plus ArrayBuffers plus a fixed cost per
    /// isolate, ``isolateOverheadBytes``). Past it, the least recently used idle isolates are
    /// evicted. Each executor keeps its share (the bound divided by the executor count).
    public var memoryBudgetBytes: Int
    /// The bound of warm isolates in the process, whatever their size.
    public var maximumIsolates: Int
    /// An isolate that served no request for this long is evicted.
    public var idleTimeoutSeconds: Int
    /// Requests of one worker per second that an executor may forward to the executor holding
    /// its isolate; past it, the executor makes a replica of its own. A replica whose executor
    /// serves fewer than a quarter of that per second is given back (the last holder stays).
    public var replicaRequestsPerSecond: Int
    /// At most this many executors hold an isolate of one worker version (nil: all of them).
    public var maximumReplicas: Int?

    /// A quarter of the machine's memory; a count that keeps V8's memory mappings within the
    /// kernel's per-process limit (``defaultMaximumIsolates``); 10 minutes; 64 requests/s.
    public init(
        memoryBudgetBytes: Int = Self.defaultMemoryBudgetBytes, maximumIsolates: Int = Self.defaultMaximumIsolates,
        idleTimeoutSeconds: Int = 600, replicaRequestsPerSecond: Int = 64, maximumReplicas: Int? = nil
    ) {
        self.memoryBudgetBytes = memoryBudgetBytes
        self.maximumIsolates = maximumIsolates
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.replicaRequestsPerSecond = replicaRequestsPerSecond
        self.maximumReplicas = maximumReplicas
    }

    public static let defaultMemoryBudgetBytes = Int(ProcessInfo.processInfo.physicalMemory / 4)

    /// What an idle isolate costs beyond its V8 heap: the isolate and context structures, its
    /// code space and stacks, malloc'd tables (measured on libnode 18: RSS per warm hello-world
    /// isolate less its reported heap).
    public static let isolateOverheadBytes = 512 * 1024

    /// V8 maps each isolate's heap in several regions, and Linux refuses new mappings past
    /// `vm.max_map_count` (65,530 by default), which V8 answers by aborting the process. The
    /// default count keeps inside it with room for the rest of the process (measured with
    /// Benchmarks/density.sh: 16 mappings per warm hello-world isolate; 20 are allowed for). On a
    /// machine meant for more isolates, raise the sysctl: the default follows it.
    public static let defaultMaximumIsolates: Int = {
        let limit = (try? String(contentsOfFile: "/proc/sys/vm/max_map_count", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 65_530
        return max(100, (limit - 8_192) / 20)
    }()
}

/// Per-script limits (`limits` in upload metadata and settings): Cloudflare's `cpu_ms` and
/// `subrequests`, plus Switchyard's `memory_mb`.
public struct ScriptLimits: Codable, Sendable, Equatable {
    public var cpuMs: Int?
    public var subrequests: Int?
    public var memoryMB: Int?

    public init(cpuMs: Int? = nil, subrequests: Int? = nil, memoryMB: Int? = nil) {
        self.cpuMs = cpuMs
        self.subrequests = subrequests
        self.memoryMB = memoryMB
    }

    enum CodingKeys: String, CodingKey {
        case cpuMs = "cpu_ms"
        case subrequests
        case memoryMB = "memory_mb"
    }

    /// The largest values accepted.
    public static let maximum = ScriptLimits(cpuMs: 300_000, subrequests: 10_000_000, memoryMB: 1024)
    /// The smallest values accepted.
    public static let minimum = ScriptLimits(cpuMs: 1, subrequests: 0, memoryMB: 8)
}

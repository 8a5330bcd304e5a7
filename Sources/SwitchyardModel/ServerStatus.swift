/// What `GET /client/v4/switchyard/status` reports about the running `switchyard serve`
/// (a Switchyard extension; Cloudflare has no such endpoint).
///
/// The counters belong to the data directory and survive restarts: `starts` counts every start
/// of `serve` on it, `crashCount` the starts that found the previous run had not shut down
/// cleanly (killed, crashed, out of memory, power lost).
public struct ServerStatus: Codable, Sendable, Equatable {
    /// When this run started (ISO 8601).
    public var startedOn: String
    /// Seconds since this run started.
    public var uptimeSeconds: Double
    /// Process id of this run.
    public var pid: Int
    /// Starts of `switchyard serve` on this data directory, this one included.
    public var starts: Int
    /// Runs that ended without a clean shutdown, as found by the starts after them.
    public var crashCount: Int
    /// When the last of those was found (ISO 8601), `nil` when there was none.
    public var lastCrashDetectedOn: String?
    /// Whether the run before this one ended without a clean shutdown.
    public var previousRunCrashed: Bool

    public init(
        startedOn: String, uptimeSeconds: Double, pid: Int, starts: Int, crashCount: Int, lastCrashDetectedOn: String?,
        previousRunCrashed: Bool
    ) {
        self.startedOn = startedOn
        self.uptimeSeconds = uptimeSeconds
        self.pid = pid
        self.starts = starts
        self.crashCount = crashCount
        self.lastCrashDetectedOn = lastCrashDetectedOn
        self.previousRunCrashed = previousRunCrashed
    }

    enum CodingKeys: String, CodingKey {
        case startedOn = "started_on"
        case uptimeSeconds = "uptime_seconds"
        case pid, starts
        case crashCount = "crash_count"
        case lastCrashDetectedOn = "last_crash_detected_on"
        case previousRunCrashed = "previous_run_crashed"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(startedOn, forKey: .startedOn)
        try container.encode(uptimeSeconds, forKey: .uptimeSeconds)
        try container.encode(pid, forKey: .pid)
        try container.encode(starts, forKey: .starts)
        try container.encode(crashCount, forKey: .crashCount)
        // Always present, `null` when no crash was found.
        try container.encode(lastCrashDetectedOn, forKey: .lastCrashDetectedOn)
        try container.encode(previousRunCrashed, forKey: .previousRunCrashed)
    }
}

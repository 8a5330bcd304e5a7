import Foundation
import SwitchyardAPI
import SwitchyardModel
import SwitchyardStore

#if canImport(Glibc)
import Glibc
#endif

/// This run of `switchyard serve`: when it started and the data directory's run counters as its
/// start left them. Answers `GET /switchyard/status` (``ServerStatusProvider``).
///
/// The counters change only when a server starts, and a started server holds its data
/// directory's ``RunMarker``, so the values read at start stay true for the whole run.
public struct ServerRun: ServerStatusProvider {
    /// When this run started (ISO 8601).
    public let startedOn: String
    public let pid: Int32
    /// Whether the run before this one did not shut down cleanly.
    public let previousRunCrashed: Bool
    /// The process id that run left in the marker, when it crashed.
    public let previousPID: Int32?
    /// The counters after this start was recorded.
    public let counters: ServerRunCounters
    let started: ContinuousClock.Instant

    /// Crashes found on this data directory, the previous run's included.
    public var crashCount: Int { counters.crashes }

    public init(previousRunCrashed: Bool, previousPID: Int32? = nil, counters: ServerRunCounters) {
        startedOn = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        started = .now
        pid = getpid()
        self.previousRunCrashed = previousRunCrashed
        self.previousPID = previousRunCrashed ? previousPID : nil
        self.counters = counters
    }

    public func serverStatus() async throws -> ServerStatus {
        let uptime = ContinuousClock.now - started
        let seconds = Double(uptime.components.seconds) + Double(uptime.components.attoseconds) / 1e18
        return ServerStatus(
            startedOn: startedOn, uptimeSeconds: (seconds * 1000).rounded() / 1000, pid: Int(pid),
            starts: counters.starts, crashCount: counters.crashes, lastCrashDetectedOn: counters.lastCrashDetectedOn,
            previousRunCrashed: previousRunCrashed)
    }
}

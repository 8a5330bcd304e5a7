import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Stops processes a test started, judged by `/proc` rather than `Process.isRunning` (which
/// lagged behind in CI and let `switchyard serve` processes outlive their tests).
public enum ChildProcess {
    /// This process's environment, plus the switch that makes a `switchyard` child end itself
    /// once this process is gone, even after a crash that skipped every `stop`.
    public static var tiedEnvironment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["SWITCHYARD_EXIT_WITH_PARENT"] = "1"
        return environment
    }

    /// Whether `pid` is still running; a zombie waiting to be reaped has ended.
    public static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")"), let state = stat[close...].dropFirst(2).first
        else { return false }
        return state != "Z" && state != "X"
    }

    /// Sends `signal` (SIGTERM by default), waits up to `grace` for the process to end, then
    /// SIGKILLs it and waits for that too.
    public static func stop(_ process: Process, signal: Int32 = SIGTERM, grace: Duration = .seconds(15)) async {
        let pid = process.processIdentifier
        guard isAlive(pid) else { return }
        _ = kill(pid, signal)
        let deadline = ContinuousClock.now + grace
        while isAlive(pid), ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if isAlive(pid) { _ = kill(pid, SIGKILL) }
        while isAlive(pid) { try? await Task.sleep(for: .milliseconds(20)) }
    }

    /// ``stop(_:signal:grace:)`` for synchronous callers.
    public static func stopBlocking(_ process: Process, grace: Duration = .seconds(15)) {
        let pid = process.processIdentifier
        guard isAlive(pid) else { return }
        _ = kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while isAlive(pid), ContinuousClock.now < deadline { usleep(20_000) }
        if isAlive(pid) { _ = kill(pid, SIGKILL) }
        while isAlive(pid) { usleep(20_000) }
    }
}

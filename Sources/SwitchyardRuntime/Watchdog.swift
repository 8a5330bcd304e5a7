import Foundation
import SwitchyardJS

#if canImport(Glibc)
import Glibc
#endif

/// Enforces CPU limits: while JavaScript runs for a request, a watchdog thread compares the
/// executor thread's CPU clock with the request's remaining budget and terminates the isolate
/// when it is spent. Loops in microtasks and catastrophic regular expressions are stopped the
/// same way, because termination does not depend on the script's cooperation.
public final class Watchdog: @unchecked Sendable {
    // Safe: `active` and `running` are only touched with `condition` locked.

    private struct Execution {
        var handle: JSIsolate.TerminationHandle
        var clock: clockid_t
        var startCPU: UInt64
        var budget: UInt64
        var fired: Bool
    }

    /// What one execution cost, and whether the watchdog stopped it.
    public struct Usage: Sendable {
        public var cpuNanoseconds: UInt64
        public var exceeded: Bool
    }

    private let condition = NSCondition()
    private var active: [ObjectIdentifier: Execution] = [:]
    private var thread: Thread?
    /// True while the watchdog thread sleeps on `condition` (nothing ran for a while); only then
    /// does `enter` pay for a wake-up.
    private var parked = false
    private let tick: TimeInterval
    /// Ticks without any execution before the thread parks.
    private let idleTicksBeforeParking = 200

    public static let shared = Watchdog()

    /// - Parameter tickMilliseconds: how often budgets are checked while code runs.
    public init(tickMilliseconds: Double = 1) {
        self.tick = tickMilliseconds / 1000
    }

    /// Starts timing `owner`'s execution on the calling thread with `budget` nanoseconds left.
    public func enter(_ owner: AnyObject, handle: JSIsolate.TerminationHandle, budget: UInt64) {
        var clock = clockid_t()
        pthread_getcpuclockid(pthread_self(), &clock)
        let start = Self.cpuTime(clock)
        condition.lock()
        active[ObjectIdentifier(owner)] = Execution(
            handle: handle, clock: clock, startCPU: start, budget: budget, fired: false)
        if thread == nil { startThread() }
        if parked { condition.signal() }
        condition.unlock()
    }

    /// Stops timing `owner`; returns the CPU time used since `enter`.
    public func exit(_ owner: AnyObject) -> Usage {
        condition.lock()
        let execution = active.removeValue(forKey: ObjectIdentifier(owner))
        condition.unlock()
        guard let execution else { return Usage(cpuNanoseconds: 0, exceeded: false) }
        let used = Self.cpuTime(execution.clock) &- execution.startCPU
        return Usage(cpuNanoseconds: used, exceeded: execution.fired || used > execution.budget)
    }

    private func startThread() {
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "switchyard-watchdog"
        thread.stackSize = 256 * 1024
        self.thread = thread
        thread.start()
    }

    private func run() {
        var idleTicks = 0
        while true {
            condition.lock()
            idleTicks = active.isEmpty ? idleTicks + 1 : 0
            if idleTicks > idleTicksBeforeParking {
                parked = true
                while active.isEmpty { condition.wait() }
                parked = false
                idleTicks = 0
            }
            for (key, execution) in active where !execution.fired {
                if Self.cpuTime(execution.clock) &- execution.startCPU > execution.budget {
                    execution.handle.terminate()
                    active[key]?.fired = true
                }
            }
            condition.unlock()
            Thread.sleep(forTimeInterval: tick)
        }
    }

    static func cpuTime(_ clock: clockid_t) -> UInt64 {
        var time = timespec()
        clock_gettime(clock, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}

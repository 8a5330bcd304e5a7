import Foundation
import SwitchyardJS

#if canImport(Glibc)
import Glibc
#endif

/// Enforces CPU limits (and has long-running tasks check their memory): while JavaScript runs for a request, a watchdog thread compares the
/// executor thread's CPU time with the request's remaining budget and terminates the isolate
/// when it is spent. Loops in microtasks and catastrophic regular expressions are stopped the
/// same way, because termination does not depend on the script's cooperation.
///
/// Reading a thread's CPU clock is a system call, too slow to do twice per request on the hot
/// path. So a task is first timed with the monotonic clock (vDSO, no system call): a task that
/// ends within a watchdog tick is charged its wall time, an upper bound of its CPU time since
/// executor threads never block. A task still running at a tick is *adopted*: the watchdog
/// reads the thread's CPU clock then, and from there on counts real CPU time. Wall time before
/// adoption is charged up to two ticks only: beyond that it is time the machine was too busy to
/// run the watchdog (or the task), which must not count against a tenant.
public final class Watchdog: @unchecked Sendable {
    // Safe: `active`, `thread` and `parked` are only touched with `condition` locked.

    private struct Execution {
        var handle: JSIsolate.TerminationHandle
        var clock: clockid_t
        var startWall: UInt64
        var budget: UInt64
        /// Wall and CPU clock readings when the watchdog first saw the task running.
        var adopted: (wall: UInt64, cpu: UInt64)?
        var fired: Bool

        /// CPU time used so far: wall time until adoption (capped), CPU clock after.
        func used(nowWall: UInt64, wallCap: UInt64) -> UInt64 {
            guard let adopted else { return min(nowWall &- startWall, wallCap) }
            return min(adopted.wall &- startWall, wallCap) &+ (Watchdog.cpuTime(clock) &- adopted.cpu)
        }
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
    /// The most wall time charged as CPU time before the CPU clock is read.
    private let wallCap: UInt64
    /// Ticks without any execution before the thread parks.
    private let idleTicksBeforeParking = 200

    public static let shared = Watchdog()

    /// - Parameter tickMilliseconds: how often budgets are checked while code runs.
    public init(tickMilliseconds: Double = 1) {
        self.tick = tickMilliseconds / 1000
        self.wallCap = UInt64(2 * tickMilliseconds * 1_000_000)
    }

    /// Starts timing `owner`'s execution on the calling thread with `budget` nanoseconds left.
    public func enter(_ owner: AnyObject, handle: JSIsolate.TerminationHandle, budget: UInt64) {
        var clock = clockid_t()
        pthread_getcpuclockid(pthread_self(), &clock)
        let start = Self.wallTime()
        condition.lock()
        active[ObjectIdentifier(owner)] = Execution(
            handle: handle, clock: clock, startWall: start, budget: budget, adopted: nil, fired: false)
        if thread == nil { startThread() }
        if parked { condition.signal() }
        condition.unlock()
    }

    /// Stops timing `owner`; returns the CPU time used since `enter`.
    public func exit(_ owner: AnyObject) -> Usage {
        let now = Self.wallTime()
        condition.lock()
        let execution = active.removeValue(forKey: ObjectIdentifier(owner))
        condition.unlock()
        guard let execution else { return Usage(cpuNanoseconds: 0, exceeded: false) }
        let used = execution.used(nowWall: now, wallCap: wallCap)
        return Usage(cpuNanoseconds: used, exceeded: execution.fired || used > execution.budget)
    }

    /// Stops every execution it is timing now, as if its budget were spent (outcome
    /// `exceededCpu`): for a shutdown that cannot wait, and for tests.
    public func terminateAll() {
        condition.lock()
        for (key, execution) in active where !execution.fired {
            execution.handle.terminate()
            active[key]?.fired = true
        }
        condition.unlock()
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
            let now = Self.wallTime()
            for (key, execution) in active where !execution.fired {
                if execution.adopted == nil {
                    active[key]?.adopted = (wall: now, cpu: Self.cpuTime(execution.clock))
                } else if execution.used(nowWall: now, wallCap: wallCap) > execution.budget {
                    execution.handle.terminate()
                    active[key]?.fired = true
                } else {
                    // A long task: memory checks between tasks would come too late.
                    execution.handle.requestMemoryCheck()
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

    static func wallTime() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}

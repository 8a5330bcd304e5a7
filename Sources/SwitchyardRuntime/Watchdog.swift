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
///
/// The tick scales with the budgets it watches, a tenth of the smallest, between
/// `minimumTick` and `maximumTick`: a 10 ms limit is checked every millisecond, the default
/// 30 s one every 50 ms. Every wake-up preempts an executor on a busy machine, so waking a
/// thousand times a second for budgets of seconds would cost each request a share of a
/// context switch for nothing.
public final class Watchdog: @unchecked Sendable {
    // Safe: `active`, `thread`, `parked`, `tick` and `lastActive` are only touched with
    // `condition` locked.

    private struct Execution {
        var handle: JSIsolate.TerminationHandle
        var clock: clockid_t
        var startWall: UInt64
        var budget: UInt64
        /// The most wall time charged as CPU time before the CPU clock is read (two ticks).
        var wallCap: UInt64
        /// Wall and CPU clock readings when the watchdog first saw the task running.
        var adopted: (wall: UInt64, cpu: UInt64)?
        var fired: Bool

        /// CPU time used so far: wall time until adoption (capped), CPU clock after.
        func used(nowWall: UInt64) -> UInt64 {
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
    /// True while the watchdog thread sleeps on `condition` without a deadline (nothing ran for
    /// a while); only then, or when a budget needs a shorter tick, does `enter` pay for a wake-up.
    private var parked = false
    /// The current sleep between checks, in nanoseconds, and when it was last lowered or
    /// confirmed: it only grows back once no budget has needed it for `idleBeforeParking`, so a
    /// stream of short requests with small budgets does not signal the thread every time.
    private var tick: UInt64
    private var tickNeededAt: UInt64 = 0
    /// When an execution last started; the thread parks after `idleBeforeParking` without any.
    private var lastActive: UInt64 = 0
    private let minimumTick: UInt64
    private let maximumTick: UInt64
    private let idleBeforeParking: UInt64 = 200_000_000

    public static let shared = Watchdog()

    /// - Parameters:
    ///   - minimumTickMilliseconds: the shortest time between checks (for the smallest budgets).
    ///   - maximumTickMilliseconds: the longest (for budgets of seconds).
    public init(minimumTickMilliseconds: Double = 1, maximumTickMilliseconds: Double = 50) {
        minimumTick = UInt64(minimumTickMilliseconds * 1_000_000)
        maximumTick = UInt64(max(minimumTickMilliseconds, maximumTickMilliseconds) * 1_000_000)
        tick = maximumTick
    }

    private func tick(forBudget budget: UInt64) -> UInt64 {
        min(max(budget / 10, minimumTick), maximumTick)
    }

    /// Starts timing `owner`'s execution on the calling thread with `budget` nanoseconds left.
    public func enter(_ owner: AnyObject, handle: JSIsolate.TerminationHandle, budget: UInt64) {
        var clock = clockid_t()
        pthread_getcpuclockid(pthread_self(), &clock)
        let start = Self.wallTime()
        let tick = tick(forBudget: budget)
        condition.lock()
        active[ObjectIdentifier(owner)] = Execution(
            handle: handle, clock: clock, startWall: start, budget: budget, wallCap: 2 * tick, adopted: nil,
            fired: false)
        if thread == nil { startThread() }
        lastActive = start
        if tick <= self.tick {
            self.tickNeededAt = start
        }
        if parked || tick < self.tick {
            self.tick = tick
            condition.signal()
        }
        condition.unlock()
    }

    /// Stops timing `owner`; returns the CPU time used since `enter`.
    public func exit(_ owner: AnyObject) -> Usage {
        let now = Self.wallTime()
        condition.lock()
        let execution = active.removeValue(forKey: ObjectIdentifier(owner))
        condition.unlock()
        guard let execution else { return Usage(cpuNanoseconds: 0, exceeded: false) }
        let used = execution.used(nowWall: now)
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
        condition.lock()
        while true {
            var now = Self.wallTime()
            if active.isEmpty && now &- lastActive > idleBeforeParking {
                parked = true
                while active.isEmpty { condition.wait() }
                parked = false
                now = Self.wallTime()
            }
            var nextTick = maximumTick
            for (key, execution) in active where !execution.fired {
                nextTick = min(nextTick, execution.wallCap / 2)
                if execution.adopted == nil {
                    active[key]?.adopted = (wall: now, cpu: Self.cpuTime(execution.clock))
                } else if execution.used(nowWall: now) > execution.budget {
                    execution.handle.terminate()
                    active[key]?.fired = true
                } else {
                    // A long task: memory checks between tasks would come too late.
                    execution.handle.requestMemoryCheck()
                }
            }
            if nextTick <= tick {
                tick = nextTick
                tickNeededAt = now
            } else if now &- tickNeededAt > idleBeforeParking {
                tick = nextTick
            }
            // `enter` signals when a new budget needs a shorter tick than this one.
            _ = condition.wait(until: Date(timeIntervalSinceNow: Double(tick) / 1_000_000_000))
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

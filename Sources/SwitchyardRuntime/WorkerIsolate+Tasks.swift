import NIOCore
import SwitchyardJS

/// Tasks under the limits: every entry into JavaScript runs in a watchdog window charged to the
/// request whose task it is; a limit condemns the isolate.
extension WorkerIsolate {

    /// Runs one event (a request's start, a timer...) and then polls the requests in flight,
    /// all in one watchdog window: one pair of CPU clock reads per event. Limits are checked
    /// before polling, so a request that hit one is reported as such, not as an exception.
    func runTask(
        _ invocation: Invocation?, _ body: () throws(JSError) -> Void, onFailure: (JSError) -> Void
    ) {
        var failure: JSError?
        let result = runTask(invocation, checkMemoryAfter: false) { () throws(JSError) in
            do throws(JSError) {
                try body()
            } catch {
                failure = error
                if error.kind == .terminated { throw error }
            }
            self.memoryExceeded = self.exceedsMemory()
            if !self.memoryExceeded { try self.settle() }
        }
        startedPoll = nil  // not applied when the task hit a limit
        guard case .ready = state else { return }
        if case .failure(let error) = result { failure = error }
        if let failure { onFailure(failure) }
    }

    /// Runs one task under the CPU watchdog and checks the memory limit after it.
    func runTask<T>(
        _ invocation: Invocation?, checkMemoryAfter: Bool = true, _ body: () throws(JSError) -> T
    ) -> Result<T, JSError> {
        let budget = invocation.map { $0.cpuLimitNanoseconds > $0.cpuNanoseconds ? $0.cpuLimitNanoseconds - $0.cpuNanoseconds : 0 }
            ?? Self.startupBudgetNanoseconds
        watchdog.enter(self, handle: isolate.terminationHandle, budget: budget)
        current = invocation
        if taskDepth == 0 { executorLoad?.taskStarted() }
        taskDepth += 1
        let result: Result<T, JSError>
        do throws(JSError) {
            result = .success(try body())
        } catch {
            result = .failure(error)
        }
        taskDepth -= 1
        if taskDepth == 0 { executorLoad?.taskEnded() }
        current = nil
        let usage = watchdog.exit(self)
        invocation?.cpuNanoseconds += usage.cpuNanoseconds
        defer { deliverDeferredResults() }
        if usage.exceeded {
            condemn(.exceededCpu, culprit: invocation)
        } else if memoryExceeded || (checkMemoryAfter && exceedsMemory()) {
            condemn(.exceededMemory, culprit: invocation)
        } else if case .failure(let error) = result, error.kind == .terminated {
            condemn(.exceededMemory, culprit: invocation)
        }
        return result
    }

    func exceedsMemory() -> Bool {
        if isolate.exceededLimit == .memory { return true }
        // The heap alone is held to the limit by V8 itself; the sum of heap and ArrayBuffers can
        // only pass it once ArrayBuffers are a sizeable share, so skip the statistics until then.
        guard isolate.externalMemory >= memoryLimitBytes / 8 else { return false }
        guard isolate.memoryUsage.total > memoryLimitBytes else { return false }
        // Garbage counts until it is collected: only live data over the limit is a violation.
        isolate.collectGarbage()
        return isolate.memoryUsage.total > memoryLimitBytes
    }

    /// Takes the isolate out of service after a limit: the request that hit it gets the limit's
    /// outcome, the others in flight are cancelled.
    func condemn(_ outcome: InvocationOutcome, culprit: Invocation?) {
        guard case .ready = state else { return }
        state = .condemned
        let message = outcome == .exceededCpu ? "Worker exceeded CPU time limit." : "Worker exceeded memory limit."
        for invocation in invocations.values {
            invocation.waitUntilDeadline?.cancel()
            let own = invocation === culprit
            respond(invocation, with: Self.failure(
                own ? message : "The Worker's isolate was restarted after another request exceeded a limit.",
                outcome: own ? outcome : .canceled, cpu: invocation.cpuNanoseconds))
        }
        let ended = invocations.values
        invocations.removeAll()
        for timer in timers.values { timer.scheduled.cancel() }
        timers.removeAll()
        let restarted = WorkerBodyError("the Worker's isolate was restarted after a limit was exceeded")
        releaseWebSockets(of: nil, code: 1011, reason: "The Worker's isolate was restarted.")
        for invocation in ended {
            for cancel in invocation.operations.values { cancel() }
            invocation.operations.removeAll()
            releaseStreams(of: invocation, reason: restarted)
            invocation.subrequests?.cancelAll(.cancelled("The Worker's isolate was restarted."))
        }
        logSink(WorkerLogEntry(worker: script.name, level: .error, message: message, requestID: culprit?.id))
        onCondemned?()
    }
}

import NIOCore
import SwitchyardData
import SwitchyardJS

/// The isolates of one executor, keyed by worker name.
///
/// - Important: Confined to `eventLoop`.
final class ExecutorIsolates: @unchecked Sendable {
    // Safe: every stored property is touched only on `eventLoop` (asserted in debug builds).

    let eventLoop: any EventLoop
    private var current: [String: WorkerIsolate] = [:]
    /// Older versions still finishing requests.
    private var draining: [ObjectIdentifier: WorkerIsolate] = [:]
    /// Blank isolates with the default memory limit, ready for cold starts.
    private var spares: [JSIsolate] = []
    /// The version ``retire(workerName:keepVersion:)`` last kept, per worker.
    private var keptVersions: [String: String] = [:]
    private let spareTarget: Int
    private var refillScheduled = false
    private var sweepScheduled = false
    private static let spareMemoryMegabytes = WorkerLimits().memoryMegabytes
    private let outbound: OutboundClient
    private let calls: WorkerCalls
    private let data: DataStores

    init(eventLoop: any EventLoop, spares: Int, outbound: OutboundClient, calls: WorkerCalls, data: DataStores) {
        self.eventLoop = eventLoop
        self.spareTarget = spares
        self.outbound = outbound
        self.calls = calls
        self.data = data
    }

    /// Tops the spares up; runs as its own task on the executor, after the work that used one.
    func refillSpares() {
        refillScheduled = false
        while spares.count < spareTarget {
            spares.append(WorkerIsolate.makeBlankIsolate(memoryMegabytes: Self.spareMemoryMegabytes))
        }
    }

    var count: Int { current.count + draining.count }

    func isolate(for script: WorkerScript, watchdog: Watchdog, logSink: @escaping WorkerLogSink) throws -> WorkerIsolate {
        eventLoop.assertInEventLoop()
        if let existing = current[script.name] {
            if existing.script.versionID == script.versionID && existing.isReady { return existing }
            if existing.isReady, existing.script.versionID == keptVersions[script.name] {
                // A request for a retired version, looked up just before the deploy: serve it on
                // an isolate of its own, dropped once its requests are done, rather than swap the
                // current version out and back. (Its request starts before the sweep can run:
                // both happen on this event loop.)
                let isolate = try makeIsolate(for: script, watchdog: watchdog, logSink: logSink)
                draining[ObjectIdentifier(isolate)] = isolate
                scheduleSweep()
                return isolate
            }
            retire(existing)
        }
        let isolate = try makeIsolate(for: script, watchdog: watchdog, logSink: logSink)
        current[script.name] = isolate
        return isolate
    }

    /// An isolate for `script` from a spare when one fits; once condemned it leaves the tables.
    private func makeIsolate(for script: WorkerScript, watchdog: Watchdog, logSink: @escaping WorkerLogSink) throws
        -> WorkerIsolate
    {
        let isolate = try WorkerIsolate(
            script: script, eventLoop: eventLoop, watchdog: watchdog, logSink: logSink, outbound: outbound,
            calls: calls, data: data, prepared: takeSpare(memoryMegabytes: script.limits.memoryMegabytes))
        isolate.onCondemned = { [unowned self, unowned isolate] in
            if self.current[script.name] === isolate { self.current.removeValue(forKey: script.name) }
            self.draining.removeValue(forKey: ObjectIdentifier(isolate))
        }
        return isolate
    }

    /// A blank isolate for a worker with this memory limit, when a spare fits; a new one is made
    /// after the current task.
    func takeSpare(memoryMegabytes: Int) -> JSIsolate? {
        eventLoop.assertInEventLoop()
        guard memoryMegabytes == Self.spareMemoryMegabytes, !spares.isEmpty else { return nil }
        if !refillScheduled {
            refillScheduled = true
            eventLoop.execute { self.refillSpares() }
        }
        return spares.removeLast()
    }

    func retire(workerName: String, keepVersion: String?) {
        keptVersions[workerName] = keepVersion
        guard let existing = current[workerName], existing.script.versionID != keepVersion else { return }
        retire(existing)
    }

    private func retire(_ isolate: WorkerIsolate) {
        current.removeValue(forKey: isolate.script.name)
        if isolate.inFlight > 0 {
            draining[ObjectIdentifier(isolate)] = isolate
            scheduleSweep()
        }
    }

    /// Releases drained isolates every 100 ms while any remain (one chain of checks at a time).
    private func scheduleSweep() {
        guard !sweepScheduled else { return }
        sweepScheduled = true
        eventLoop.scheduleTask(in: .milliseconds(100)) { [weak self] in
            guard let self else { return }
            self.sweepScheduled = false
            self.draining = self.draining.filter { $0.value.inFlight > 0 }
            if !self.draining.isEmpty { self.scheduleSweep() }
        }
    }
}

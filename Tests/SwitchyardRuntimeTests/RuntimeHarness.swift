import Foundation
import NIOCore
import NIOPosix
import Synchronization
import SwitchyardData
import SwitchyardJS
import Testing

@testable import SwitchyardRuntime

/// Runs workers on a real runtime with its own executors, and collects what they log.
final class RuntimeHarness: Sendable {
    let group: MultiThreadedEventLoopGroup
    let runtime: WorkerRuntime
    let logEntries = LogCollector()
    private let counter = Atomic<Int>(0)

    /// This harness's own watchdog: `terminateAll()` in one test never touches another's work.
    let watchdog = Watchdog()

    init(executors: Int = 2, data: DataStores = .init(), isolates: IsolateCachePolicy = .init()) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: executors)
        let entries = logEntries
        let configuration = WorkerRuntime.Configuration(watchdog: watchdog, data: data, isolates: isolates)
        runtime = WorkerRuntime(eventLoops: group, configuration: configuration) { entry in
            entries.append(entry)
        }
    }

    /// Creates a harness, runs `body`, and shuts the executors down.
    static func with(
        executors: Int = 2, data: DataStores = .init(), isolates: IsolateCachePolicy = .init(),
        _ body: (RuntimeHarness) async throws -> Void
    ) async throws {
        let harness = RuntimeHarness(executors: executors, data: data, isolates: isolates)
        do {
            try await body(harness)
            try await harness.group.shutdownGracefully()
        } catch {
            try? await harness.group.shutdownGracefully()
            throw error
        }
    }

    var loops: [any EventLoop] { Array(group.makeIterator()) }

    /// A module worker whose main module is `source`.
    func worker(
        _ source: String, name: String? = nil, modules: [WorkerScript.Module] = [], vars: String = "{}",
        bindings: [WorkerBinding] = [], limits: WorkerLimits = .init(), receivesRequestCf: Bool = true
    ) -> WorkerScript {
        let id = counter.wrappingAdd(1, ordering: .relaxed).newValue
        return WorkerScript(
            name: name ?? "worker-\(id)", versionID: "v\(id)", format: .modules(main: "worker.js"),
            modules: [.init(name: "worker.js", kind: .esModule, content: Array(source.utf8))] + modules,
            plainBindingsJSON: vars, bindings: bindings, limits: limits, receivesRequestCf: receivesRequestCf)
    }

    func serviceWorker(_ source: String, vars: String = "{}") -> WorkerScript {
        let id = counter.wrappingAdd(1, ordering: .relaxed).newValue
        return WorkerScript(
            name: "sw-\(id)", versionID: "v\(id)", format: .serviceWorker(name: "sw.js"),
            modules: [.init(name: "sw.js", kind: .esModule, content: Array(source.utf8))], plainBindingsJSON: vars)
    }

    func fetch(
        _ script: WorkerScript, _ path: String = "/", method: String = "GET", headers: [(name: String, value: String)] = [],
        body: String? = nil, cfJSON: String? = nil, loop: Int = 0
    ) async throws -> InvocationResult {
        let request = WorkerRequest(
            method: method, url: "http://example.com\(path)", headers: headers, body: body.map { ByteBuffer(string: $0) },
            cfJSON: cfJSON)
        return try await runtime.invoke(script, request: request, on: loops[loop]).get()
    }

    /// Fetches and returns the response's status and body text; fails the test on a worker failure.
    func text(_ script: WorkerScript, _ path: String = "/", method: String = "GET", body: String? = nil, loop: Int = 0)
        async throws -> String
    {
        let result = try await fetch(script, path, method: method, body: body, loop: loop)
        guard case .response(let response) = result.value else {
            Issue.record("worker failed: \(result.outcome) \(result.value)")
            return ""
        }
        return response.bodyBytes.map { String(buffer: $0) } ?? ""
    }

    func logs(level: WorkerLogEntry.Level? = nil) -> [String] {
        logEntries.entries.filter { level == nil || $0.level == level }.map(\.message)
    }
}

extension InvocationResult {
    var response: WorkerResponse? {
        if case .response(let response) = value { return response }
        return nil
    }

    var failureMessage: String? {
        if case .failure(let message, _) = value { return message }
        return nil
    }

    var bodyText: String { response?.bodyBytes.map { String(buffer: $0) } ?? "" }

    func header(_ name: String) -> String? {
        response?.headers.pairs.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// Worker log lines, collected from any executor.
final class LogCollector: Sendable {
    private struct State {
        var entries: [WorkerLogEntry] = []
        var waiters: [(message: String, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let storage = Mutex(State())

    func append(_ entry: WorkerLogEntry) {
        let ready = storage.withLock { state in
            state.entries.append(entry)
            let ready = state.waiters.filter { $0.message == entry.message }
            state.waiters.removeAll { $0.message == entry.message }
            return ready
        }
        for waiter in ready { waiter.continuation.resume() }
    }

    var entries: [WorkerLogEntry] { storage.withLock { $0.entries } }

    /// Returns once a worker has logged `message` (at once if one has).
    func waitFor(_ message: String) async {
        await withCheckedContinuation { continuation in
            let logged = storage.withLock { state in
                if state.entries.contains(where: { $0.message == message }) { return true }
                state.waiters.append((message, continuation))
                return false
            }
            if logged { continuation.resume() }
        }
    }
}

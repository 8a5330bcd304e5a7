import NIOCore
import Synchronization
import Testing

@testable import SwitchyardRuntime

/// Calls into user workers on a congested executor start in fair order between workers: a
/// tenant's queue of expensive requests does not hold up another tenant's request behind it.
@Suite("Fair starts between tenants")
struct FairnessTests {
    static let runawaySource = "export default { fetch() { for (;;) {} } };"

    /// Submits, in one go on the only executor, `queued` calls of each runaway worker and then one
    /// call of `wellBehaved` (calls from a dispatcher: depth 1); returns the order they ended in.
    static func completionOrder(
        _ h: RuntimeHarness, runaways: [WorkerScript], queued: Int, wellBehaved: WorkerScript
    ) async throws -> [String] {
        let order = Mutex<[String]>([])
        let loop = h.loops[0]
        var calls: [(WorkerScript, String)] = []
        for round in 0..<queued {
            for (index, runaway) in runaways.enumerated() { calls.append((runaway, "runaway \(index).\(round)")) }
        }
        calls.append((wellBehaved, "well-behaved"))
        let all = calls
        let done = loop.makePromise(of: Void.self)
        let remaining = Mutex(all.count)
        loop.execute {
            for (script, label) in all {
                var request = WorkerRequest(method: "GET", url: "http://example.com/", headers: HeaderBlock(), body: nil, cfJSON: nil)
                request.options.depth = 1
                h.runtime.invoke(script, request: request, on: loop) { _ in
                    order.withLock { $0.append(label) }
                    if remaining.withLock({ $0 -= 1; return $0 }) == 0 { done.succeed() }
                }
            }
        }
        try await done.futureResult.get()
        return order.withLock { $0 }
    }

    @Test func oneTenantsQueueDelaysAnotherByOneSliceAtMost() async throws {
        try await RuntimeHarness.with(executors: 1) { h in
            let runaway = h.worker(Self.runawaySource, limits: .init(cpuMilliseconds: 50))
            let wellBehaved = h.worker("export default { fetch() { return new Response('ok'); } };")
            #expect(try await h.text(wellBehaved) == "ok")
            let order = try await Self.completionOrder(h, runaways: [runaway], queued: 12, wellBehaved: wellBehaved)
            let position = try #require(order.firstIndex(of: "well-behaved"))
            // The runaway's first request had started (inline) before the well-behaved call
            // arrived; nothing of its queue may go first.
            #expect(position <= 1, "\(order)")
        }
    }

    @Test func manyRunawayTenantsLeaveAWellBehavedOneABoundedWait() async throws {
        try await RuntimeHarness.with(executors: 1) { h in
            let runaways = (0..<6).map { _ in h.worker(Self.runawaySource, limits: .init(cpuMilliseconds: 50)) }
            let wellBehaved = h.worker("export default { fetch() { return new Response('ok'); } };")
            #expect(try await h.text(wellBehaved) == "ok")
            let order = try await Self.completionOrder(h, runaways: runaways, queued: 4, wellBehaved: wellBehaved)
            let position = try #require(order.firstIndex(of: "well-behaved"))
            // At most one slice of each runaway tenant (those that never ran cost nothing yet and
            // may go first), never their queues: 24 runaway calls were ahead of it.
            #expect(position <= runaways.count, "\(order)")
        }
    }
}

import NIOCore
import NIOPosix
import SwitchyardRuntime

/// A fetcher and one invocation's budget on a one-thread executor, driven from async tests: the
/// calls hop to the executor, as the runtime's would run there.
struct OutboundHarness: Sendable {
    let loop: any EventLoop
    let fetcher: OutboundFetcher
    let budget: SubrequestBudget

    static func with(
        allowing rules: [String] = [], listeners: PlatformListeners = PlatformListeners(),
        configuration: OutboundFetcher.Configuration = .init(), subrequests: Int = 1000,
        _ body: (OutboundHarness) async throws -> Void
    ) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let policy = try EgressPolicy(allowing: rules, listeners: listeners)
        let fetcher = try OutboundFetcher(eventLoopGroup: group, policy: policy, configuration: configuration)
        let loop = group.next()
        let harness = OutboundHarness(
            loop: loop, fetcher: fetcher, budget: SubrequestBudget(limit: subrequests, eventLoop: loop))
        do {
            try await body(harness)
        } catch {
            try await harness.loop.submit { harness.budget.cancelAll() }.get()
            try await fetcher.shutdown()
            try await group.shutdownGracefully()
            throw error
        }
        try await harness.loop.submit { harness.budget.cancelAll() }.get()
        try await fetcher.shutdown()
        try await group.shutdownGracefully()
    }

    /// Starts a fetch; returns its handle and the future of its response.
    func start(
        _ url: String, method: String = "GET", headers: [(name: String, value: String)] = [], body: WorkerBody? = nil,
        redirect: OutboundRequest.RedirectMode = .follow
    ) async throws -> (OutboundFetch, EventLoopFuture<OutboundResponse>) {
        let request = OutboundRequest(
            url: try OutboundURL(url), method: method, headers: headers, body: body, redirect: redirect)
        let promise = loop.makePromise(of: OutboundResponse.self)
        let handle = try await loop.submit {
            fetcher.fetch(request, budget: budget) { promise.completeWith($0.mapError { $0 as any Error }) }
        }.get()
        return (handle, promise.futureResult)
    }

    func fetch(
        _ url: String, method: String = "GET", headers: [(name: String, value: String)] = [], body: WorkerBody? = nil,
        redirect: OutboundRequest.RedirectMode = .follow
    ) async throws -> OutboundResponse {
        try await start(url, method: method, headers: headers, body: body, redirect: redirect).1.get()
    }

    /// The error a fetch fails with (`nil` when it succeeds).
    func failure(
        _ url: String, method: String = "GET", body: WorkerBody? = nil, redirect: OutboundRequest.RedirectMode = .follow
    ) async throws -> OutboundError? {
        do {
            let response = try await fetch(url, method: method, body: body, redirect: redirect)
            try await loop.submit { response.body.cancel(WorkerBodyError.cancelled) }.get()
            return nil
        } catch let error as OutboundError {
            return error
        }
    }

    /// One chunk of `body` (`nil` at its end).
    func read(_ body: any WorkerBodyStream) async throws -> ByteBuffer? {
        let promise = loop.makePromise(of: ByteBuffer?.self)
        loop.execute { body.read { promise.completeWith($0) } }
        return try await promise.futureResult.get()
    }

    func readAll(_ body: any WorkerBodyStream) async throws -> String {
        var text = ""
        while let chunk = try await read(body) { text += String(buffer: chunk) }
        return text
    }

    func header(_ name: String, of response: OutboundResponse) -> [String] {
        response.headers.filter { $0.name.lowercased() == name }.map(\.value)
    }
}

/// A request body the test produces a chunk at a time, on demand of the fetcher's reads.
final class TestBodyStream: WorkerBodyStream, @unchecked Sendable {
    // Safe: every stored property is touched only on `eventLoop`.
    let eventLoop: any EventLoop
    let expectedLength: Int? = nil
    private var chunks: [ByteBuffer?] = []
    private var pending: ((Result<ByteBuffer?, any Error>) -> Void)?
    private(set) var cancelled: (any Error)?

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Makes `chunk` (or the end, for `nil`) available; call on any thread.
    func push(_ chunk: String?) {
        eventLoop.execute {
            self.chunks.append(chunk.map { ByteBuffer(string: $0) })
            self.deliver()
        }
    }

    func read(_ completion: @escaping (Result<ByteBuffer?, any Error>) -> Void) {
        if let cancelled { return completion(.failure(cancelled)) }
        pending = completion
        deliver()
    }

    func cancel(_ error: any Error) {
        cancelled = error
        let pending = self.pending
        self.pending = nil
        pending?(.failure(error))
    }

    private func deliver() {
        guard let pending, !chunks.isEmpty else { return }
        self.pending = nil
        pending(.success(chunks.removeFirst()))
    }
}

import NIOCore
import Synchronization

/// The runtime's one ``OutboundFetcher``, made on the first `fetch()` a worker calls (an
/// HTTP client and its resolver threads cost nothing for workers that never fetch), and shut
/// down with the runtime.

final class OutboundClient: Sendable {
    private let make: @Sendable () throws -> OutboundFetcher
    private let fetcher = Mutex<OutboundFetcher?>(nil)
    private let isShutDown = Atomic<Bool>(false)

    init(eventLoops: any EventLoopGroup, policy: EgressPolicy) {
        make = { try OutboundFetcher(eventLoopGroup: eventLoops, policy: policy) }
    }

    /// The fetcher, made now if needed. - Throws: once the runtime is shutting down, or when
    /// the fetcher cannot be made (its TLS configuration).
    func current() throws -> OutboundFetcher {
        guard !isShutDown.load(ordering: .acquiring) else {
            throw OutboundError.cancelled("The runtime is shutting down.")
        }
        return try fetcher.withLock { fetcher in
            if let made = fetcher { return made }
            let made = try make()
            fetcher = made
            return made
        }
    }

    deinit {
        // A runtime released without shutdown() (tests) keeps its fetcher for the life of the
        // process: AsyncHTTPClient traps on a client released while it runs, and the runtime's
        // event loops, which its shutdown needs, may already be gone.
        if let abandoned = fetcher.withLock({ $0 }) { Self.abandoned.withLock { $0.append(abandoned) } }
    }

    private static let abandoned = Mutex<[OutboundFetcher]>([])

    /// Closes its connections and threads; later fetches fail.
    func shutdown() async {
        isShutDown.store(true, ordering: .releasing)
        let made = fetcher.withLock { fetcher -> OutboundFetcher? in
            defer { fetcher = nil }
            return fetcher
        }
        try? await made?.shutdown()
    }
}

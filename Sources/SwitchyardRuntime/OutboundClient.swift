import NIOCore
import Synchronization

/// The runtime's one ``OutboundFetcher``, made on the first `fetch()` a worker calls (an
/// HTTP client and its resolver threads cost nothing for workers that never fetch), and shut
/// down with the runtime.
final class OutboundClient: Sendable {
    private let make: @Sendable () -> OutboundFetcher
    private let fetcher = Mutex<OutboundFetcher?>(nil)
    private let isShutDown = Atomic<Bool>(false)

    init(eventLoops: any EventLoopGroup, policy: EgressPolicy) {
        make = { OutboundFetcher(eventLoopGroup: eventLoops, policy: policy) }
    }

    /// The fetcher, made now if needed; nil once the runtime is shutting down.
    var current: OutboundFetcher? {
        guard !isShutDown.load(ordering: .acquiring) else { return nil }
        return fetcher.withLock { fetcher in
            if fetcher == nil { fetcher = make() }
            return fetcher
        }
    }

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

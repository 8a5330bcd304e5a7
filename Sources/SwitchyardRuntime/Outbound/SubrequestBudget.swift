import NIOCore

/// One invocation's subrequests: how many it has made against ``WorkerLimits/subrequests``, the
/// connections it holds open (at most six at once, as on Cloudflare; the rest wait in order), and
/// every fetch it owns, so that ending the invocation cancels them.
///
/// A fetch holds its connection from its start until its response body is read to the end,
/// cancelled, or fails; a redirect followed keeps the same connection slot and counts as one more
/// subrequest.
///
/// - Important: Confined to ``eventLoop``, the invocation's executor (`@unchecked Sendable` on
///   that basis: every stored property is touched only there, asserted in debug builds).
public final class SubrequestBudget: @unchecked Sendable {
    public let eventLoop: any EventLoop
    public let limit: Int
    public let maximumOpenConnections: Int
    /// Subrequests made so far.
    public private(set) var used = 0
    /// Connections held now.
    public private(set) var openConnections = 0
    private var waiting = CircularBuffer<() -> Bool>()
    private var owned: [ObjectIdentifier: OutboundFetch] = [:]
    private var ended: OutboundError?
    private var deadlockCheck: Scheduled<Void>?

    /// While a fetch waits for a connection, how often (and for how long at least) the open
    /// ones must all have been waiting for the worker to read them before one is cancelled.
    static let deadlockInterval = TimeAmount.milliseconds(50)
    /// What a read of the response body cancelled to break a deadlock rejects with.
    static let deadlockMessage =
        "The response body was cancelled: six connections were open, none was being read, and another fetch() waited for one (the least recently used is cancelled, as on Cloudflare)."

    /// - Parameters:
    ///   - limit: the invocation's ``WorkerLimits/subrequests``.
    ///   - maximumOpenConnections: Cloudflare's limit of simultaneous open connections.
    public init(limit: Int, maximumOpenConnections: Int = 6, eventLoop: any EventLoop) {
        self.limit = limit
        self.maximumOpenConnections = max(1, maximumOpenConnections)
        self.eventLoop = eventLoop
    }

    /// Fetches waiting for a connection.
    public var queuedCount: Int { waiting.count }

    /// Cancels every fetch the invocation still owns (queued, connecting, or streaming a body)
    /// and refuses new ones with `error`. Call it when the invocation ends.
    public func cancelAll(_ error: OutboundError = .cancelled("The Worker invocation ended.")) {
        eventLoop.preconditionInEventLoop()
        ended = error
        deadlockCheck?.cancel()
        deadlockCheck = nil
        let fetches = owned.values
        owned.removeAll()
        for fetch in fetches { fetch.cancel(error) }
    }

    /// Charges one subrequest. - Throws: Cloudflare's ``OutboundError/tooManySubrequests``, or
    /// the error the invocation ended with.
    func charge() throws(OutboundError) {
        eventLoop.preconditionInEventLoop()
        if let ended { throw ended }
        guard used < limit else { throw .tooManySubrequests }
        used += 1
    }

    func adopt(_ fetch: OutboundFetch) {
        owned[ObjectIdentifier(fetch)] = fetch
    }

    func release(_ fetch: OutboundFetch) {
        owned[ObjectIdentifier(fetch)] = nil
    }

    /// Runs `start` once a connection slot is free (at once when one is). `start` returns
    /// `false` when its fetch was cancelled while it waited: the slot goes to the next in line.
    func acquireConnection(_ start: @escaping () -> Bool) {
        eventLoop.preconditionInEventLoop()
        waiting.append(start)
        admitWaiting()
        watchForDeadlock()
    }

    /// Frees a slot ``acquireConnection(_:)`` gave; the next waiting fetch starts.
    func releaseConnection() {
        eventLoop.preconditionInEventLoop()
        openConnections -= 1
        admitWaiting()
    }

    /// Cloudflare's way out of a deadlock on connections: while fetches wait, if every open
    /// connection has waited at least ``deadlockInterval`` for the worker to read its body
    /// (nothing is in progress on any of them), the least recently used one is cancelled and
    /// its slot goes to the next fetch in line.
    private func watchForDeadlock() {
        guard deadlockCheck == nil, !waiting.isEmpty, ended == nil else { return }
        deadlockCheck = eventLoop.scheduleTask(in: Self.deadlockInterval) { [self] in
            deadlockCheck = nil
            breakDeadlock()
            watchForDeadlock()
        }
    }

    private func breakDeadlock() {
        guard !waiting.isEmpty, openConnections >= maximumOpenConnections else { return }
        let now = NIODeadline.now()
        var oldest: (fetch: OutboundFetch, since: NIODeadline)?
        for fetch in owned.values {
            guard let since = fetch.unreadSince else { continue }
            guard now - since >= Self.deadlockInterval else { return }
            if oldest.map({ since < $0.since }) ?? true { oldest = (fetch, since) }
        }
        // Every slot must be held by a fetch whose body waits for the worker.
        let idle = owned.values.filter { $0.unreadSince != nil }.count
        guard idle >= openConnections, let oldest else { return }
        oldest.fetch.cancel(.cancelled(Self.deadlockMessage))
    }

    private func admitWaiting() {
        while openConnections < maximumOpenConnections, let start = waiting.popFirst() {
            openConnections += 1
            if !start() { openConnections -= 1 }
        }
    }
}

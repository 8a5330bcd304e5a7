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
    }

    /// Frees a slot ``acquireConnection(_:)`` gave; the next waiting fetch starts.
    func releaseConnection() {
        eventLoop.preconditionInEventLoop()
        openConnections -= 1
        admitWaiting()
    }

    private func admitWaiting() {
        while openConnections < maximumOpenConnections, let start = waiting.popFirst() {
            openConnections += 1
            if !start() { openConnections -= 1 }
        }
    }
}

import Hummingbird

/// The edge's side of read-your-writes: the caches of the store (the edge's workers, its custom
/// hostname table) follow the store's change feed, and this waits until they have applied every
/// change this process committed so far. The server implements it; the API knows nothing of the
/// caches.
public protocol ChangeBarrier: Sendable {
    /// Returns once the changes this process committed before the call are applied (or the
    /// barrier gives up, which it logs: the caches catch up later).
    func waitForCommittedChanges() async
}

/// Holds the answer of every request that may have written until the ``ChangeBarrier`` is
/// passed, so a client that got its answer to a deploy, a delete or a rename finds the edge
/// already serving by it. Handlers do not report their changes: the store writes them to its
/// feed in the same transaction as the data.
///
/// Reads (`GET`, `HEAD`, `OPTIONS`) pass straight through. A failed request waits too: it may have
/// committed before it failed (a bulk delete, a deploy whose answer could not be encoded).
struct ReadYourWritesMiddleware<Context: RequestContext>: RouterMiddleware {
    let changes: any ChangeBarrier

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        switch request.method {
        case .get, .head, .options:
            return try await next(request, context)
        default:
            do {
                let response = try await next(request, context)
                await changes.waitForCommittedChanges()
                return response
            } catch {
                await changes.waitForCommittedChanges()
                throw error
            }
        }
    }
}

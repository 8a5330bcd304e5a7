import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// One `fetch()` in flight: waits for a connection slot of its ``SubrequestBudget``, resolves and
/// checks each hop's host, follows redirects, and completes once with the final response head
/// or an error. It is also the cancellation handle (`AbortSignal`).
///
/// - Important: Confined to the budget's event loop (`@unchecked Sendable` on that basis).
public final class OutboundFetch: @unchecked Sendable {
    private enum State {
        case queued
        case resolving
        case exchanging(OutboundExchange)
        /// The head was delivered; the body is the exchange's.
        case responded(OutboundExchange)
        case done
    }

    private let fetcher: OutboundFetcher
    private let budget: SubrequestBudget
    private var request: OutboundRequest
    private var completion: ((Result<OutboundResponse, OutboundError>) -> Void)?
    private var state = State.queued
    private var redirects = 0
    private var holdsConnection = false

    init(
        request: OutboundRequest, fetcher: OutboundFetcher, budget: SubrequestBudget,
        completion: @escaping (Result<OutboundResponse, OutboundError>) -> Void
    ) {
        self.request = request
        self.fetcher = fetcher
        self.budget = budget
        self.completion = completion
    }

    /// Since when the connection this fetch holds has waited for the worker to read its
    /// response body; nil while anything is in progress on it (or it holds none).
    var unreadSince: NIODeadline? {
        guard holdsConnection, case .responded(let exchange) = state else { return nil }
        return exchange.unreadSince
    }

    /// Stops the fetch: a fetch still waiting for its head fails with `error`, a response
    /// body being read errors with it. Idempotent; does nothing once the body was read.
    public func cancel(_ error: OutboundError = .cancelled()) {
        budget.eventLoop.preconditionInEventLoop()
        switch state {
        case .done:
            return
        case .queued, .resolving:
            finish(.failure(error))
        case .exchanging(let exchange), .responded(let exchange):
            // The exchange reports back through `onFailure` (before the head) and `onSettled`.
            exchange.cancel(error)
            finish(.failure(error))
        }
    }

    func start() {
        do {
            try budget.charge()
        } catch {
            finish(.failure(error))
            return
        }
        budget.adopt(self)
        budget.acquireConnection { [self] in
            guard case .queued = self.state else { return false }
            self.holdsConnection = true
            self.beginHop()
            return true
        }
    }

    private func beginHop() {
        state = .resolving
        let url = request.url
        fetcher.resolver.checkedAddresses(for: url, on: budget.eventLoop).whenComplete { [self] result in
            guard case .resolving = self.state, self.request.url == url else { return }
            switch result {
            case .success(let addresses): self.exchange(connectingTo: addresses[...])
            case .failure(let error as OutboundError): self.finish(.failure(error))
            case .failure(let error): self.finish(.failure(.failed(.connection, url.string, "\(error)")))
            }
        }
    }

    /// Sends the hop to the first of `addresses`; when it cannot be reached (nothing was sent),
    /// to the next one.
    private func exchange(connectingTo addresses: ArraySlice<IPAddress>) {
        guard let address = addresses.first else { return }
        let url = request.url
        let exchange = OutboundExchange(
            url: url, method: request.method, eventLoop: budget.eventLoop, timeouts: fetcher.configuration,
            onHead: { [self] head in self.received(head) },
            onFailure: { [self] error in
                if error.isUnreachable, addresses.count > 1, case .exchanging = self.state, url.scheme == .http {
                    self.state = .resolving
                    self.exchange(connectingTo: addresses.dropFirst())
                } else {
                    self.finish(.failure(error))
                }
            },
            onSettled: { [self] in self.settled() })
        state = .exchanging(exchange)
        let clientRequest: HTTPClient.Request
        do {
            clientRequest = try fetcher.clientRequest(for: request, connectingTo: address)
        } catch {
            exchange.cancel(error)
            return
        }
        exchange.start(clientRequest, client: fetcher.client)
    }

    private func received(_ head: HTTPResponseHead) {
        guard case .exchanging(let exchange) = state else { return }
        let status = Int(head.status.code)
        let isRedirect = [301, 302, 303, 307, 308].contains(status)
        guard isRedirect, request.redirect != .manual, let location = head.headers.first(name: "location") else {
            state = .responded(exchange)
            let response = OutboundResponse(
                status: status, statusText: head.status.reasonPhrase,
                headers: head.headers.map { (name: $0.name, value: $0.value) }, url: request.url,
                redirected: redirects > 0, body: exchange)
            complete(.success(response))
            return
        }
        // The redirect's body is not read: closing its connection costs less than draining a
        // body of any size.
        state = .resolving
        exchange.cancel(WorkerBodyError.cancelled)
        do {
            try followRedirect(status: status, location: location)
        } catch {
            finish(.failure(error))
            return
        }
        beginHop()
    }

    /// The Fetch standard's HTTP-redirect fetch (§4.4), steps 4-13, for `redirect: "follow"`.
    private func followRedirect(status: Int, location: String) throws(OutboundError) {
        let from = request.url
        let next = try from.resolving(location)
        if request.redirect == .error {
            throw .failed(.redirect, from.string, "the server redirected to \(next) and the request's redirect mode is \"error\"")
        }
        redirects += 1
        guard redirects <= fetcher.configuration.maximumRedirects else {
            throw .failed(.redirect, from.string, "it was redirected more than \(fetcher.configuration.maximumRedirects) times")
        }
        try budget.charge()
        let method = request.method.uppercased()
        if (status == 301 || status == 302) && method == "POST" || status == 303 && method != "GET" && method != "HEAD" {
            request.method = "GET"
            request.body = nil
            let bodyHeaders: Set<String> = ["content-encoding", "content-language", "content-location", "content-type"]
            request.headers.removeAll { bodyHeaders.contains($0.name.lowercased()) }
        }
        if case .stream? = request.body {
            throw .failed(
                .redirect, from.string, "the server redirected with \(status) to \(next), and the request body is a stream, which cannot be sent again")
        }
        if !from.isSameOrigin(as: next) {
            request.headers.removeAll { $0.name.lowercased() == "authorization" }
        }
        request.url = next
    }

    /// The exchange is over. While a redirect is followed the slot stays with this fetch.
    private func settled() {
        switch state {
        case .responded: state = .done
        case .done: break
        case .queued, .resolving, .exchanging: return
        }
        releaseConnection()
        budget.release(self)
    }

    private func releaseConnection() {
        guard holdsConnection else { return }
        holdsConnection = false
        budget.releaseConnection()
    }

    private func complete(_ result: Result<OutboundResponse, OutboundError>) {
        let completion = self.completion
        self.completion = nil
        completion?(result)
    }

    /// Ends the fetch with `result` before its response was handed over (or a failure after).
    private func finish(_ result: Result<OutboundResponse, OutboundError>) {
        state = .done
        if case .failure(let error) = result, case .stream(let body)? = request.body { body.cancel(error) }
        releaseConnection()
        budget.release(self)
        complete(result)
    }
}

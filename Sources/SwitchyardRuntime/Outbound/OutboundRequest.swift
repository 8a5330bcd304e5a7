/// What a worker's `fetch()` asks for, once JavaScript has built its `Request`.
public struct OutboundRequest: Sendable {
    /// The `redirect` option of `RequestInit`.
    public enum RedirectMode: String, Sendable {
        /// Follow up to 20 redirects (the Fetch standard's method and body rules).
        case follow
        /// Hand the 3xx response back as it is.
        case manual
        /// Fail when the server redirects.
        case error
    }

    public var url: OutboundURL
    /// Any token; sent as given (JavaScript has already normalized `get` to `GET` and refused
    /// `CONNECT`, `TRACE`, `TRACK`).
    public var method: String
    /// In order, with duplicates. A `Host` header is replaced by the URL's authority.
    public var headers: [(name: String, value: String)]
    public var body: WorkerBody?
    public var redirect: RedirectMode

    public init(
        url: OutboundURL, method: String = "GET", headers: [(name: String, value: String)] = [], body: WorkerBody? = nil,
        redirect: RedirectMode = .follow
    ) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.redirect = redirect
    }
}

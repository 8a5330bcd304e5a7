/// The response a `fetch()` resolves with, handed over as soon as its head arrives.
public struct OutboundResponse: Sendable {
    public var status: Int
    public var statusText: String
    /// In order, with duplicates, as received.
    public var headers: [(name: String, value: String)]
    /// The final URL, after redirects (`Response.url`).
    public var url: OutboundURL
    /// Whether a redirect was followed (`Response.redirected`).
    public var redirected: Bool
    /// The body, read as it arrives; pulling it is what lets the server send more. Ends at once
    /// for bodiless responses. The consumer MUST read it to the end or cancel it: until then the
    /// invocation's connection slot stays taken.
    public var body: any WorkerBodyStream
}

/// Why a `fetch()` failed. ``description`` is the message JavaScript throws as a `TypeError`.
public struct OutboundError: Error, CustomStringConvertible, Sendable, Equatable {
    private enum Code: Equatable, Sendable {
        case invalid, blocked, tooManySubrequests, redirect, connection, unreachable, timeout, cancelled, body
    }

    private let code: Code
    public let description: String

    private init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    static func invalidURL(_ url: String, _ reason: String) -> OutboundError {
        .init(.invalid, "fetch to \(url) failed: \(reason)")
    }

    static func invalidRequest(_ url: OutboundURL, _ reason: String) -> OutboundError {
        .init(.invalid, "fetch to \(url) failed: \(reason)")
    }

    /// The egress policy refused an address of the URL's host.
    static func blocked(_ url: OutboundURL, _ reason: String) -> OutboundError {
        .init(.blocked, "fetch to \(url) was blocked: \(reason); the operator can allow it with --egress-allow")
    }

    /// Cloudflare's message, word for word.
    public static let tooManySubrequests = OutboundError(.tooManySubrequests, "Too many subrequests by single Worker invocation.")

    static func redirect(_ url: OutboundURL, _ reason: String) -> OutboundError {
        .init(.redirect, "fetch to \(url) failed: \(reason)")
    }

    static func connection(_ url: OutboundURL, _ reason: String) -> OutboundError {
        .init(.connection, "fetch to \(url) failed: \(reason)")
    }

    /// No connection could be made (refused, unreachable, connect timeout): nothing was sent,
    /// so another address of the host may be tried.
    static func unreachable(_ url: OutboundURL, _ reason: String) -> OutboundError {
        .init(.unreachable, "fetch to \(url) failed: \(reason)")
    }

    static func timeout(_ url: OutboundURL, _ reason: String) -> OutboundError {
        .init(.timeout, "fetch to \(url) failed: \(reason)")
    }

    /// The fetch was cancelled (an `AbortSignal`, the invocation ending); `reason` says by what.
    public static func cancelled(_ reason: String = "The operation was aborted.") -> OutboundError {
        .init(.cancelled, reason)
    }

    static func body(_ url: OutboundURL, _ reason: String) -> OutboundError {
        .init(.body, "fetch to \(url) failed while reading the request body: \(reason)")
    }

    public var isBlocked: Bool { code == .blocked }
    public var isTooManySubrequests: Bool { code == .tooManySubrequests }
    public var isCancelled: Bool { code == .cancelled }
    public var isTimeout: Bool { code == .timeout }
    var isUnreachable: Bool { code == .unreachable }
}

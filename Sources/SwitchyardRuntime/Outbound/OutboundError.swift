/// Why a `fetch()` failed. ``description`` is the message JavaScript throws as a `TypeError`.
public struct OutboundError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Internal, so that new kinds are not breaking. `unreachable`: no connection could be made
    /// (refused, unreachable, connect timeout), so nothing was sent and another address may be tried.
    enum Code: Equatable, Sendable {
        case invalid, blocked, tooManySubrequests, redirect, connection, unreachable, timeout, cancelled, body
    }

    private let code: Code
    public let description: String

    private init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    /// `fetch to URL failed: REASON`.
    static func failed(_ code: Code, _ url: String, _ reason: String) -> OutboundError {
        .init(code, "fetch to \(url) failed: \(reason)")
    }

    /// The egress policy refused an address of the URL's host.
    static func blocked(_ url: OutboundURL, _ reason: String) -> OutboundError {
        .init(.blocked, "fetch to \(url) was blocked: \(reason); the operator can allow it with --egress-allow")
    }

    /// Cloudflare's message, word for word.
    public static let tooManySubrequests = OutboundError(.tooManySubrequests, "Too many subrequests by single Worker invocation.")

    /// The fetch was cancelled (an `AbortSignal`, the invocation ending); `reason` says by what.
    public static func cancelled(_ reason: String = "The operation was aborted.") -> OutboundError {
        .init(.cancelled, reason)
    }

    public var isBlocked: Bool { code == .blocked }
    public var isTooManySubrequests: Bool { code == .tooManySubrequests }
    public var isCancelled: Bool { code == .cancelled }
    public var isTimeout: Bool { code == .timeout }
    var isUnreachable: Bool { code == .unreachable }
}

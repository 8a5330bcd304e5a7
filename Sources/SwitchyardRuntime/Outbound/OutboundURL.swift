import Foundation

/// An `http:` or `https:` URL split the way the outbound path needs it: the host to resolve and
/// check, the port, and the request target.
///
/// Parsed by hand rather than by Foundation because the input is the WHATWG serialization the
/// JavaScript `URL` produces, which Foundation's RFC 3986 parser rejects in places (`|`, `^`,
/// `[` in a path); such characters are percent-encoded in ``requestTarget``.
public struct OutboundURL: Sendable, Equatable, CustomStringConvertible {
    public enum Scheme: String, Sendable {
        case http, https
        var defaultPort: Int { self == .http ? 80 : 443 }
    }

    public let scheme: Scheme
    /// Lowercased; an IPv6 literal without its brackets.
    public let host: String
    public let port: Int
    /// Path and query, never empty (`/` at least), without the fragment.
    public let requestTarget: String
    /// The URL as given (with its fragment), as `Response.url` reports it.
    public let string: String

    /// - Throws: ``OutboundError`` (`invalidURL`) for anything but an absolute `http:`/`https:` URL
    ///   with a host and no credentials.
    public init(_ string: String) throws(OutboundError) {
        self.string = string
        guard let separator = string.range(of: "://") else { throw .failed(.invalid, string, "it is not an absolute http: or https: URL") }
        guard let scheme = Scheme(rawValue: string[..<separator.lowerBound].lowercased()) else {
            throw .failed(.invalid, string, "only http: and https: URLs can be fetched")
        }
        self.scheme = scheme
        let rest = string[separator.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard !authority.contains("@") else { throw .failed(.invalid, string, "URLs with credentials cannot be fetched") }
        var hostPart = authority
        var portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .failed(.invalid, string, "the IPv6 host is not closed") }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .failed(.invalid, string, "unexpected characters after the host") }
                portPart = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        }
        guard !hostPart.isEmpty else { throw .failed(.invalid, string, "it has no host") }
        host = hostPart.lowercased()
        if let portPart, !portPart.isEmpty {
            guard portPart.allSatisfy(\.isASCII), let port = Int(portPart), (1...65535).contains(port) else {
                throw .failed(.invalid, string, "the port \"\(portPart)\" is not a number from 1 to 65535")
            }
            self.port = port
        } else {
            port = scheme.defaultPort
        }
        var target = rest[authorityEnd...]
        if let hash = target.firstIndex(of: "#") { target = target[..<hash] }
        let encoded = Self.percentEncodingInvalid(target, brackets: true)
        requestTarget = encoded.hasPrefix("/") ? encoded : "/" + encoded
    }

    public var description: String { string }

    /// `host[:port]` for the `Host` header (the port only when it is not the scheme's default).
    public var authority: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == scheme.defaultPort ? name : "\(name):\(port)"
    }

    /// The URL AsyncHTTPClient is given: `address` in place of the host when set.
    func clientURL(connectingTo address: IPAddress?) -> String {
        let name = address?.uriHost ?? (host.contains(":") ? "[\(host)]" : host)
        return "\(scheme.rawValue)://\(name):\(port)\(requestTarget)"
    }

    /// Whether both URLs have the same origin (scheme, host, port).
    func isSameOrigin(as other: OutboundURL) -> Bool {
        scheme == other.scheme && host == other.host && port == other.port
    }

    /// Resolves a `Location` header against this URL (RFC 3986 §5.2, through Foundation once
    /// the reference is percent-encoded where RFC 3986 demands it).
    func resolving(_ location: String) throws(OutboundError) -> OutboundURL {
        let reference = Self.percentEncodingInvalid(Substring(location), brackets: false)
        let base = URL(string: clientURL(connectingTo: nil))
        guard let resolved = URL(string: reference, relativeTo: base)?.absoluteURL.absoluteString else {
            throw .failed(.invalid, location, "the redirect's Location cannot be resolved against \(string)")
        }
        return try OutboundURL(resolved)
    }

    private static let allowed: Set<UInt8> = Set(
        Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%".utf8))

    /// Percent-encodes what RFC 3986 does not allow; `brackets` too (legal in a host only).
    private static func percentEncodingInvalid(_ text: Substring, brackets: Bool) -> String {
        var out = ""
        for byte in text.utf8 {
            let bracket = byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
            if allowed.contains(byte) && !(brackets && bracket) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }
}

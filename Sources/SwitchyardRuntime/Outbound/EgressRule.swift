/// One exception the operator opens in the ``EgressPolicy``: `HOST_OR_CIDR[:PORT]`.
///
/// Forms: `10.0.0.0/8`, `127.0.0.1:8080`, `[::1]:9000`, `[fc00::]/7`, `fc00::/7` (IPv6 without a
/// port needs no brackets), `localhost`, `api.internal:443`. A host name matches the URL's host
/// exactly (case-insensitive, a final dot ignored) and opens every address it resolves to; it
/// must contain a dot or be `localhost`, since a single label is resolved through search domains
/// and would not say which host it means. Without a port, a rule opens every port.
public struct EgressRule: Hashable, Sendable, CustomStringConvertible {
    public enum Target: Hashable, Sendable {
        case host(String)
        case network(IPNetwork)
    }

    public let target: Target
    public let port: Int?

    public init(target: Target, port: Int? = nil) {
        self.target = target
        self.port = port
    }

    /// Why a rule could not be parsed.
    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public var description: String

        init(_ description: String) {
            self.description = description
        }
    }

    /// Parses `HOST_OR_CIDR[:PORT]`.
    /// - Throws: ``ParseError``, whose description quotes the rule and says what is wrong.
    public init(parsing text: String) throws(ParseError) {
        do {
            (target, port) = try Self.parse(text.trimmingWhitespace())
        } catch {
            throw ParseError(
                "invalid egress rule \"\(text)\": \(error.description); expected HOST_OR_CIDR[:PORT], such as 10.0.0.0/8, 127.0.0.1:8080, [::1]:9000 or api.internal:443")
        }
    }

    public var description: String {
        let host: String
        switch target {
        case .host(let name): host = name
        case .network(let network):
            let single = network.prefixLength == network.address.bitWidth
            let text = single ? "\(network.address)" : "\(network)"
            host = network.address.bitWidth == 128 && port != nil ? "[\(text)]" : text
        }
        return port.map { "\(host):\($0)" } ?? host
    }

    /// Whether the rule opens `address` on `port`, reached through the URL host `host`.
    func matches(host: String, address: IPAddress, port: Int) -> Bool {
        if let own = self.port, own != port { return false }
        switch target {
        case .host(let name):
            return name == host
        case .network(let network):
            if network.contains(address) { return true }
            return address.embeddedIPv4.map { network.contains(.v4($0)) } ?? false
        }
    }

    private static func parse(_ text: String) throws(ParseError) -> (Target, Int?) {
        guard !text.isEmpty else { throw ParseError("it is empty") }
        var host = Substring(text)
        var port: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw ParseError("the \"[\" is not closed") }
            host = text[text.index(after: text.startIndex)..<close]
            var rest = text[text.index(after: close)...]
            if rest.hasPrefix("/"), let colon = rest.firstIndex(of: ":") {
                host += rest[..<colon]
                rest = rest[colon...]
            } else if rest.hasPrefix("/") {
                host += rest
                rest = ""
            }
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw ParseError("unexpected \"\(rest)\" after \"]\"") }
                port = rest.dropFirst()
            }
            guard host.contains(":") else { throw ParseError("brackets are for IPv6 addresses") }
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        let parsedPort = try port.map { text throws(ParseError) in
            guard let value = Int(text), text.allSatisfy(\.isASCII), (1...65535).contains(value) else {
                throw ParseError("the port \"\(text)\" must be a number from 1 to 65535")
            }
            return value
        }
        if host.contains(":") || host.contains("/") || IPAddress(String(host)) != nil {
            return (.network(try IPNetwork(parsing: String(host))), parsedPort)
        }
        return (.host(try parseHostName(host)), parsedPort)
    }

    private static func parseHostName(_ text: Substring) throws(ParseError) -> String {
        var name = text.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            guard !label.isEmpty, label.count <= 63 else { throw ParseError("\"\(text)\" has an empty or overlong label") }
            guard label.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
                throw ParseError("\"\(text)\" is neither an IP address, a CIDR block nor a host name")
            }
        }
        if labels.allSatisfy({ $0.allSatisfy(\.isNumber) }) {
            throw ParseError("\"\(text)\" is not a dotted-quad IPv4 address")
        }
        guard labels.count > 1 || name == "localhost" else {
            throw ParseError(
                "\"\(text)\" is a single-label host name; write the fully qualified name (it must contain a dot) or localhost")
        }
        return name
    }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}

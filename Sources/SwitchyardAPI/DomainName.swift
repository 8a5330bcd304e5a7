import HTTPTypes
import SwitchyardModel

/// Domain names the API accepts: zone names, custom hostnames, origins (RFC 1035 section 2.3.4
/// with RFC 1123's leading digits): at most 253 characters, at least two labels of 1 to 63
/// characters of a-z, 0-9 and "-" (not at either end), a top-level label that starts with a letter
/// (so no IP addresses). Upper case is accepted and lowercased. `openapi.json`'s `DomainName`
/// pattern says the same.
enum DomainName {
    /// The lowercased name; 400 with `pointer` when it is not valid.
    /// - Parameter allowWildcard: accept a leading `*.` label (wildcard custom hostnames).
    static func validate(_ raw: String, field: String, allowWildcard: Bool = false) throws -> String {
        let name = raw.lowercased()
        var labels = name.split(separator: ".", omittingEmptySubsequences: false)
        if allowWildcard, labels.first == "*" { labels.removeFirst() }
        let valid =
            name.utf8.count <= 253 && labels.count >= 2
            && labels.allSatisfy { label in
                (1...63).contains(label.utf8.count) && label.first != "-" && label.last != "-"
                    && label.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
            }
            && (labels.last?.first.map { $0 >= "a" && $0 <= "z" } ?? false)
        guard valid else {
            let wildcard = allowWildcard ? " (optionally starting with \"*.\")" : ""
            throw APIError(
                status: .badRequest, code: ErrorCode.invalidHostname,
                message: "\(field) \"\(raw)\" is not a valid domain name\(wildcard): labels of a-z, 0-9 and \"-\" separated by dots, at most 253 characters",
                pointer: "/\(field)")
        }
        return name
    }

    /// Whether `name` is `zone` or inside it.
    static func isInside(_ name: String, zone: String) -> Bool {
        name == zone || name.hasSuffix("." + zone)
    }
}

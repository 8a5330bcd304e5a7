import Foundation

/// Keys as the stores order them, UTF-8 bytes compared bytewise (KV's and R2's listing order),
/// and the opaque cursors their listings hand out.
enum ByteKeys {
    /// The smallest byte string greater than every string that starts with `prefix` (nil: none).
    static func upperBound(of prefix: [UInt8]) -> [UInt8]? {
        var bound = prefix
        while let last = bound.last {
            if last < 0xff {
                bound[bound.count - 1] = last + 1
                return bound
            }
            bound.removeLast()
        }
        return nil
    }

    /// A cursor: `position` (a key, or where the next page starts) base64url-encoded.
    static func encodeCursor(_ position: [UInt8]) -> String {
        Data(position).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeCursor(_ cursor: String) -> [UInt8]? {
        var text = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        return Data(base64Encoded: text).map(Array.init)
    }
}

import NIOCore
import NIOHTTP1

/// What the edge knows about a request that Cloudflare hands the worker: `request.cf` (the
/// protocol, the encodings the client accepts, the custom hostname's metadata) and the
/// `CF-Connecting-IP` header with the client's address.
enum RequestFacts {
    static let connectingIPHeader = Array("cf-connecting-ip".utf8)
    static let acceptEncodingHeader = Array("accept-encoding".utf8)

    /// The JSON text of `request.cf`. `hostMetadataJSON` is the custom hostname's
    /// `custom_metadata`, already JSON.
    static func cfJSON(
        version: HTTPVersion, acceptEncoding: String?, tlsVersion: String?, hostMetadataJSON: String?
    ) -> String {
        // Cloudflare names HTTP/2 and HTTP/3 without a minor version.
        let httpProtocol = version.major >= 2 ? "HTTP/\(version.major)" : "HTTP/\(version.major).\(version.minor)"
        var json = "{\"httpProtocol\":\"\(httpProtocol)\""
        if let acceptEncoding {
            json += ",\"clientAcceptEncoding\":"
            appendQuoted(acceptEncoding, to: &json)
        }
        if let tlsVersion {
            json += ",\"tlsVersion\":"
            appendQuoted(tlsVersion, to: &json)
        }
        if let hostMetadataJSON {
            json += ",\"hostMetadata\":"
            json += hostMetadataJSON
        }
        json += "}"
        return json
    }

    /// The client's address as `CF-Connecting-IP` shows it (no port), or nil for a Unix socket.
    static func connectingIP(_ address: SocketAddress?) -> String? {
        switch address {
        case .v4(let v4): v4.host
        case .v6(let v6): v6.host
        default: nil
        }
    }

    /// `text` as a JSON string: quotes, backslashes and control characters escaped.
    static func appendQuoted(_ text: String, to json: inout String) {
        json += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": json += "\\\""
            case "\\": json += "\\\\"
            case _ where scalar.value < 0x20:
                json += "\\u00" + String(scalar.value, radix: 16).leftPadded(to: 2)
            default: json.unicodeScalars.append(scalar)
            }
        }
        json += "\""
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}

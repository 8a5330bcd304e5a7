internal import CV8

/// A request handed to `internals.dispatchFetch`.
public struct JSRequest: Sendable {
    public var method: String
    /// Absolute URL.
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?
    /// JSON text of `request.cf`, or nil for none.
    public var cfJSON: String?

    public init(
        method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil,
        cfJSON: String? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.cfJSON = cfJSON
    }

    func withCRequest<R>(_ body: (UnsafePointer<cv8_request>) -> R) -> R {
        var values: [JSValue] = [.string(method), .string(url), .string(cfJSON ?? "")]
        values.reserveCapacity(3 + headers.count * 2 + 1)
        for header in headers {
            values.append(.string(header.name))
            values.append(.string(header.value))
        }
        values.append(.bytes(self.body ?? []))
        let hasBody = self.body != nil
        let headerCount = headers.count
        return withCValues(values) { c in
            let headerBytes = (0..<(headerCount * 2)).map { c[3 + $0].bytes }
            return headerBytes.withUnsafeBufferPointer { headerPointer in
                var request = cv8_request(
                    method: c[0].bytes, url: c[1].bytes, headers: headerPointer.baseAddress, header_count: headerCount,
                    body: c[c.count - 1].bytes, has_body: hasBody ? 1 : 0, cf_json: c[2].bytes)
                return body(&request)
            }
        }
    }
}

/// A response as JavaScript produced it; the buffers are valid only inside the poll callback.
public struct JSResponseView {
    let raw: cv8_response

    public var status: Int { Int(raw.status) }
    public var statusText: String { decodeUTF8(raw.status_text) }
    public var headerCount: Int { raw.header_count }

    /// Calls `body` with each header's name and value.
    public func forEachHeader(_ body: (String, String) -> Void) {
        guard let headers = raw.headers else { return }
        for index in 0..<raw.header_count {
            body(decodeUTF8(headers[index * 2]), decodeUTF8(headers[index * 2 + 1]))
        }
    }

    /// The body bytes, or nil when the response has no body.
    public var body: UnsafeRawBufferPointer? {
        guard raw.has_body != 0 else { return nil }
        guard let pointer = raw.body.ptr else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: pointer, count: raw.body.len)
    }
}

/// The state of a fetch event.
public struct FetchPoll<Response> {
    public enum State {
        case pending
        case responded(Response)
        case failed(JSError)
    }

    public var state: State
    /// `ctx.waitUntil()` promises not yet settled.
    public var waitUntilPending: Int
}

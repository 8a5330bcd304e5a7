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
        var byteCount = method.utf8.count + url.utf8.count + (cfJSON?.utf8.count ?? 0) + (self.body?.count ?? 0)
        for header in headers { byteCount += header.name.utf8.count + header.value.utf8.count }
        var arena = ByteArena(capacity: byteCount)
        var headerBytes: [cv8_bytes] = []
        headerBytes.reserveCapacity(headers.count * 2)
        for header in headers {
            headerBytes.append(arena.place(header.name))
            headerBytes.append(arena.place(header.value))
        }
        var request = cv8_request()
        request.method = arena.place(method)
        request.url = arena.place(url)
        request.cf_json = arena.place(cfJSON ?? "")
        request.has_body = self.body == nil ? 0 : 1
        request.body = arena.place(self.body ?? [])
        request.header_count = headers.count
        return headerBytes.withUnsafeBufferPointer { pointer in
            request.headers = pointer.baseAddress
            return body(&request)
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
public struct FetchPoll {
    public enum State {
        case pending
        /// The response was handed to the poll's callback.
        case responded
        case failed(JSError)
    }

    public var state: State
    /// `ctx.waitUntil()` promises not yet settled.
    public var waitUntilPending: Int
}

internal import CV8

/// Headers as they cross between the host and V8: `name\0value` pairs joined by `\0`, in one
/// buffer. A request's headers cost one allocation instead of two strings per header, and
/// JavaScript splits them only if the worker reads them; a response's come back the same way and
/// are written to the wire without becoming strings. The bytes are those of Fetch's byte
/// strings: one byte per code unit, so a header survives a round trip through a worker unchanged.
///
/// Names and values must not contain NUL, which HTTP does not allow in headers (NIO's parser and
/// the runtime's `Headers` class both reject it).
public struct HeaderBlock: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public init(_ pairs: [(name: String, value: String)]) {
        for (name, value) in pairs { append(name: name, value: value) }
    }

    /// A block already in this form.
    public init(joined: UnsafeRawBufferPointer) {
        bytes = Array(joined)
    }

    public var isEmpty: Bool { bytes.isEmpty }

    public mutating func reserveCapacity(_ byteCount: Int) {
        bytes.reserveCapacity(byteCount)
    }

    public mutating func append(name: String, value: String) {
        if !bytes.isEmpty { bytes.append(0) }
        bytes.append(contentsOf: name.utf8)
        bytes.append(0)
        bytes.append(contentsOf: value.utf8)
    }

    /// Calls `body` with each header's name and value bytes, in order. A name without a value
    /// (a NUL that slipped into a header) comes last with a nil value.
    public func forEach<E: Error>(
        _ body: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer?) throws(E) -> Void
    ) throws(E) {
        // (`withUnsafeBytes` rethrows untyped errors: carry the typed one out by hand.)
        var failure: E?
        bytes.withUnsafeBytes { all in
            var start = 0
            var name: UnsafeRawBufferPointer?
            do throws(E) {
                for index in 0...all.count where index == all.count || all[index] == 0 {
                    let field = UnsafeRawBufferPointer(rebasing: all[start..<index])
                    start = index + 1
                    if let pending = name {
                        try body(pending, field)
                        name = nil
                    } else {
                        name = field
                    }
                }
                if let name, !all.isEmpty { try body(name, nil) }
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }

    /// The pairs as strings (for logs and tests).
    public var pairs: [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        forEach { name, value in
            pairs.append((String(decoding: name, as: UTF8.self), value.map { String(decoding: $0, as: UTF8.self) } ?? ""))
        }
        return pairs
    }
}

/// A request handed to `internals.dispatchFetch`.
public struct JSRequest: Sendable {
    public var method: String
    /// Absolute URL.
    public var url: String
    public var headers: HeaderBlock
    public var body: [UInt8]?
    /// JSON text of `request.cf`, or nil for none.
    public var cfJSON: String?

    public init(method: String, url: String, headers: HeaderBlock = HeaderBlock(), body: [UInt8]? = nil, cfJSON: String? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.cfJSON = cfJSON
    }

    /// Calls `body` with the C view of this request; the pointers are valid only inside it.
    func withCRequest<R>(_ body: (UnsafePointer<cv8_request>) -> R) -> R {
        var method = self.method
        var url = self.url
        var cfJSON = self.cfJSON ?? ""
        return method.withUTF8 { method in
            url.withUTF8 { url in
                cfJSON.withUTF8 { cfJSON in
                    headers.bytes.withUnsafeBytes { headers in
                        (self.body ?? []).withUnsafeBytes { bytes in
                            var request = cv8_request()
                            request.method = cBytes(UnsafeRawBufferPointer(method))
                            request.url = cBytes(UnsafeRawBufferPointer(url))
                            request.cf_json = cBytes(UnsafeRawBufferPointer(cfJSON))
                            request.headers = cBytes(headers)
                            request.has_body = self.body == nil ? 0 : 1
                            request.body = cBytes(bytes)
                            return body(&request)
                        }
                    }
                }
            }
        }
    }
}

private func cBytes(_ buffer: UnsafeRawBufferPointer) -> cv8_bytes {
    cv8_bytes(ptr: buffer.baseAddress?.assumingMemoryBound(to: CChar.self), len: buffer.count)
}

/// A response as JavaScript produced it; the buffers are valid only inside the poll callback.
public struct JSResponseView {
    let raw: cv8_response

    public var status: Int { Int(raw.status) }
    public var statusText: String { decodeUTF8(raw.status_text) }
    /// A copy of the headers, in the order the worker set them.
    public var headers: HeaderBlock {
        HeaderBlock(joined: UnsafeRawBufferPointer(start: raw.headers.ptr, count: raw.headers.len))
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

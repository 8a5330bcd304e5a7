internal import CV8

/// Bytes the host hands to JavaScript, read in place while V8 copies them: a `[UInt8]`, or the
/// runtime's buffer views, so a body held whole is copied once on its way in.
public protocol JSByteSource: Sendable {
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension Array: JSByteSource where Element == UInt8 {}

/// A request handed to `internals.dispatchFetch`.
public struct JSRequest: Sendable {
    public var method: String
    /// Absolute URL.
    public var url: String
    /// Every header as `name\0value`, joined by `\0` (the runtime's `HeaderBlock` bytes).
    public var headerBytes: [UInt8]
    /// A body held whole, read in place while V8 copies it (its one copy).
    public var body: (any JSByteSource)?
    /// A body the host streams instead of `body`: its handle (not 0), and its length if known.
    public var bodyStream: (handle: Int32, length: Int?)?
    /// JSON text of `request.cf`, or nil for none.
    public var cfJSON: String?
    /// JSON text of members added to `env` for this request only, or nil.
    public var envOverlayJSON: String?

    public init(
        method: String, url: String, headerBytes: [UInt8] = [], body: (any JSByteSource)? = nil,
        bodyStream: (handle: Int32, length: Int?)? = nil, cfJSON: String? = nil, envOverlayJSON: String? = nil
    ) {
        self.envOverlayJSON = envOverlayJSON
        self.method = method
        self.url = url
        self.headerBytes = headerBytes
        self.body = body
        self.bodyStream = bodyStream
        self.cfJSON = cfJSON
    }

    private func withBodyBytes<R>(_ read: (UnsafeRawBufferPointer) -> R) -> R {
        guard let body else { return read(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return body.withUnsafeBytes(read)
    }

    /// Calls `body` with the C view of this request; the pointers are valid only inside it.
    func withCRequest<R>(_ body: (UnsafePointer<cv8_request>) -> R) -> R {
        var method = self.method
        var url = self.url
        var cfJSON = self.cfJSON ?? ""
        var envOverlayJSON = self.envOverlayJSON ?? ""
        return method.withUTF8 { method in
            url.withUTF8 { url in
                cfJSON.withUTF8 { cfJSON in
                    envOverlayJSON.withUTF8 { envOverlayJSON in
                        headerBytes.withUnsafeBytes { headers in
                            withBodyBytes { bytes in
                                var request = cv8_request()
                                request.method = cBytes(UnsafeRawBufferPointer(method))
                                request.url = cBytes(UnsafeRawBufferPointer(url))
                                request.cf_json = cBytes(UnsafeRawBufferPointer(cfJSON))
                                request.env_overlay_json = cBytes(UnsafeRawBufferPointer(envOverlayJSON))
                                request.headers = cBytes(headers)
                                request.has_body = self.body == nil ? 0 : 1
                                request.body = cBytes(bytes)
                                request.body_stream = bodyStream?.handle ?? 0
                                request.body_length = bodyStream?.length.map(Double.init) ?? -1
                                return body(&request)
                            }
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
    /// The headers, in the order the worker set them, as `name\0value` joined by `\0`.
    public var headerBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: raw.headers.ptr, count: raw.headers.len)
    }

    /// The host's handle of the stream the body comes from (then ``body`` is empty), or nil.
    public var bodyStream: Int32? { raw.body_stream == 0 ? nil : raw.body_stream }

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

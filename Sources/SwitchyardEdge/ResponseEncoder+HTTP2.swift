import NIOHTTP1
import SwitchyardRuntime

extension ResponseEncoder {
    /// The head of `response` for an HTTP/2 stream, which NIO's codec turns into a HEADERS frame.
    /// The same checks as ``encode(_:for:maxHeaderBytes:into:)`` (a value with CR, LF or NUL, a
    /// name that is not a token, header lines over `maxHeaderBytes`, counted as HTTP/1.1 sends
    /// them, so one limit means the same on both protocols); the connection-specific and framing
    /// headers HTTP/2 forbids (RFC 9113 §8.2.2) are dropped, `content-length` is the listener's,
    /// and there is no reason phrase.
    static func http2Head(
        _ response: WorkerResponse, isHead: Bool, maxHeaderBytes: Int
    ) throws(Failure) -> HTTPResponseHead {
        var headers = HTTPHeaders()
        var headerBytes = 0
        try response.headers.forEach { (name, value) throws(Failure) in
            guard !isFramingHeader(name) else { return }
            guard let value, isToken(name), isValidFieldValue(value) else {
                throw .invalidHeader(name: String(decoding: name, as: UTF8.self))
            }
            headerBytes += name.count + value.count + 4
            headers.add(name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self))
        }
        guard headerBytes <= maxHeaderBytes else { throw .headersTooLarge(limit: maxHeaderBytes) }
        if case .length(let length) = framing(of: response, for: .init(isHead: isHead, isHTTP10: false, keepAlive: true)) {
            headers.add(name: "content-length", value: String(length))
        }
        return HTTPResponseHead(version: .http2, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
    }
}

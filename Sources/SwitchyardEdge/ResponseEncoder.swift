import NIOCore
import NIOHTTP1
import SwitchyardRuntime

/// Writes a worker's response as HTTP/1.1 bytes: status line, headers and body in one buffer,
/// so a response is one write through the pipeline and one system call.
///
/// NIO's generic response path (an encoder, a header validator and the pipelining handler, each
/// seeing a head, a body and an end part) costs about 2.5 µs per hello-world request here; this
/// writes the same bytes in one pass and checks the headers as it copies them.
enum ResponseEncoder {
    /// What the encoder needs to know about the request being answered.
    struct Request {
        var isHead: Bool
        var isHTTP10: Bool
        var keepAlive: Bool
    }

    /// Why a response's head cannot go to the wire as it is.
    enum Failure: Error, Equatable, CustomStringConvertible {
        /// A header name that is not a token, a value with CR, LF or NUL, or a reason phrase
        /// with a control character (`name` is then `:status-text`).
        case invalidHeader(name: String)
        /// The worker's header lines add up to more than the limit.
        case headersTooLarge(limit: Int)

        var description: String {
            switch self {
            case .invalidHeader(let name): "response header \"\(name)\" has a character HTTP/1.1 does not allow"
            case .headersTooLarge(let limit): "response headers over \(limit) bytes"
            }
        }
    }

    /// How a response's body is delimited on the wire.
    enum Framing: Equatable {
        /// `content-length`: a body held whole, or a stream whose length is known.
        case length(Int)
        /// `transfer-encoding: chunked`: a stream of unknown length to an HTTP/1.1 client.
        case chunked
        /// The end of the connection: a stream of unknown length to an HTTP/1.0 client.
        case untilClose
        /// No body at all (1xx, 204, 304).
        case none
    }

    /// The framing of `response` for `request`. ``Framing/untilClose`` needs the connection to
    /// close after the response (the caller sets `keepAlive` false).
    static func framing(of response: WorkerResponse, for request: Request) -> Framing {
        guard hasBody(status: response.status) else { return .none }
        switch response.body {
        case nil: return .length(0)
        case .bytes(let bytes): return .length(bytes.readableBytes)
        case .stream(let stream):
            if let length = stream.expectedLength { return .length(length) }
            return request.isHTTP10 ? .untilClose : .chunked
        }
    }

    /// Bodies up to this size are copied behind the head; larger ones are written as their own
    /// buffer (two iovecs of one `writev`), without a copy.
    static let inlineBodyLimit = 16 * 1024

    /// Encodes `response`'s head (and a small body held whole) into `buffer`; returns the body
    /// still to be written, if any (a streamed body is the caller's to write, framed as
    /// ``framing(of:for:)`` says). The worker's own framing headers (`content-length`, `connection`,
    /// `transfer-encoding`...) are replaced by the listener's. Throws for a header that would
    /// break the framing (CR, LF or NUL in a value, a name that is not a token), a reason
    /// phrase with a control character, or header lines (`name: value` and CRLF each, the
    /// listener's own framing headers not counted) over `maxHeaderBytes` in total (Cloudflare
    /// allows 128 KB), leaving `buffer` partly written.
    static func encode(
        _ response: WorkerResponse, for request: Request, maxHeaderBytes: Int = .max, into buffer: inout ByteBuffer
    ) throws(Failure) -> ByteBuffer? {
        let status = response.status
        buffer.writeStaticString("HTTP/1.1 ")
        writeStatusCode(status, into: &buffer)
        buffer.writeInteger(UInt8(ascii: " "))
        if response.statusText.isEmpty {
            buffer.writeString(HTTPResponseStatus(statusCode: status).reasonPhrase)
        } else {
            guard isValidReasonPhrase(response.statusText) else { throw .invalidHeader(name: ":status-text") }
            buffer.writeString(response.statusText)
        }
        buffer.writeStaticString("\r\n")
        let headersStart = buffer.writerIndex
        try response.headers.forEach { (name, value) throws(Failure) in
            guard !isFramingHeader(name) else { return }
            guard let value, isToken(name), isValidFieldValue(value) else {
                throw .invalidHeader(name: String(decoding: name, as: UTF8.self))
            }
            buffer.writeBytes(name)
            buffer.writeStaticString(": ")
            buffer.writeBytes(value)
            buffer.writeStaticString("\r\n")
        }
        // Measured once, after the copy: nothing is added per header on the hot path.
        guard buffer.writerIndex - headersStart <= maxHeaderBytes else { throw .headersTooLarge(limit: maxHeaderBytes) }
        switch framing(of: response, for: request) {
        case .length(let length):
            buffer.writeStaticString("content-length: ")
            writeDecimal(length, into: &buffer)
            buffer.writeStaticString("\r\n")
        case .chunked:
            buffer.writeStaticString("transfer-encoding: chunked\r\n")
        case .untilClose, .none:
            break
        }
        if !request.keepAlive {
            buffer.writeStaticString("connection: close\r\n")
        } else if request.isHTTP10 {
            buffer.writeStaticString("connection: keep-alive\r\n")
        }
        buffer.writeStaticString("\r\n")
        guard Self.hasBody(status: status), !request.isHead, var body = response.bodyBytes, body.readableBytes > 0 else {
            return nil
        }
        if body.readableBytes <= inlineBodyLimit {
            buffer.writeBuffer(&body)
            return nil
        }
        return body
    }

    /// Bytes to reserve for `response`: its head, plus the body when it goes in the same buffer.
    static func bufferCapacity(for response: WorkerResponse) -> Int {
        let body = response.bodyBytes?.readableBytes ?? 0
        return 256 + (body <= inlineBodyLimit ? body : 0)
    }

    /// RFC 9110 §8.6 and §15.3.5: 1xx and 204 have no body nor length; 304 neither, since its
    /// length would describe a body it never has.
    static func hasBody(status: Int) -> Bool {
        !(100..<200).contains(status) && status != 204 && status != 304
    }

    // MARK: Writing numbers

    private static func writeStatusCode(_ status: Int, into buffer: inout ByteBuffer) {
        // The runtime keeps statuses in 200...599 (Response) or sets them itself; clamp anyway so
        // the status line always has three digits.
        let code = min(max(status, 100), 999)
        buffer.writeInteger(UInt8(ascii: "0") + UInt8(code / 100))
        buffer.writeInteger(UInt8(ascii: "0") + UInt8(code / 10 % 10))
        buffer.writeInteger(UInt8(ascii: "0") + UInt8(code % 10))
    }

    private static func writeDecimal(_ value: Int, into buffer: inout ByteBuffer) {
        if value >= 10 { writeDecimal(value / 10, into: &buffer) }
        buffer.writeInteger(UInt8(ascii: "0") + UInt8(value % 10))
    }

    // MARK: Checking headers

    /// Headers that describe one connection or the message's framing; the listener sets its own.
    private static let framingHeaders: [[UInt8]] = [
        "connection", "keep-alive", "transfer-encoding", "content-length", "upgrade", "proxy-connection", "te", "trailer",
    ].map { Array($0.utf8) }

    static func isFramingHeader(_ name: UnsafeRawBufferPointer) -> Bool {
        framingHeaders.contains { ASCII.equalsIgnoringCase(name, $0) }
    }

    static func isToken(_ name: UnsafeRawBufferPointer) -> Bool {
        !name.isEmpty && name.allSatisfy(ASCII.isTokenByte)
    }

    /// A field value may not contain CR, LF or NUL (RFC 9110 §5.5); those would end the header.
    static func isValidFieldValue(_ value: UnsafeRawBufferPointer) -> Bool {
        !value.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 }
    }

    /// A reason phrase is horizontal tab, space and visible characters (RFC 9112 §4).
    private static func isValidReasonPhrase(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in bytes.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) } }
    }
}

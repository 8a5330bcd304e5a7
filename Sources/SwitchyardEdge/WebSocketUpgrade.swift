import Crypto
import NIOCore
import NIOHTTP1
import NIOWebSocket
import SwitchyardRuntime

/// The edge's side of a worker's WebSocket (RFC 6455 §4): a 101 response carrying a
/// ``WebSocketEnd`` is answered with the handshake when the request asked for a WebSocket, and
/// the connection then carries frames between the client and the worker (``WebSocketChannelEnd``
/// joined to the response's end). Checked only for responses that are 101s or carry a socket, so
/// ordinary requests pay nothing.
enum WebSocketUpgrade {
    /// workerd's message for a WebSocket returned to a request that did not ask for one.
    static let notRequestedMessage = """
        Worker tried to return a WebSocket in a response to a request which did not contain the header \
        "Upgrade: websocket".
        """

    /// RFC 6455 §1.3: appended to the client's key before hashing.
    private static let acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// The `Sec-WebSocket-Key` of a request that opens a WebSocket (RFC 6455 §4.2.1: HTTP/1.1
    /// GET with `Upgrade: websocket`, `Connection: Upgrade`, version 13), nil for any other.
    static func key(of head: HTTPRequestHead) -> String? {
        guard head.method == .GET, head.version == .http1_1,
            head.headers["upgrade"].contains(where: { $0.lowercased() == "websocket" }),
            head.headers[canonicalForm: "connection"].contains(where: { $0.lowercased() == "upgrade" }),
            head.headers["sec-websocket-version"].first == "13",
            let key = head.headers["sec-websocket-key"].first, !key.isEmpty
        else { return nil }
        return key
    }

    /// `Sec-WebSocket-Accept` for `key`: base64 of the SHA-1 of the key and the GUID.
    static func accept(for key: String) -> String {
        let digest = Insecure.SHA1.hash(data: Array((key + acceptGUID).utf8))
        return base64(Array(digest))
    }

    /// The 101 head: the handshake's headers, then the worker's own (a `Sec-WebSocket-Protocol`
    /// it chose, cookies), without those the handshake or framing owns.
    static func encodeHead(_ response: WorkerResponse, accept: String, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n")
        buffer.writeStaticString("sec-websocket-accept: ")
        buffer.writeString(accept)
        buffer.writeStaticString("\r\n")
        for (name, value) in response.headers.pairs {
            switch name.lowercased() {
            case "upgrade", "connection", "sec-websocket-accept", "content-length", "transfer-encoding",
                "sec-websocket-extensions":
                continue
            default:
                // Names and values were validated by the runtime's Headers; CR and LF cannot occur.
                guard !name.utf8.contains(where: { $0 == 13 || $0 == 10 }),
                    !value.utf8.contains(where: { $0 == 13 || $0 == 10 })
                else { continue }
                buffer.writeString(name)
                buffer.writeStaticString(": ")
                buffer.writeString(value)
                buffer.writeStaticString("\r\n")
            }
        }
        buffer.writeStaticString("\r\n")
    }

    /// What goes out instead of a 101 that cannot be honoured (no socket in it, or a request
    /// that did not ask for one, or an HTTP/2 stream): Cloudflare's 1101 page, the worker's socket
    /// hearing 1006. Nil when `response` is no 101 and carries no socket.
    static func refusal(of response: WorkerResponse, upgradeKey: String?) -> (WorkerResponse, reason: String)? {
        guard response.status == 101 || response.webSocket != nil else { return nil }
        if response.webSocket != nil, upgradeKey != nil, response.status == 101 { return nil }
        response.webSocket?.receiveClose(code: 1006, reason: "")
        let reason = response.webSocket == nil ? "a 101 response without a WebSocket" : notRequestedMessage
        return (ErrorPages.page(status: 500, code: 1101, title: "Worker threw exception"), reason)
    }

    /// Switches `context`'s connection (that of the HTTP/1.1 handler, the last in its pipeline)
    /// to WebSocket frames: writes `head` (the 101), removes the HTTP/1.1 handlers, and joins the
    /// connection to `socket`. The request decoder goes first: whatever it still holds is dropped
    /// (a client sends no frame before it has the 101).
    static func switchProtocols(context: ChannelHandlerContext, head: NIOAny, socket: any WebSocketEnd) throws {
        let pipeline = context.pipeline.syncOperations
        let end = WebSocketChannelEnd(eventLoop: context.eventLoop, isClient: false)
        let decoder = try pipeline.handler(type: ByteToMessageHandler<RequestDecoder>.self)
        pipeline.removeHandler(decoder, promise: nil)
        context.writeAndFlush(head, promise: nil)
        try pipeline.addHandlers(
            [
                WebSocketFrameEncoder(),
                ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: WebSocketLimits.maximumMessageBytes)),
                end,
            ], position: .last)
        pipeline.removeHandler(context: context, promise: nil)
        WebSocketEnds.join(end, socket)
        context.channel.read()
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// RFC 4648 base64 with padding.
    static func base64(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let b0 = UInt32(bytes[index])
            let b1 = index + 1 < bytes.count ? UInt32(bytes[index + 1]) : 0
            let b2 = index + 2 < bytes.count ? UInt32(bytes[index + 2]) : 0
            let triple = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(triple >> 18 & 63)])
            out.append(alphabet[Int(triple >> 12 & 63)])
            out.append(index + 1 < bytes.count ? alphabet[Int(triple >> 6 & 63)] : UInt8(ascii: "="))
            out.append(index + 2 < bytes.count ? alphabet[Int(triple & 63)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}

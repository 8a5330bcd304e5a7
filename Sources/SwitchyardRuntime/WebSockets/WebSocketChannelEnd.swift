import NIOConcurrencyHelpers
import NIOCore
import NIOWebSocket

/// A party of a WebSocket behind a connection (RFC 6455): the client of the edge, or the server a
/// worker's `fetch()` upgraded to. The last handler of a pipeline that has NIO's frame encoder and
/// decoder (with ``WebSocketLimits/maximumMessageBytes`` as its frame bound) before it; it answers
/// the decoder's errors itself (1009 for a frame over the bound, 1002 for the others).
///
/// Frames become whole messages (fragments joined, text checked as UTF-8, at most
/// ``WebSocketLimits/maximumMessageBytes``: 1009 past it, 1007 for text that is not UTF-8, 1002
/// for fragments out of order); a Ping is answered with a Pong; a Close goes to the peer, whose
/// answer is written before the connection closes. What waits to be written is bounded by
/// ``WebSocketLimits/maximumBufferedBytes`` (Pongs included): a party that stops reading loses
/// its connection, and the peer hears 1006.
///
/// - Important: Its state is confined to the channel's event loop: ``receive(_:)``,
///   ``receiveClose(code:reason:)`` and ``connect(_:)`` hop there (hence `@unchecked Sendable`),
///   and only ``buffered`` is shared (a ``WebSocketBacklog``, behind its lock).
public final class WebSocketChannelEnd: ChannelInboundHandler, WebSocketEnd, @unchecked Sendable {
    public typealias InboundIn = WebSocketFrame
    public typealias OutboundOut = WebSocketFrame

    private enum Pending {
        case message(WebSocketMessage)
        case close(UInt16, String)
    }

    /// Frames it writes are masked (RFC 6455 §5.3: a client masks, a server does not).
    private let isClient: Bool
    private let eventLoop: any EventLoop
    private var context: ChannelHandlerContext?
    private var peer: (any WebSocketPeer)?
    /// What arrived before ``connect(_:)``.
    private var pending: [Pending] = []
    private var pendingBytes = 0
    /// The message whose fragments are arriving, and whether it is text.
    private var fragments: ByteBuffer?
    private var fragmentsAreText = false
    private var sentClose = false
    private var receivedClose = false
    /// The peer heard how this party ended (a Close, or 1006): nothing more goes to it.
    private var peerClosed = false
    private var closeTimer: Scheduled<Void>?
    /// Bytes handed to ``receive(_:)`` (and Pongs) not written yet.
    private let buffered = WebSocketBacklog()

    public init(eventLoop: any EventLoop, isClient: Bool) {
        self.eventLoop = eventLoop
        self.isClient = isClient
    }

    // MARK: WebSocketEnd

    public func connect(_ peer: any WebSocketPeer) {
        onLoop {
            self.peer = peer
            let pending = self.pending
            self.pending = []
            self.pendingBytes = 0
            for item in pending {
                switch item {
                case .message(let message): peer.receive(message)
                case .close(let code, let reason): peer.receiveClose(code: code, reason: reason)
                }
            }
        }
    }

    public func receive(_ message: WebSocketMessage) {
        let size = message.byteCount
        let over = buffered.add(size)
        onLoop {
            guard let context = self.context, !self.sentClose else {
                self.buffered.remove(size)
                return
            }
            if over {
                // The party does not read: drop the connection (the peer hears 1006).
                self.buffered.remove(size)
                context.close(promise: nil)
                return
            }
            let frame: WebSocketFrame
            switch message {
            case .text(let text):
                var buffer = context.channel.allocator.buffer(capacity: text.utf8.count)
                buffer.writeString(text)
                frame = WebSocketFrame(fin: true, opcode: .text, maskKey: self.maskKey, data: buffer)
            case .binary(let bytes):
                frame = WebSocketFrame(fin: true, opcode: .binary, maskKey: self.maskKey, data: bytes)
            }
            self.write(frame, counting: size, context: context)
        }
    }

    public func receiveClose(code: UInt16, reason: String) {
        onLoop {
            guard let context = self.context, !self.sentClose else { return }
            self.sendClose(code: code, reason: reason, context: context)
        }
    }

    // MARK: Channel

    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard !receivedClose else { return }
        switch frame.opcode {
        case .text, .binary:
            guard fragments == nil else {
                return fail(1002, "a new message began before the last one ended", context: context)
            }
            if frame.fin {
                deliver(frame.unmaskedData, isText: frame.opcode == .text, context: context)
            } else {
                fragments = frame.unmaskedData
                fragmentsAreText = frame.opcode == .text
            }
        case .continuation:
            guard var message = fragments else {
                return fail(1002, "a continuation frame without a message", context: context)
            }
            var data = frame.unmaskedData
            guard message.readableBytes + data.readableBytes <= WebSocketLimits.maximumMessageBytes else {
                fragments = nil
                return fail(1009, "Message too big", context: context)
            }
            message.writeBuffer(&data)
            if frame.fin {
                fragments = nil
                deliver(message, isText: fragmentsAreText, context: context)
            } else {
                fragments = message
            }
        case .ping:
            guard !sentClose else { return }
            let data = frame.unmaskedData
            let size = data.readableBytes
            let over = buffered.add(size)
            if over {
                buffered.remove(size)
                context.close(promise: nil)
                return
            }
            write(WebSocketFrame(fin: true, opcode: .pong, maskKey: maskKey, data: data), counting: size, context: context)
        case .pong:
            break
        case .connectionClose:
            receivedClose = true
            var data = frame.unmaskedData
            let code = data.readInteger(as: UInt16.self) ?? 1005
            let reason = data.readString(length: data.readableBytes) ?? ""
            tellPeer(.close(code, reason))
            if sentClose { context.close(promise: nil) }
        default:
            fail(1002, "an unknown opcode", context: context)
        }
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // The frame decoder's errors: a frame over the bound, a malformed or misused one.
        guard !sentClose, let error = error as? NIOWebSocketError else {
            context.close(promise: nil)
            return
        }
        switch error {
        case .invalidFrameLength: fail(1009, "Message too big", context: context)
        default: fail(1002, "WebSocket protocol error", context: context)
        }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        closeTimer?.cancel()
        closeTimer = nil
        self.context = nil
        tellPeer(.close(1006, ""))
        context.fireChannelInactive()
    }

    // MARK: Helpers

    private var maskKey: WebSocketMaskingKey? { isClient ? .random() : nil }

    private func onLoop(_ work: @escaping () -> Void) {
        if eventLoop.inEventLoop {
            work()
        } else {
            // The work touches this handler's state only on its loop.
            let box = WebSocketHop(work)
            eventLoop.execute { box.value() }
        }
    }

    private func write(_ frame: WebSocketFrame, counting size: Int, context: ChannelHandlerContext) {
        let promise = context.eventLoop.makePromise(of: Void.self)
        let buffered = self.buffered
        promise.futureResult.whenComplete { _ in buffered.remove(size) }
        context.writeAndFlush(wrapOutboundOut(frame), promise: promise)
    }

    private func deliver(_ data: ByteBuffer, isText: Bool, context: ChannelHandlerContext) {
        if isText {
            guard let text = String(validating: data.readableBytesView, as: UTF8.self) else {
                return fail(1007, "a text message that is not UTF-8", context: context)
            }
            tellPeer(.message(.text(text)))
        } else {
            tellPeer(.message(.binary(data)))
        }
    }

    private func tellPeer(_ item: Pending) {
        guard !peerClosed else { return }
        if case .close = item { peerClosed = true }
        guard let peer else {
            if case .message(let message) = item {
                pendingBytes += message.byteCount
                if pendingBytes > WebSocketLimits.maximumBufferedBytes {
                    peerClosed = true
                    pending = []
                    context?.close(promise: nil)
                    return
                }
            }
            pending.append(item)
            return
        }
        switch item {
        case .message(let message): peer.receive(message)
        case .close(let code, let reason): peer.receiveClose(code: code, reason: reason)
        }
    }

    /// Ends the connection for a protocol violation: a Close with `code` to the party, the same
    /// to the peer.
    private func fail(_ code: UInt16, _ reason: String, context: ChannelHandlerContext) {
        receivedClose = true
        tellPeer(.close(code, reason))
        if !sentClose { sendClose(code: code, reason: reason, context: context) }
    }

    /// Writes a Close (codes that never go on the wire, 1005, 1006 and 1015, as one without a
    /// code), then closes the connection once the party's Close came (or at once if it did), or
    /// after ``WebSocketLimits/closeTimeout``.
    private func sendClose(code: UInt16, reason: String, context: ChannelHandlerContext) {
        sentClose = true
        var data = context.channel.allocator.buffer(capacity: 2 + reason.utf8.count)
        if code != 1005 && code != 1006 && code != 1015 {
            data.writeInteger(code)
            data.writeBytes(reason.utf8.prefix(123))
        }
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: maskKey, data: data)
        let written = context.writeAndFlush(wrapOutboundOut(frame))
        if receivedClose || code == 1006 {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            written.whenComplete { _ in bound.value.close(promise: nil) }
        } else {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            closeTimer = context.eventLoop.scheduleTask(in: WebSocketLimits.closeTimeout) {
                bound.value.close(promise: nil)
            }
        }
    }
}

/// A value handed to the loop that owns what it touches (see the `Important` notes where used).
struct WebSocketHop<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

import NIOCore
import NIOHTTP2

/// The clock and the shutdown of one HTTP/2 connection, between TLS and NIO's HTTP/2 handler:
/// it counts the bytes the connection receives and, through ``StreamCounter``, its open streams.
///
/// With no stream open, the HTTP/1.1 timeouts apply (``ConnectionTimeouts``): nothing received
/// for the idle timeout closes the connection, and bytes that open no stream within the head
/// timeout (a HEADERS block trickled in, or frames that never make a request) close it too.
/// While streams are open, each has its own body clock (``HTTP2StreamHandler``) and its worker's
/// limits. On shutdown, the connection closes once its open streams have ended.
///
/// Everything else a hostile client can try is bounded by NIO's HTTP/2 handler as
/// ``EdgeServer`` configures it: concurrent streams, the header list size, resets (rapid reset),
/// control frames, CONTINUATION floods.
///
/// - Important: Confined to the connection's event loop.
final class HTTP2ConnectionMonitor: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private var receivedBytes: UInt64 = 0
    private var closedStreams: UInt64 = 0
    private var openStreams = 0
    private var quiescing = false
    private var timeouts: ConnectionTimeouts
    private var timer: RepeatedTask?
    private var context: ChannelHandlerContext?

    init(timeouts: ConnectionTimeouts.Configuration) {
        self.timeouts = ConnectionTimeouts(configuration: timeouts)
    }

    /// Tells the monitor of the connection's streams (NIO calls it on the connection's loop).
    struct StreamCounter: NIOHTTP2StreamDelegate {
        let monitor: NIOLoopBound<HTTP2ConnectionMonitor>

        func streamCreated(_ id: HTTP2StreamID, channel: any Channel) {
            monitor.value.openStreams += 1
        }

        func streamClosed(_ id: HTTP2StreamID, channel: any Channel) {
            monitor.value.streamClosed()
        }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // Added once ALPN chose h2: the channel is active already.
        self.context = context
        timer = timeouts.configuration.startTicking(context) { self.tick(context: $0) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        receivedBytes &+= UInt64(unwrapInboundIn(data).readableBytes)
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            quiescing = true
            if openStreams == 0 { context.close(promise: nil) }
        }
        // NIO's multiplexer hands it on to the streams.
        context.fireUserInboundEventTriggered(event)
    }

    private func streamClosed() {
        openStreams -= 1
        closedStreams &+= 1  // an answer, for the idle clock
        if quiescing, openStreams == 0 { context?.close(promise: nil) }
    }

    private func tick(context: ChannelHandlerContext) {
        let phase: ConnectionTimeouts.Phase = openStreams > 0 ? .busy : .waiting
        switch timeouts.tick(phase, bytesReceived: receivedBytes, answers: closedStreams) {
        case .none, .bodyTooSlow:
            break
        case .closeIdle, .headTimedOut:
            context.close(promise: nil)
        }
    }
}

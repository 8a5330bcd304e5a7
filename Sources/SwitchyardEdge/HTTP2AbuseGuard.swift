import NIOCore
import NIOHTTP2

/// Closes an HTTP/2 connection NIO has found abusive, behind NIO's HTTP/2 handler: for these
/// errors NIO sends GOAWAY and reports the error, but leaves the socket open (a client that
/// floods resets would keep its connection, and its streams' state, until the idle timeout).
/// Other errors concern one stream, which NIO has reset already.
///
/// - Important: Confined to the connection's event loop.
final class HTTP2AbuseGuard: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if Self.isAbuse(error) {
            // After NIO's GOAWAY, which it has flushed.
            context.close(promise: nil)
            return
        }
        context.fireErrorCaught(error)
    }

    /// NIO's denial-of-service heuristics (rapid reset, CONTINUATION and control-frame floods,
    /// glitches) and a connection that does not start with the HTTP/2 preface.
    static func isAbuse(_ error: any Error) -> Bool {
        error is NIOHTTP2Errors.ExcessiveRSTFrames || error is NIOHTTP2Errors.ExcessiveContinuationFrames
            || error is NIOHTTP2Errors.ExcessiveControlFrames || error is NIOHTTP2Errors.ExcessiveNumberOfGlitches
            || error is NIOHTTP2Errors.ExcessiveStreamErrors || error is NIOHTTP2Errors.ExcessiveEmptyDataFrames
            || error is NIOHTTP2Errors.ExcessivelyLargeHeaderBlock || error is NIOHTTP2Errors.ExcessiveOutboundFrameBuffering
            || error is NIOHTTP2Errors.BadClientMagic
    }
}

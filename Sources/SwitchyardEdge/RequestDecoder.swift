import NIOCore
import NIOHTTP1

/// NIO's HTTP/1 request decoder, with the budget the edge's head limits need, and a count of the
/// bytes the connection receives (its timeouts read it).
///
/// NIO's parser counts the request target and every header name and value against one budget
/// (its `maxHeaderListSize`, 80 KB by default; the same bound applies to each field on its own)
/// and reports `headerOverflow` for whichever runs it out. Here the budget is the URL limit twice
/// plus the header limit: a head within both of the edge's limits always fits, and a URL over
/// its limit is still seen whole next to full headers. ``WorkerHTTPHandler`` checks each limit
/// exactly once the head has arrived (414, 431).
///
/// A head that runs out of the budget before it ends is classified here, from the bytes NIO
/// holds back (it keeps the field it is reading unconsumed, to build its string in one piece):
/// when they are a request target (after the method, if that is still there) that starts with
/// `/` and runs on for the whole budget, the URL alone used it up (``RequestHeadTooLarge/url``);
/// otherwise the headers did. A single header value over the whole budget that starts with `/`
/// is counted as a URL; an absolute-form URL (`http://…`) over the budget as headers.
struct RequestDecoder: ByteToMessageDecoder {
    typealias InboundOut = HTTPServerRequestPart

    /// NIO's bound on the target plus the header names and values of one head.
    let budget: Int
    private let decoder: HTTPRequestDecoder
    private let received: ReceivedBytes
    /// Bytes at the front of the buffer that were counted by the previous call (the part of the
    /// head NIO held back).
    private var counted = 0

    init(maxURLBytes: Int, maxHeaderBytes: Int, received: ReceivedBytes) {
        var limits = NIOHTTPDecoderLimitConfiguration()
        budget = 2 * maxURLBytes + maxHeaderBytes
        limits.maxHeaderListSize = budget
        limits.maxHeaderFieldSize = budget
        decoder = HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes, limitConfiguration: limits)
        self.received = received
    }

    /// The largest buffer the decoder keeps in normal operation is the field in progress, at most
    /// the budget; more means NIO stopped parsing (after a `CONNECT` or an upgrade request), and
    /// the bytes behind it must not pile up.
    var maximumBufferSize: Int { budget + 65536 }

    mutating func decoderAdded(context: ChannelHandlerContext) {
        decoder.decoderAdded(context: context)
    }

    mutating func decoderRemoved(context: ChannelHandlerContext) {
        decoder.decoderRemoved(context: context)
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        count(buffer)
        defer { counted = buffer.readableBytes }
        do {
            return try decoder.decode(context: context, buffer: &buffer)
        } catch HTTPParserError.headerOverflow {
            throw classify(buffer)
        }
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        count(buffer)
        defer { counted = buffer.readableBytes }
        do {
            return try decoder.decodeLast(context: context, buffer: &buffer, seenEOF: seenEOF)
        } catch HTTPParserError.headerOverflow {
            throw classify(buffer)
        }
    }

    private func count(_ buffer: ByteBuffer) {
        received.count &+= UInt64(max(0, buffer.readableBytes - counted))
    }

    private func classify(_ buffer: ByteBuffer) -> RequestHeadTooLarge {
        Self.isTargetOverBudget(buffer.readableBytesView, budget: budget) ? .url : .headers
    }

    /// Whether `held` (the bytes NIO kept when the budget ran out) is a request target, possibly
    /// after its method, whose first `budget` bytes have no space or line break: the target alone
    /// used the budget up. (The method is there only when the whole target came in one read with
    /// the request line's start; methods are upper case, unlike `Bearer /…` in a header value.)
    static func isTargetOverBudget(_ held: ByteBufferView, budget: Int) -> Bool {
        var target = held[...]
        if let space = target.prefix(32).firstIndex(of: UInt8(ascii: " ")), space > target.startIndex,
            target[..<space].allSatisfy({ $0 == UInt8(ascii: "-") || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) })
        {
            target = target[target.index(after: space)...]
        }
        guard target.first == UInt8(ascii: "/"), target.count > budget else { return false }
        return !target.prefix(budget).contains { $0 == UInt8(ascii: " ") || $0 == 0x0D || $0 == 0x0A }
    }
}

/// A request head over the edge's limits, as ``RequestDecoder`` or ``WorkerHTTPHandler`` found it.
enum RequestHeadTooLarge: Error {
    /// The request target is over `maxRequestURLBytes`: 414.
    case url
    /// The header lines add up to more than `maxRequestHeaderBytes`: 431.
    case headers
}

/// The bytes one connection has received, counted by its ``RequestDecoder`` and read by its
/// ``WorkerHTTPHandler``'s timeouts.
///
/// - Important: Confined to the connection's event loop, like the two handlers that share it.
final class ReceivedBytes {
    var count: UInt64 = 0
}

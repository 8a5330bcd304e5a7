// The ceiling of any NIO-based edge: a bare SwiftNIO HTTP/1.1 hello-world server
// (configureHTTPServerPipeline + one handler), used by Benchmarks/run.sh side by side with
// `switchyard dev` and `deno serve`.
//
// With `--raw`, the server skips NIO's response encoder and pipelining handler and writes each
// response as one hand-encoded buffer, as Switchyard's edge does: the ceiling for that design.
// Usage: bare-nio-hello PORT [THREADS] [--raw]
import NIOCore
import NIOHTTP1
import NIOPosix

final class HelloHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let body = ByteBuffer(string: "Hello from Switchyard, world!\n")

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/plain;charset=UTF-8")
        headers.add(name: "content-length", value: String(Self.body.readableBytes))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(Self.body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

/// The same response, encoded by hand into one buffer (no pipelining support: wrk does not pipeline).
final class RawHelloHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        var body = HelloHandler.body
        var buffer = context.channel.allocator.buffer(capacity: 128)
        buffer.writeStaticString("HTTP/1.1 200 OK\r\ncontent-type: text/plain;charset=UTF-8\r\ncontent-length: ")
        buffer.writeString(String(body.readableBytes))
        buffer.writeStaticString("\r\n\r\n")
        buffer.writeBuffer(&body)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }
}

let arguments = CommandLine.arguments.filter { $0 != "--raw" }
let raw = CommandLine.arguments.contains("--raw")
let port = arguments.count > 1 ? Int(arguments[1]) ?? 8080 : 8080
let threads = arguments.count > 2 ? Int(arguments[2]) ?? System.coreCount : System.coreCount
let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
let channel = try ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 1024)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            if raw {
                try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HTTPRequestDecoder()))
                try channel.pipeline.syncOperations.addHandler(RawHelloHandler())
            } else {
                try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                try channel.pipeline.syncOperations.addHandler(HelloHandler())
            }
        }
    }
    .bind(host: "127.0.0.1", port: port)
    .wait()
print("Ready on http://127.0.0.1:\(channel.localAddress?.port ?? port)")
try channel.closeFuture.wait()

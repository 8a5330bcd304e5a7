// The ceiling of any NIO-based edge: a bare SwiftNIO HTTP/1.1 hello-world server
// (configureHTTPServerPipeline + one handler), used by Benchmarks/run.sh side by side with
// `switchyard dev` and `deno serve`. Usage: bare-nio-hello PORT [THREADS]
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

let arguments = CommandLine.arguments
let port = arguments.count > 1 ? Int(arguments[1]) ?? 8080 : 8080
let threads = arguments.count > 2 ? Int(arguments[2]) ?? System.coreCount : System.coreCount
let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
let channel = try ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 1024)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.configureHTTPServerPipeline()
            try channel.pipeline.syncOperations.addHandler(HelloHandler())
        }
    }
    .bind(host: "127.0.0.1", port: port)
    .wait()
print("Ready on http://127.0.0.1:\(channel.localAddress?.port ?? port)")
try channel.closeFuture.wait()

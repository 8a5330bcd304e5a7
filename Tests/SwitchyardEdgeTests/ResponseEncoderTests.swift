import NIOCore
import SwitchyardRuntime
import Testing

@testable import SwitchyardEdge

@Suite struct ResponseEncoderTests {
    private static let keepAlive = ResponseEncoder.Request(isHead: false, isHTTP10: false, keepAlive: true)

    /// The encoded bytes as text, plus the body the encoder left to write separately.
    private func encode(
        _ response: WorkerResponse, for request: ResponseEncoder.Request = Self.keepAlive
    ) throws -> (text: String, rest: ByteBuffer?) {
        var buffer = ByteBuffer()
        let rest = try ResponseEncoder.encode(response, for: request, into: &buffer)
        return (String(buffer: buffer), rest)
    }

    @Test func statusLineHeadersLengthAndBodyInOneBuffer() throws {
        let response = WorkerResponse(
            status: 201, headers: [("content-type", "text/plain"), ("set-cookie", "a=1"), ("set-cookie", "b=2")],
            body: ByteBuffer(string: "made"))
        let (text, rest) = try encode(response)
        #expect(text == "HTTP/1.1 201 Created\r\ncontent-type: text/plain\r\nset-cookie: a=1\r\nset-cookie: b=2\r\n"
            + "content-length: 4\r\n\r\nmade")
        #expect(rest == nil)
    }

    @Test func customReasonPhraseAndNoBody() throws {
        let (text, _) = try encode(WorkerResponse(status: 418, statusText: "Short and stout"))
        #expect(text == "HTTP/1.1 418 Short and stout\r\ncontent-length: 0\r\n\r\n")
    }

    @Test func theWorkersFramingHeadersAreReplaced() throws {
        let response = WorkerResponse(
            status: 200,
            headers: [
                ("Content-Length", "999"), ("Transfer-Encoding", "chunked"), ("connection", "upgrade"),
                ("Keep-Alive", "timeout=5"), ("Upgrade", "websocket"), ("x-kept", "yes"),
            ],
            body: ByteBuffer(string: "ok"))
        let (text, _) = try encode(response)
        #expect(text == "HTTP/1.1 200 OK\r\nx-kept: yes\r\ncontent-length: 2\r\n\r\nok")
    }

    @Test(arguments: [204, 304, 101])
    func statusesWithoutABodyHaveNoLength(status: Int) throws {
        let (text, rest) = try encode(WorkerResponse(status: status, body: ByteBuffer(string: "dropped")))
        #expect(!text.contains("content-length"))
        #expect(!text.contains("dropped"))
        #expect(text.hasSuffix("\r\n\r\n"))
        #expect(rest == nil)
    }

    @Test func headKeepsTheLengthAndDropsTheBody() throws {
        let head = ResponseEncoder.Request(isHead: true, isHTTP10: false, keepAlive: true)
        let (text, rest) = try encode(WorkerResponse(status: 200, body: ByteBuffer(string: "12345")), for: head)
        #expect(text == "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n")
        #expect(rest == nil)
    }

    @Test func connectionHeaderFollowsTheConnection() throws {
        let closing = ResponseEncoder.Request(isHead: false, isHTTP10: false, keepAlive: false)
        #expect(try encode(WorkerResponse(status: 200), for: closing).text.hasSuffix("connection: close\r\n\r\n"))
        // An HTTP/1.0 client keeps the connection only when told so.
        let http10 = ResponseEncoder.Request(isHead: false, isHTTP10: true, keepAlive: true)
        #expect(try encode(WorkerResponse(status: 200), for: http10).text.hasSuffix("connection: keep-alive\r\n\r\n"))
        #expect(!(try encode(WorkerResponse(status: 200)).text.contains("connection")))
    }

    @Test func largeBodiesAreLeftForTheirOwnWrite() throws {
        let large = ByteBuffer(repeating: UInt8(ascii: "x"), count: ResponseEncoder.inlineBodyLimit + 1)
        let (text, rest) = try encode(WorkerResponse(status: 200, body: large))
        #expect(text.hasSuffix("content-length: \(large.readableBytes)\r\n\r\n"))
        #expect(rest == large)
    }

    @Test(arguments: [
        ("x-split", "a\r\nset-cookie: stolen=1"), ("x-lf", "a\nb"), ("x-nul", "a\u{0}b"), ("bad name", "v"), ("", "v"),
        ("x-colon:", "v"),
    ])
    func headersThatWouldBreakTheFramingAreRefused(name: String, value: String) {
        var buffer = ByteBuffer()
        #expect(throws: ResponseEncoder.Failure.self) {
            try ResponseEncoder.encode(
                WorkerResponse(status: 200, headers: [(name, value)]), for: Self.keepAlive, into: &buffer)
        }
    }

    @Test func aReasonPhraseWithALineBreakIsRefused() {
        var buffer = ByteBuffer()
        #expect(throws: ResponseEncoder.Failure.self) {
            try ResponseEncoder.encode(
                WorkerResponse(status: 200, statusText: "OK\r\nx-injected: 1"), for: Self.keepAlive, into: &buffer)
        }
    }

    @Test func headerLinesOverTheLimitAreRefusedAndTheFramingHeadersDoNotCount() throws {
        // "x-a: 12345\r\n" is 12 bytes, "x-b: 1\r\n" 8: 20 in all.
        let response = WorkerResponse(
            status: 200, headers: [("x-a", "12345"), ("content-length", "999999"), ("x-b", "1")], body: nil)
        var buffer = ByteBuffer()
        _ = try ResponseEncoder.encode(response, for: Self.keepAlive, maxHeaderBytes: 20, into: &buffer)
        buffer.clear()
        #expect(throws: ResponseEncoder.Failure.headersTooLarge(limit: 19)) {
            try ResponseEncoder.encode(response, for: Self.keepAlive, maxHeaderBytes: 19, into: &buffer)
        }
    }
}

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 client over one POSIX socket, so tests can check keep-alive and send
/// malformed requests that higher-level clients refuse to produce.
public final class HTTPTestClient {
    public struct Response: Sendable {
        public var status: Int
        public var reason: String
        public var headers: [String: String]
        public var body: String
    }

    public struct ClientError: Error, CustomStringConvertible {
        public var description: String
    }

    private let socket: Int32
    private var buffer: [UInt8] = []

    /// The socket, for a test that sends from another thread while this one reads.
    public var fileDescriptor: Int32 { socket }

    public init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(socket)
            throw ClientError(description: "connect to port \(port) failed")
        }
    }

    deinit { close(socket) }

    public func sendRaw(_ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            // MSG_NOSIGNAL: a peer that closed fails the send instead of killing the process.
            let n = bytes[sent...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw ClientError(description: "send failed") }
            sent += n
        }
    }

    public func request(
        _ method: String = "GET", _ path: String, host: String = "localhost", headers: [String: String] = [:],
        body: String? = nil
    ) throws -> Response {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body { text += "Content-Length: \(body.utf8.count)\r\n" }
        text += "\r\n" + (body ?? "")
        try sendRaw(text)
        return try readResponse()
    }

    /// Reads one response. `expectBody: false` is for answers to HEAD, whose content-length
    /// describes a body that is not sent.
    public func readResponse(expectBody: Bool = true) throws -> Response {
        let (status, reason, headers) = try readStatusAndHeaders()
        let length = expectBody ? Int(headers["content-length"] ?? "0") ?? 0 : 0
        while buffer.count < length { try fill() }
        let body = String(decoding: buffer[..<length], as: UTF8.self)
        buffer.removeSubrange(..<length)
        return Response(status: status, reason: reason, headers: headers, body: body)
    }

    /// Reads a response's status line and headers (names lowercased).
    private func readStatusAndHeaders() throws -> (status: Int, reason: String, headers: [String: String]) {
        let separator = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while headEnd == nil {
            if let range = findSubsequence(separator) { headEnd = range } else { try fill() }
        }
        let head = String(decoding: buffer[..<headEnd!], as: UTF8.self)
        buffer.removeSubrange(..<(headEnd! + 4))
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (
            Int(statusLine.count > 1 ? statusLine[1] : "0") ?? 0, statusLine.dropFirst(2).joined(separator: " "), headers
        )
    }

    /// Sends `bytes` as they are.
    public func sendBytes(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw ClientError(description: "send failed") }
            sent += n
        }
    }

    /// Reads a response's head only (status and headers, names lowercased); its body is read
    /// next, with ``readChunk()`` for a chunked one.
    public func readHead() throws -> (status: Int, headers: [String: String]) {
        let (status, _, headers) = try readStatusAndHeaders()
        return (status, headers)
    }

    /// Reads one chunk of a chunked body: its bytes, or nil for the last (empty) chunk.
    public func readChunk() throws -> [UInt8]? {
        let lineEnd = Array("\r\n".utf8)
        var sizeEnd: Int?
        while sizeEnd == nil {
            if let end = findSubsequence(lineEnd) { sizeEnd = end } else { try fill() }
        }
        let sizeText = String(decoding: buffer[..<sizeEnd!], as: UTF8.self).split(separator: ";").first ?? ""
        guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
            throw ClientError(description: "bad chunk size \(sizeText)")
        }
        buffer.removeSubrange(..<(sizeEnd! + 2))
        while buffer.count < size + 2 { try fill() }
        let chunk = Array(buffer[..<size])
        buffer.removeSubrange(..<(size + 2))
        return size == 0 ? nil : chunk
    }

    /// Counts the bytes the server sends until it closes the connection, keeping none.
    public func countToEnd() throws -> Int {
        var count = buffer.count
        buffer.removeAll()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(socket, &chunk, chunk.count, 0)
            if n == 0 { return count }
            guard n > 0 else { throw ClientError(description: "no EOF: \(String(cString: strerror(errno)))") }
            count += n
        }
    }

    /// True when the server has closed the connection.
    public func isClosedByPeer() -> Bool {
        var byte: UInt8 = 0
        return recv(socket, &byte, 1, 0) == 0
    }

    /// Everything the server still sends, up to its end of the stream (EOF). Throws when the
    /// connection is reset or nothing arrives for the receive timeout (10 s) before EOF.
    public func readToEnd() throws -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(socket, &chunk, chunk.count, 0)
            if n == 0 { break }
            guard n > 0 else { throw ClientError(description: "no EOF: \(String(cString: strerror(errno)))") }
            buffer.append(contentsOf: chunk[..<n])
        }
        defer { buffer.removeAll() }
        return buffer
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = recv(socket, &chunk, chunk.count, 0)
        guard n > 0 else { throw ClientError(description: "connection closed or timed out") }
        buffer.append(contentsOf: chunk[..<n])
    }

    private func findSubsequence(_ needle: [UInt8]) -> Int? {
        guard buffer.count >= needle.count else { return nil }
        for index in 0...(buffer.count - needle.count) where buffer[index..<(index + needle.count)].elementsEqual(needle) {
            return index
        }
        return nil
    }
}

/// Headers as they cross between the host and V8: `name\0value` pairs joined by `\0`, in one
/// buffer. A request's headers cost one allocation instead of two strings per header, and
/// JavaScript splits them only if the worker reads them; a response's come back the same way and
/// are written to the wire without becoming strings. The bytes are those of Fetch's byte
/// strings: one byte per code unit, so a header survives a round trip through a worker unchanged.
///
/// Names and values must not contain NUL, which HTTP does not allow in headers (NIO's parser and
/// the runtime's `Headers` class both reject it).
public struct HeaderBlock: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public init(_ pairs: [(name: String, value: String)]) {
        for (name, value) in pairs { append(name: name, value: value) }
    }

    /// A block already in this form.
    public init(joined: UnsafeRawBufferPointer) {
        bytes = Array(joined)
    }

    /// A block from JavaScript's text of it: each code unit one byte (Fetch's byte strings carry
    /// code units up to 0xFF; anything above cannot be in a header and is replaced).
    init(latin1 text: String) {
        bytes.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            bytes.append(scalar.value <= 0xFF ? UInt8(scalar.value) : UInt8(ascii: "?"))
        }
    }

    /// The block as JavaScript's text of it, one code unit per byte.
    var latin1Text: String {
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        var text = ""
        text.unicodeScalars.append(contentsOf: bytes.map { Unicode.Scalar($0) })
        return text
    }

    public var isEmpty: Bool { bytes.isEmpty }

    public mutating func reserveCapacity(_ byteCount: Int) {
        bytes.reserveCapacity(byteCount)
    }

    public mutating func append(name: String, value: String) {
        if !bytes.isEmpty { bytes.append(0) }
        bytes.append(contentsOf: name.utf8)
        bytes.append(0)
        bytes.append(contentsOf: value.utf8)
    }

    /// Calls `body` with each header's name and value bytes, in order. A name without a value
    /// (a NUL that slipped into a header) comes last with a nil value.
    public func forEach<E: Error>(
        _ body: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer?) throws(E) -> Void
    ) throws(E) {
        // (`withUnsafeBytes` rethrows untyped errors: carry the typed one out by hand.)
        var failure: E?
        bytes.withUnsafeBytes { all in
            var start = 0
            var name: UnsafeRawBufferPointer?
            do throws(E) {
                for index in 0...all.count where index == all.count || all[index] == 0 {
                    let field = UnsafeRawBufferPointer(rebasing: all[start..<index])
                    start = index + 1
                    if let pending = name {
                        try body(pending, field)
                        name = nil
                    } else {
                        name = field
                    }
                }
                if let name, !all.isEmpty { try body(name, nil) }
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }

    /// The pairs as strings (for logs and tests).
    public var pairs: [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        forEach { name, value in
            pairs.append((String(decoding: name, as: UTF8.self), value.map { String(decoding: $0, as: UTF8.self) } ?? ""))
        }
        return pairs
    }
}

internal import CV8

/// One allocation holding the bytes that C structures point at during a call into the shim.
struct ByteArena: ~Copyable {
    private let storage: UnsafeMutableRawBufferPointer
    private var offset = 0

    init(capacity: Int) {
        storage = .allocate(byteCount: max(capacity, 1), alignment: 1)
    }

    deinit {
        storage.deallocate()
    }

    /// Copies `bytes` in and returns a view of the copy; the capacity must have been reserved.
    mutating func place(_ bytes: UnsafeRawBufferPointer) -> cv8_bytes {
        let start = storage.baseAddress! + offset
        if bytes.count > 0 { UnsafeMutableRawBufferPointer(start: start, count: bytes.count).copyMemory(from: bytes) }
        offset += bytes.count
        return cv8_bytes(ptr: start.assumingMemoryBound(to: CChar.self), len: bytes.count)
    }
}

extension JSValue {
    /// Bytes this value needs in a ``ByteArena``.
    var byteCount: Int {
        switch self {
        case .string(let text): text.utf8.count
        case .bytes(let bytes): bytes.count
        default: 0
        }
    }

    /// The C form of this value; strings and bytes are stored by `store`.
    func cValue(store: (UnsafeRawBufferPointer) -> cv8_bytes) -> cv8_value {
        var c = cv8_value()
        switch self {
        case .undefined: c.kind = CV8_UNDEFINED
        case .null: c.kind = CV8_NULL
        case .bool(let flag):
            c.kind = CV8_BOOL
            c.number = flag ? 1 : 0
        case .number(let number):
            c.kind = CV8_NUMBER
            c.number = number
        case .string(var text):
            c.kind = CV8_STRING
            c.bytes = text.withUTF8 { store(UnsafeRawBufferPointer($0)) }
        case .bytes(let bytes):
            c.kind = CV8_BYTES
            c.bytes = bytes.withUnsafeBytes { store($0) }
        }
        return c
    }
}

import NIOCore
import SwitchyardJS

extension JSArguments {
    /// The bytes argument at `index` copied once into a new buffer, or nil when it is not bytes.
    func byteBuffer(_ index: Int, allocator: ByteBufferAllocator) -> ByteBuffer? {
        guard isBytes(index) else { return nil }
        return withBytes(index) { bytes in
            var buffer = allocator.buffer(capacity: bytes?.count ?? 0)
            if let bytes { buffer.writeBytes(bytes) }
            return buffer
        }
    }
}

extension ByteBufferView: JSByteSource {}

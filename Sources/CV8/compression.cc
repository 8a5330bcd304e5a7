// zlib for CompressionStream / DecompressionStream (gzip, deflate, deflate-raw).
//
// `ops.zlibCreate(decompress, format)` returns a handle: an ArrayBuffer of length zero whose
// backing store's deleter ends the zlib stream, so V8 owns its lifetime (the stream is freed when
// the handle is collected or the isolate disposed) and no byte of the state is reachable from
// JavaScript. A registry of live handles makes sure no other buffer passes for one. zlib's own
// allocations are accounted to the isolate's memory limit.
//
// `ops.zlibProcess(handle, input, finish)` does a bounded amount of work (at most kMaxInput
// input bytes and kMaxOutput output bytes), so the CPU limit can land between calls, and returns
// [output: Uint8Array | undefined, consumed: number, more: boolean]; the caller calls again with
// the rest of `input` until it is consumed and `more` is false. Corrupt, truncated or trailing
// data throws a TypeError; running out of memory a RangeError. Nothing here aborts the process.
#include <zlib.h>

#include <cstring>
#include <mutex>
#include <new>
#include <unordered_set>

#include "internal.h"

using namespace cv8;

namespace {

constexpr uint32_t kMagic = 0x7a6c6962;  // "zlib"
constexpr size_t kMaxInput = 256 * 1024;
constexpr size_t kMaxOutput = 64 * 1024;

struct ZlibHandle {
  uint32_t magic = kMagic;
  bool decompress = false;
  bool initialized = false;
  /// Set once zlib reported the end of the stream; later input is an error.
  bool ended = false;
  /// Set after an error: the stream takes no more input.
  bool failed = false;
  CountingAllocator *allocator = nullptr;
  /// The isolate, for collecting garbage when zlib asks for memory at the limit (zlib allocates
  /// only inside the ops, on the isolate's thread; freeing needs just the allocator).
  cv8_isolate *self = nullptr;
  z_stream stream;
  unsigned char output[kMaxOutput];
};

/// zlib allocations, accounted like ArrayBuffers: a refusal is Z_MEM_ERROR, never an abort.
/// A size header in front of each block lets ZlibFree untrack it.
voidpf ZlibAlloc(voidpf opaque, uInt items, uInt size) {
  auto *handle = static_cast<ZlibHandle *>(opaque);
  CountingAllocator *allocator = handle->allocator;
  size_t bytes = static_cast<size_t>(items) * size;
  if (size != 0 && bytes / size != items) return Z_NULL;
  size_t total = bytes + sizeof(max_align_t);
  if (!ReserveOrCollect(handle->self, total)) return Z_NULL;
  void *block = malloc(total);
  if (block == nullptr) {
    allocator->Untrack(total);
    return Z_NULL;
  }
  *static_cast<size_t *>(block) = total;
  return static_cast<char *>(block) + sizeof(max_align_t);
}

void ZlibFree(voidpf opaque, voidpf address) {
  if (address == Z_NULL) return;
  void *block = static_cast<char *>(address) - sizeof(max_align_t);
  static_cast<ZlibHandle *>(opaque)->allocator->Untrack(*static_cast<size_t *>(block));
  free(block);
}

/// The live handles of every isolate: an ArrayBuffer is taken for a handle only if its data
/// pointer is one of them (never dereferenced otherwise), so no buffer can pass for a handle.
std::mutex handles_mutex;
std::unordered_set<const void *> &LiveHandles() {
  static auto *handles = new std::unordered_set<const void *>();
  return *handles;
}

/// Runs when V8 frees the handle's backing store (collection or isolate disposal), possibly on
/// a background thread: the stream is no longer reachable from JavaScript by then.
void DeleteHandle(void *data, size_t, void *deleter_data) {
  auto *handle = static_cast<ZlibHandle *>(deleter_data);
  {
    std::lock_guard<std::mutex> lock(handles_mutex);
    LiveHandles().erase(handle);
  }
  if (handle->initialized) {
    if (handle->decompress) inflateEnd(&handle->stream);
    else deflateEnd(&handle->stream);
  }
  CountingAllocator *allocator = handle->allocator;
  handle->magic = 0;
  delete handle;
  allocator->Untrack(sizeof(ZlibHandle));
}

void ThrowError(v8::Isolate *isolate, v8::Local<v8::Value> (*make)(v8::Local<v8::String>), const char *message) {
  isolate->ThrowException(make(NewString(isolate, std::string(message))));
}

/// The handle `value` stands for in this isolate, or null for any other value.
ZlibHandle *HandleOf(cv8_isolate *self, v8::Local<v8::Value> value) {
  if (!value->IsArrayBuffer()) return nullptr;
  auto store = value.As<v8::ArrayBuffer>()->GetBackingStore();
  const void *data = store->Data();
  if (data == nullptr || store->ByteLength() != 0) return nullptr;
  {
    std::lock_guard<std::mutex> lock(handles_mutex);
    if (LiveHandles().count(data) == 0) return nullptr;
  }
  auto *handle = static_cast<ZlibHandle *>(const_cast<void *>(data));
  if (handle->magic != kMagic || handle->allocator != self->allocator) return nullptr;
  return handle;
}

}  // namespace

namespace cv8 {

/// `ops.zlibCreate(decompress, format)`: format 0 gzip, 1 deflate (zlib wrapper), 2 deflate-raw.
void ZlibCreate(const v8::FunctionCallbackInfo<v8::Value> &info) {
  v8::Isolate *isolate = info.GetIsolate();
  cv8_isolate *self = cv8_isolate::From(isolate);
  if (info.Length() < 2 || !info[1]->IsInt32()) {
    return ThrowError(isolate, v8::Exception::TypeError, "zlibCreate needs a format");
  }
  bool decompress = info[0]->BooleanValue(isolate);
  int32_t format = info[1].As<v8::Int32>()->Value();
  int window_bits;
  switch (format) {
    case 0: window_bits = 15 + 16; break;
    case 1: window_bits = 15; break;
    case 2: window_bits = -15; break;
    default: return ThrowError(isolate, v8::Exception::TypeError, "Unsupported compression format");
  }
  if (!ReserveOrCollect(self, sizeof(ZlibHandle))) {
    return ThrowError(isolate, v8::Exception::RangeError, "Array buffer allocation failed");
  }
  auto *handle = new (std::nothrow) ZlibHandle();
  if (handle == nullptr) {
    self->allocator->Untrack(sizeof(ZlibHandle));
    return ThrowError(isolate, v8::Exception::RangeError, "Array buffer allocation failed");
  }
  handle->decompress = decompress;
  handle->allocator = self->allocator;
  handle->self = self;
  memset(&handle->stream, 0, sizeof handle->stream);
  handle->stream.zalloc = ZlibAlloc;
  handle->stream.zfree = ZlibFree;
  handle->stream.opaque = handle;
  int status = decompress ? inflateInit2(&handle->stream, window_bits)
                          : deflateInit2(&handle->stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, window_bits, 8,
                                         Z_DEFAULT_STRATEGY);
  handle->initialized = status == Z_OK;
  {
    std::lock_guard<std::mutex> lock(handles_mutex);
    LiveHandles().insert(handle);
  }
  // From here the backing store owns the handle: DeleteHandle frees it, initialized or not.
  auto store = v8::ArrayBuffer::NewBackingStore(handle, 0, DeleteHandle, handle);
  auto buffer = v8::ArrayBuffer::New(isolate, std::move(store));
  if (!handle->initialized) {
    return ThrowError(isolate, v8::Exception::RangeError, "Array buffer allocation failed");
  }
  info.GetReturnValue().Set(buffer);
}

/// `ops.zlibProcess(handle, input, finish)`; see the top of the file.
void ZlibProcess(const v8::FunctionCallbackInfo<v8::Value> &info) {
  v8::Isolate *isolate = info.GetIsolate();
  cv8_isolate *self = cv8_isolate::From(isolate);
  ZlibHandle *handle = info.Length() >= 3 ? HandleOf(self, info[0]) : nullptr;
  if (handle == nullptr || !info[1]->IsArrayBufferView()) {
    return ThrowError(isolate, v8::Exception::TypeError, "zlibProcess needs a handle and bytes");
  }
  bool finish = info[2]->BooleanValue(isolate);
  if (handle->failed) return ThrowError(isolate, v8::Exception::TypeError, "The compression stream has failed");
  auto view = info[1].As<v8::ArrayBufferView>();
  size_t length = view->ByteLength();
  const unsigned char *input = nullptr;
  if (length > 0) {
    auto store = view->Buffer()->GetBackingStore();
    input = static_cast<const unsigned char *>(store->Data()) + view->ByteOffset();
  }
  size_t given = length < kMaxInput ? length : kMaxInput;
  z_stream &z = handle->stream;
  bool more = false;
  size_t produced = 0;
  size_t consumed = 0;
  if (handle->decompress) {
    if (handle->ended) {
      if (length > 0) {
        handle->failed = true;
        return ThrowError(isolate, v8::Exception::TypeError, "Junk found after end of compressed data.");
      }
    } else {
      z.next_in = const_cast<unsigned char *>(input);
      z.avail_in = static_cast<uInt>(given);
      z.next_out = handle->output;
      z.avail_out = kMaxOutput;
      int status = inflate(&z, Z_NO_FLUSH);
      consumed = given - z.avail_in;
      produced = kMaxOutput - z.avail_out;
      if (status == Z_STREAM_END) {
        handle->ended = true;
        if (consumed < length) {
          handle->failed = true;
          return ThrowError(isolate, v8::Exception::TypeError, "Junk found after end of compressed data.");
        }
      } else if (status == Z_MEM_ERROR) {
        handle->failed = true;
        return ThrowError(isolate, v8::Exception::RangeError, "Array buffer allocation failed");
      } else if (status != Z_OK && status != Z_BUF_ERROR) {
        handle->failed = true;
        return ThrowError(isolate, v8::Exception::TypeError, "Decompression failed: the data is not valid compressed data.");
      }
      // A full output buffer may hide more output; otherwise zlib needs more input.
      more = !handle->ended && z.avail_out == 0;
      if (finish && !handle->ended && !more && consumed == length) {
        handle->failed = true;
        return ThrowError(isolate, v8::Exception::TypeError, "Decompression failed: unexpected end of compressed data.");
      }
    }
  } else {
    if (handle->ended) {
      if (length > 0) return ThrowError(isolate, v8::Exception::TypeError, "The compression stream has ended");
    } else {
      z.next_in = const_cast<unsigned char *>(input);
      z.avail_in = static_cast<uInt>(given);
      z.next_out = handle->output;
      z.avail_out = kMaxOutput;
      bool last = finish && given == length;
      int status = deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
      consumed = given - z.avail_in;
      produced = kMaxOutput - z.avail_out;
      if (status == Z_STREAM_END) {
        handle->ended = true;
      } else if (status != Z_OK && status != Z_BUF_ERROR) {
        handle->failed = true;
        return ThrowError(isolate, status == Z_MEM_ERROR ? v8::Exception::RangeError : v8::Exception::TypeError,
                          "Compression failed");
      }
      more = last ? !handle->ended : z.avail_out == 0;
    }
  }
  z.next_in = Z_NULL;
  z.avail_in = 0;
  v8::Local<v8::Value> output = v8::Undefined(isolate);
  if (produced > 0) {
    v8::Local<v8::Uint8Array> bytes;
    if (!NewBytes(self, reinterpret_cast<const char *>(handle->output), produced).ToLocal(&bytes)) return;
    output = bytes;
  }
  // Built from its elements, never by index writes through Array.prototype.
  v8::Local<v8::Value> result[] = {output, v8::Number::New(isolate, static_cast<double>(consumed)),
                                   v8::Boolean::New(isolate, more)};
  info.GetReturnValue().Set(v8::Array::New(isolate, result, 3));
}

/// `ops.transferArrayBuffer(buffer[, newLength])`: the Streams "transfer an ArrayBuffer" and
/// ECMAScript's ArrayBufferCopyAndDetach: a new ArrayBuffer with `buffer`'s bytes while `buffer`
/// is detached. Without `newLength`, or with the same length, the new buffer takes over the
/// bytes (no copy); another length copies what fits into a zero-filled buffer, allocated (a
/// RangeError over the memory limit) before `buffer` is detached. TypeError when `buffer` cannot
/// be detached (WebAssembly memory, already detached, held by the host).
/// `ops.transferArrayBuffer(buffer, undefined, true)` only tells whether `buffer` could be
/// transferred (structuredClone checks its whole transfer list before it detaches anything).
void TransferArrayBuffer(const v8::FunctionCallbackInfo<v8::Value> &info) {
  v8::Isolate *isolate = info.GetIsolate();
  cv8_isolate *self = cv8_isolate::From(isolate);
  if (info.Length() < 1 || !info[0]->IsArrayBuffer()) {
    return ThrowError(isolate, v8::Exception::TypeError, "Expected an ArrayBuffer");
  }
  auto buffer = info[0].As<v8::ArrayBuffer>();
  bool transferable = buffer->IsDetachable() && !buffer->WasDetached() && HandleOf(self, buffer) == nullptr;
  if (info.Length() > 2 && info[2]->IsTrue()) {
    info.GetReturnValue().Set(transferable);
    return;
  }
  if (!transferable) {
    return ThrowError(isolate, v8::Exception::TypeError, "The ArrayBuffer cannot be transferred");
  }
  size_t length = buffer->ByteLength();
  size_t new_length = length;
  if (info.Length() > 1 && !info[1]->IsUndefined()) {
    // The caller ran ToIndex; anything else here is a caller's bug, refused rather than cast
    // (a conversion of NaN or a negative double to size_t is undefined behaviour).
    if (!info[1]->IsNumber()) return ThrowError(isolate, v8::Exception::TypeError, "Expected a length");
    double requested = info[1].As<v8::Number>()->Value();
    if (!(requested >= 0 && requested <= 9007199254740991.0) || requested != static_cast<double>(static_cast<uint64_t>(requested))) {
      return ThrowError(isolate, v8::Exception::RangeError, "Invalid array buffer length");
    }
    // NewBytes makes a Uint8Array over the buffer, whose length V8 caps.
    if (requested > static_cast<double>(v8::TypedArray::kMaxLength)) {
      return ThrowError(isolate, v8::Exception::RangeError, "Array buffer allocation failed");
    }
    new_length = static_cast<size_t>(requested);
  }
  if (new_length == length) {
    auto store = buffer->GetBackingStore();
    buffer->Detach();
    info.GetReturnValue().Set(v8::ArrayBuffer::New(isolate, std::move(store)));
    return;
  }
  char *data = nullptr;
  v8::Local<v8::Uint8Array> bytes;
  if (!NewBytes(self, new_length, &data).ToLocal(&bytes)) return;
  size_t copied = new_length < length ? new_length : length;
  if (copied > 0) memcpy(data, buffer->GetBackingStore()->Data(), copied);
  if (new_length > copied) memset(data + copied, 0, new_length - copied);
  buffer->Detach();
  info.GetReturnValue().Set(bytes->Buffer());
}

}  // namespace cv8

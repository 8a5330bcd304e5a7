// The native operations the runtime's JavaScript calls through `ops`: text encoding, IDNA,
// randomness, clocks, structured cloning and the generic call into the host (Swift); zlib is in
// compression.cc.
#include <sys/random.h>
#include <time.h>
#include <unicode/uidna.h>

#include <cstring>
#include <mutex>

#include "internal.h"

using namespace cv8;

namespace {

void Throw(v8::Isolate *isolate, v8::Local<v8::Value> (*make)(v8::Local<v8::String>), const char *message) {
  isolate->ThrowException(make(NewString(isolate, std::string(message))));
}

/// Bytes viewed by an ArrayBuffer or ArrayBufferView argument.
bool ViewBytes(v8::Local<v8::Value> value, const uint8_t **data, size_t *length) {
  if (value->IsArrayBufferView()) {
    auto view = value.As<v8::ArrayBufferView>();
    auto store = view->Buffer()->GetBackingStore();
    *data = static_cast<const uint8_t *>(store->Data()) + view->ByteOffset();
    *length = view->ByteLength();
    return true;
  }
  if (value->IsArrayBuffer()) {
    auto store = value.As<v8::ArrayBuffer>()->GetBackingStore();
    *data = static_cast<const uint8_t *>(store->Data());
    *length = store->ByteLength();
    return true;
  }
  return false;
}

void Utf8Encode(const v8::FunctionCallbackInfo<v8::Value> &info) {
  v8::Isolate *isolate = info.GetIsolate();
  cv8_isolate *self = cv8_isolate::From(isolate);
  v8::Local<v8::String> text;
  if (!info[0]->ToString(isolate->GetCurrentContext()).ToLocal(&text)) return;
  size_t length = static_cast<size_t>(text->Utf8Length(isolate));
  // Encoded straight into the array's backing store: no second copy of a large text.
  v8::Local<v8::Uint8Array> bytes;
  char *data = nullptr;
  if (!NewBytes(self, length, &data).ToLocal(&bytes)) return;
  text->WriteUtf8(isolate, data, static_cast<int>(length), nullptr,
                  v8::String::NO_NULL_TERMINATION | v8::String::REPLACE_INVALID_UTF8);
  info.GetReturnValue().Set(bytes);
}

void Utf8EncodeInto(const v8::FunctionCallbackInfo<v8::Value> &info) {
  v8::Isolate *isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::String> text;
  if (!info[0]->ToString(context).ToLocal(&text)) return;
  if (!info[1]->IsUint8Array()) return Throw(isolate, v8::Exception::TypeError, "encodeInto needs a Uint8Array");
  const uint8_t *bytes = nullptr;
  size_t capacity = 0;
  ViewBytes(info[1], &bytes, &capacity);
  int read = 0, written = 0;
  // A detached buffer has no bytes (and may have no data pointer): nothing is written.
  if (bytes != nullptr && capacity > 0) {
    written = text->WriteUtf8(isolate, reinterpret_cast<char *>(const_cast<uint8_t *>(bytes)),
                              static_cast<int>(capacity), &read,
                              v8::String::NO_NULL_TERMINATION | v8::String::REPLACE_INVALID_UTF8);
  }
  // Built from its elements: setting indices on a new array would run setters a worker put on
  // Array.prototype or Object.prototype.
  v8::Local<v8::Value> pair[] = {v8::Integer::New(isolate, read), v8::Integer::New(isolate, written)};
  info.GetReturnValue().Set(v8::Array::New(isolate, pair, 2));
}

/// Strict UTF-8 validation (no overlongs, no surrogates, nothing above U+10FFFF).
bool IsValidUtf8(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    if (c < 0x80) { i++; continue; }
    size_t need;
    uint8_t lower = 0x80, upper = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) need = 1;
    else if (c >= 0xE0 && c <= 0xEF) { need = 2; if (c == 0xE0) lower = 0xA0; if (c == 0xED) upper = 0x9F; }
    else if (c >= 0xF0 && c <= 0xF4) { need = 3; if (c == 0xF0) lower = 0x90; if (c == 0xF4) upper = 0x8F; }
    else return false;
    if (i + need >= n) return false;
    if (s[i + 1] < lower || s[i + 1] > upper) return false;
    for (size_t k = 2; k <= need; k++) if (s[i + k] < 0x80 || s[i + k] > 0xBF) return false;
    i += need + 1;
  }
  return true;
}

void Utf8Decode(const v8::FunctionCallbackInfo<v8::Value> &info) {
  v8::Isolate *isolate = info.GetIsolate();
  const uint8_t *data = nullptr;
  size_t length = 0;
  if (!ViewBytes(info[0], &data, &length)) {
    return Throw(isolate, v8::Exception::TypeError, "The \"input\" argument must be an ArrayBuffer or ArrayBufferView");
  }
  bool fatal = info[1]->BooleanValue(isolate);
  bool ignore_bom = info[2]->BooleanValue(isolate);
  if (!ignore_bom && length >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF) {
    data += 3;
    length -= 3;
  }
  if (fatal && !IsValidUtf8(data, length)) {
    return Throw(isolate, v8::Exception::TypeError, "The encoded data was not valid for encoding utf-8");
  }
  v8::Local<v8::String> text;
  if (!v8::String::NewFromUtf8(isolate, reinterpret_cast<const char *>(data), v8::NewStringType::kNormal,
                               static_cast<int>(length)).ToLocal(&text)) {
    return Throw(isolate, v8::Exception::RangeError, "string too long");
  }
  info.GetReturnValue().Set(text);
}

UIDNA *Uts46(bool strict) {
  static std::once_flag once;
  static UIDNA *lenient = nullptr, *std3 = nullptr;
  std::call_once(once, [] {
    UErrorCode error = U_ZERO_ERROR;
    uint32_t options = UIDNA_CHECK_BIDI | UIDNA_CHECK_CONTEXTJ | UIDNA_NONTRANSITIONAL_TO_ASCII;
    lenient = uidna_openUTS46(options, &error);
    error = U_ZERO_ERROR;
    std3 = uidna_openUTS46(options | UIDNA_USE_STD3_RULES, &error);
  });
  return strict ? std3 : lenient;
}

/// UTS #46 ToASCII with the URL Standard's parameters; returns null on failure.
void DomainToASCII(const v8::FunctionCallbackInfo<v8::Value> &info) {
  v8::Isolate *isolate = info.GetIsolate();
  bool strict = info[1]->BooleanValue(isolate);
  std::string input = ToStdString(isolate, info[0]);
  UIDNA *idna = Uts46(strict);
  if (idna == nullptr) return info.GetReturnValue().SetNull();
  std::string output(input.size() * 4 + 64, '\0');
  UIDNAInfo idna_info = UIDNA_INFO_INITIALIZER;
  UErrorCode error = U_ZERO_ERROR;
  int32_t length = uidna_nameToASCII_UTF8(idna, input.data(), static_cast<int32_t>(input.size()), output.data(),
                                          static_cast<int32_t>(output.size()), &idna_info, &error);
  uint32_t errors = idna_info.errors;
  // CheckHyphens=false; VerifyDnsLength only when strict.
  errors &= ~(UIDNA_ERROR_LEADING_HYPHEN | UIDNA_ERROR_TRAILING_HYPHEN | UIDNA_ERROR_HYPHEN_3_4);
  if (!strict) errors &= ~(UIDNA_ERROR_EMPTY_LABEL | UIDNA_ERROR_LABEL_TOO_LONG | UIDNA_ERROR_DOMAIN_NAME_TOO_LONG);
  if (U_FAILURE(error) || errors != 0) return info.GetReturnValue().SetNull();
  output.resize(static_cast<size_t>(length));
  info.GetReturnValue().Set(NewString(isolate, output));
}

void FillRandom(void *data, size_t length) {
  auto *bytes = static_cast<uint8_t *>(data);
  while (length > 0) {
    ssize_t got = getrandom(bytes, length, 0);
    if (got <= 0) continue;
    bytes += got;
    length -= static_cast<size_t>(got);
  }
}

void RandomFill(const v8::FunctionCallbackInfo<v8::Value> &info) {
  const uint8_t *data = nullptr;
  size_t length = 0;
  if (!info[0]->IsArrayBufferView() || !ViewBytes(info[0], &data, &length) || data == nullptr) return;
  FillRandom(const_cast<uint8_t *>(data), length);
}

void RandomUUID(const v8::FunctionCallbackInfo<v8::Value> &info) {
  uint8_t b[16];
  FillRandom(b, sizeof b);
  b[6] = (b[6] & 0x0F) | 0x40;
  b[8] = (b[8] & 0x3F) | 0x80;
  char text[37];
  snprintf(text, sizeof text, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
           b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  v8::Local<v8::String> uuid;
  if (v8::String::NewFromOneByte(info.GetIsolate(), reinterpret_cast<const uint8_t *>(text),
                                 v8::NewStringType::kNormal, 36).ToLocal(&uuid)) {
    info.GetReturnValue().Set(uuid);
  }
}

void Now(const v8::FunctionCallbackInfo<v8::Value> &info) {
  cv8_isolate *self = cv8_isolate::From(info.GetIsolate());
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  info.GetReturnValue().Set(ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6 - self->created_at_ms);
}

class CloneDelegate final : public v8::ValueSerializer::Delegate {
 public:
  explicit CloneDelegate(v8::Isolate *isolate) : isolate_(isolate) {}
  void ThrowDataCloneError(v8::Local<v8::String> message) override {
    // DOMException is defined by the runtime's JavaScript; a plain Error carries the same text.
    auto error = v8::Exception::Error(message).As<v8::Object>();
    // An own data property: `Set` would run a setter a worker put on Error.prototype.name. If
    // even that fails (termination), the error is thrown without its name.
    (void)error->CreateDataProperty(isolate_->GetCurrentContext(), v8::String::NewFromUtf8Literal(isolate_, "name"),
                                    v8::String::NewFromUtf8Literal(isolate_, "DataCloneError"));
    isolate_->ThrowException(error);
  }

 private:
  v8::Isolate *isolate_;
};

void StructuredClone(const v8::FunctionCallbackInfo<v8::Value> &info) {
  v8::Isolate *isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  CloneDelegate delegate(isolate);
  v8::ValueSerializer serializer(isolate, &delegate);
  serializer.WriteHeader();
  if (serializer.WriteValue(context, info[0]).IsNothing()) return;
  std::pair<uint8_t *, size_t> buffer = serializer.Release();
  v8::ValueDeserializer deserializer(isolate, buffer.first, buffer.second);
  v8::Local<v8::Value> copy;
  if (deserializer.ReadHeader(context).FromMaybe(false) && deserializer.ReadValue(context).ToLocal(&copy)) {
    info.GetReturnValue().Set(copy);
  }
  free(buffer.first);
}

/// `ops.host(op, ...args)`: a synchronous call into the host.
void HostCall(const v8::FunctionCallbackInfo<v8::Value> &info) {
  v8::Isolate *isolate = info.GetIsolate();
  cv8_isolate *self = cv8_isolate::From(isolate);
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  if (info.Length() < 1 || !info[0]->IsInt32()) {
    return Throw(isolate, v8::Exception::TypeError, "ops.host needs an operation number");
  }
  int32_t op = info[0].As<v8::Int32>()->Value();
  int argc = info.Length() - 1;
  std::vector<cv8_value> args(static_cast<size_t>(argc > 0 ? argc : 0));
  std::vector<std::string> strings(args.size());
  for (int i = 0; i < argc; i++) {
    v8::Local<v8::Value> value = info[i + 1];
    cv8_value &arg = args[static_cast<size_t>(i)];
    arg = {};
    if (value->IsUndefined()) {
      arg.kind = CV8_UNDEFINED;
    } else if (value->IsNull()) {
      arg.kind = CV8_NULL;
    } else if (value->IsBoolean()) {
      arg.kind = CV8_BOOL;
      arg.number = value->BooleanValue(isolate) ? 1 : 0;
    } else if (value->IsNumber()) {
      arg.kind = CV8_NUMBER;
      arg.number = value.As<v8::Number>()->Value();
    } else if (value->IsArrayBufferView() || value->IsArrayBuffer()) {
      const uint8_t *data;
      size_t length;
      ViewBytes(value, &data, &length);
      arg.kind = CV8_BYTES;
      arg.bytes = {reinterpret_cast<const char *>(data), length};
    } else {
      // Only the runtime calls this op, but its arguments may come from a worker: a failed
      // conversion (a throwing toString, termination) throws instead of calling the host.
      v8::Local<v8::String> text;
      if (!value->ToString(context).ToLocal(&text)) return;
      strings[static_cast<size_t>(i)] = ToStdString(isolate, text);
      arg.kind = CV8_STRING;
      arg.bytes = {strings[static_cast<size_t>(i)].data(), strings[static_cast<size_t>(i)].size()};
    }
  }
  cv8_value result = {};
  int failed = self->host_call ? self->host_call(self->host, op, args.data(), argc, &result) : 1;
  if (failed) {
    auto message = result.kind == CV8_STRING ? NewString(isolate, result.bytes)
                                             : v8::String::NewFromUtf8Literal(isolate, "host call failed");
    isolate->ThrowException(v8::Exception::Error(message));
    return;
  }
  switch (result.kind) {
    case CV8_NULL: info.GetReturnValue().SetNull(); break;
    case CV8_BOOL: info.GetReturnValue().Set(result.number != 0); break;
    case CV8_NUMBER: info.GetReturnValue().Set(result.number); break;
    case CV8_STRING: info.GetReturnValue().Set(NewString(isolate, result.bytes)); break;
    case CV8_BYTES: {
      v8::Local<v8::Uint8Array> bytes;
      if (NewBytes(self, result.bytes.ptr, result.bytes.len).ToLocal(&bytes)) info.GetReturnValue().Set(bytes);
      break;
    }
    default: break;
  }
}

/// Appends `value` as a string: one byte per code unit when it has only Latin-1 characters (the
/// bytes of a Fetch byte string), UTF-8 otherwise. False if the conversion threw (or was
/// terminated).
bool AppendString(v8::Isolate *isolate, std::string &out, v8::Local<v8::Value> value) {
  v8::Local<v8::String> text;
  if (!value->ToString(isolate->GetCurrentContext()).ToLocal(&text)) return false;
  size_t start = out.size();
  if (text->ContainsOnlyOneByte()) {
    out.resize(start + static_cast<size_t>(text->Length()));
    text->WriteOneByte(isolate, reinterpret_cast<uint8_t *>(out.data() + start), 0, text->Length(),
                       v8::String::NO_NULL_TERMINATION);
  } else {
    out.resize(start + static_cast<size_t>(text->Utf8Length(isolate)));
    text->WriteUtf8(isolate, out.data() + start, static_cast<int>(out.size() - start), nullptr,
                    v8::String::NO_NULL_TERMINATION | v8::String::REPLACE_INVALID_UTF8);
  }
  return true;
}

/// `ops.respond(slot, status, statusText, body, headers, bodyStream)`: hands a handler's response
/// to the host, which reads it from the fetch slot (`bodyStream`, when not 0, is the host's
/// handle of the stream the body comes from). `headers` is the Response's own flat list [name0,
/// value0, ...]: a packed array the runtime filled, so reading its elements finds them on the
/// array itself and never consults a prototype a worker may have trapped. (Passing the names
/// and values as arguments instead would need an argument array built by index writes, which go
/// through such traps.) The slot counts as answered only once every part was read: a conversion
/// that throws leaves it unanswered.
void Respond(const v8::FunctionCallbackInfo<v8::Value> &info) {
  v8::Isolate *isolate = info.GetIsolate();
  cv8_isolate *self = cv8_isolate::From(isolate);
  if (info.Length() < 5 || !info[0]->IsInt32() || !info[1]->IsInt32() || !info[4]->IsArray()) return;
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  int32_t slot = info[0].As<v8::Int32>()->Value();
  if (slot < 0 || static_cast<size_t>(slot) >= self->slots.size()) return;
  FetchSlot &entry = self->slots[static_cast<size_t>(slot)];
  if (!entry.in_use || entry.responded) return;
  StoredResponse &response = entry.response;
  response.status = info[1].As<v8::Int32>()->Value();
  response.status_text.clear();
  if (!AppendString(isolate, response.status_text, info[2])) return;
  v8::Local<v8::Array> headers = info[4].As<v8::Array>();
  uint32_t count = headers->Length() & ~uint32_t(1);
  response.header_block.clear();
  response.header_count = count / 2;
  for (uint32_t i = 0; i < count; i++) {
    v8::Local<v8::Value> part;
    if (!headers->Get(context, i).ToLocal(&part)) return;
    if (i > 0) response.header_block.push_back('\0');
    if (!AppendString(isolate, response.header_block, part)) return;
  }
  v8::Local<v8::Value> body = info[3];
  response.has_body = !body->IsNullOrUndefined();
  response.body.clear();
  // A streamed body: the host's handle of the stream, read later chunk by chunk.
  response.body_stream = info.Length() > 5 && info[5]->IsInt32() ? info[5].As<v8::Int32>()->Value() : 0;
  if (response.body_stream != 0) response.has_body = true;
  if (body->IsArrayBufferView()) {
    auto view = body.As<v8::ArrayBufferView>();
    response.body.resize(view->ByteLength());
    view->CopyContents(response.body.data(), view->ByteLength());
  } else if (body->IsString()) {
    auto text = body.As<v8::String>();
    response.body.resize(static_cast<size_t>(text->Utf8Length(isolate)));
    text->WriteUtf8(isolate, response.body.data(), static_cast<int>(response.body.size()), nullptr,
                    v8::String::NO_NULL_TERMINATION | v8::String::REPLACE_INVALID_UTF8);
  }
  entry.responded = true;
}

/// `ops.waitUntil(slot, generation, promise)`: adds a ctx.waitUntil() promise to its request,
/// if that request is still the slot's (a worker may call a kept `ctx` after its request ended).
void WaitUntil(const v8::FunctionCallbackInfo<v8::Value> &info) {
  cv8_isolate *self = cv8_isolate::From(info.GetIsolate());
  if (info.Length() < 3 || !info[0]->IsInt32() || !info[1]->IsUint32() || !info[2]->IsPromise()) return;
  int32_t slot = info[0].As<v8::Int32>()->Value();
  if (slot < 0 || static_cast<size_t>(slot) >= self->slots.size()) return;
  FetchSlot &entry = self->slots[static_cast<size_t>(slot)];
  if (!entry.in_use || entry.generation != info[1].As<v8::Uint32>()->Value()) return;
  entry.wait_until.emplace_back(info.GetIsolate(), info[2].As<v8::Promise>());
}

void FreeHostBytes(void *data, size_t length, void *allocator) {
  free(data);
  static_cast<CountingAllocator *>(allocator)->Untrack(length);
}

}  // namespace

namespace cv8 {

bool ReserveOrCollect(cv8_isolate *self, size_t length) {
  if (self->allocator->TryReserve(length)) return true;
  self->isolate->LowMemoryNotification();
  return self->allocator->Reserve(length);
}

v8::MaybeLocal<v8::Uint8Array> NewBytes(cv8_isolate *self, size_t length, char **data_out) {
  v8::Isolate *isolate = self->isolate;
  // Refused like `new ArrayBuffer(n)` over the limit (a RangeError), never by V8's fatal
  // out-of-memory path, which ArrayBuffer::New takes when an allocator says no.
  void *data = nullptr;
  if (ReserveOrCollect(self, length)) {
    data = malloc(length == 0 ? 1 : length);
    if (data == nullptr) self->allocator->Untrack(length);
  }
  if (data == nullptr) {
    isolate->ThrowException(v8::Exception::RangeError(v8::String::NewFromUtf8Literal(isolate, "Array buffer allocation failed")));
    return {};
  }
  auto store = v8::ArrayBuffer::NewBackingStore(data, length, FreeHostBytes, self->allocator);
  auto buffer = v8::ArrayBuffer::New(isolate, std::move(store));
  *data_out = static_cast<char *>(data);
  return v8::Uint8Array::New(buffer, 0, length);
}

v8::MaybeLocal<v8::Uint8Array> NewBytes(cv8_isolate *self, const char *bytes, size_t length) {
  char *data = nullptr;
  v8::Local<v8::Uint8Array> array;
  if (!NewBytes(self, length, &data).ToLocal(&array)) return {};
  if (length) memcpy(data, bytes, length);
  return array;
}

const intptr_t *ExternalReferences() {
  static const intptr_t references[] = {
      reinterpret_cast<intptr_t>(Utf8Encode),   reinterpret_cast<intptr_t>(Utf8EncodeInto),
      reinterpret_cast<intptr_t>(Utf8Decode),   reinterpret_cast<intptr_t>(DomainToASCII),
      reinterpret_cast<intptr_t>(RandomFill),   reinterpret_cast<intptr_t>(RandomUUID),
      reinterpret_cast<intptr_t>(Now),          reinterpret_cast<intptr_t>(StructuredClone),
      reinterpret_cast<intptr_t>(HostCall),     reinterpret_cast<intptr_t>(Respond),
      reinterpret_cast<intptr_t>(WaitUntil),    reinterpret_cast<intptr_t>(ZlibCreate),
      reinterpret_cast<intptr_t>(ZlibProcess),  reinterpret_cast<intptr_t>(TransferArrayBuffer),
      0,
  };
  return references;
}

v8::Local<v8::Object> CreateInternals(v8::Local<v8::Context> context) {
  // No prototype: the host looks functions up by name here, and a worker's getters on
  // Object.prototype must not answer for a name the runtime does not define.
  v8::Isolate *isolate = context->GetIsolate();
  return v8::Object::New(isolate, v8::Null(isolate), nullptr, nullptr, 0);
}

v8::Local<v8::Object> CreateOps(cv8_isolate *self, v8::Local<v8::Context> context) {
  v8::Isolate *isolate = self->isolate;
  auto ops = CreateInternals(context);
  auto add = [&](const char *name, v8::FunctionCallback callback) {
    // Runs once, while the context is made and before any JavaScript: nothing can have
    // changed a prototype, and the only failure would be V8 running out of memory, which is
    // fatal anyway at this point.
    auto function = v8::FunctionTemplate::New(isolate, callback, {}, {}, 0, v8::ConstructorBehavior::kThrow)
                        ->GetFunction(context)
                        .ToLocalChecked();
    ops->CreateDataProperty(context, v8::String::NewFromUtf8(isolate, name).ToLocalChecked(), function).Check();
  };
  add("utf8Encode", Utf8Encode);
  add("utf8EncodeInto", Utf8EncodeInto);
  add("utf8Decode", Utf8Decode);
  add("domainToASCII", DomainToASCII);
  add("randomFill", RandomFill);
  add("randomUUID", RandomUUID);
  add("now", Now);
  add("structuredClone", StructuredClone);
  add("host", HostCall);
  add("respond", Respond);
  add("waitUntil", WaitUntil);
  add("zlibCreate", ZlibCreate);
  add("zlibProcess", ZlibProcess);
  add("transferArrayBuffer", TransferArrayBuffer);
  return ops;
}

}  // namespace cv8

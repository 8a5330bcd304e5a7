// Platform start-up, isolate lifecycle, limits and error capture.
#include <libplatform/libplatform.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <time.h>

#include "internal.h"

using namespace cv8;

// V8's own flag (a plain global in this V8), raised briefly by cv8_isolate_collect_young.
namespace v8::internal {
extern bool FLAG_expose_gc;
}

namespace {

std::once_flag platform_once;
std::unique_ptr<v8::Platform> platform;

double MonotonicMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/// Called by V8 when the heap nears its limit: record the outcome, stop the script, and give
/// V8 enough room to unwind instead of aborting the process.
size_t NearHeapLimit(void *data, size_t current_limit, size_t initial_limit) {
  auto *self = static_cast<cv8_isolate *>(data);
  self->limit.store(CV8_LIMIT_MEMORY);
  self->isolate->TerminateExecution();
  // Termination is only seen at the next interrupt check: a built-in making one large
  // allocation (JSON.stringify or flattening of a long string, growing an array) still needs
  // room, and a limit V8 cannot grow into is a fatal out-of-memory for the whole process. V8
  // asks at most a few times per allocation and gives no size, so grant enough for the largest
  // single object a heap can hold (a string of 2^29 two-byte units is 1 GiB); the isolate is
  // condemned and disposed after the task, so the memory is held only briefly.
  constexpr size_t kRoomToUnwind = size_t(1) << 30;
  return current_limit + kRoomToUnwind;
}

/// Runs on the isolate's thread at an interrupt check, asked for by the watchdog.
void CheckMemoryInterrupt(v8::Isolate *isolate, void *data) {
  auto *self = static_cast<cv8_isolate *>(data);
  if (self->heap_limit == 0) return;
  v8::HeapStatistics stats;
  isolate->GetHeapStatistics(&stats);
  if (stats.used_heap_size() + stats.external_memory() <= self->heap_limit) return;
  // Garbage counts until it is collected (a stream's chunks, read and dropped, pile up well past
  // small limits before V8 collects for external memory): as after a task (WorkerIsolate's
  // exceedsMemory), only live data over the limit is a violation. A GC at an interrupt runs no
  // JavaScript.
  isolate->LowMemoryNotification();
  isolate->GetHeapStatistics(&stats);
  if (stats.used_heap_size() + stats.external_memory() > self->heap_limit) {
    self->limit.store(CV8_LIMIT_MEMORY);
    isolate->TerminateExecution();
  }
}

bool AllowWasmCodeGeneration(v8::Local<v8::Context> context, v8::Local<v8::String>) {
  return cv8_isolate::From(context->GetIsolate())->allow_wasm_codegen;
}

v8::ModifyCodeGenerationFromStringsResult DenyCodeGenerationFromStrings(v8::Local<v8::Context>,
                                                                         v8::Local<v8::Value>, bool) {
  return {};
}

}  // namespace

namespace cv8 {

std::mutex &ExposeGCLock() {
  static std::mutex lock;
  return lock;
}

bool CountingAllocator::Reserve(size_t length) {
  size_t now = used_.fetch_add(length, std::memory_order_relaxed) + length;
  if (limit_ != 0 && now > limit_) {
    used_.fetch_sub(length, std::memory_order_relaxed);
    exceeded_.store(true, std::memory_order_relaxed);
    return false;
  }
  return true;
}

bool CountingAllocator::TryReserve(size_t length) {
  size_t now = used_.fetch_add(length, std::memory_order_relaxed) + length;
  if (limit_ != 0 && now > limit_) {
    used_.fetch_sub(length, std::memory_order_relaxed);
    return false;
  }
  return true;
}

bool CountingAllocator::ReserveForV8(size_t length) {
  if (Reserve(length)) return true;
  if (length > kGrantedOverLimit) return false;
  used_.fetch_add(length, std::memory_order_relaxed);
  exceeded_.store(true, std::memory_order_relaxed);
  return true;
}

void *CountingAllocator::Allocate(size_t length) {
  if (!ReserveForV8(length)) return nullptr;
  void *data = calloc(length == 0 ? 1 : length, 1);
  if (data == nullptr) used_.fetch_sub(length, std::memory_order_relaxed);
  return data;
}

void *CountingAllocator::AllocateUninitialized(size_t length) {
  if (!ReserveForV8(length)) return nullptr;
  void *data = malloc(length == 0 ? 1 : length);
  if (data == nullptr) used_.fetch_sub(length, std::memory_order_relaxed);
  return data;
}

void CountingAllocator::Free(void *data, size_t length) {
  free(data);
  used_.fetch_sub(length, std::memory_order_relaxed);
}

v8::Local<v8::String> NewString(v8::Isolate *isolate, cv8_bytes bytes) {
  return v8::String::NewFromUtf8(isolate, bytes.ptr ? bytes.ptr : "", v8::NewStringType::kNormal,
                                 static_cast<int>(bytes.len))
      .FromMaybe(v8::String::Empty(isolate));
}

v8::Local<v8::String> NewString(v8::Isolate *isolate, const std::string &text) {
  return NewString(isolate, cv8_bytes{text.data(), text.size()});
}

std::string ToStdString(v8::Isolate *isolate, v8::Local<v8::Value> value) {
  if (value.IsEmpty()) return {};
  v8::String::Utf8Value utf8(isolate, value);
  return *utf8 ? std::string(*utf8, utf8.length()) : std::string();
}

/// "Error: message\n    at f (file:1:2)..." from the stack trace V8 captured when `exception`
/// was created, without reading the error's `stack` (whose formatting would run a worker's
/// Error.prepareStackTrace and getters on Error.prototype).
std::string FormatStack(v8::Isolate *isolate, const std::string &message, v8::Local<v8::Value> exception) {
  v8::Local<v8::StackTrace> trace = v8::Exception::GetStackTrace(exception);
  if (trace.IsEmpty() || trace->GetFrameCount() == 0) return {};
  std::string stack = message;
  for (int i = 0; i < trace->GetFrameCount(); i++) {
    v8::Local<v8::StackFrame> frame = trace->GetFrame(isolate, static_cast<uint32_t>(i));
    std::string where = ToStdString(isolate, frame->GetScriptName()) + ":" + std::to_string(frame->GetLineNumber()) +
                        ":" + std::to_string(frame->GetColumn());
    std::string function = ToStdString(isolate, frame->GetFunctionName());
    stack += "\n    at " + (function.empty() ? where : function + " (" + where + ")");
  }
  return stack;
}

void RecordException(cv8_isolate *self, v8::Local<v8::Value> exception, v8::Local<v8::Message> message) {
  v8::Isolate *isolate = self->isolate;
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  // The message V8 formats without side effects ("Uncaught TypeError: x"): converting the thrown
  // value ourselves would call a worker's toString, or getters on Error.prototype.
  if (message.IsEmpty()) message = v8::Exception::CreateMessage(isolate, exception);
  std::string text = ToStdString(isolate, message->Get());
  static const std::string uncaught = "Uncaught ";
  if (text.rfind(uncaught, 0) == 0) text.erase(0, uncaught.size());
  self->error_message = text;
  self->error_stack = exception->IsNativeError() ? FormatStack(isolate, text, exception) : std::string();
  self->error_location.clear();
  std::string file = ToStdString(isolate, message->GetScriptResourceName());
  int line = message->GetLineNumber(context).FromMaybe(0);
  int column = message->GetStartColumn(context).FromMaybe(-1) + 1;
  if (!file.empty()) {
    self->error_location = file + ":" + std::to_string(line) + ":" + std::to_string(column);
  }
}

bool RunRuntimeFile(v8::Isolate *isolate, v8::Local<v8::Context> context, v8::Local<v8::Object> internals,
                    v8::Local<v8::Object> ops, cv8_bytes name, cv8_bytes source) {
  std::string text = "\"use strict\";";
  text.append(source.ptr, source.len);
  v8::ScriptOrigin origin(isolate, NewString(isolate, name));
  v8::ScriptCompiler::Source script_source(NewString(isolate, text), origin);
  v8::Local<v8::String> params[] = {v8::String::NewFromUtf8Literal(isolate, "internals"),
                                    v8::String::NewFromUtf8Literal(isolate, "ops")};
  v8::Local<v8::Function> function;
  if (!v8::ScriptCompiler::CompileFunction(context, &script_source, 2, params).ToLocal(&function)) return false;
  v8::Local<v8::Value> args[] = {internals, ops};
  return !function->Call(context, v8::Undefined(isolate), 2, args).IsEmpty();
}

v8::MaybeLocal<v8::Value> RunClassicScript(cv8_isolate *self, v8::Local<v8::Context> context, cv8_bytes name,
                                           cv8_bytes source) {
  v8::Isolate *isolate = self->isolate;
  v8::ScriptOrigin origin(isolate, NewString(isolate, name));
  v8::ScriptCompiler::Source script_source(NewString(isolate, source), origin);
  v8::Local<v8::Script> script;
  if (!v8::ScriptCompiler::Compile(context, &script_source).ToLocal(&script)) return {};
  return script->Run(context);
}

cv8_status Fail(cv8_isolate *self, v8::TryCatch &try_catch) {
  if (try_catch.HasTerminated() || self->isolate->IsExecutionTerminating()) {
    self->error_message = self->limit.load() == CV8_LIMIT_MEMORY ? "Worker exceeded memory limit."
                                                                 : "Execution terminated.";
    self->error_stack.clear();
    self->error_location.clear();
    return CV8_TERMINATED;
  }
  if (!try_catch.HasCaught()) return FailWith(self, CV8_EXCEPTION, "Unknown error");
  RecordException(self, try_catch.Exception(), try_catch.Message());
  return CV8_EXCEPTION;
}

cv8_status FailWith(cv8_isolate *self, cv8_status status, const std::string &message) {
  self->error_message = message;
  self->error_stack.clear();
  self->error_location.clear();
  return status;
}

// At most this many rejections wait for notification; more in one checkpoint are not reported
// (a worker rejecting millions of promises must not grow memory outside its heap limit).
constexpr size_t kMaxPendingRejections = 1024;

/// V8's HostPromiseRejectionTracker: records what RunMicrotasks notifies. Runs no JavaScript.
void PromiseRejected(v8::PromiseRejectMessage message) {
  v8::Local<v8::Promise> promise = message.GetPromise();
  v8::Isolate *isolate = promise->GetIsolate();
  cv8_isolate *self = cv8_isolate::From(isolate);
  if (self == nullptr) return;
  auto &pending = self->rejections;
  switch (message.GetEvent()) {
    case v8::kPromiseRejectWithNoHandler: {
      if (pending.size() >= kMaxPendingRejections) return;
      PendingRejection entry;
      entry.promise.Reset(isolate, promise);
      entry.reason.Reset(isolate, message.GetValue());
      pending.push_back(std::move(entry));
      return;
    }
    case v8::kPromiseHandlerAddedAfterReject: {
      // Handled before it was notified: nothing to report.
      for (size_t i = 0; i < pending.size(); i++) {
        if (!pending[i].handled && pending[i].promise == promise) {
          pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(i));
          return;
        }
      }
      if (pending.size() >= kMaxPendingRejections) return;
      PendingRejection entry;
      entry.promise.Reset(isolate, promise);
      entry.handled = true;
      pending.push_back(std::move(entry));
      return;
    }
    default:
      return;
  }
}

namespace {

bool IsWatched(cv8_isolate *self, v8::Local<v8::Promise> promise) {
  if (self->watched_result != nullptr && *self->watched_result == promise) return true;
  for (auto &slot : self->slots) {
    if (slot.in_use && slot.result == promise) return true;
  }
  return false;
}

/// HTML "notify about rejected promises": `internals.notifyRejection(handled, promise, reason)`
/// for each pending rejection (web/45_global_scope.js). False when execution is terminating.
bool NotifyRejections(cv8_isolate *self) {
  v8::Isolate *isolate = self->isolate;
  std::vector<PendingRejection> pending;
  pending.swap(self->rejections);
  v8::HandleScope handle_scope(isolate);
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Function> notify;
  // Before the runtime file that defines it has run, rejections are dropped.
  if (!InternalFunction(self, "notifyRejection").ToLocal(&notify)) return true;
  for (auto &entry : pending) {
    v8::HandleScope entry_scope(isolate);
    v8::Local<v8::Promise> promise = entry.promise.Get(isolate);
    if (!entry.handled && IsWatched(self, promise)) continue;
    v8::Local<v8::Value> reason =
        entry.handled ? promise->Result() : entry.reason.Get(isolate);
    v8::Local<v8::Value> args[] = {v8::Boolean::New(isolate, entry.handled), promise, reason};
    v8::TryCatch try_catch(isolate);
    if (notify->Call(context, v8::Undefined(isolate), 3, args).IsEmpty() &&
        (try_catch.HasTerminated() || isolate->IsExecutionTerminating())) {
      try_catch.ReThrow();
      return false;
    }
  }
  return true;
}

}  // namespace

cv8_status RunMicrotasks(cv8_isolate *self) {
  v8::TryCatch try_catch(self->isolate);
  self->isolate->PerformMicrotaskCheckpoint();
  if (try_catch.HasTerminated() || self->isolate->IsExecutionTerminating()) return Fail(self, try_catch);
  // Events the notification dispatches may reject more promises: a few rounds here, the rest
  // after the next checkpoint.
  for (int round = 0; round < 4 && !self->rejections.empty(); round++) {
    if (!NotifyRejections(self)) return Fail(self, try_catch);
    self->isolate->PerformMicrotaskCheckpoint();
    if (try_catch.HasTerminated() || self->isolate->IsExecutionTerminating()) return Fail(self, try_catch);
  }
  return CV8_OK;
}

v8::MaybeLocal<v8::Function> InternalFunction(cv8_isolate *self, v8::Global<v8::Function> &slot, const char *name) {
  if (!slot.IsEmpty()) return slot.Get(self->isolate);
  v8::Local<v8::Function> function;
  if (!InternalFunction(self, name).ToLocal(&function)) return {};
  slot.Reset(self->isolate, function);
  return function;
}

v8::MaybeLocal<v8::Function> InternalFunction(cv8_isolate *self, const char *name) {
  v8::Isolate *isolate = self->isolate;
  if (name == nullptr || *name == '\0') return {};
  auto found = self->internal_functions.find(name);
  if (found != self->internal_functions.end()) return found->second.Get(isolate);
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Value> value;
  if (!self->internals.Get(isolate)->Get(context, NewString(isolate, std::string(name))).ToLocal(&value) ||
      !value->IsFunction()) {
    return {};
  }
  v8::Local<v8::Function> function = value.As<v8::Function>();
  self->internal_functions[name].Reset(isolate, function);
  return function;
}

}  // namespace cv8

extern "C" {

void cv8_platform_initialize(const char *flags) {
  std::call_once(platform_once, [flags] {
    // Lazy source positions and a linear-time fallback for catastrophic regular expressions.
    std::string all = "--enable-experimental-regexp-engine-on-excessive-backtracks ";
    if (flags) all += flags;
    // Operators can tune V8 without a rebuild.
    if (const char *extra = getenv("SWITCHYARD_V8_FLAGS")) all += std::string(" ") + extra;
    v8::V8::SetFlagsFromString(all.c_str(), all.size());
    platform = v8::platform::NewDefaultPlatform(1);
    v8::V8::InitializePlatform(platform.get());
    v8::V8::Initialize();
  });
}

cv8_isolate *cv8_isolate_new(const cv8_isolate_options *options) {
  auto *self = new cv8_isolate();
  self->allocator = new CountingAllocator(options->external_limit_bytes);
  self->host_call = options->host_call;
  self->host = options->host;
  self->heap_limit = options->heap_limit_bytes;
  const cv8_entry_points &entry = options->entry_points;
  if (entry.dispatch_fetch) self->dispatch_fetch_name = entry.dispatch_fetch;
  if (entry.deliver_response) self->deliver_response_name = entry.deliver_response;
  if (entry.install_module_worker) self->install_module_worker_name = entry.install_module_worker;
  self->created_at_ms = MonotonicMs();

  v8::Isolate::CreateParams params;
  params.array_buffer_allocator = self->allocator;
  params.external_references = ExternalReferences();
  // V8 only reads the blob; the pointer is not const in its API.
  if (options->snapshot != nullptr) params.snapshot_blob = const_cast<v8::StartupData *>(&options->snapshot->blob);
  if (options->heap_limit_bytes > 0) {
    params.constraints.ConfigureDefaultsFromHeapSize(0, options->heap_limit_bytes);
    // V8 derives a tiny young generation from a small heap limit (1 MB semi-spaces for 128 MB),
    // so allocation-heavy handlers (JSON) would scavenge constantly. Semi-spaces grow on demand:
    // an idle isolate does not pay for the larger maximum.
    size_t young = options->heap_limit_bytes / 4;
    if (young > 48 * 1024 * 1024) young = 48 * 1024 * 1024;
    params.constraints.set_max_young_generation_size_in_bytes(young);
  }
  v8::Isolate *isolate = v8::Isolate::New(params);
  self->isolate = isolate;
  isolate->SetData(0, self);
  isolate->SetMicrotasksPolicy(v8::MicrotasksPolicy::kExplicit);
  isolate->AddNearHeapLimitCallback(NearHeapLimit, self);
  isolate->SetAllowWasmCodeGenerationCallback(AllowWasmCodeGeneration);
  isolate->SetModifyCodeGenerationFromStringsCallback(DenyCodeGenerationFromStrings);
  isolate->SetHostImportModuleDynamicallyCallback(ImportDynamically);
  isolate->SetCaptureStackTraceForUncaughtExceptions(true, 20);
  // Atomics.wait would block the executor thread that other requests share.
  isolate->SetAllowAtomicsWait(false);
  isolate->SetPromiseRejectCallback(PromiseRejected);

  v8::Isolate::Scope isolate_scope(isolate);
  v8::HandleScope handle_scope(isolate);
  v8::Local<v8::Context> context;
  {
    std::lock_guard<std::mutex> guard(ExposeGCLock());
    context = v8::Context::New(isolate);
  }
  context->AllowCodeGenerationFromStrings(false);
  self->context.Reset(isolate, context);
  v8::Context::Scope context_scope(context);
  if (options->snapshot != nullptr) {
    // Indices as added by cv8_snapshot_create. Cannot fail: the blob is this process's own, made
    // with the same two objects, and no worker code has run in this context yet.
    self->internals.Reset(isolate, context->GetDataFromSnapshotOnce<v8::Object>(0).ToLocalChecked());
    self->ops.Reset(isolate, context->GetDataFromSnapshotOnce<v8::Object>(1).ToLocalChecked());
  } else {
    self->internals.Reset(isolate, CreateInternals(context));
    self->ops.Reset(isolate, CreateOps(self, context));
  }
  return self;
}

void cv8_isolate_dispose(cv8_isolate *self) {
  if (self == nullptr) return;
  {
    v8::Isolate::Scope isolate_scope(self->isolate);
    for (auto &slot : self->slots) {
      slot.result.Reset();
      slot.wait_until.clear();
    }
    for (auto &entry : self->modules) {
      entry.second.module.Reset();
      entry.second.required.Reset();
      entry.second.commonjs_module.Reset();
    }
    for (auto &entry : self->internal_functions) entry.second.Reset();
    self->rejections.clear();
    self->dispatch_fetch.Reset();
    self->deliver_response.Reset();
    self->internals.Reset();
    self->ops.Reset();
    self->context.Reset();
  }
  self->isolate->Dispose();
  delete self->allocator;
  delete self;
}

void cv8_isolate_terminate(cv8_isolate *self) { self->isolate->TerminateExecution(); }

void cv8_isolate_cancel_terminate(cv8_isolate *self) { self->isolate->CancelTerminateExecution(); }

cv8_limit cv8_isolate_limit_exceeded(cv8_isolate *self) {
  if (self->allocator->exceeded()) return CV8_LIMIT_MEMORY;
  return static_cast<cv8_limit>(self->limit.load());
}

void cv8_isolate_memory_usage(cv8_isolate *self, cv8_memory_usage *usage) {
  v8::HeapStatistics stats;
  self->isolate->GetHeapStatistics(&stats);
  usage->heap_used = stats.used_heap_size();
  usage->heap_total = stats.total_heap_size();
  usage->external = stats.external_memory();
}

size_t cv8_isolate_external_memory(cv8_isolate *self) {
  int64_t external = self->isolate->AdjustAmountOfExternalAllocatedMemory(0);
  return external > 0 ? static_cast<size_t>(external) : 0;
}

void cv8_isolate_request_memory_check(cv8_isolate *self) {
  self->isolate->RequestInterrupt(CheckMemoryInterrupt, self);
}

void cv8_isolate_collect_garbage(cv8_isolate *self) {
  v8::Isolate::Scope isolate_scope(self->isolate);
  self->isolate->LowMemoryNotification();
}

void cv8_isolate_collect_young(cv8_isolate *self) {
  v8::Isolate::Scope isolate_scope(self->isolate);
  // V8 offers a young collection only to embedders that run with --expose-gc (it checks the
  // flag and aborts otherwise); the flag is raised just for the call, under the lock every
  // context creation takes, so no tenant's context is ever made with `gc` installed.
  std::lock_guard<std::mutex> guard(ExposeGCLock());
  v8::internal::FLAG_expose_gc = true;
  self->isolate->RequestGarbageCollectionForTesting(v8::Isolate::kMinorGarbageCollection);
  v8::internal::FLAG_expose_gc = false;
}

void cv8_last_error(cv8_isolate *self, cv8_bytes *message, cv8_bytes *stack, cv8_bytes *location) {
  *message = {self->error_message.data(), self->error_message.size()};
  *stack = {self->error_stack.data(), self->error_stack.size()};
  *location = {self->error_location.data(), self->error_location.size()};
}

cv8_status cv8_run_runtime_file(cv8_isolate *self, cv8_bytes name, cv8_bytes source) {
  Entered entered(self);
  v8::Isolate *isolate = self->isolate;
  v8::TryCatch try_catch(isolate);
  if (!RunRuntimeFile(isolate, entered.context, self->internals.Get(isolate), self->ops.Get(isolate), name, source)) {
    return Fail(self, try_catch);
  }
  return RunMicrotasks(self);
}

cv8_status cv8_load_script_worker(cv8_isolate *self, cv8_bytes name, cv8_bytes source) {
  Entered entered(self);
  v8::TryCatch try_catch(self->isolate);
  if (RunClassicScript(self, entered.context, name, source).IsEmpty()) return Fail(self, try_catch);
  return RunMicrotasks(self);
}

cv8_status cv8_evaluate(cv8_isolate *self, cv8_bytes name, cv8_bytes source, cv8_bytes *result) {
  Entered entered(self);
  v8::Isolate *isolate = self->isolate;
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Value> value;
  if (!RunClassicScript(self, entered.context, name, source).ToLocal(&value)) return Fail(self, try_catch);
  WatchedResult watched(self, &value);
  cv8_status status = RunMicrotasks(self);
  if (status != CV8_OK) return status;
  if (value->IsPromise()) {
    auto promise = value.As<v8::Promise>();
    if (promise->State() == v8::Promise::kRejected) {
      RecordException(self, promise->Result(), v8::Exception::CreateMessage(isolate, promise->Result()));
      return CV8_EXCEPTION;
    }
    if (promise->State() == v8::Promise::kFulfilled) value = promise->Result();
  }
  v8::Local<v8::String> text;
  if (value->IsObject() && !value->IsFunction()) {
    if (!v8::JSON::Stringify(entered.context, value).ToLocal(&text)) return Fail(self, try_catch);
  } else if (!value->ToString(entered.context).ToLocal(&text)) {
    return Fail(self, try_catch);
  }
  self->scratch_body = ToStdString(isolate, text);
  *result = {self->scratch_body.data(), self->scratch_body.size()};
  return CV8_OK;
}

cv8_status cv8_invoke(cv8_isolate *self, const char *name, const cv8_value *args, int32_t argc) {
  Entered entered(self);
  v8::Isolate *isolate = self->isolate;
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Function> function;
  if (!InternalFunction(self, name).ToLocal(&function)) {
    return FailWith(self, CV8_INVALID, std::string("runtime has no internal function ") + name);
  }
  std::vector<v8::Local<v8::Value>> values;
  values.reserve(argc);
  for (int32_t i = 0; i < argc; i++) {
    const cv8_value &arg = args[i];
    switch (arg.kind) {
      case CV8_UNDEFINED: values.push_back(v8::Undefined(isolate)); break;
      case CV8_NULL: values.push_back(v8::Null(isolate)); break;
      case CV8_BOOL: values.push_back(v8::Boolean::New(isolate, arg.number != 0)); break;
      case CV8_NUMBER: values.push_back(v8::Number::New(isolate, arg.number)); break;
      case CV8_STRING: values.push_back(NewString(isolate, arg.bytes)); break;
      case CV8_BYTES: {
        v8::Local<v8::Uint8Array> bytes;
        if (!NewBytes(self, arg.bytes.ptr, arg.bytes.len).ToLocal(&bytes)) return Fail(self, try_catch);
        values.push_back(bytes);
        break;
      }
    }
  }
  if (function->Call(entered.context, v8::Undefined(isolate), argc, values.data()).IsEmpty()) {
    return Fail(self, try_catch);
  }
  return RunMicrotasks(self);
}

}  // extern "C"

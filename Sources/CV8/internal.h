// Internal definitions shared by the cv8 shim's translation units. Not part of the C API.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <v8.h>

#include "cv8.h"

namespace cv8 {

/// Counts the bytes of ArrayBuffer backing stores so the isolate's whole footprint can be
/// limited, not only its heap. Called from any thread (the GC frees on background threads).
class CountingAllocator final : public v8::ArrayBuffer::Allocator {
 public:
  explicit CountingAllocator(size_t limit) : limit_(limit) {}
  void *Allocate(size_t length) override;
  void *AllocateUninitialized(size_t length) override;
  void Free(void *data, size_t length) override;
  /// Accounts `length` bytes if they fit under the limit; false (nothing accounted) if not.
  bool Reserve(size_t length);
  /// As Reserve, but a refusal does not count as exceeding the limit (the caller may collect
  /// garbage and try again).
  bool TryReserve(size_t length);
  void Untrack(size_t length) { used_.fetch_sub(length, std::memory_order_relaxed); }
  size_t used() const { return used_.load(std::memory_order_relaxed); }
  bool exceeded() const { return exceeded_.load(std::memory_order_relaxed); }

 private:
  /// Allocations V8 makes for itself up to this size are granted over the limit (which then
  /// counts as exceeded, condemning the isolate after the task): V8 treats a refusal on some of
  /// its internal paths (a typed array's buffer moved off the heap) as a fatal out-of-memory.
  static constexpr size_t kGrantedOverLimit = 64 * 1024;
  bool ReserveForV8(size_t length);
  std::atomic<size_t> used_{0};
  std::atomic<bool> exceeded_{false};
  size_t limit_;
};

struct ModuleEntry {
  cv8_module_kind kind;
  std::string content;
  v8::Global<v8::Module> module;
  /// What require() returns, once computed: `module.exports` of a CommonJS module (its `module`
  /// object while it is still running, for require cycles), or a text/data/JSON/Wasm value.
  v8::Global<v8::Value> required;
  v8::Global<v8::Object> commonjs_module;
};

/// A response as the host receives it, copied out of JavaScript by `ops.respond`.
struct StoredResponse {
  int32_t status = 0;
  std::string status_text;
  /// "name\0value", joined by "\0" (see cv8_response).
  std::string header_block;
  size_t header_count = 0;
  std::string body;
  bool has_body = false;
  /// The host's handle of a streamed body, or 0.
  int32_t body_stream = 0;
};

struct FetchSlot {
  /// The handler's result (a promise, or a value).
  v8::Global<v8::Value> result;
  /// The ctx.waitUntil() promises (`ops.waitUntil`): held by the host, never in an array a
  /// worker could reach.
  std::vector<v8::Global<v8::Promise>> wait_until;
  /// Counts the slot's uses, so a worker that keeps `ctx` cannot add work to a later request
  /// that reuses the slot.
  uint32_t generation = 0;
  bool in_use = false;
  /// Set once `ops.respond` delivered the response for this slot.
  bool responded = false;
  StoredResponse response;
};

/// A promise rejection V8 reported (SetPromiseRejectCallback), waiting for HTML's "notify about
/// rejected promises" after the microtask checkpoint: rejected with no handler, or handled
/// later after it was notified.
struct PendingRejection {
  v8::Global<v8::Promise> promise;
  v8::Global<v8::Value> reason;
  bool handled = false;
};

}  // namespace cv8

struct cv8_snapshot {
  v8::StartupData blob;
};

struct cv8_isolate {
  v8::Isolate *isolate = nullptr;
  cv8::CountingAllocator *allocator = nullptr;
  v8::Global<v8::Context> context;
  v8::Global<v8::Object> internals;
  v8::Global<v8::Object> ops;
  cv8_host_call host_call = nullptr;
  void *host = nullptr;
  size_t heap_limit = 0;
  std::atomic<int> limit{CV8_LIMIT_NONE};
  /// Set while the host itself compiles an uploaded WebAssembly module; worker code never can.
  bool allow_wasm_codegen = false;
  double created_at_ms = 0;

  std::string error_message, error_stack, error_location;

  std::unordered_map<std::string, cv8::ModuleEntry> modules;
  std::unordered_map<int, std::vector<std::string>> module_names_by_hash;

  std::vector<cv8::FetchSlot> slots;
  std::vector<int32_t> free_slots;

  std::unordered_map<std::string, v8::Global<v8::Function>> internal_functions;
  /// The names of the entry points (cv8_entry_points), empty when the host named none.
  std::string dispatch_fetch_name, deliver_response_name, install_module_worker_name;
  /// The two internal functions every request calls, kept out of the map's string lookup.
  v8::Global<v8::Function> dispatch_fetch, deliver_response;

  /// Rejections to notify after the current microtask checkpoint (bounded: see PromiseRejected).
  std::vector<cv8::PendingRejection> rejections;
  /// The value an entry hands the host after its checkpoint (a handler's result, a module's
  /// evaluation promise): the host reads its rejection itself, so it is no unhandled rejection.
  const v8::Local<v8::Value> *watched_result = nullptr;

  /// Scratch storage for strings handed back to the host (cv8_evaluate, request headers).
  std::string scratch_body;

  static cv8_isolate *From(v8::Isolate *isolate) {
    return static_cast<cv8_isolate *>(isolate->GetData(0));
  }
};

namespace cv8 {

/// Enters the isolate and its context for the duration of one shim call.
struct Entered {
  explicit Entered(cv8_isolate *self)
      : isolate_scope(self->isolate),
        handle_scope(self->isolate),
        context(self->context.Get(self->isolate)),
        context_scope(context) {}
  v8::Isolate::Scope isolate_scope;
  v8::HandleScope handle_scope;
  v8::Local<v8::Context> context;
  v8::Context::Scope context_scope;
};

v8::Local<v8::String> NewString(v8::Isolate *isolate, cv8_bytes bytes);
v8::Local<v8::String> NewString(v8::Isolate *isolate, const std::string &text);
std::string ToStdString(v8::Isolate *isolate, v8::Local<v8::Value> value);

/// Records the pending exception (or termination) of `try_catch` as the isolate's last error
/// and returns the status to hand back to the host.
cv8_status Fail(cv8_isolate *self, v8::TryCatch &try_catch);
cv8_status FailWith(cv8_isolate *self, cv8_status status, const std::string &message);
/// Marks `value` as the result the host reads after the checkpoints run while this is in scope.
struct WatchedResult {
  WatchedResult(cv8_isolate *self, const v8::Local<v8::Value> *value) : self_(self), previous_(self->watched_result) {
    self->watched_result = value;
  }
  ~WatchedResult() { self_->watched_result = previous_; }
  cv8_isolate *self_;
  const v8::Local<v8::Value> *previous_;
};

/// Records `exception` (a thrown or rejection value) as the last error.
void RecordException(cv8_isolate *self, v8::Local<v8::Value> exception, v8::Local<v8::Message> message);

/// Runs the microtask queue; returns CV8_TERMINATED if a limit stopped it.
cv8_status RunMicrotasks(cv8_isolate *self);

/// `internals[name]` as a function, cached.
v8::MaybeLocal<v8::Function> InternalFunction(cv8_isolate *self, const char *name);

/// `internals[name]` as a function, cached in `slot` (for the per-request ones).
v8::MaybeLocal<v8::Function> InternalFunction(cv8_isolate *self, v8::Global<v8::Function> &slot, const char *name);

/// Accounts `length` bytes to the isolate, collecting garbage once when they do not fit (buffers
/// nobody references count until the GC frees them, and V8 collects for external memory only
/// well above small limits). False, with the limit marked exceeded, if they still do not fit.
/// Only where a GC may run: in a function callback or host call, never inside a V8 allocation.
bool ReserveOrCollect(cv8_isolate *self, size_t length);

/// A Uint8Array holding a copy of `bytes`, accounted to the isolate without V8's fatal
/// out-of-memory path (ArrayBuffer::New aborts the process when an allocator says no).
v8::MaybeLocal<v8::Uint8Array> NewBytes(cv8_isolate *self, const char *bytes, size_t length);
/// An uninitialized Uint8Array of `length` bytes; `*data` receives its bytes to fill.
v8::MaybeLocal<v8::Uint8Array> NewBytes(cv8_isolate *self, size_t length, char **data);

/// The object shared by the runtime's files as `internals`, with no prototype.
v8::Local<v8::Object> CreateInternals(v8::Local<v8::Context> context);
v8::Local<v8::Object> CreateOps(cv8_isolate *self, v8::Local<v8::Context> context);

/// `ops.zlibCreate` / `ops.zlibProcess` / `ops.transferArrayBuffer` (compression.cc).
void ZlibCreate(const v8::FunctionCallbackInfo<v8::Value> &info);
void ZlibProcess(const v8::FunctionCallbackInfo<v8::Value> &info);
void TransferArrayBuffer(const v8::FunctionCallbackInfo<v8::Value> &info);

/// The native functions that snapshots refer to (null-terminated), in a fixed order.
const intptr_t *ExternalReferences();

/// Held while a context is created and while V8's `expose_gc` flag is raised for a young
/// collection (cv8_isolate_collect_young): a context made while the flag is up would get a `gc`
/// global that tenant code could call.
std::mutex &ExposeGCLock();

/// Compiles and runs a classic script; the exception stays in the caller's TryCatch on failure.
v8::MaybeLocal<v8::Value> RunClassicScript(cv8_isolate *self, v8::Local<v8::Context> context, cv8_bytes name,
                                           cv8_bytes source);

/// Compiles and calls one runtime file as `function (internals, ops)`; leaves the exception in
/// `try_catch` on failure.
bool RunRuntimeFile(v8::Isolate *isolate, v8::Local<v8::Context> context, v8::Local<v8::Object> internals,
                    v8::Local<v8::Object> ops, cv8_bytes name, cv8_bytes source);

v8::MaybeLocal<v8::Module> ModuleFor(cv8_isolate *self, v8::Local<v8::Context> context, const std::string &name);
v8::MaybeLocal<v8::Promise> ImportDynamically(v8::Local<v8::Context> context, v8::Local<v8::Data> options,
                                              v8::Local<v8::Value> resource_name, v8::Local<v8::String> specifier,
                                              v8::Local<v8::FixedArray> assertions);

}  // namespace cv8

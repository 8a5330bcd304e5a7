// cv8: a narrow C API over V8 (Debian's libnode 18 / V8 10.2) for Swift.
//
// Every function is noexcept and returns a status; no C++ exception crosses this boundary.
// An isolate is confined to one thread at a time (its owner); only cv8_isolate_terminate and
// cv8_isolate_request_interrupt may be called from another thread.
// Strings passed in are UTF-8 byte ranges (not NUL-terminated). Pointers returned in views stay
// valid until the next call on the same isolate.
#ifndef CV8_H
#define CV8_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cv8_isolate cv8_isolate;

typedef struct cv8_bytes {
  const char *ptr;
  size_t len;
} cv8_bytes;

typedef enum cv8_status {
  CV8_OK = 0,
  /// A JavaScript exception was thrown; cv8_last_error describes it.
  CV8_EXCEPTION = 1,
  /// Execution was terminated (CPU or memory limit, or cv8_isolate_terminate).
  CV8_TERMINATED = 2,
  /// The call itself was invalid (unknown slot, isolate not ready...); cv8_last_error says why.
  CV8_INVALID = 3,
} cv8_status;

/// Why the isolate stopped being usable, if it did.
typedef enum cv8_limit {
  CV8_LIMIT_NONE = 0,
  CV8_LIMIT_MEMORY = 1,
} cv8_limit;

/// Initialises V8 once per process. `flags` are V8 command-line flags (may be empty).
/// Safe to call more than once; later calls do nothing.
void cv8_platform_initialize(const char *flags);

// MARK: - Host calls (JavaScript -> Swift)

typedef enum cv8_value_kind {
  CV8_UNDEFINED = 0,
  CV8_NULL = 1,
  CV8_BOOL = 2,
  CV8_NUMBER = 3,
  CV8_STRING = 4,
  CV8_BYTES = 5,
} cv8_value_kind;

/// A value crossing the boundary. `bytes` is set for CV8_STRING (UTF-8) and CV8_BYTES.
typedef struct cv8_value {
  cv8_value_kind kind;
  double number;
  cv8_bytes bytes;
} cv8_value;

/// Called synchronously when JavaScript runs `ops.host(op, ...args)`. The host fills `result`
/// (kind CV8_UNDEFINED by default); bytes in `result` must stay valid until the callback returns
/// to V8 (the shim copies them). Returning non-zero throws an Error in JavaScript whose message
/// is the UTF-8 in `result->bytes`.
typedef int (*cv8_host_call)(void *host, int32_t op, const cv8_value *args, int32_t argc,
                             cv8_value *result);

/// A V8 startup snapshot: a context with the runtime's JavaScript already evaluated. Immutable
/// once created; shared by every isolate made from it; lives for the whole process.
typedef struct cv8_snapshot cv8_snapshot;

/// Evaluates `count` runtime files (as cv8_run_runtime_file does) in a fresh context and
/// captures the result. On failure returns NULL and writes a message into `error`.
cv8_snapshot *cv8_snapshot_create(const cv8_bytes *names, const cv8_bytes *sources, size_t count, char *error,
                                  size_t error_capacity);

/// Size of the snapshot blob in bytes.
size_t cv8_snapshot_size(const cv8_snapshot *snapshot);

/// The runtime's JavaScript functions the shim calls, by their names on `internals`: the shim
/// knows no runtime JavaScript by name, the host says which functions play these parts.
typedef struct cv8_entry_points {
  /// `(method, url, headers, body, cf, slot, generation, bodyStream, bodyLength, envOverlay)`: delivers a
  /// fetch event and returns the handler's result (a promise or a value).
  const char *dispatch_fetch;
  /// `(value, slot)`: hands the handler's response to the host through `ops.respond`, or throws.
  const char *deliver_response;
  /// `(namespace)`: installs the main module's exports as the worker.
  const char *install_module_worker;
} cv8_entry_points;

typedef struct cv8_isolate_options {
  /// Upper bound of the V8 heap in bytes (0: V8's default); also the bound of the isolate's whole
  /// footprint (heap plus external memory) that cv8_isolate_request_memory_check enforces.
  size_t heap_limit_bytes;
  /// Upper bound of ArrayBuffer and WebAssembly.Memory backing stores in bytes (0: unlimited).
  size_t external_limit_bytes;
  cv8_host_call host_call;
  void *host;
  /// When set, the context (with `internals` and `ops`) comes from this snapshot and the runtime
  /// files must not be run again.
  const cv8_snapshot *snapshot;
  /// Copied; names that are NULL make the calls that need them fail with CV8_INVALID.
  cv8_entry_points entry_points;
} cv8_isolate_options;

// MARK: - Isolates

/// Creates an isolate with one context, in which code generation from strings is disallowed.
/// Must be called on the thread that will own the isolate (V8 sets the stack guard from it).
cv8_isolate *cv8_isolate_new(const cv8_isolate_options *options);
void cv8_isolate_dispose(cv8_isolate *isolate);

/// Thread-safe: stops the JavaScript currently running in the isolate, as soon as possible.
void cv8_isolate_terminate(cv8_isolate *isolate);
/// Thread-safe: asks the isolate to compare its footprint (heap, ArrayBuffers, WebAssembly
/// memories) with its limit at the next interrupt check, and to stop if it is over. For code that
/// runs long in one task, where the owner's own checks between tasks come too late.
void cv8_isolate_request_memory_check(cv8_isolate *isolate);
/// Owner thread: clears a termination so the isolate can run again.
void cv8_isolate_cancel_terminate(cv8_isolate *isolate);
/// Which limit, if any, has been exceeded since the isolate was created.
cv8_limit cv8_isolate_limit_exceeded(cv8_isolate *isolate);

typedef struct cv8_memory_usage {
  size_t heap_used;
  size_t heap_total;
  size_t external;  // external memory as V8 counts it: ArrayBuffers and WebAssembly memories
} cv8_memory_usage;
void cv8_isolate_memory_usage(cv8_isolate *isolate, cv8_memory_usage *usage);
/// Owner thread: external memory (ArrayBuffers, WebAssembly memories); cheap, no heap walk.
size_t cv8_isolate_external_memory(cv8_isolate *isolate);

/// Owner thread: runs a full garbage collection (used when the footprint nears its limit, to
/// tell live data from garbage before declaring the limit exceeded).
void cv8_isolate_collect_garbage(cv8_isolate *isolate);

/// Owner thread: collects the young generation now (a scavenge): for streams, whose chunks die
/// young as ArrayBuffers that V8 would otherwise let pile up (32 MB of them per isolate) before
/// it collects them. Costs a fraction of a full collection, which would mark the whole heap.
void cv8_isolate_collect_young(cv8_isolate *isolate);

/// Describes the last CV8_EXCEPTION / CV8_INVALID: `message` ("TypeError: x is not a function"),
/// `stack` (may be empty) and `location` ("worker.js:3:14", may be empty).
void cv8_last_error(cv8_isolate *isolate, cv8_bytes *message, cv8_bytes *stack, cv8_bytes *location);

// MARK: - Runtime and worker code

/// Evaluates one runtime file as `(function (internals, ops) { "use strict"; <source> })` and
/// calls it. `internals` is shared by all runtime files; `ops` holds the native operations.
cv8_status cv8_run_runtime_file(cv8_isolate *isolate, cv8_bytes name, cv8_bytes source);

typedef enum cv8_module_kind {
  CV8_MODULE_ESM = 0,
  CV8_MODULE_TEXT = 1,
  CV8_MODULE_DATA = 2,
  CV8_MODULE_JSON = 3,
  CV8_MODULE_WASM = 4,
  /// CommonJS: `module.exports` is the default export; `require()` reaches the other modules.
  CV8_MODULE_COMMONJS = 5,
} cv8_module_kind;

/// Registers a module under `name` (a path such as "src/lib.js"); nothing is compiled yet.
cv8_status cv8_module_add(cv8_isolate *isolate, cv8_bytes name, cv8_module_kind kind, cv8_bytes content);

/// Compiles, links and evaluates `main` and everything it imports, then hands its namespace to
/// `internals.installModuleWorker(namespace)`.
cv8_status cv8_load_module_worker(cv8_isolate *isolate, cv8_bytes main);

/// Runs a classic (service-worker syntax) script; it registers handlers with addEventListener.
cv8_status cv8_load_script_worker(cv8_isolate *isolate, cv8_bytes name, cv8_bytes source);

/// Calls `internals[function](...args)` and runs microtasks. Used for timers, completions of
/// native operations and configuration (env).
cv8_status cv8_invoke(cv8_isolate *isolate, const char *function, const cv8_value *args, int32_t argc);

/// Compiles `source` as a classic script named `name`, runs it and the microtasks, and returns
/// the completion value converted to a string (JSON for objects). For tests and tools.
cv8_status cv8_evaluate(cv8_isolate *isolate, cv8_bytes name, cv8_bytes source, cv8_bytes *result);

// MARK: - Fetch events

typedef struct cv8_request {
  cv8_bytes method;
  cv8_bytes url;
  /// Every header as "name\0value", joined by "\0" (the runtime's JavaScript splits it on first
  /// use); bytes become Latin-1 code units, as Fetch's byte strings.
  cv8_bytes headers;
  cv8_bytes body;
  int has_body;
  /// A body the host streams instead (`body` is then unused): the host's handle for it, or 0.
  int32_t body_stream;
  /// The streamed body's length when known, or -1.
  double body_length;
  /// JSON of the `cf` object, or empty (handed to JavaScript as text, parsed on first use).
  cv8_bytes cf_json;
  /// JSON of members added to `env` for this request only (an outbound worker's parameters), or
  /// empty.
  cv8_bytes env_overlay_json;
} cv8_request;

typedef enum cv8_fetch_state {
  CV8_FETCH_PENDING = 0,
  CV8_FETCH_RESPONDED = 1,
  CV8_FETCH_FAILED = 2,
} cv8_fetch_state;

typedef struct cv8_response {
  int32_t status;
  cv8_bytes status_text;
  /// Every header as "name\0value", joined by "\0", as in cv8_request. Values are the bytes
  /// of Fetch's byte strings (one byte per code unit).
  cv8_bytes headers;
  size_t header_count;
  cv8_bytes body;
  int has_body;
  /// The host's handle of the stream the body is read from (`body` is then empty), or 0.
  int32_t body_stream;
} cv8_response;

/// Starts a fetch event: calls `internals.dispatchFetch(...)`, runs microtasks, returns the
/// slot that tracks the invocation, and polls it once (as cv8_fetch_poll), so a handler that
/// settles at once is answered in a single entry into V8.
cv8_status cv8_fetch_start(cv8_isolate *isolate, const cv8_request *request, int32_t *slot, cv8_fetch_state *state,
                           cv8_response *response, int32_t *wait_until_pending);

/// Reads the state of a fetch event. RESPONDED fills `response` (valid until the next call on
/// the isolate) and CV8_FETCH_FAILED fills cv8_last_error. `wait_until_pending` receives the
/// number of ctx.waitUntil() promises not yet settled.
cv8_status cv8_fetch_poll(cv8_isolate *isolate, int32_t slot, cv8_fetch_state *state,
                          cv8_response *response, int32_t *wait_until_pending);

/// Forgets a fetch event's slot.
void cv8_fetch_release(cv8_isolate *isolate, int32_t slot);

#ifdef __cplusplus
}
#endif

#endif

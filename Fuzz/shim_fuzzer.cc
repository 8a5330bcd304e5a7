// A coverage-guided fuzzer (libFuzzer) for the cv8 shim: every input becomes a program of
// hostile building blocks (prototype pollution, Proxies, throwing getters, detached buffers,
// huge strings, termination and out-of-memory at chosen points) run in a fresh isolate made from
// the runtime's startup snapshot, through the same entry points the runtime uses: module and
// script workers, fetch events, timers, internal invocations.
//
// An input is either the text format of program.h (it starts with "//@fuzz": the seed corpus and
// the regressions) or arbitrary bytes decoded by fuzz::Generate. A process abort (V8's "Fatal
// error in v8::FromJust", a failed CHECK, an out-of-memory crash) or a sanitizer report is a bug.
//
// Environment:
//   SHIM_FUZZ_PRINT=1          print each input's program (text format) before running it
//   SHIM_FUZZ_TRACE=1          print every host call and every cv8 call's status
//   SHIM_FUZZ_RUNTIME_DIR=dir  the runtime's JavaScript (default: the checkout's, set at build time)
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "internal.h"  // the shim's: the harness sets V8's fatal-error handlers on each isolate
#include "program.h"

// Exported by libnode. V8 maps its heaps at random addresses; under ASan every new address costs
// fresh shadow pages that are never returned (about 0.5 MB per isolate, gigabytes per run).
// Reseeding before each isolate makes every isolate reuse the same addresses.
namespace v8::base {
class OS {
 public:
  static void SetRandomMmapSeed(int64_t seed);
};
}  // namespace v8::base

#ifndef FUZZ_RUNTIME_DIR
#define FUZZ_RUNTIME_DIR "Sources/SwitchyardRuntime/JavaScript"
#endif

namespace {

// MARK: - Feedback beyond the shim's own edges
//
// V8 is not instrumented, so edge coverage alone sees only the shim. The outcome of every
// statement (which error class, or none), every cv8 call's status and every host call's shape
// are extra features: libFuzzer keeps an input that makes a building block behave differently.

__attribute__((used, section("__libfuzzer_extra_counters"))) uint8_t extra_counters[1 << 14];

void Feature(uint32_t a, uint32_t b) {
  uint32_t h = a * 0x9E3779B1u ^ (b + 0x7F4A7C15u) * 0x85EBCA77u;
  h ^= h >> 15;
  uint8_t &counter = extra_counters[h % sizeof extra_counters];
  if (counter < 255) counter++;
}

// MARK: - Runtime JavaScript and snapshot

const cv8_snapshot *snapshot = nullptr;
bool print_programs = false;
bool trace = false;

std::string Slurp(const std::string &path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream buffer;
  buffer << file.rdbuf();
  return buffer.str();
}

/// Helpers every program may use, defined before it runs (so pollution cannot stop their
/// definition, only break their behaviour, which is fine).
const char kHelpers[] = R"JS(
var __r = "";
var __enc = new TextEncoder();
function __n(k, e) {
  var c;
  try {
    c = e === undefined ? "." : e === null ? "n" : typeof e !== "object" ? (typeof e)[0]
      : e instanceof TypeError ? "T" : e instanceof RangeError ? "R" : e instanceof SyntaxError ? "S"
      : e instanceof ReferenceError ? "F" : e instanceof Error ? "E" : "o";
  } catch (x) { c = "?"; }
  __r += k + c + ",";
}
var __wmem = new WebAssembly.Memory({ initial: 1 });
function __wview(o, l) { return new Uint8Array(__wmem.buffer, o, l); }
function __detached() { const m = new WebAssembly.Memory({ initial: 1 }); const v = new Uint8Array(m.buffer, 8, 16); m.grow(1); return v; }
function __detachedBuffer() { const m = new WebAssembly.Memory({ initial: 1 }); const b = m.buffer; m.grow(1); return b; }
function __revoked() { const p = Proxy.revocable({}, {}); p.revoke(); return p.proxy; }
function __deep(n) { let a = []; for (let i = 0; i < n; i++) a = [a]; return a; }
function __deepObj(n) { let o = {}; for (let i = 0; i < n; i++) o = { o }; return o; }
function __cyclic() { const o = { a: 1 }; o.self = o; o.list = [o, o]; return o; }
// Runs f with little stack left: `skip` frames above the point where the stack overflowed.
function __nearStackLimit(f, skip) {
  let left = skip, done = false;
  function r() { try { r(); } catch (e) { if (done || left-- > 0) throw e; done = true; f(); } }
  try { r(); } catch (e) {}
}
function __alloc() { const a = []; for (;;) a.push(new Array(1e5).fill(1.5)); }
function __allocExternal() { const a = []; for (let i = 0; i < 4096; i++) a.push(new ArrayBuffer(1 << 20)); return a.length; }
function __spin() { for (;;) {} }
)JS";

void LoadRuntime() {
  const char *dir_env = getenv("SHIM_FUZZ_RUNTIME_DIR");
  std::string dir = dir_env ? dir_env : FUZZ_RUNTIME_DIR;
  // Every .js file in the directory's groups (core/, web/, bindings/, worker/), ordered by file
  // name across them, as RuntimeScripts.swift orders them.
  std::vector<std::string> files;
  for (const char *group : {"core", "web", "bindings", "worker"}) {
    if (DIR *d = opendir((dir + "/" + group).c_str())) {
      while (dirent *e = readdir(d)) {
        std::string name = e->d_name;
        if (name.size() > 3 && name.compare(name.size() - 3, 3, ".js") == 0) files.push_back(std::string(group) + "/" + name);
      }
      closedir(d);
    }
  }
  if (files.empty()) {
    fprintf(stderr, "shim_fuzzer: no runtime JavaScript in %s (set SHIM_FUZZ_RUNTIME_DIR)\n", dir.c_str());
    exit(2);
  }
  auto base = [](const std::string &path) { return path.substr(path.rfind('/') + 1); };
  std::sort(files.begin(), files.end(), [&](const std::string &a, const std::string &b) { return base(a) < base(b); });
  static std::vector<std::string> names, sources;
  std::vector<cv8_bytes> name_bytes, source_bytes;
  for (const std::string &file : files) {
    names.push_back("switchyard:runtime/" + file);
    sources.push_back(Slurp(dir + "/" + file));
  }
  for (size_t i = 0; i < files.size(); i++) {
    name_bytes.push_back({names[i].data(), names[i].size()});
    source_bytes.push_back({sources[i].data(), sources[i].size()});
  }
  char error[1024] = {0};
  snapshot = cv8_snapshot_create(name_bytes.data(), source_bytes.data(), files.size(), error, sizeof error);
  if (snapshot == nullptr) {
    fprintf(stderr, "shim_fuzzer: cannot snapshot the runtime: %s\n", error);
    exit(2);
  }
}

// MARK: - Watchdog: the CPU limit, from another thread, as the runtime's

class Watchdog {
 public:
  Watchdog() : thread_([this] { Run(); }) { thread_.detach(); }

  void Arm(cv8_isolate *isolate, int milliseconds) {
    std::lock_guard<std::mutex> lock(mutex_);
    isolate_ = isolate;
    deadline_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(milliseconds);
    fired_ = false;
    wake_.notify_one();
  }
  /// After this returns the watchdog no longer touches the isolate (it may be disposed).
  void Disarm() {
    std::lock_guard<std::mutex> lock(mutex_);
    isolate_ = nullptr;
  }
  bool fired() {
    std::lock_guard<std::mutex> lock(mutex_);
    return fired_;
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      if (isolate_ == nullptr) {
        wake_.wait(lock);
        continue;
      }
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline_ && !fired_) {
        cv8_isolate_terminate(isolate_);
        fired_ = true;
      } else if (!fired_) {
        // A long task: the runtime asks for memory checks while it runs.
        cv8_isolate_request_memory_check(isolate_);
      }
      wake_.wait_for(lock, std::chrono::milliseconds(5));
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  cv8_isolate *isolate_ = nullptr;
  std::chrono::steady_clock::time_point deadline_;
  bool fired_ = false;
  std::thread thread_;
};

Watchdog *watchdog = nullptr;

// MARK: - Host calls

struct Run {
  const fuzz::Program *program = nullptr;
  cv8_isolate *isolate = nullptr;
  int host_calls = 0;
  std::vector<double> timers;
  bool terminated_by_host = false;
};
Run *current = nullptr;

uint8_t host_bytes[16] = {1, 2, 3, 0xff, 0xfe, 0, 0xed, 0xa0, 0x80, 'x'};
const char host_failure[] = "host operation failed";
const char host_string[] = "host \xed\xa0\x80 string";

int HostCall(void *, int32_t op, const cv8_value *args, int32_t argc, cv8_value *result) {
  Run &run = *current;
  int call = ++run.host_calls;
  // Read every byte the shim hands over, so that a dangling view shows up under ASan.
  uint32_t kinds = 0;
  volatile uint8_t sink = 0;
  for (int32_t i = 0; i < argc; i++) {
    kinds = kinds * 7 + args[i].kind;
    if (args[i].kind == CV8_STRING || args[i].kind == CV8_BYTES) {
      for (size_t k = 0; k < args[i].bytes.len; k++) sink = sink + static_cast<uint8_t>(args[i].bytes.ptr[k]);
    }
  }
  (void)sink;
  Feature(0x1000 + static_cast<uint32_t>(op & 0xff), kinds);
  if (trace) {
    fprintf(stderr, "shim_fuzzer: host call %d: op %d", call, op);
    for (int32_t i = 0; i < argc; i++) {
      if (args[i].kind == CV8_STRING) fprintf(stderr, ", \"%.*s\"", static_cast<int>(std::min<size_t>(args[i].bytes.len, 80)), args[i].bytes.ptr);
      else fprintf(stderr, ", <kind %d>", args[i].kind);
    }
    fprintf(stderr, "\n");
  }
  if (op == 2 && argc >= 1 && args[0].kind == CV8_NUMBER && run.timers.size() < 64) run.timers.push_back(args[0].number);
  if (call == run.program->memcheck_at) cv8_isolate_request_memory_check(run.isolate);
  if (call == run.program->terminate_at) {
    cv8_isolate_terminate(run.isolate);
    run.terminated_by_host = true;
  }
  if (call == run.program->fail_at) {
    result->kind = CV8_STRING;
    result->bytes = {host_failure, sizeof host_failure - 1};
    return 1;
  }
  if (op >= 1 && op <= 4) return 0;  // log, setTimer, clearTimer, handlers: undefined
  // Unknown operations (reachable only with the raw ops object) answer every kind of value.
  switch (static_cast<uint32_t>(op) % 7) {
    case 0: result->kind = CV8_NULL; break;
    case 1: result->kind = CV8_BOOL; result->number = 1; break;
    case 2: result->kind = CV8_NUMBER; result->number = -0.0; break;
    case 3: result->kind = CV8_STRING; result->bytes = {host_string, sizeof host_string - 1}; break;
    case 4: result->kind = CV8_BYTES; result->bytes = {reinterpret_cast<const char *>(host_bytes), sizeof host_bytes}; break;
    case 5: result->kind = CV8_BYTES; result->bytes = {nullptr, 0}; break;
    default: return 1;  // failure with a message of kind undefined
  }
  return 0;
}

// MARK: - Crashes: say what the program was

void OnFatalError(const char *location, const char *message) {
  fprintf(stderr, "\n==shim_fuzzer== V8 fatal error in %s: %s\n", location, message);
  fflush(stderr);
  abort();
}

void OnOOMError(const char *location, bool is_heap_oom) {
  fprintf(stderr, "\n==shim_fuzzer== V8 out of memory in %s (heap: %d)\n", location, is_heap_oom ? 1 : 0);
  fflush(stderr);
  abort();
}

// MARK: - Running a program

cv8_bytes Bytes(const std::string &s) { return {s.data(), s.size()}; }

/// Whether the isolate can take more work after a call returned `status` (the runtime condemns
/// an isolate that was terminated or went over a limit, and makes a new one).
bool Usable(Run &run, uint32_t step, cv8_status status) {
  Feature(0x2000 + step, status);
  if (trace) fprintf(stderr, "shim_fuzzer: step %u: status %d\n", step, status);
  if (status == CV8_TERMINATED) return false;
  if (cv8_isolate_limit_exceeded(run.isolate) != CV8_LIMIT_NONE) {
    Feature(0x2100 + step, 1);
    return false;
  }
  if (watchdog->fired() || run.terminated_by_host) return false;
  // As the runtime does after a task: a collection when ArrayBuffers are a sizeable share.
  size_t limit = static_cast<size_t>(run.program->heap_mb) << 20;
  if (cv8_isolate_external_memory(run.isolate) >= limit / 8) {
    cv8_memory_usage usage;
    cv8_isolate_memory_usage(run.isolate, &usage);
    if (usage.heap_used + usage.external > limit) {
      cv8_isolate_collect_garbage(run.isolate);
      cv8_isolate_memory_usage(run.isolate, &usage);
      if (usage.heap_used + usage.external > limit) return false;
    }
  }
  return true;
}

/// Fires the timers the program set, as the runtime would once they are due.
bool FireTimers(Run &run) {
  for (int round = 0; round < 16 && !run.timers.empty(); round++) {
    double id = run.timers.front();
    run.timers.erase(run.timers.begin());
    cv8_value arg = {CV8_NUMBER, id, {nullptr, 0}};
    if (!Usable(run, 40, cv8_invoke(run.isolate, "fireTimer", &arg, 1))) return false;
  }
  return true;
}

/// The host reads the whole response (a dangling view shows up under ASan).
void ReadResponse(const cv8_response &response) {
  volatile uint8_t sink = 0;
  for (size_t k = 0; k < response.body.len; k++) sink = sink + static_cast<uint8_t>(response.body.ptr[k]);
  for (size_t k = 0; k < response.headers.len; k++) sink = sink + static_cast<uint8_t>(response.headers.ptr[k]);
  for (size_t k = 0; k < response.status_text.len; k++) sink = sink + static_cast<uint8_t>(response.status_text.ptr[k]);
  (void)sink;
  Feature(0x2700, static_cast<uint32_t>(response.status) * 4 + (response.has_body ? 1 : 0) +
                      (response.header_count > 0 ? 2 : 0));
}

void Record(const std::string &outcome) {
  // "12T,13.,": statement 12 threw a TypeError, 13 completed.
  size_t i = 0;
  while (i < outcome.size()) {
    size_t comma = outcome.find(',', i);
    if (comma == std::string::npos) break;
    if (comma > i) {
      uint32_t k = static_cast<uint32_t>(atoi(outcome.c_str() + i));
      Feature(0x3000 + k, static_cast<uint8_t>(outcome[comma - 1]));
    }
    i = comma + 1;
  }
}

void Execute(const fuzz::Program &program) {
  Run run;
  run.program = &program;
  current = &run;
  cv8_isolate_options options = {};
  options.heap_limit_bytes = static_cast<size_t>(program.heap_mb) << 20;
  options.external_limit_bytes = options.heap_limit_bytes;
  options.host_call = HostCall;
  options.snapshot = snapshot;
  // The runtime's entry points, as RuntimeScripts.swift names them.
  options.entry_points = {"dispatchFetch", "responseParts", "installModuleWorker"};
  v8::base::OS::SetRandomMmapSeed(0x5eed);
  cv8_isolate *isolate = cv8_isolate_new(&options);
  run.isolate = isolate;
  isolate->isolate->SetFatalErrorHandler(OnFatalError);
  isolate->isolate->SetOOMErrorHandler(OnOOMError);
  watchdog->Arm(isolate, program.watchdog_ms);

  cv8_bytes ignored;
  bool ok = true;
  bool is_script = program.mode == fuzz::Mode::script;
  if (program.set_env) {
    cv8_value args[] = {{CV8_STRING, 0, Bytes(program.env_json)}, {CV8_BOOL, is_script ? 1.0 : 0.0, {nullptr, 0}}};
    ok = Usable(run, 1, cv8_invoke(isolate, "setEnv", args, 2));
  }
  if (ok) {
    static const std::string helpers_name = "fuzz:helpers.js", helpers = kHelpers;
    ok = Usable(run, 2, cv8_evaluate(isolate, Bytes(helpers_name), Bytes(helpers), &ignored));
  }
  if (ok && program.expose_ops) {
    static const std::string name = "fuzz:ops.js", source = "globalThis.__ops = ops;";
    ok = Usable(run, 3, cv8_run_runtime_file(isolate, Bytes(name), Bytes(source)));
  }
  for (const fuzz::ModuleSpec &m : program.modules) {
    if (!ok) break;
    Feature(0x2400, cv8_module_add(isolate, Bytes(m.name), m.kind, Bytes(m.content)));
  }
  if (ok) {
    switch (program.mode) {
      case fuzz::Mode::eval:
        ok = Usable(run, 4, cv8_evaluate(isolate, Bytes(program.source_name), Bytes(program.source), &ignored));
        break;
      case fuzz::Mode::module:
        ok = Usable(run, 5, cv8_load_module_worker(isolate, Bytes(program.source_name)));
        break;
      case fuzz::Mode::script:
        ok = Usable(run, 6, cv8_load_script_worker(isolate, Bytes(program.source_name), Bytes(program.source)));
        break;
    }
  }
  if (ok && program.mode != fuzz::Mode::eval) ok = Usable(run, 7, cv8_invoke(isolate, "reportHandlers", nullptr, 0));
  if (ok) ok = FireTimers(run);
  // Requests are in flight together, as on an executor: all start, then rounds of timers and polls.
  struct InFlight {
    int32_t slot;
    cv8_fetch_state state;
    int32_t pending;
  };
  std::vector<InFlight> flights;
  for (size_t i = 0; ok && i < program.requests.size() && i < 4; i++) {
    const fuzz::RequestSpec &r = program.requests[i];
    cv8_request request = {};
    request.method = Bytes(r.method);
    request.url = Bytes(r.url);
    request.headers = Bytes(r.headers);
    request.body = Bytes(r.body);
    request.has_body = r.has_body ? 1 : 0;
    request.body_length = -1;
    request.cf_json = Bytes(r.cf);
    InFlight flight = {-1, CV8_FETCH_PENDING, 0};
    cv8_response response = {};
    cv8_status status = cv8_fetch_start(isolate, &request, &flight.slot, &flight.state, &response, &flight.pending);
    ok = Usable(run, 8, status);
    if (status == CV8_OK) {
      Feature(0x2500, flight.state * 8 + (flight.pending > 0));
      if (flight.state == CV8_FETCH_RESPONDED) ReadResponse(response);
    }
    if (status != CV8_OK) flight.state = CV8_FETCH_FAILED;
    if (flight.slot >= 0) flights.push_back(flight);
  }
  for (int round = 0; ok && round < program.polls; round++) {
    ok = FireTimers(run);
    for (InFlight &flight : flights) {
      if (!ok || (flight.state != CV8_FETCH_PENDING && flight.pending == 0)) continue;
      cv8_response response = {};
      cv8_status status = cv8_fetch_poll(isolate, flight.slot, &flight.state, &response, &flight.pending);
      ok = Usable(run, 9, status);
      if (status == CV8_OK) {
        Feature(0x2600 + round, flight.state * 8 + (flight.pending > 0));
        if (flight.state == CV8_FETCH_RESPONDED) ReadResponse(response);
      }
    }
  }
  if (ok && flights.size() > 1) {
    // Odd calls a buggy host could make: an unknown slot, a double release, a released slot.
    cv8_fetch_state state;
    cv8_response response;
    int32_t pending;
    Feature(0x2800, cv8_fetch_poll(isolate, 1000, &state, &response, &pending));
    cv8_fetch_release(isolate, -1);
    cv8_fetch_release(isolate, flights[0].slot);
    Feature(0x2801, cv8_fetch_poll(isolate, flights[0].slot, &state, &response, &pending));
  }
  for (const InFlight &flight : flights) {
    cv8_fetch_release(isolate, flight.slot);
    cv8_fetch_release(isolate, flight.slot);
  }
  if (ok) {
    for (double id : run.timers) {
      cv8_value arg = {CV8_NUMBER, id, {nullptr, 0}};
      if (!(ok = Usable(run, 41, cv8_invoke(isolate, "dropTimer", &arg, 1)))) break;
    }
  }
  if (ok) {
    static const std::string name = "fuzz:outcome.js", source = "typeof __r === \"string\" ? __r : \"\"";
    cv8_bytes outcome = {nullptr, 0};
    if (Usable(run, 10, cv8_evaluate(isolate, Bytes(name), Bytes(source), &outcome)) && outcome.ptr) {
      Record(std::string(outcome.ptr, outcome.len));
    }
  }
  // The host reads the last error after any call (a dangling view shows up under ASan).
  cv8_bytes message, stack, location;
  cv8_last_error(isolate, &message, &stack, &location);
  volatile uint8_t sink = 0;
  for (const cv8_bytes &b : {message, stack, location}) {
    for (size_t k = 0; k < b.len; k++) sink = sink + static_cast<uint8_t>(b.ptr[k]);
  }
  (void)sink;
  watchdog->Disarm();
  cv8_isolate_dispose(isolate);
  current = nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  print_programs = getenv("SHIM_FUZZ_PRINT") != nullptr;
  trace = getenv("SHIM_FUZZ_TRACE") != nullptr;
  cv8_platform_initialize("");
  LoadRuntime();
  watchdog = new Watchdog();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz::Program program;
  std::string text(reinterpret_cast<const char *>(data), size);
  if (text.rfind("//@fuzz", 0) == 0) {
    if (!fuzz::Parse(text, &program)) {
      if (print_programs) fprintf(stderr, "shim_fuzzer: not a valid program text; skipped\n");
      return -1;  // not worth keeping in the corpus
    }
  } else {
    program = fuzz::Generate(data, size);
  }
  // Keep runs bounded: libFuzzer's -timeout would otherwise report a slow input as a bug.
  program.watchdog_ms = std::max(1, std::min(program.watchdog_ms, 3000));
  if (program.heap_mb < 4 || program.heap_mb > 512) program.heap_mb = 128;
  if (print_programs) {
    std::string rendered = fuzz::Render(program);
    fprintf(stderr, "----- program (%zu bytes of input) -----\n%s----- end of program -----\n", size,
            rendered.c_str());
    fuzz::Program reparsed;
    if (!fuzz::Parse(rendered, &reparsed) || fuzz::Render(reparsed) != rendered) {
      fprintf(stderr, "shim_fuzzer: the printed program does not parse back to itself (a harness bug)\n");
    }
  }
  Execute(program);
  return 0;
}

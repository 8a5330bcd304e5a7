// Worker modules: registration, specifier resolution, compilation of ES and synthetic modules
// (text, data, JSON, WebAssembly), linking, evaluation and dynamic import().
#include <cstring>

#include "internal.h"

using namespace cv8;

namespace {

/// Joins a relative specifier to the directory of `referrer` and removes "." and "..".
std::string ResolveSpecifier(const std::string &referrer, const std::string &specifier) {
  bool relative = specifier.rfind("./", 0) == 0 || specifier.rfind("../", 0) == 0;
  bool absolute = specifier.rfind("/", 0) == 0;
  if (!relative && !absolute) return specifier;
  std::string joined;
  if (relative) {
    size_t slash = referrer.rfind('/');
    joined = (slash == std::string::npos ? "" : referrer.substr(0, slash + 1)) + specifier;
  } else {
    joined = specifier.substr(1);
  }
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= joined.size()) {
    size_t end = joined.find('/', start);
    if (end == std::string::npos) end = joined.size();
    std::string part = joined.substr(start, end - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = end + 1;
  }
  std::string resolved;
  for (size_t i = 0; i < parts.size(); i++) resolved += (i ? "/" : "") + parts[i];
  return resolved;
}

std::string NameOf(cv8_isolate *self, v8::Local<v8::Module> module) {
  auto found = self->module_names_by_hash.find(module->GetIdentityHash());
  if (found == self->module_names_by_hash.end()) return {};
  for (const std::string &name : found->second) {
    if (self->modules[name].module.Get(self->isolate) == module) return name;
  }
  return {};
}

v8::MaybeLocal<v8::Value> Require(cv8_isolate *self, v8::Local<v8::Context> context, const std::string &name);

/// The value a text, data, JSON or WebAssembly module stands for.
v8::MaybeLocal<v8::Value> ContentValue(cv8_isolate *self, v8::Local<v8::Context> context, const ModuleEntry &entry) {
  v8::Isolate *isolate = self->isolate;
  switch (entry.kind) {
    case CV8_MODULE_TEXT:
      return NewString(isolate, entry.content);
    case CV8_MODULE_DATA: {
      v8::Local<v8::Uint8Array> bytes;
      if (!NewBytes(self, entry.content.data(), entry.content.size()).ToLocal(&bytes)) return {};
      return bytes->Buffer();
    }
    case CV8_MODULE_JSON:
      return v8::JSON::Parse(context, NewString(isolate, entry.content));
    case CV8_MODULE_WASM: {
      self->allow_wasm_codegen = true;
      auto compiled = v8::WasmModuleObject::Compile(
          isolate, v8::MemorySpan<const uint8_t>(reinterpret_cast<const uint8_t *>(entry.content.data()),
                                                 entry.content.size()));
      self->allow_wasm_codegen = false;
      v8::Local<v8::WasmModuleObject> wasm;
      if (!compiled.ToLocal(&wasm)) return {};
      return wasm;
    }
    default:
      return {};
  }
}

/// A promise already settled with `value` (fulfilled, or rejected when `reject`).
v8::MaybeLocal<v8::Promise> Settled(v8::Local<v8::Context> context, v8::Local<v8::Value> value, bool reject) {
  v8::Local<v8::Promise::Resolver> resolver;
  if (!v8::Promise::Resolver::New(context).ToLocal(&resolver)) return {};
  if ((reject ? resolver->Reject(context, value) : resolver->Resolve(context, value)).IsNothing()) return {};
  return resolver->GetPromise();
}

/// Evaluation steps of synthetic modules (text, data, JSON, WebAssembly, CommonJS): export the
/// module's value as default.
v8::MaybeLocal<v8::Value> EvaluateSynthetic(v8::Local<v8::Context> context, v8::Local<v8::Module> module) {
  v8::Isolate *isolate = context->GetIsolate();
  cv8_isolate *self = cv8_isolate::From(isolate);
  std::string name = NameOf(self, module);
  const ModuleEntry &entry = self->modules[name];
  v8::Local<v8::Value> value;
  // V8 expects a failure here to leave its exception pending; one thrown by JavaScript that
  // these steps called is only scheduled, so catch it and rethrow it.
  v8::TryCatch try_catch(isolate);
  bool ok = entry.kind == CV8_MODULE_COMMONJS ? Require(self, context, name).ToLocal(&value)
                                             : ContentValue(self, context, entry).ToLocal(&value);
  if (!ok) {
    try_catch.ReThrow();
    return {};
  }
  if (module->SetSyntheticModuleExport(isolate, v8::String::NewFromUtf8Literal(isolate, "default"), value)
          .IsNothing()) {
    return {};
  }
  v8::Local<v8::Promise> evaluated;
  if (!Settled(context, v8::Undefined(isolate), false).ToLocal(&evaluated)) return {};
  return evaluated;
}

/// `require(specifier)` inside the CommonJS module named by the callback's data.
void RequireCallback(const v8::FunctionCallbackInfo<v8::Value> &info) {
  v8::Isolate *isolate = info.GetIsolate();
  cv8_isolate *self = cv8_isolate::From(isolate);
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  if (info.Length() < 1 || !info[0]->IsString()) {
    isolate->ThrowException(v8::Exception::TypeError(
        v8::String::NewFromUtf8Literal(isolate, "require() expects a module specifier string")));
    return;
  }
  std::string referrer = ToStdString(isolate, info.Data());
  std::string name = ResolveSpecifier(referrer, ToStdString(isolate, info[0]));
  v8::Local<v8::Value> value;
  if (Require(self, context, name).ToLocal(&value)) info.GetReturnValue().Set(value);
}

/// What `require(name)` returns: a CommonJS module's `module.exports` (run on first use), an
/// evaluated ES module's namespace, or a text/data/JSON/Wasm module's value; each computed once.
v8::MaybeLocal<v8::Value> Require(cv8_isolate *self, v8::Local<v8::Context> context, const std::string &name) {
  v8::Isolate *isolate = self->isolate;
  auto found = self->modules.find(name);
  if (found == self->modules.end()) {
    isolate->ThrowException(v8::Exception::Error(NewString(isolate, "No such module \"" + name + "\".")));
    return {};
  }
  ModuleEntry &entry = found->second;
  if (!entry.required.IsEmpty()) return entry.required.Get(isolate);
  if (!entry.commonjs_module.IsEmpty()) {
    // A require cycle: hand out the exports as they are so far, as Node does.
    return entry.commonjs_module.Get(isolate)->Get(context, v8::String::NewFromUtf8Literal(isolate, "exports"));
  }
  v8::Local<v8::Value> value;
  switch (entry.kind) {
    case CV8_MODULE_ESM: {
      v8::Local<v8::Module> module;
      if (!ModuleFor(self, context, name).ToLocal(&module)) return {};
      if (module->GetStatus() != v8::Module::kEvaluated) {
        isolate->ThrowException(v8::Exception::Error(NewString(
            isolate, "require() of ES module \"" + name + "\" before it ran: import it instead")));
        return {};
      }
      value = module->GetModuleNamespace();
      break;
    }
    case CV8_MODULE_COMMONJS: {
      v8::Local<v8::String> exports_key = v8::String::NewFromUtf8Literal(isolate, "exports");
      v8::Local<v8::String> params[] = {
          exports_key, v8::String::NewFromUtf8Literal(isolate, "require"),
          v8::String::NewFromUtf8Literal(isolate, "module"), v8::String::NewFromUtf8Literal(isolate, "__filename"),
          v8::String::NewFromUtf8Literal(isolate, "__dirname")};
      v8::ScriptOrigin origin(isolate, NewString(isolate, name));
      v8::ScriptCompiler::Source source(NewString(isolate, entry.content), origin);
      v8::Local<v8::Function> body;
      if (!v8::ScriptCompiler::CompileFunction(context, &source, 5, params).ToLocal(&body)) return {};
      v8::Local<v8::Object> module = v8::Object::New(isolate);
      v8::Local<v8::Object> exports = v8::Object::New(isolate);
      // An own data property: `Set` would run a setter a worker put on Object.prototype.
      if (module->CreateDataProperty(context, exports_key, exports).IsNothing()) return {};
      v8::Local<v8::Function> require;
      if (!v8::Function::New(context, RequireCallback, NewString(isolate, name)).ToLocal(&require)) return {};
      size_t slash = name.rfind('/');
      std::string directory = slash == std::string::npos ? "" : name.substr(0, slash);
      v8::Local<v8::Value> args[] = {exports, require, module, NewString(isolate, "/" + name),
                                     NewString(isolate, "/" + directory)};
      // The map may rehash while the module runs (nothing adds modules now, but stay safe).
      self->modules[name].commonjs_module.Reset(isolate, module);
      bool ran = !body->Call(context, exports, 5, args).IsEmpty();
      self->modules[name].commonjs_module.Reset();
      if (!ran || !module->Get(context, exports_key).ToLocal(&value)) return {};
      break;
    }
    default:
      if (!ContentValue(self, context, entry).ToLocal(&value)) return {};
  }
  self->modules[name].required.Reset(isolate, value);
  return value;
}

v8::MaybeLocal<v8::Module> ResolveModule(v8::Local<v8::Context> context, v8::Local<v8::String> specifier,
                                         v8::Local<v8::FixedArray>, v8::Local<v8::Module> referrer) {
  cv8_isolate *self = cv8_isolate::From(context->GetIsolate());
  std::string referrer_name = NameOf(self, referrer);
  std::string name = ResolveSpecifier(referrer_name, ToStdString(self->isolate, specifier));
  if (self->modules.find(name) == self->modules.end()) {
    std::string message = "No such module \"" + name + "\".\n  imported from \"" + referrer_name + "\"";
    self->isolate->ThrowException(v8::Exception::Error(NewString(self->isolate, message)));
    return {};
  }
  // A compile error must stay pending for InstantiateModule to report it: rethrow it.
  v8::TryCatch try_catch(self->isolate);
  v8::Local<v8::Module> module;
  if (!ModuleFor(self, context, name).ToLocal(&module)) {
    try_catch.ReThrow();
    return {};
  }
  return module;
}

/// Instantiates and evaluates `module`; returns the evaluation promise.
v8::MaybeLocal<v8::Promise> Evaluate(v8::Local<v8::Context> context, v8::Local<v8::Module> module) {
  v8::Isolate *isolate = context->GetIsolate();
  // V8 only evaluates a linked or evaluated module (anything else is a fatal check): a module
  // still instantiating or evaluating is one import() reached from inside its own graph, which
  // settles once that evaluation has run; an errored one gives its error again.
  switch (module->GetStatus()) {
    case v8::Module::kInstantiating:
      // Not reachable from JavaScript (instantiation runs none), and its namespace cannot be
      // read yet: refuse rather than reach GetModuleNamespace's fatal check.
      isolate->ThrowException(v8::Exception::Error(
          v8::String::NewFromUtf8Literal(isolate, "import() of a module that is being instantiated")));
      return {};
    case v8::Module::kEvaluating:
      return Settled(context, v8::Undefined(isolate), false);
    case v8::Module::kErrored:
      return Settled(context, module->GetException(), true);
    default:
      break;
  }
  if (module->GetStatus() == v8::Module::kUninstantiated &&
      !module->InstantiateModule(context, ResolveModule).FromMaybe(false)) {
    return {};
  }
  v8::Local<v8::Value> result;
  if (!module->Evaluate(context).ToLocal(&result)) return {};
  return result.As<v8::Promise>();
}

/// The resolver and the namespace a dynamic import() settles with, kept in the callbacks' data:
/// a host-made array of two own elements, whose prototype is cut off so that reading them
/// cannot reach a getter a worker put on Array.prototype or Object.prototype.
v8::MaybeLocal<v8::Array> ImportState(v8::Local<v8::Context> context, v8::Local<v8::Promise::Resolver> resolver,
                                      v8::Local<v8::Value> namespace_object) {
  v8::Isolate *isolate = context->GetIsolate();
  v8::Local<v8::Value> elements[] = {resolver, namespace_object};
  v8::Local<v8::Array> state = v8::Array::New(isolate, elements, 2);
  if (state->SetPrototype(context, v8::Null(isolate)).IsNothing()) return {};
  return state;
}

/// The resolver in an import's state, or nothing once termination stops every V8 call.
bool ReadImportState(v8::Local<v8::Context> context, v8::Local<v8::Value> data,
                     v8::Local<v8::Promise::Resolver> *resolver, v8::Local<v8::Value> *namespace_object) {
  auto state = data.As<v8::Array>();
  v8::Local<v8::Value> first;
  if (!state->Get(context, 0).ToLocal(&first) || !first->IsPromise()) return false;
  *resolver = first.As<v8::Promise::Resolver>();
  return state->Get(context, 1).ToLocal(namespace_object);
}

void ResolveWithNamespace(const v8::FunctionCallbackInfo<v8::Value> &info) {
  v8::Local<v8::Context> context = info.GetIsolate()->GetCurrentContext();
  v8::Local<v8::Promise::Resolver> resolver;
  v8::Local<v8::Value> namespace_object;
  if (ReadImportState(context, info.Data(), &resolver, &namespace_object)) {
    (void)resolver->Resolve(context, namespace_object);
  }
}

void RejectWithReason(const v8::FunctionCallbackInfo<v8::Value> &info) {
  v8::Local<v8::Context> context = info.GetIsolate()->GetCurrentContext();
  v8::Local<v8::Promise::Resolver> resolver;
  v8::Local<v8::Value> namespace_object;
  if (ReadImportState(context, info.Data(), &resolver, &namespace_object)) (void)resolver->Reject(context, info[0]);
}

}  // namespace

namespace cv8 {

v8::MaybeLocal<v8::Module> ModuleFor(cv8_isolate *self, v8::Local<v8::Context> context, const std::string &name) {
  v8::Isolate *isolate = self->isolate;
  ModuleEntry &entry = self->modules[name];
  if (!entry.module.IsEmpty()) return entry.module.Get(isolate);
  v8::Local<v8::Module> module;
  v8::Local<v8::String> resource_name = NewString(isolate, name);
  if (entry.kind == CV8_MODULE_ESM) {
    v8::ScriptOrigin origin(isolate, resource_name, 0, 0, false, -1, {}, false, false, true);
    v8::ScriptCompiler::Source source(NewString(isolate, entry.content), origin);
    if (!v8::ScriptCompiler::CompileModule(isolate, &source).ToLocal(&module)) return {};
  } else {
    std::vector<v8::Local<v8::String>> exports = {v8::String::NewFromUtf8Literal(isolate, "default")};
    module = v8::Module::CreateSyntheticModule(isolate, resource_name, exports, EvaluateSynthetic);
  }
  entry.module.Reset(isolate, module);
  self->module_names_by_hash[module->GetIdentityHash()].push_back(name);
  return module;
}

v8::MaybeLocal<v8::Promise> ImportDynamically(v8::Local<v8::Context> context, v8::Local<v8::Data>,
                                              v8::Local<v8::Value> resource_name, v8::Local<v8::String> specifier,
                                              v8::Local<v8::FixedArray>) {
  v8::Isolate *isolate = context->GetIsolate();
  cv8_isolate *self = cv8_isolate::From(isolate);
  v8::Local<v8::Promise::Resolver> resolver;
  if (!v8::Promise::Resolver::New(context).ToLocal(&resolver)) return {};
  std::string referrer = ToStdString(isolate, resource_name);
  std::string name = ResolveSpecifier(referrer, ToStdString(isolate, specifier));
  v8::TryCatch try_catch(isolate);
  // V8 expects an empty result to come with an exception pending: hand back what was caught
  // (after termination nothing is pending, and V8 unwinds anyway).
  auto failed = [&try_catch]() -> v8::MaybeLocal<v8::Promise> {
    if (try_catch.HasCaught() && !try_catch.HasTerminated()) try_catch.ReThrow();
    return {};
  };
  v8::Local<v8::Module> module;
  v8::Local<v8::Promise> evaluated;
  if (self->modules.find(name) == self->modules.end()) {
    std::string message = "No such module \"" + name + "\".\n  imported from \"" + referrer + "\"";
    if (resolver->Reject(context, v8::Exception::Error(NewString(isolate, message))).IsNothing()) return failed();
  } else if (!ModuleFor(self, context, name).ToLocal(&module) || !Evaluate(context, module).ToLocal(&evaluated)) {
    if (try_catch.HasTerminated() || !try_catch.HasCaught()) return failed();
    v8::Local<v8::Value> exception = try_catch.Exception();
    try_catch.Reset();
    if (resolver->Reject(context, exception).IsNothing()) return failed();
  } else {
    // Settled already (a module without top-level await): answer from its state, running no
    // JavaScript. Otherwise wait with Promise::Then, which looks up no `then` but does look up
    // the promise's species (`constructor`): a worker's trap there fails the import.
    if (evaluated->State() == v8::Promise::kFulfilled) {
      if (resolver->Resolve(context, module->GetModuleNamespace()).IsNothing()) return failed();
      return resolver->GetPromise();
    }
    if (evaluated->State() == v8::Promise::kRejected) {
      if (resolver->Reject(context, evaluated->Result()).IsNothing()) return failed();
      return resolver->GetPromise();
    }
    v8::Local<v8::Array> state;
    v8::Local<v8::Function> on_fulfilled, on_rejected;
    if (!ImportState(context, resolver, module->GetModuleNamespace()).ToLocal(&state) ||
        !v8::Function::New(context, ResolveWithNamespace, state).ToLocal(&on_fulfilled) ||
        !v8::Function::New(context, RejectWithReason, state).ToLocal(&on_rejected) ||
        evaluated->Then(context, on_fulfilled, on_rejected).IsEmpty()) {
      return failed();
    }
  }
  return resolver->GetPromise();
}

}  // namespace cv8

extern "C" {

cv8_status cv8_module_add(cv8_isolate *self, cv8_bytes name, cv8_module_kind kind, cv8_bytes content) {
  std::string key(name.ptr, name.len);
  if (self->modules.count(key)) return FailWith(self, CV8_INVALID, "module \"" + key + "\" is already registered");
  ModuleEntry &entry = self->modules[key];
  entry.kind = kind;
  entry.content.assign(content.ptr ? content.ptr : "", content.len);
  return CV8_OK;
}

cv8_status cv8_load_module_worker(cv8_isolate *self, cv8_bytes main) {
  Entered entered(self);
  v8::Isolate *isolate = self->isolate;
  v8::TryCatch try_catch(isolate);
  std::string name(main.ptr, main.len);
  if (self->modules.find(name) == self->modules.end()) {
    return FailWith(self, CV8_INVALID, "main module \"" + name + "\" is not among the uploaded modules");
  }
  v8::Local<v8::Module> module;
  v8::Local<v8::Promise> evaluated;
  if (!ModuleFor(self, entered.context, name).ToLocal(&module) ||
      !Evaluate(entered.context, module).ToLocal(&evaluated)) {
    return Fail(self, try_catch);
  }
  v8::Local<v8::Value> evaluation = evaluated;
  WatchedResult watched(self, &evaluation);
  cv8_status status = RunMicrotasks(self);
  if (status != CV8_OK) return status;
  if (evaluated->State() == v8::Promise::kRejected) {
    RecordException(self, evaluated->Result(), module->GetStatus() == v8::Module::kErrored
                                                   ? v8::Exception::CreateMessage(isolate, evaluated->Result())
                                                   : v8::Local<v8::Message>());
    return CV8_EXCEPTION;
  }
  if (evaluated->State() == v8::Promise::kPending) {
    return FailWith(self, CV8_EXCEPTION,
                    "Error: top-level await in \"" + name + "\" did not settle during start-up");
  }
  v8::Local<v8::Function> install;
  if (!InternalFunction(self, self->install_module_worker_name.c_str()).ToLocal(&install)) {
    return FailWith(self, CV8_INVALID, "the runtime has no install_module_worker entry point");
  }
  v8::Local<v8::Value> args[] = {module->GetModuleNamespace()};
  if (install->Call(entered.context, v8::Undefined(isolate), 1, args).IsEmpty()) return Fail(self, try_catch);
  return RunMicrotasks(self);
}

}  // extern "C"

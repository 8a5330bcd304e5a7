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

/// Evaluation steps of text, data, JSON and WebAssembly modules: export the content as default.
v8::MaybeLocal<v8::Value> EvaluateSynthetic(v8::Local<v8::Context> context, v8::Local<v8::Module> module) {
  v8::Isolate *isolate = context->GetIsolate();
  cv8_isolate *self = cv8_isolate::From(isolate);
  const ModuleEntry &entry = self->modules[NameOf(self, module)];
  v8::Local<v8::Value> value;
  switch (entry.kind) {
    case CV8_MODULE_TEXT:
      value = NewString(isolate, entry.content);
      break;
    case CV8_MODULE_DATA:
      value = NewBytes(self, entry.content.data(), entry.content.size())->Buffer();
      break;
    case CV8_MODULE_JSON:
      if (!v8::JSON::Parse(context, NewString(isolate, entry.content)).ToLocal(&value)) return {};
      break;
    case CV8_MODULE_WASM: {
      self->allow_wasm_codegen = true;
      auto compiled = v8::WasmModuleObject::Compile(
          isolate, v8::MemorySpan<const uint8_t>(reinterpret_cast<const uint8_t *>(entry.content.data()),
                                                 entry.content.size()));
      self->allow_wasm_codegen = false;
      v8::Local<v8::WasmModuleObject> wasm;
      if (!compiled.ToLocal(&wasm)) return {};
      value = wasm;
      break;
    }
    default:
      return {};
  }
  if (module->SetSyntheticModuleExport(isolate, v8::String::NewFromUtf8Literal(isolate, "default"), value)
          .IsNothing()) {
    return {};
  }
  auto resolver = v8::Promise::Resolver::New(context).ToLocalChecked();
  resolver->Resolve(context, v8::Undefined(isolate)).Check();
  return resolver->GetPromise();
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
  if (!module->InstantiateModule(context, ResolveModule).FromMaybe(false)) return {};
  v8::Local<v8::Value> result;
  if (!module->Evaluate(context).ToLocal(&result)) return {};
  return result.As<v8::Promise>();
}

void ResolveWithNamespace(const v8::FunctionCallbackInfo<v8::Value> &info) {
  auto pair = info.Data().As<v8::Array>();
  v8::Local<v8::Context> context = info.GetIsolate()->GetCurrentContext();
  auto resolver = pair->Get(context, 0).ToLocalChecked().As<v8::Promise::Resolver>();
  resolver->Resolve(context, pair->Get(context, 1).ToLocalChecked()).Check();
}

void RejectWithReason(const v8::FunctionCallbackInfo<v8::Value> &info) {
  auto pair = info.Data().As<v8::Array>();
  v8::Local<v8::Context> context = info.GetIsolate()->GetCurrentContext();
  auto resolver = pair->Get(context, 0).ToLocalChecked().As<v8::Promise::Resolver>();
  resolver->Reject(context, info[0]).Check();
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
  auto resolver = v8::Promise::Resolver::New(context).ToLocalChecked();
  std::string referrer = ToStdString(isolate, resource_name);
  std::string name = ResolveSpecifier(referrer, ToStdString(isolate, specifier));
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Module> module;
  v8::Local<v8::Promise> evaluated;
  if (self->modules.find(name) == self->modules.end()) {
    std::string message = "No such module \"" + name + "\".\n  imported from \"" + referrer + "\"";
    resolver->Reject(context, v8::Exception::Error(NewString(isolate, message))).Check();
  } else if (!ModuleFor(self, context, name).ToLocal(&module) || !Evaluate(context, module).ToLocal(&evaluated)) {
    if (try_catch.HasTerminated()) return {};
    resolver->Reject(context, try_catch.Exception()).Check();
  } else {
    auto pair = v8::Array::New(isolate, 2);
    pair->Set(context, 0, resolver).Check();
    pair->Set(context, 1, module->GetModuleNamespace()).Check();
    auto on_fulfilled = v8::Function::New(context, ResolveWithNamespace, pair).ToLocalChecked();
    auto on_rejected = v8::Function::New(context, RejectWithReason, pair).ToLocalChecked();
    if (evaluated->Then(context, on_fulfilled, on_rejected).IsEmpty()) return {};
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
  if (!InternalFunction(self, "installModuleWorker").ToLocal(&install)) {
    return FailWith(self, CV8_INVALID, "runtime has no installModuleWorker");
  }
  v8::Local<v8::Value> args[] = {module->GetModuleNamespace()};
  if (install->Call(entered.context, v8::Undefined(isolate), 1, args).IsEmpty()) return Fail(self, try_catch);
  return RunMicrotasks(self);
}

}  // extern "C"

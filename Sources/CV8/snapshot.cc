// Startup snapshots: the runtime's JavaScript evaluated once per process and captured, so a new
// isolate deserializes a ready context instead of parsing and running ~150 KB of JavaScript.
#include <cstring>

#include "internal.h"

using namespace cv8;

extern "C" {

cv8_snapshot *cv8_snapshot_create(const cv8_bytes *names, const cv8_bytes *sources, size_t count, char *error,
                                  size_t error_capacity) {
  cv8_platform_initialize(nullptr);
  auto report = [&](const std::string &message) {
    if (error_capacity == 0) return;
    snprintf(error, error_capacity, "%s", message.c_str());
  };
  v8::StartupData blob{nullptr, 0};
  {
    v8::SnapshotCreator creator(ExternalReferences());
    v8::Isolate *isolate = creator.GetIsolate();
    // Native operations reached while the runtime files run (few, if any) find a host here.
    cv8_isolate host;
    CountingAllocator allocator(0);
    host.isolate = isolate;
    host.allocator = &allocator;
    isolate->SetData(0, &host);
    {
      v8::HandleScope handle_scope(isolate);
      v8::Local<v8::Context> context;
      {
        std::lock_guard<std::mutex> guard(ExposeGCLock());
        context = v8::Context::New(isolate);
      }
      v8::Context::Scope context_scope(context);
      v8::Local<v8::Object> internals = CreateInternals(context);
      v8::Local<v8::Object> ops = CreateOps(&host, context);
      for (size_t i = 0; i < count; i++) {
        v8::TryCatch try_catch(isolate);
        if (!RunRuntimeFile(isolate, context, internals, ops, names[i], sources[i])) {
          std::string where = std::string(names[i].ptr, names[i].len);
          report(where + ": " + ToStdString(isolate, try_catch.Exception()));
          isolate->SetData(0, nullptr);
          return nullptr;
        }
      }
      isolate->PerformMicrotaskCheckpoint();
      creator.AddData(context, internals);
      creator.AddData(context, ops);
      creator.SetDefaultContext(context);
    }
    isolate->SetData(0, nullptr);
    blob = creator.CreateBlob(v8::SnapshotCreator::FunctionCodeHandling::kKeep);
  }
  if (blob.data == nullptr || blob.raw_size == 0) {
    report("V8 could not create the snapshot");
    return nullptr;
  }
  auto *snapshot = new cv8_snapshot();
  snapshot->blob = blob;
  return snapshot;
}

size_t cv8_snapshot_size(const cv8_snapshot *snapshot) {
  return snapshot ? static_cast<size_t>(snapshot->blob.raw_size) : 0;
}

}  // extern "C"

// Fetch events: hands a request to `internals.dispatchFetch` and reads the outcome back.
//
// The outcome is read by polling promise states rather than by attaching `then` callbacks, so
// worker code that replaces Promise.prototype.then (or a promise's constructor) cannot stop the
// runtime from seeing a response.
#include <cstring>

#include "internal.h"

using namespace cv8;

namespace {

v8::Local<v8::String> Latin1(v8::Isolate *isolate, cv8_bytes bytes) {
  return v8::String::NewFromOneByte(isolate, reinterpret_cast<const uint8_t *>(bytes.ptr),
                                    v8::NewStringType::kNormal, static_cast<int>(bytes.len))
      .FromMaybe(v8::String::Empty(isolate));
}

cv8_status ReadResponse(cv8_isolate *self, v8::Local<v8::Context> context, v8::Local<v8::Value> value,
                        cv8_fetch_state *state, cv8_response *response) {
  v8::Isolate *isolate = self->isolate;
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Function> parts;
  if (!InternalFunction(self, "responseParts").ToLocal(&parts)) {
    return FailWith(self, CV8_INVALID, "runtime has no responseParts");
  }
  // responseParts validates the value and calls ops.respond, which fills `response`.
  self->pending_response = response;
  v8::Local<v8::Value> args[] = {value};
  bool called = !parts->Call(context, v8::Undefined(isolate), 1, args).IsEmpty();
  bool written = self->pending_response == nullptr;
  self->pending_response = nullptr;
  if (!called || !written) {
    cv8_status status = called ? FailWith(self, CV8_EXCEPTION, "TypeError: the response could not be read")
                               : Fail(self, try_catch);
    if (status == CV8_TERMINATED) return status;
    *state = CV8_FETCH_FAILED;
    return CV8_OK;
  }
  *state = CV8_FETCH_RESPONDED;
  return CV8_OK;
}

int32_t CountPending(v8::Local<v8::Context> context, v8::Local<v8::Array> array) {
  int32_t pending = 0;
  for (uint32_t i = 0; i < array->Length(); i++) {
    v8::Local<v8::Value> item;
    if (array->Get(context, i).ToLocal(&item) && item->IsPromise() &&
        item.As<v8::Promise>()->State() == v8::Promise::kPending) {
      pending++;
    }
  }
  return pending;
}

}  // namespace

extern "C" {

cv8_status cv8_fetch_start(cv8_isolate *self, const cv8_request *request, int32_t *slot_out) {
  Entered entered(self);
  v8::Isolate *isolate = self->isolate;
  v8::Local<v8::Context> context = entered.context;
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Function> dispatch;
  if (!InternalFunction(self, "dispatchFetch").ToLocal(&dispatch)) {
    return FailWith(self, CV8_INVALID, "runtime has no dispatchFetch");
  }
  // Headers travel as one Latin-1 string, "name\0value\0...", split in JavaScript on first use.
  std::string &joined = self->scratch_body;
  joined.clear();
  for (size_t i = 0; i < request->header_count * 2; i++) {
    if (i > 0) joined.push_back('\0');
    joined.append(request->headers[i].ptr, request->headers[i].len);
  }
  v8::Local<v8::String> headers = Latin1(isolate, {joined.data(), joined.size()});
  v8::Local<v8::Value> body = v8::Null(isolate);
  if (request->has_body) body = NewBytes(self, request->body.ptr, request->body.len);
  v8::Local<v8::Value> cf = v8::Undefined(isolate);
  if (request->cf_json.len > 0 && !v8::JSON::Parse(context, NewString(isolate, request->cf_json)).ToLocal(&cf)) {
    return Fail(self, try_catch);
  }
  v8::Local<v8::Value> args[] = {Latin1(isolate, request->method), NewString(isolate, request->url), headers, body,
                                 cf};
  v8::Local<v8::Value> record;
  if (!dispatch->Call(context, v8::Undefined(isolate), 5, args).ToLocal(&record)) return Fail(self, try_catch);
  int32_t slot;
  if (!self->free_slots.empty()) {
    slot = self->free_slots.back();
    self->free_slots.pop_back();
  } else {
    slot = static_cast<int32_t>(self->slots.size());
    self->slots.emplace_back();
  }
  // The record is [result, waitUntil promises]; read once here, kept as two handles.
  auto &entry = self->slots[static_cast<size_t>(slot)];
  auto pair = record.As<v8::Array>();
  entry.result.Reset(isolate, pair->Get(context, 0).ToLocalChecked());
  entry.wait_until.Reset(isolate, pair->Get(context, 1).ToLocalChecked().As<v8::Array>());
  entry.in_use = true;
  *slot_out = slot;
  return RunMicrotasks(self);
}

cv8_status cv8_fetch_poll(cv8_isolate *self, int32_t slot, cv8_fetch_state *state, cv8_response *response,
                          int32_t *wait_until_pending) {
  if (slot < 0 || static_cast<size_t>(slot) >= self->slots.size() || !self->slots[static_cast<size_t>(slot)].in_use) {
    return FailWith(self, CV8_INVALID, "unknown fetch slot");
  }
  Entered entered(self);
  v8::Isolate *isolate = self->isolate;
  v8::Local<v8::Context> context = entered.context;
  auto &entry = self->slots[static_cast<size_t>(slot)];
  v8::Local<v8::Value> result = entry.result.Get(isolate);
  *wait_until_pending = CountPending(context, entry.wait_until.Get(isolate));
  *state = CV8_FETCH_PENDING;
  if (result->IsPromise()) {
    auto promise = result.As<v8::Promise>();
    switch (promise->State()) {
      case v8::Promise::kPending:
        return CV8_OK;
      case v8::Promise::kRejected:
        RecordException(self, promise->Result(), v8::Exception::CreateMessage(isolate, promise->Result()));
        *state = CV8_FETCH_FAILED;
        return CV8_OK;
      case v8::Promise::kFulfilled:
        result = promise->Result();
        break;
    }
  }
  return ReadResponse(self, context, result, state, response);
}

void cv8_fetch_release(cv8_isolate *self, int32_t slot) {
  if (slot < 0 || static_cast<size_t>(slot) >= self->slots.size()) return;
  auto &entry = self->slots[static_cast<size_t>(slot)];
  if (!entry.in_use) return;
  entry.result.Reset();
  entry.wait_until.Reset();
  entry.in_use = false;
  self->free_slots.push_back(slot);
}

}  // extern "C"

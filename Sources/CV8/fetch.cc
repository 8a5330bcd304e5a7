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

void ViewResponse(const StoredResponse &stored, cv8_response *response) {
  response->status = stored.status;
  response->status_text = {stored.status_text.data(), stored.status_text.size()};
  response->headers = {stored.header_block.data(), stored.header_block.size()};
  response->header_count = stored.header_count;
  response->has_body = stored.has_body;
  response->body = {stored.body.data(), stored.body.size()};
  response->body_stream = stored.body_stream;
}

/// Asks JavaScript to deliver the handler's response into the slot (`ops.respond`), or to say
/// why it cannot (not a Response, body already used).
cv8_status ReadResponse(cv8_isolate *self, v8::Local<v8::Context> context, int32_t slot, v8::Local<v8::Value> value,
                        cv8_fetch_state *state) {
  v8::Isolate *isolate = self->isolate;
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Function> parts;
  if (!InternalFunction(self, self->deliver_response, self->deliver_response_name.c_str()).ToLocal(&parts)) {
    return FailWith(self, CV8_INVALID, "the runtime has no deliver_response entry point");
  }
  v8::Local<v8::Value> args[] = {value, v8::Integer::New(isolate, slot)};
  bool called = !parts->Call(context, v8::Undefined(isolate), 2, args).IsEmpty();
  if (!called || !self->slots[static_cast<size_t>(slot)].responded) {
    cv8_status status = called ? FailWith(self, CV8_EXCEPTION, "TypeError: the response could not be read")
                               : Fail(self, try_catch);
    if (status == CV8_TERMINATED) return status;
    *state = CV8_FETCH_FAILED;
    return CV8_OK;
  }
  *state = CV8_FETCH_RESPONDED;
  return CV8_OK;
}

int32_t CountPending(v8::Isolate *isolate, const FetchSlot &slot) {
  int32_t pending = 0;
  for (const auto &promise : slot.wait_until) {
    if (promise.Get(isolate)->State() == v8::Promise::kPending) pending++;
  }
  return pending;
}

/// The state of `slot`'s fetch event, whose handler returned `result`; reads the response once
/// `result` is settled.
cv8_status PollSlot(cv8_isolate *self, v8::Local<v8::Context> context, int32_t slot, v8::Local<v8::Value> result,
                    cv8_fetch_state *state, cv8_response *response, int32_t *wait_until_pending) {
  v8::Isolate *isolate = self->isolate;
  auto &entry = self->slots[static_cast<size_t>(slot)];
  *wait_until_pending = CountPending(isolate, entry);
  *state = CV8_FETCH_PENDING;
  if (entry.responded) {
    // Already read by an earlier poll (waitUntil work is still running).
    ViewResponse(entry.response, response);
    *state = CV8_FETCH_RESPONDED;
    return CV8_OK;
  }
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
  cv8_status status = ReadResponse(self, context, slot, result, state);
  if (status == CV8_OK && *state == CV8_FETCH_RESPONDED) ViewResponse(self->slots[static_cast<size_t>(slot)].response, response);
  return status;
}

}  // namespace

extern "C" {

cv8_status cv8_fetch_start(cv8_isolate *self, const cv8_request *request, int32_t *slot_out, cv8_fetch_state *state,
                           cv8_response *response, int32_t *wait_until_pending) {
  Entered entered(self);
  v8::Isolate *isolate = self->isolate;
  v8::Local<v8::Context> context = entered.context;
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Function> dispatch;
  if (!InternalFunction(self, self->dispatch_fetch, self->dispatch_fetch_name.c_str()).ToLocal(&dispatch)) {
    return FailWith(self, CV8_INVALID, "the runtime has no dispatch_fetch entry point");
  }
  v8::Local<v8::String> headers = Latin1(isolate, request->headers);
  v8::Local<v8::Value> body = v8::Null(isolate);
  v8::Local<v8::Uint8Array> body_bytes;
  if (request->has_body) {
    if (!NewBytes(self, request->body.ptr, request->body.len).ToLocal(&body_bytes)) return Fail(self, try_catch);
    body = body_bytes;
  }
  // The runtime parses `cf` the first time the worker reads it: most requests never do.
  v8::Local<v8::Value> cf = v8::Undefined(isolate);
  if (request->cf_json.len > 0) cf = NewString(isolate, request->cf_json);
  v8::Local<v8::Value> env_overlay = v8::Undefined(isolate);
  if (request->env_overlay_json.len > 0 &&
      !v8::JSON::Parse(context, NewString(isolate, request->env_overlay_json)).ToLocal(&env_overlay)) {
    return Fail(self, try_catch);
  }
  int32_t slot;
  if (!self->free_slots.empty()) {
    slot = self->free_slots.back();
    self->free_slots.pop_back();
  } else {
    slot = static_cast<int32_t>(self->slots.size());
    self->slots.emplace_back();
  }
  FetchSlot &acquired = self->slots[static_cast<size_t>(slot)];
  acquired.in_use = true;
  acquired.responded = false;
  acquired.generation++;
  v8::Local<v8::Value> args[] = {Latin1(isolate, request->method), NewString(isolate, request->url), headers, body,
                                 cf, v8::Integer::New(isolate, slot),
                                 v8::Integer::NewFromUnsigned(isolate, acquired.generation),
                                 v8::Integer::New(isolate, request->body_stream),
                                 v8::Number::New(isolate, request->body_length), env_overlay};
  v8::Local<v8::Value> result;
  if (!dispatch->Call(context, v8::Undefined(isolate), 10, args).ToLocal(&result)) {
    cv8_fetch_release(self, slot);
    return Fail(self, try_catch);
  }
  *slot_out = slot;
  WatchedResult watched(self, &result);
  cv8_status status = RunMicrotasks(self);
  if (status != CV8_OK) return status;
  // Most handlers settle within that checkpoint: read the response in this same entry.
  status = PollSlot(self, context, slot, result, state, response, wait_until_pending);
  if (status == CV8_OK && (*state == CV8_FETCH_PENDING || *wait_until_pending > 0)) {
    // Later polls need the handler's value; a request that is over now (the common case)
    // never pays for the global handle. (The vector may have grown while JavaScript ran:
    // index again.)
    self->slots[static_cast<size_t>(slot)].result.Reset(isolate, result);
  }
  return status;
}

cv8_status cv8_fetch_poll(cv8_isolate *self, int32_t slot, cv8_fetch_state *state, cv8_response *response,
                          int32_t *wait_until_pending) {
  if (slot < 0 || static_cast<size_t>(slot) >= self->slots.size() || !self->slots[static_cast<size_t>(slot)].in_use) {
    return FailWith(self, CV8_INVALID, "unknown fetch slot");
  }
  Entered entered(self);
  auto &entry = self->slots[static_cast<size_t>(slot)];
  return PollSlot(self, entered.context, slot, entry.result.Get(self->isolate), state, response, wait_until_pending);
}

void cv8_fetch_release(cv8_isolate *self, int32_t slot) {
  if (slot < 0 || static_cast<size_t>(slot) >= self->slots.size()) return;
  auto &entry = self->slots[static_cast<size_t>(slot)];
  if (!entry.in_use) return;
  entry.result.Reset();
  entry.wait_until.clear();
  entry.in_use = false;
  entry.responded = false;
  self->free_slots.push_back(slot);
}

}  // extern "C"

// The worker's entry points: how the host delivers fetch events to module workers
// (`export default { fetch }`) and service-worker scripts (`addEventListener("fetch", ...)`).

const { ReflectApply, ArrayPrototypePush, JSONParse, PromiseResolve, PromiseReject, PromisePrototypeThen,
  TypeError, Error } = internals.primordials;

let moduleHandler = null;
let env = {};
const fetchListeners = [];
/// Events a worker can handle on Cloudflare; `handlers` in the API lists those a worker has.
const handlerNames = ["fetch", "scheduled", "queue", "email", "tail", "trace", "alarm", "test"];
/// Event types a service-worker script registered listeners for.
const listenedTypes = [];

/// Called by the host with the JSON of the worker's plain bindings (vars, JSON) and of its
/// bindings to other workers (`[[kind, name], ...]`, numbered in that order), before the worker's
/// code runs. Service-worker scripts see bindings as globals.
internals.setEnv = function setEnv(json, asGlobals, workerBindings) {
  env = JSONParse(json);
  const calls = JSONParse(workerBindings);
  for (let index = 0; index < calls.length; index++) {
    env[calls[index][1]] = internals.makeBinding(calls[index][0], index);
  }
  if (asGlobals) {
    for (const name of Object.keys(env)) internals.defineGlobal(name, env[name]);
  }
};

internals.installModuleWorker = function installModuleWorker(namespace) {
  const handler = namespace.default;
  if (handler === undefined || handler === null) {
    if (fetchListeners.length === 0) {
      throw new Error("No event handlers were registered. This script does nothing.");
    }
    return;
  }
  moduleHandler = handler;
};

const globalEvents = internals.globalEvents;

// Handler events (fetch, scheduled, ...) are the host's; any other type is an event on
// globalThis (web/45_global_scope.js: error, unhandledrejection, rejectionhandled, ...).
internals.defineGlobal("addEventListener", function addEventListener(type, listener, options = undefined) {
  if (!handlerNames.includes(type)) {
    globalEvents.add(type, listener, options);
    return;
  }
  if (typeof listener !== "function") return;
  if (type === "fetch") ArrayPrototypePush(fetchListeners, listener);
  if (!listenedTypes.includes(type)) ArrayPrototypePush(listenedTypes, type);
});
internals.defineGlobal("removeEventListener", function removeEventListener(type, listener, options = undefined) {
  if (!handlerNames.includes(type)) {
    globalEvents.remove(type, listener, options);
    return;
  }
  const index = fetchListeners.indexOf(listener);
  if (type === "fetch" && index >= 0) fetchListeners.splice(index, 1);
});

/// Tells the host which events the loaded worker handles: the functions among the default
/// export's members, or the event types a service-worker script listens to.
internals.reportHandlers = function reportHandlers() {
  const names = [];
  if (moduleHandler !== null) {
    for (const name of handlerNames) {
      if (typeof moduleHandler[name] === "function") ArrayPrototypePush(names, name);
    }
  } else {
    for (const type of listenedTypes) ArrayPrototypePush(names, type);
  }
  ReflectApply(ops.host, undefined, [internals.hostOp.handlers, ...names]);
};

/// The handler's result as the host reads it: a Response as it is (the host reads it at once;
/// resolving it as a promise would look up `then` on it, which a worker can trap on
/// Object.prototype), anything else as a promise.
const handlerResult = (value) => (internals.isResponse(value) ? value : PromiseResolve(value));

const opsWaitUntil = ops.waitUntil;

class ExecutionContext {
  #slot;
  #generation;
  constructor(slot, generation) {
    this.#slot = slot;
    this.#generation = generation;
  }
  waitUntil(promise) {
    const settled = PromiseResolve(promise);
    PromisePrototypeThen(settled, undefined, (error) => internals.reportError(error));
    opsWaitUntil(this.#slot, this.#generation, settled);
  }
  passThroughOnException() {}
  get props() { return {}; }
  get [Symbol.toStringTag]() { return "ExecutionContext"; }
}
internals.defineGlobal("ExecutionContext", ExecutionContext);

class FetchEvent {
  #request;
  #context;
  #response = undefined;
  #responded = false;
  #dispatching = true;
  constructor(request, context) {
    this.#request = request;
    this.#context = context;
  }
  get type() { return "fetch"; }
  get request() { return this.#request; }
  respondWith(response) {
    if (!this.#dispatching) throw new TypeError("respondWith() must be called synchronously in the event handler.");
    if (this.#responded) throw new TypeError("respondWith() was already called.");
    this.#responded = true;
    this.#response = handlerResult(response);
  }
  waitUntil(promise) { this.#context.waitUntil(promise); }
  passThroughOnException() {}
  static finish(event) {
    event.#dispatching = false;
    return event.#responded ? event.#response : undefined;
  }
}
internals.defineGlobal("FetchEvent", FetchEvent);

/// Called by the host for each request, with the request's slot and its generation, which
/// ctx.waitUntil() hands back to the host with each promise. A body the host streams comes as
/// its handle (`bodyStream`, 0 for none; `body` is then null) and length (negative if unknown).
/// `envOverlay`, when not undefined, holds members added to `env` for this request only (an
/// outbound worker's parameters). Returns the handler's result; the host reads its state directly
/// (it never calls `then`, so a worker that breaks promises cannot hide its response from the host).
internals.dispatchFetch = function dispatchFetch(method, url, headers, body, cf, slot, generation, bodyStream,
  bodyLength, envOverlay) {
  const context = new ExecutionContext(slot, generation);
  const requestEnv = envOverlay === undefined ? env : withOverlay(env, envOverlay);
  let result;
  try {
    if (bodyStream !== 0) body = internals.hostReadableStream(bodyStream, bodyLength);
    const request = internals.newRequestFromHost(method, url, headers, body, cf);
    if (moduleHandler !== null) {
      const fetch = moduleHandler.fetch;
      if (typeof fetch !== "function") throw new Error("Handler does not export a fetch() function.");
      result = handlerResult(ReflectApply(fetch, moduleHandler, [request, requestEnv, context]));
    } else if (fetchListeners.length > 0) {
      const event = new FetchEvent(request, context);
      for (const listener of fetchListeners) ReflectApply(listener, globalThis, [event]);
      result = FetchEvent.finish(event);
      if (result === undefined) throw new Error("No response! The fetch handler did not call respondWith().");
    } else {
      throw new Error("No event handlers were registered. This script does nothing.");
    }
  } catch (error) {
    result = PromiseReject(error);
  }
  return result;
};

const ObjectKeys = Object.keys;
const { ObjectDefineProperty } = internals.primordials;

/// A copy of `base` with the members of `overlay` added (own enumerable members of both). Defined,
/// not assigned, and looped by index: the worker may have put setters on Object.prototype or
/// replaced the array iterator.
function withOverlay(base, overlay) {
  const merged = {};
  copyMembers(base, merged);
  copyMembers(overlay, merged);
  return merged;
}

function copyMembers(source, target) {
  const names = ObjectKeys(source);
  for (let index = 0; index < names.length; index++) {
    ObjectDefineProperty(target, names[index], {
      value: source[names[index]], writable: true, enumerable: true, configurable: true,
    });
  }
}

/// Hands the handler's Response to the host for `slot`: ops.respond(slot, status, statusText,
/// body, headers, bodyStream). Throws a TypeError for anything but a Response made by this runtime.
const opsRespond = ops.respond;
internals.responseParts = function responseParts(value, slot) {
  const parts = internals.responseToHost(value);
  const stream = parts.stream;
  // A 101's WebSocket goes to the host in the body stream's place (WorkerIsolate+WebSockets.swift).
  const socket = parts.webSocket;
  const handle = socket !== null && socket !== undefined ? internals.webSocketToHost(socket)
    : stream === undefined || stream === null ? 0 : internals.streamToHost(stream);
  opsRespond(slot, parts.status, parts.statusText, handle === 0 ? parts.body : null, parts.headers, handle);
};

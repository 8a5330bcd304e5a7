// Bindings that call other workers: a `service` binding is a Fetcher for one worker of the
// account; a `dispatch_namespace` binding is a DispatchNamespace whose get(name) returns a
// Fetcher for a user worker of the namespace (Workers for Platforms' dynamic dispatch).
//
// A Fetcher's fetch() is a subrequest like the global fetch(): the host resolves the worker,
// delivers the request to its isolate (the body streamed, not buffered) and completes the
// promise with the worker's Response, or rejects it with what went wrong in that worker
// ("Worker not found.", its uncaught exception, "Worker exceeded CPU time limit."...).

const { JSONStringify, NumberIsInteger, TypeError, ObjectFreeze } = internals.primordials;
const hostOp = internals.hostOp;
const hostAsync = internals.hostAsync;
const toDOMString = internals.webIDL.toDOMString;

/// What a binding's fetch() sends to the host: the binding, the script (for a namespace), the
/// per-call limits (-1 for none) and the outbound parameters' JSON.
class Fetcher {
  #binding;
  #script;
  #cpuMs;
  #subRequests;
  #outbound;
  constructor(key, binding, script, cpuMs, subRequests, outbound) {
    if (key !== fetcherKey) throw new TypeError("Illegal constructor");
    this.#binding = binding;
    this.#script = script;
    this.#cpuMs = cpuMs;
    this.#subRequests = subRequests;
    this.#outbound = outbound;
  }

  fetch(input, init = undefined) {
    try {
      if (arguments.length < 1) {
        throw new TypeError("Failed to execute 'fetch' on 'Fetcher': 1 argument required, but only 0 present.");
      }
      const request = new internals.Request(input, init);
      return internals.sendRequest(request, (parts, bodyHandle) => hostAsync(
        hostOp.workerFetch, internals.responseFromHost, this.#binding, this.#script, this.#cpuMs,
        this.#subRequests, this.#outbound, parts.method, parts.url, internals.headerBlock(parts.headers),
        bodyHandle === 0 ? parts.body : null, bodyHandle));
    } catch (error) {
      return internals.primordials.PromiseReject(error);
    }
  }

  connect() {
    throw new TypeError("connect() is not supported on this binding.");
  }
}
const fetcherKey = Symbol("Fetcher");
internals.webIDL.makeMembersEnumerable(Fetcher.prototype);
internals.webIDL.setToStringTag(Fetcher.prototype, "Fetcher");

/// A per-call limit: a non-negative integer, or -1 when not given.
function limitOption(limits, name) {
  if (limits === undefined || limits === null) return -1;
  const value = limits[name];
  if (value === undefined) return -1;
  if (typeof value !== "number" || !NumberIsInteger(value) || value < 0) {
    throw new TypeError(`limits.${name} must be a non-negative integer.`);
  }
  return value;
}

class DispatchNamespace {
  #binding;
  constructor(key, binding) {
    if (key !== fetcherKey) throw new TypeError("Illegal constructor");
    this.#binding = binding;
  }

  /// Returns a Fetcher for user worker `name` without checking that it exists: a missing worker
  /// rejects the fetcher's fetch() with "Worker not found." (Cloudflare's current behaviour).
  get(name, args = undefined, options = undefined) {
    if (arguments.length < 1) {
      throw new TypeError("Failed to execute 'get' on 'DispatchNamespace': 1 argument required, but only 0 present.");
    }
    const script = toDOMString(name);
    let cpuMs = -1;
    let subRequests = -1;
    let outbound = null;
    if (options !== undefined && options !== null) {
      if (typeof options !== "object") throw new TypeError("The options of get() must be an object.");
      const limits = options.limits;
      cpuMs = limitOption(limits, "cpuMs");
      subRequests = limitOption(limits, "subRequests");
      if (options.outbound !== undefined && options.outbound !== null) {
        if (typeof options.outbound !== "object") throw new TypeError("options.outbound must be an object.");
        outbound = JSONStringify(options.outbound);
      }
    }
    return new Fetcher(fetcherKey, this.#binding, script, cpuMs, subRequests, outbound);
  }
}
internals.webIDL.makeMembersEnumerable(DispatchNamespace.prototype);
internals.webIDL.setToStringTag(DispatchNamespace.prototype, "DispatchNamespace");

/// What makes the value on `env` of binding number `index` (the host's order), by kind; each
/// bindings file adds its own.
internals.bindingFactories = { __proto__: null };
internals.bindingFactories.service = (index) => ObjectFreeze(new Fetcher(fetcherKey, index, null, -1, -1, null));
internals.bindingFactories.dispatch_namespace = (index) => ObjectFreeze(new DispatchNamespace(fetcherKey, index));

internals.makeBinding = function makeBinding(kind, index) {
  const factory = internals.bindingFactories[kind];
  if (factory === undefined) throw new TypeError(`unknown binding kind ${kind}`);
  return factory(index);
};

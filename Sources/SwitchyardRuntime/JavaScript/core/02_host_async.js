// Asynchronous host operations: the promise side of the host's operation registry.
//
// `internals.hostAsync(op, decode, a, b, c...)` starts host operation `op` (see HostOperation.swift)
// with a fresh operation id and returns a promise. The host completes it later, as a task of the
// request that started it, by calling `internals.completeOp(id, ok, ...values)`; a request that
// ends first has its operations cancelled by the host, which then calls `forgetOp(id)`.
// The bookkeeping lives in a captured Map, never in objects a worker can reach or trap.

const { SafeMap, MapPrototypeGet, MapPrototypeSet, MapPrototypeDelete, TypeError, Error, RangeError } =
  internals.primordials;
const { SyntaxError, ReferenceError, EvalError, URIError } = globalThis;
const PromiseConstructor = Promise;
const opsHost = ops.host;
const errorTypes = { __proto__: null, TypeError, Error, RangeError, SyntaxError, ReferenceError, EvalError, URIError };

const pendingOperations = new SafeMap();
let nextOperationID = 1;

/// Starts host operation `op` with arguments a...j; `decode(...values)`, when given, turns the
/// host's completion values into the promise's value (otherwise the first value is used).
/// Throws at once when the host refuses to start it (at global scope, a stream of another request).
internals.hostAsync = function hostAsync(op, decode, a, b, c, d, e, f, g, h, i, j) {
  const id = nextOperationID++;
  let settle;
  const promise = new PromiseConstructor((resolve, reject) => {
    settle = { __proto__: null, resolve, reject, decode };
  });
  opsHost(op, id, a, b, c, d, e, f, g, h, i, j);
  MapPrototypeSet(pendingOperations, id, settle);
  lastOperationID = id;
  return promise;
};

let lastOperationID = 0;
/// The id of the operation `hostAsync` started last (to cancel it: fetch's abort).
internals.lastOperationID = () => lastOperationID;

/// Called by the host: operation `id` succeeded with `values`, or failed (`ok` false) with the
/// message `a` and the error type named `b`.
internals.completeOp = function completeOp(id, ok, a, b, c, d, e, f) {
  const settle = MapPrototypeGet(pendingOperations, id);
  if (settle === undefined) return;
  MapPrototypeDelete(pendingOperations, id);
  if (ok) {
    settle.resolve(settle.decode === undefined ? a : settle.decode(a, b, c, d, e, f));
  } else {
    const ErrorType = errorTypes[b] || Error;
    settle.reject(new ErrorType(a));
  }
};

/// Called by the host when the request that started operation `id` ended before it completed:
/// its promise stays pending forever, as on Workers.
internals.forgetOp = function forgetOp(id) {
  MapPrototypeDelete(pendingOperations, id);
};

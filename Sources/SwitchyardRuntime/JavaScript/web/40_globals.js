// Small globals of the Workers runtime: console, timers, queueMicrotask, structuredClone,
// crypto (random parts), performance, navigator.

const { ReflectApply, ArrayPrototypeJoin, ArrayPrototypePush, MapPrototypeGet, MapPrototypeSet,
  MapPrototypeDelete, SafeMap, PromiseResolve, PromisePrototypeThen, TypeError, RangeError } = internals.primordials;
const hostOp = internals.hostOp;

// MARK: - inspect (what console.* prints)

function inspect(value, depth = 2, seen = []) {
  switch (typeof value) {
    case "string": return seen.length ? JSON.stringify(value) : value;
    case "number": return Object.is(value, -0) ? "-0" : String(value);
    case "bigint": return `${value}n`;
    case "symbol": return String(value);
    case "undefined": return "undefined";
    case "boolean": return String(value);
    case "function": return `[Function: ${value.name || "(anonymous)"}]`;
  }
  if (value === null) return "null";
  if (seen.includes(value)) return "[Circular]";
  if (value instanceof Error) {
    const stack = typeof value.stack === "string" ? value.stack : `${value.name}: ${value.message}`;
    return seen.length ? `[${stack.split("\n")[0]}]` : stack;
  }
  if (depth < 0) return Array.isArray(value) ? "[Array]" : "[Object]";
  const nested = [...seen, value];
  const show = (v) => inspect(v, depth - 1, nested);
  if (Array.isArray(value)) {
    const items = value.slice(0, 100).map(show);
    if (value.length > 100) items.push(`... ${value.length - 100} more items`);
    return `[ ${items.join(", ")} ]`.replace("[  ]", "[]");
  }
  if (value instanceof Map) {
    return `Map(${value.size}) { ${[...value].map(([k, v]) => `${show(k)} => ${show(v)}`).join(", ")} }`;
  }
  if (value instanceof Set) return `Set(${value.size}) { ${[...value].map(show).join(", ")} }`;
  if (value instanceof Date) return isNaN(value) ? "Invalid Date" : value.toISOString();
  if (value instanceof RegExp) return String(value);
  if (ArrayBuffer.isView(value)) {
    const name = value.constructor && value.constructor.name || "TypedArray";
    return `${name}(${value.length}) [ ${Array.from(value.slice ? value.slice(0, 50) : []).join(", ")} ]`;
  }
  if (value instanceof ArrayBuffer) return `ArrayBuffer { byteLength: ${value.byteLength} }`;
  if (value instanceof Promise) return "Promise { <unknown> }";
  let keys;
  try { keys = Object.keys(value); } catch { return "[Object]"; }
  const tag = value[Symbol.toStringTag];
  const name = tag || (value.constructor && value.constructor !== Object && value.constructor.name) || "";
  const body = keys.map((k) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${show(value[k])}`);
  if (body.length === 0) return name ? `${name} {}` : "{}";
  return `${name ? name + " " : ""}{ ${body.join(", ")} }`;
}

/// printf-style formatting of console arguments (%s %d %i %f %o %O %j %c %%).
function format(args) {
  if (args.length === 0) return "";
  let first = args[0];
  let rest = 1;
  let out = "";
  if (typeof first === "string" && first.includes("%")) {
    let i = 0;
    while (i < first.length) {
      const c = first[i];
      if (c === "%" && i + 1 < first.length) {
        const f = first[i + 1];
        if (f === "%") { out += "%"; i += 2; continue; }
        if ("sdifoOjc".includes(f) && rest < args.length) {
          const arg = args[rest++];
          if (f === "s") out += typeof arg === "string" ? arg : inspect(arg, 1, [{}]).replace(/^"|"$/g, "");
          else if (f === "d" || f === "i") out += typeof arg === "bigint" ? `${arg}n` : String(f === "i" ? parseInt(arg) : Number(arg));
          else if (f === "f") out += String(parseFloat(arg));
          else if (f === "j") { try { out += JSON.stringify(arg); } catch { out += "[Circular]"; } }
          else if (f === "c") { /* CSS is ignored */ }
          else out += inspect(arg, 4, [{}]);
          i += 2;
          continue;
        }
      }
      out += c;
      i++;
    }
  } else {
    out = inspect(first);
  }
  for (; rest < args.length; rest++) out += " " + inspect(args[rest]);
  return out;
}

internals.inspect = inspect;
internals.format = format;

const logLevel = { debug: 0, log: 1, info: 2, warn: 3, error: 4 };
const emit = (level, args) => ops.host(hostOp.log, level, format(args));
const counts = new SafeMap();
const timers = new SafeMap();

const console = {
  debug: (...args) => emit(logLevel.debug, args),
  log: (...args) => emit(logLevel.log, args),
  info: (...args) => emit(logLevel.info, args),
  warn: (...args) => emit(logLevel.warn, args),
  error: (...args) => emit(logLevel.error, args),
  trace: (...args) => {
    const holder = {};
    Error.captureStackTrace(holder, console.trace);
    emit(logLevel.log, ["Trace" + (args.length ? ": " + format(args) : "") + holder.stack.replace(/^Error/, "")]);
  },
  dir: (value) => emit(logLevel.log, [value]),
  table: (...args) => emit(logLevel.log, args),
  assert: (condition, ...args) => {
    if (!condition) emit(logLevel.error, ["Assertion failed" + (args.length ? ": " + format(args) : "")]);
  },
  count: (label = "default") => {
    const n = (MapPrototypeGet(counts, label) || 0) + 1;
    MapPrototypeSet(counts, label, n);
    emit(logLevel.info, [`${label}: ${n}`]);
  },
  countReset: (label = "default") => { MapPrototypeDelete(counts, label); },
  time: (label = "default") => { MapPrototypeSet(timers, label, ops.now()); },
  timeEnd: (label = "default") => {
    const start = MapPrototypeGet(timers, label);
    if (start === undefined) return;
    MapPrototypeDelete(timers, label);
    emit(logLevel.info, [`${label}: ${(ops.now() - start).toFixed(3)}ms`]);
  },
  timeLog: (label = "default", ...args) => {
    const start = MapPrototypeGet(timers, label);
    if (start !== undefined) emit(logLevel.info, [`${label}: ${(ops.now() - start).toFixed(3)}ms`, ...args]);
  },
  group: (...args) => { if (args.length) emit(logLevel.log, args); },
  groupCollapsed: (...args) => { if (args.length) emit(logLevel.log, args); },
  groupEnd: () => {},
};
internals.defineGlobal("console", console);

/// Reports an error nobody caught (timer callbacks, queueMicrotask, waitUntil).
internals.reportError = (error) => emit(logLevel.error, ["Uncaught " + inspect(error)]);

// MARK: - Timers

const timerCallbacks = new SafeMap();
let nextTimerId = 1;

function clampDelay(delay) {
  const ms = Number(delay);
  return ms > 0 && ms < 2147483648 ? Math.floor(ms) : 0;
}

function addTimer(callback, delay, args, repeat) {
  if (typeof callback !== "function") {
    throw new TypeError("The callback provided as parameter 1 is not a function.");
  }
  const id = nextTimerId++;
  const ms = clampDelay(delay);
  MapPrototypeSet(timerCallbacks, id, { callback, args, repeat, ms });
  ops.host(hostOp.setTimer, id, ms);
  return id;
}

/// For the runtime's own timers (AbortSignal.timeout): `addTimer(callback, ms, args, repeat)`.
internals.addTimer = addTimer;

function removeTimer(id) {
  const key = Number(id);
  if (MapPrototypeDelete(timerCallbacks, key)) ops.host(hostOp.clearTimer, key);
}

internals.defineGlobal("setTimeout", function setTimeout(callback, delay, ...args) {
  return addTimer(callback, delay, args, false);
});
internals.defineGlobal("setInterval", function setInterval(callback, delay, ...args) {
  return addTimer(callback, delay, args, true);
});
internals.defineGlobal("clearTimeout", function clearTimeout(id) { removeTimer(id); });
internals.defineGlobal("clearInterval", function clearInterval(id) { removeTimer(id); });

/// Called by the host when timer `id` is due.
internals.fireTimer = function fireTimer(id) {
  const timer = MapPrototypeGet(timerCallbacks, id);
  if (timer === undefined) return;
  if (timer.repeat) ops.host(hostOp.setTimer, id, timer.ms);
  else MapPrototypeDelete(timerCallbacks, id);
  ReflectApply(timer.callback, globalThis, timer.args);
};

/// Called by the host when the request that owned timer `id` has ended.
internals.dropTimer = function dropTimer(id) { MapPrototypeDelete(timerCallbacks, id); };

// MARK: - Microtasks, cloning

const resolved = PromiseResolve(undefined);
internals.defineGlobal("queueMicrotask", function queueMicrotask(callback) {
  if (typeof callback !== "function") {
    throw new TypeError("The callback provided as parameter 1 is not a function.");
  }
  PromisePrototypeThen(resolved, () => {
    try { callback(); } catch (error) { internals.reportError(error); }
  });
});

const DOMException = internals.DOMException;
const ReflectGetPrototypeOf = Reflect.getPrototypeOf;
const ReflectGetOwnPropertyDescriptor = Reflect.getOwnPropertyDescriptor;
const ErrorPrototype = Error.prototype;

/// The value of `object`'s own data property `key`, or undefined; runs no getter.
function ownData(object, key) {
  const descriptor = ReflectGetOwnPropertyDescriptor(object, key);
  return descriptor !== undefined && "value" in descriptor ? descriptor.value : undefined;
}

/// The structured clone of `value` (ops.structuredClone, V8's serializer), with HTML's
/// DataCloneError as a DOMException.
function cloneValue(value) {
  try {
    return ops.structuredClone(value);
  } catch (error) {
    // The op throws a plain Error named DataCloneError (the shim knows no DOMException); the
    // HTML standard throws a DOMException of that name. Errors a getter of `value` threw pass
    // through as they are. (A worker that throws its own Error with an own name
    // "DataCloneError" from a getter gets it back as a DOMException: indistinguishable here.)
    if (typeof error === "object" && error !== null && ReflectGetPrototypeOf(error) === ErrorPrototype &&
        ownData(error, "name") === "DataCloneError") {
      throw new DOMException(ownData(error, "message"), "DataCloneError");
    }
    throw error;
  }
}

const opsTransferArrayBuffer = ops.transferArrayBuffer;
const ArrayBufferPrototypeGetByteLength = internals.primordials.ArrayBufferPrototypeGetByteLength;
const { forEachOfSequence } = internals.webIDL;

/// A transfer list (`sequence<object>`) checked as HTML's StructuredSerializeWithTransfer does
/// before anything is serialized: only ArrayBuffers are transferable here, each at most once,
/// none detached or one that cannot be detached (WebAssembly memory). `what` starts the messages.
function transferList(sequence, what) {
  const list = { __proto__: null, length: 0 };
  forEachOfSequence(sequence, `${what}: the transfer list`, (item) => {
    if ((typeof item !== "object" || item === null) && typeof item !== "function") {
      throw new TypeError(`${what}: the transfer list's item ${list.length} is not an object.`);
    }
    let isArrayBuffer = true;
    try {
      ArrayBufferPrototypeGetByteLength(item);
    } catch {
      isArrayBuffer = false; // a SharedArrayBuffer, a view, a MessagePort, any other object
    }
    if (!isArrayBuffer) throw new DOMException(`${what}: Value not transferable.`, "DataCloneError");
    for (let i = 0; i < list.length; i++) {
      if (list[i] === item) {
        throw new DOMException(`${what}: ArrayBuffer at index ${list.length} is a duplicate of an earlier ArrayBuffer.`, "DataCloneError");
      }
    }
    if (!opsTransferArrayBuffer(item, undefined, true)) {
      throw new DOMException(`${what}: ArrayBuffer at index ${list.length} is detached or cannot be detached.`, "DataCloneError");
    }
    list[list.length++] = item;
  });
  return list;
}

/// StructuredSerializeWithTransfer then StructuredDeserializeWithTransfer in one realm: the clone
/// of `value` in which each ArrayBuffer of `transfer` (a `transferList`) has the bytes, while the
/// source buffers are detached. The bytes are copied by the serializer and the sources detached
/// after it succeeded (a failed clone detaches nothing), so a transfer costs a copy here.
function cloneTransferring(value, transfer) {
  const clone = cloneValue(value);
  for (let i = 0; i < transfer.length; i++) opsTransferArrayBuffer(transfer[i]);
  return clone;
}

internals.structuredClone = Object.freeze({ __proto__: null, transferList, cloneTransferring });

internals.defineGlobal("structuredClone", function structuredClone(value, options = undefined) {
  if (arguments.length === 0) throw new TypeError("structuredClone requires a value to clone.");
  let transfer = { __proto__: null, length: 0 };
  if (options !== undefined && options !== null) {
    if (typeof options !== "object" && typeof options !== "function") {
      throw new TypeError("Failed to execute 'structuredClone': The provided value is not of type 'StructuredSerializeOptions'.");
    }
    const sequence = options.transfer;
    if (sequence !== undefined) transfer = transferList(sequence, "Failed to execute 'structuredClone'");
  }
  return cloneTransferring(value, transfer);
});

// crypto (getRandomValues, randomUUID, subtle) is defined by 45_webcrypto.js.

// MARK: - performance, navigator

class Performance {
  get timeOrigin() { return 0; }
  now() { return ops.now(); }
  toJSON() { return { timeOrigin: 0 }; }
  get [Symbol.toStringTag]() { return "Performance"; }
}
internals.defineGlobal("Performance", Performance);
internals.defineGlobal("performance", new Performance());

class Navigator {
  get userAgent() { return "Cloudflare-Workers"; }
  get hardwareConcurrency() { return 1; }
  get [Symbol.toStringTag]() { return "Navigator"; }
}
internals.defineGlobal("navigator", new Navigator());

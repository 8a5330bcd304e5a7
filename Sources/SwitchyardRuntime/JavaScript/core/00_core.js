// Core of the runtime's JavaScript: what every later runtime file relies on.
//
// Runtime files are evaluated in file-name order as `function (internals, ops)`, before any
// worker code. Functions a worker could replace later (Promise.prototype.then, Reflect.apply...)
// are captured here once, so the runtime's own glue keeps working when a worker tampers with
// built-ins: a worker can only break itself.

const ObjectDefineProperty = Object.defineProperty;

internals.defineGlobal = function defineGlobal(name, value) {
  ObjectDefineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
};

const uncurryThis = (fn) => Function.prototype.call.bind(fn);

internals.primordials = Object.freeze({
  uncurryThis,
  ReflectApply: Reflect.apply,
  ObjectDefineProperty,
  ObjectFreeze: Object.freeze,
  ArrayIsArray: Array.isArray,
  ArrayPrototypePush: uncurryThis(Array.prototype.push),
  ArrayPrototypeJoin: uncurryThis(Array.prototype.join),
  ArrayPrototypeMap: uncurryThis(Array.prototype.map),
  JSONParse: JSON.parse,
  JSONStringify: JSON.stringify,
  MapPrototypeGet: uncurryThis(Map.prototype.get),
  MapPrototypeSet: uncurryThis(Map.prototype.set),
  MapPrototypeDelete: uncurryThis(Map.prototype.delete),
  MapPrototypeHas: uncurryThis(Map.prototype.has),
  SafeMap: Map,
  PromiseResolve: Promise.resolve.bind(Promise),
  PromiseReject: Promise.reject.bind(Promise),
  PromisePrototypeThen: uncurryThis(Promise.prototype.then),
  StringPrototypeSlice: uncurryThis(String.prototype.slice),
  ErrorCaptureStackTrace: Error.captureStackTrace,
  TypeError,
  RangeError,
  Error,
});

/// Web IDL conventions shared by the runtime's classes.
internals.webIDL = Object.freeze({
  /// DOMString conversion: ToString, which throws a TypeError for symbols.
  toDOMString: (value) => (typeof value === "string" ? value : `${value}`),
  /// Web IDL makes operations and accessors enumerable; class syntax does not.
  makeMembersEnumerable(target) {
    const names = Object.getOwnPropertyNames(target);
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      if (name === "constructor" || name === "prototype" || name === "length" || name === "name") continue;
      ObjectDefineProperty(target, name, { enumerable: true });
    }
  },
  setToStringTag(proto, tag) {
    ObjectDefineProperty(proto, Symbol.toStringTag, { value: tag, writable: false, enumerable: false, configurable: true });
  },
});

// `internals.hostOp` (the numbers of the host operations, `ops.host(op, ...)`) is defined by
// core/01_host_ops.js, which the host generates from its HostOperation enum.

internals.defineGlobal("self", globalThis);

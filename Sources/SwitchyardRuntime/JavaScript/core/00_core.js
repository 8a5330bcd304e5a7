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
const getter = (object, name) => uncurryThis(Object.getOwnPropertyDescriptor(object, name).get);
const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);

internals.primordials = Object.freeze({
  uncurryThis,
  ReflectApply: Reflect.apply,
  ObjectDefineProperty,
  ObjectFreeze: Object.freeze,
  ObjectGetPrototypeOf: Object.getPrototypeOf,
  ObjectSetPrototypeOf: Object.setPrototypeOf,
  NumberIsNaN: Number.isNaN,
  NumberIsInteger: Number.isInteger,
  MathMin: Math.min,
  SymbolIterator: Symbol.iterator,
  SymbolAsyncIterator: Symbol.asyncIterator,
  AsyncIteratorPrototype: Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype),
  ArrayBufferIsView: ArrayBuffer.isView,
  ArrayBufferPrototypeSlice: uncurryThis(ArrayBuffer.prototype.slice),
  ArrayBufferPrototypeGetByteLength: getter(ArrayBuffer.prototype, "byteLength"),
  TypedArrayPrototypeGetBuffer: getter(TypedArrayPrototype, "buffer"),
  TypedArrayPrototypeGetByteOffset: getter(TypedArrayPrototype, "byteOffset"),
  TypedArrayPrototypeGetByteLength: getter(TypedArrayPrototype, "byteLength"),
  TypedArrayPrototypeGetSymbolToStringTag: getter(TypedArrayPrototype, Symbol.toStringTag),
  TypedArrayPrototypeSet: uncurryThis(TypedArrayPrototype.set),
  DataViewPrototypeGetBuffer: getter(DataView.prototype, "buffer"),
  DataViewPrototypeGetByteOffset: getter(DataView.prototype, "byteOffset"),
  DataViewPrototypeGetByteLength: getter(DataView.prototype, "byteLength"),
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
  SafePromise: Promise,
  StringPrototypeSlice: uncurryThis(String.prototype.slice),
  StringPrototypeCharCodeAt: uncurryThis(String.prototype.charCodeAt),
  StringPrototypeToLowerCase: uncurryThis(String.prototype.toLowerCase),
  StringPrototypeToUpperCase: uncurryThis(String.prototype.toUpperCase),
  StringPrototypeLastIndexOf: uncurryThis(String.prototype.lastIndexOf),
  StringFromCharCode: String.fromCharCode,
  NumberPrototypeToString: uncurryThis(Number.prototype.toString),
  ArrayPrototypePop: uncurryThis(Array.prototype.pop),
  ArrayPrototypeSlice: uncurryThis(Array.prototype.slice),
  SafeRegExp: RegExp,
  RegExpPrototypeExec: uncurryThis(RegExp.prototype.exec),
  MathPow: Math.pow,
  ErrorCaptureStackTrace: Error.captureStackTrace,
  TypeError,
  RangeError,
  Error,
});

const ReflectApply = Reflect.apply;
const SymbolIterator = Symbol.iterator;
const TypeErrorCtor = TypeError;
const isObject = (value) => (typeof value === "object" && value !== null) || typeof value === "function";

/// Web IDL conventions shared by the runtime's classes.
internals.webIDL = Object.freeze({
  /// DOMString conversion: ToString, which throws a TypeError for symbols.
  toDOMString: (value) => (typeof value === "string" ? value : `${value}`),
  /// Web IDL's conversion of an iterable to a sequence: `each(item)` for every value its iterator
  /// gives (the iterator's `next` read once); `what` names the value in the TypeError.
  forEachOfSequence(value, what, each) {
    if (!isObject(value) || typeof value[SymbolIterator] !== "function") throw new TypeErrorCtor(`${what} can not be converted to sequence.`);
    const iterator = ReflectApply(value[SymbolIterator], value, []);
    const next = iterator.next;
    for (;;) {
      const result = ReflectApply(next, iterator, []);
      if (!isObject(result)) throw new TypeErrorCtor(`${what}: the iterator result is not an object.`);
      if (result.done) return;
      each(result.value);
    }
  },
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
  /// An interface's prototype as Web IDL has it (enumerable members, its tag), as a global.
  exportInterface(Class, name) {
    internals.webIDL.makeMembersEnumerable(Class.prototype);
    internals.webIDL.setToStringTag(Class.prototype, name);
    internals.defineGlobal(name, Class);
  },
});

// `internals.hostOp` (the numbers of the host operations, `ops.host(op, ...)`) is defined by
// core/01_host_ops.js, which the host generates from its HostOperation enum.

internals.defineGlobal("self", globalThis);

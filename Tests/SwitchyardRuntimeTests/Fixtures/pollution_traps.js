// The traps of the pollution sweeps (PollutionSweepTests.swift): which prototypes, which keys,
// which kinds of trap, and the hostile arguments every call gets. Prepended to the worker sweep
// (pollution_sweep.js) and to the sweep of the runtime's own operations (pollution_ops.js).

const ReflectDefineProperty = Reflect.defineProperty;
const ReflectGetOwnPropertyDescriptor = Reflect.getOwnPropertyDescriptor;
const ObjectGetPrototypeOf = Object.getPrototypeOf;

const typedArrayPrototype = ObjectGetPrototypeOf(Uint8Array.prototype);
const iteratorPrototype = ObjectGetPrototypeOf(ObjectGetPrototypeOf([][Symbol.iterator]()));
const prototypes = [
  ["Object", Object.prototype], ["Array", Array.prototype], ["Promise", Promise.prototype],
  ["Error", Error.prototype], ["TypedArray", typedArrayPrototype], ["ArrayBuffer", ArrayBuffer.prototype],
  ["Map", Map.prototype], ["String", String.prototype], ["Iterator", iteratorPrototype],
  ["Function", Function.prototype], ["Uint8Array", Uint8Array.prototype], ["Set", Set.prototype],
];

const keys = [
  "0", "1", "2", "3", "4", "5", "6", "length", "constructor", "then", "catch", "finally", "name", "message",
  "stack", "cause", "code", "toString", "valueOf", "toJSON", "next", "done", "value", "return", "get", "set", "has",
  "add", "delete", "size", "keys", "values", "entries", "forEach", "push", "join", "slice", "map", "buffer",
  "byteLength", "byteOffset", "status", "statusText", "headers", "body", "url", "method", "type", "kind",
  "default", "fetch", "exports", "prototype", "href", "search", "hash", "toLowerCase", "split", "replace",
  "indexOf", "charCodeAt", "subarray",
  Symbol.iterator, Symbol.asyncIterator, Symbol.toPrimitive, Symbol.species, Symbol.toStringTag,
  Symbol.hasInstance, Symbol.isConcatSpreadable, Symbol.match, Symbol.replace, Symbol.split, Symbol.search,
  Symbol.unscopables,
];

const modes = ["throwing setter", "throwing getter", "getter returning a booby-trapped Proxy"];

class Trap extends Error {}

// A Proxy whose every trap throws: what a tenant hands to code that trusts objects.
const trapHandler = {};
for (const name of ["get", "set", "has", "deleteProperty", "ownKeys", "getOwnPropertyDescriptor", "defineProperty",
  "getPrototypeOf", "setPrototypeOf", "isExtensible", "preventExtensions", "apply", "construct"]) {
  trapHandler[name] = () => { throw new Trap("proxy trap " + name); };
}
const boobyTrap = () => new Proxy(function () {}, trapHandler);

const hostileObject = {
  get length() { throw new Trap("length"); },
  toString() { throw new Trap("toString"); },
  valueOf() { throw new Trap("valueOf"); },
  [Symbol.toPrimitive]() { throw new Trap("toPrimitive"); },
  get [Symbol.iterator]() { throw new Trap("iterator"); },
};

// Argument lists every callable gets.
const argumentLists = [
  [], ["x"], ["https://example.com/a?b#c"], [hostileObject], [boobyTrap()], [new Uint8Array([104, 105])],
  [{}], ["x", hostileObject], ["x", { method: "POST", body: "b", headers: { a: "b" } }], [1, 2, 3],
  [new ArrayBuffer(8)], [null], [undefined, hostileObject], ["hi", new Uint8Array(8)],
  [new Uint8Array(4), new Uint8Array(4)], [{ a: [1, { b: 2 }], c: new Map([[1, 2]]) }],
  // Shapes the data bindings answer with values (a KV JSON value, a stream, a bulk Map, a list).
  ["x", "json"], ["x", { type: "stream" }], [["x", "y"]], [{ prefix: "x", limit: 5 }],
];

function pollute(proto, key, mode) {
  const descriptor = mode === 0
    ? { set() { throw new Trap("setter"); }, configurable: true }
    : mode === 1
      ? { get() { throw new Trap("getter"); }, configurable: true }
      : { get() { return boobyTrap(); }, configurable: true };
  return ReflectDefineProperty(proto, key, descriptor);
}

const keyName = (key) => (typeof key === "symbol" ? key.toString() : key);

/// Runs `body` with the trap set, then puts the property back as it was.
const ReflectDeleteProperty = Reflect.deleteProperty;
function withTrap(proto, key, mode, body) {
  const saved = ReflectGetOwnPropertyDescriptor(proto, key);
  if (!pollute(proto, key, mode)) return false;
  try {
    body();
  } finally {
    if (saved === undefined) ReflectDeleteProperty(proto, key);
    else ReflectDefineProperty(proto, key, saved);
  }
  return true;
}

// The pollution sweep's worker (PollutionSweepTests.swift): a hostile tenant that booby-traps one
// property of one built-in prototype, then calls everything the runtime offers, answers, and throws.
//
// env.PROTO, env.KEY and env.MODE pick the combination; GET /plan reports how many there are.
// What is called is derived from the runtime itself: every global that ECMAScript does not define
// is the runtime's, and each of its functions, classes, instances, methods and accessors is called
// with hostile arguments. An API added to the runtime later is swept without touching this file.
//
// The traps and hostile arguments come from pollution_traps.js, which the test prepends.
// Everything this driver needs after the pollution is captured first, and it reads only arrays it
// filled before (own elements), so its own loops do not trip over the trap it set.

const ReflectApply = Reflect.apply;
const ReflectConstruct = Reflect.construct;
const ObjectGetOwnPropertyNames = Object.getOwnPropertyNames;
const JSONStringify = JSON.stringify;
const ArrayPrototypePush = Function.prototype.call.bind(Array.prototype.push);

// The global object's own properties that ECMA-262, ECMA-402 and the WebAssembly JS API define.
const ecmascriptGlobals = new Set([
  "globalThis", "Infinity", "NaN", "undefined", "eval", "isFinite", "isNaN", "parseFloat", "parseInt", "decodeURI",
  "decodeURIComponent", "encodeURI", "encodeURIComponent", "escape", "unescape", "AggregateError", "Array",
  "ArrayBuffer", "Atomics", "BigInt", "BigInt64Array", "BigUint64Array", "Boolean", "DataView", "Date", "Error",
  "EvalError", "FinalizationRegistry", "Float32Array", "Float64Array", "Function", "Int8Array", "Int16Array",
  "Int32Array", "Intl", "JSON", "Map", "Math", "Number", "Object", "Promise", "Proxy", "RangeError",
  "ReferenceError", "Reflect", "RegExp", "Set", "SharedArrayBuffer", "String", "Symbol", "SyntaxError", "TypeError",
  "Uint8Array", "Uint8ClampedArray", "Uint16Array", "Uint32Array", "URIError", "WeakMap", "WeakRef", "WeakSet",
  "WebAssembly",
]);

// Shapes D1's objects take (rows of a table, raw rows with their columns, a column, an exec of
// two lines), for the binding objects only: the native operations' sweep keeps its own lists.
ArrayPrototypePush(argumentLists, ["SELECT * FROM t"], [{ columnNames: true }], ["a"], ["SELECT a FROM t;\nSELECT 1"]);

/// Every (receiver, function, arguments, construct) the runtime offers, found before polluting.
function plan(ctx, env) {
  const calls = [];
  const seen = new Set();
  const add = (target, fn, construct) => {
    for (let i = 0; i < argumentLists.length; i++) ArrayPrototypePush(calls, [target, fn, argumentLists[i], construct]);
  };
  const addMembers = (object, receiver) => {
    if (object === null || object === undefined || seen.has(object)) return;
    seen.add(object);
    for (const name of ObjectGetOwnPropertyNames(object)) {
      if (name === "constructor" || name === "caller" || name === "callee" || name === "arguments") continue;
      const descriptor = ReflectGetOwnPropertyDescriptor(object, name);
      if (descriptor.get) ArrayPrototypePush(calls, [receiver, descriptor.get, [], false]);
      if (descriptor.set) add(receiver, descriptor.set, false);
      if (typeof descriptor.value === "function") add(receiver, descriptor.value, false);
    }
  };
  // The bindings' objects too: a DispatchNamespace, a service Fetcher, and a Fetcher from get().
  const instances = [ctx];
  for (const name of ObjectGetOwnPropertyNames(env)) {
    const value = env[name];
    if (typeof value === "object" && value !== null) ArrayPrototypePush(instances, value);
  }
  if (env.DISPATCHER !== undefined) ArrayPrototypePush(instances, env.DISPATCHER.get("nobody"));
  // D1's statements and sessions, unbound and bound.
  if (env.DB !== undefined) {
    ArrayPrototypePush(instances, env.DB.prepare("SELECT * FROM t"));
    ArrayPrototypePush(instances, env.DB.prepare("SELECT ? AS a").bind(1));
    ArrayPrototypePush(instances, env.DB.withSession());
  }
  // What no constructor of a global gives: a MessagePort, a FormData with a file entry, and
  // a Response with its multipart body (formData() parses it).
  if (typeof MessageChannel === "function") ArrayPrototypePush(instances, new MessageChannel().port1);
  if (typeof FormData === "function") {
    const formData = new FormData();
    formData.append("a", "1");
    formData.append("f", new Blob(["x"]), "f.txt");
    ArrayPrototypePush(instances, formData, new Response(formData), formData.entries());
  }
  const globalNames = [];
  for (const name of ObjectGetOwnPropertyNames(globalThis)) {
    if (ecmascriptGlobals.has(name)) continue;
    ArrayPrototypePush(globalNames, name);
    const value = globalThis[name];
    if (typeof value === "function") {
      add(globalThis, value, false);
      if (value.prototype !== undefined) {
        add(undefined, value, true);
        addMembers(value, value);
        for (let i = 0; i < argumentLists.length; i++) {
          try { ArrayPrototypePush(instances, ReflectConstruct(value, argumentLists[i])); } catch {}
        }
      }
    } else if (typeof value === "object" && value !== null && value !== globalThis) {
      ArrayPrototypePush(instances, value);
    }
  }
  // The ECMAScript built-ins the runtime adds (core/06_builtins.js): ECMAScript's own globals
  // are not swept, but these are the runtime's code, so each is called on a receiver of its kind
  // and on a wrong one.
  const iteratorPrototype = ObjectGetPrototypeOf(ObjectGetPrototypeOf([][Symbol.iterator]()));
  const typedArrayPrototype = ObjectGetPrototypeOf(Uint8Array.prototype);
  const detachedGetter = ReflectGetOwnPropertyDescriptor(ArrayBuffer.prototype, "detached").get;
  const added = [
    [[3, 1, 2], Array.prototype, ["toReversed", "toSorted", "toSpliced", "with"]],
    [new Uint8Array([3, 1]), typedArrayPrototype, ["toReversed", "toSorted", "with"]],
    [Object, Object, ["groupBy"]], [Map, Map, ["groupBy"]], [Promise, Promise, ["withResolvers", "try"]],
    [Array, Array, ["fromAsync"]], ["a\uD800", String.prototype, ["isWellFormed", "toWellFormed"]],
    [new ArrayBuffer(8), ArrayBuffer.prototype, ["transfer", "transferToFixedLength"]],
    [new Set([1, 2]), Set.prototype, ["union", "intersection", "difference", "symmetricDifference", "isSubsetOf",
      "isSupersetOf", "isDisjointFrom"]],
    [[1, 2, 3].values(), iteratorPrototype, ["map", "filter", "take", "drop", "flatMap", "reduce", "toArray", "forEach",
      "some", "every", "find"]],
    [Iterator, Iterator, ["from"]], [RegExp, RegExp, ["escape"]],
  ];
  for (const [receiver, holder, names] of added) {
    for (const name of names) {
      add(receiver, holder[name], false);
      add({}, holder[name], false);
    }
  }
  ArrayPrototypePush(calls, [new ArrayBuffer(4), detachedGetter, [], false], [{}, detachedGetter, [], false]);
  const helper = [1, 2].values().map((x) => x);
  ArrayPrototypePush(instances, helper, Iterator.from({ next: () => ({ done: true }) }));
  for (const instance of instances) {
    // Methods and accessors up the instance's own prototype chain, below Object.prototype.
    addMembers(instance, instance);
    for (let proto = ObjectGetPrototypeOf(instance); proto !== null && proto !== Object.prototype;
      proto = ObjectGetPrototypeOf(proto)) {
      addMembers(proto, instance);
      // The same members on a receiver of the wrong kind (brand checks).
      if (!seen.has(proto.constructor)) addMembers(proto, {});
    }
  }
  return { calls, globalNames };
}

// Built before the trap is set, delivered after: the runtime's glue must still read them.
let answers = null;
let requestNumber = 0;

export default {
  // Request 1 sets the trap, calls everything and answers; request 2 throws; request 3 answers
  // again (the trap stays set: globals persist in the isolate).
  fetch(request, env, ctx) {
    if (env.PLAN) {
      const { calls, globalNames } = plan(ctx, env);
      return new Response(JSONStringify({
        prototypes: prototypes.length, keys: keys.length, modes: modes.length, calls: calls.length, globals: globalNames,
      }));
    }
    requestNumber++;
    const proto = prototypes[env.PROTO];
    const key = keys[env.KEY];
    if (requestNumber === 2) throw new Error("thrown while " + proto[0] + ".prototype[" + keyName(key) + "] is trapped");
    if (requestNumber === 3) return answers[1];
    const headers = { "x-sweep": "yes" };
    answers = [new Response("swept " + proto[0], { status: 201, headers }),
      new Response("again " + proto[0], { status: 202, headers })];
    const { calls } = plan(ctx, env);
    let completed = 0, threw = 0;
    if (!pollute(proto[1], key, env.MODE)) return new Response("not configurable", { status: 299 });
    for (let i = 0; i < calls.length; i++) {
      const call = calls[i];
      try {
        if (call[3]) ReflectConstruct(call[1], call[2]);
        else ReflectApply(call[1], call[0], call[2]);
        completed++;
      } catch {
        threw++;
      }
    }
    try {
      // Settles the promises the calls left behind, still polluted, after the response.
      ctx.waitUntil(new Promise((resolve) => { setTimeout(resolve, 1); }));
    } catch {}
    return answers[0];
  },
};

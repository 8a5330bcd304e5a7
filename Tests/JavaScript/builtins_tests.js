// builtins_tests.js — the ECMAScript built-ins that core/06_builtins.js adds to V8 10.2, tested
// against the semantics test262 checks for them (the cases are written here from the spec
// sections cited per area; none is copied from test262). Run inside a real isolate by
// WebAPIConformanceTests.builtins, and in node by node_builtins_driver.js.
//
// Evaluated after conformance_harness.js. runBuiltinsTests() resolves to { passed, failed, failures, areas: { area: passed } }.

async function runBuiltinsTests() {
  "use strict";
  const { test, fail, show, same, throws, rejects, run } = conformanceHarness();

  // ---- assertions ---------------------------------------------------------------------------
  const sameArray = (actual, expected, what = "array") => {
    if (actual.length !== expected.length) fail(`${what}: expected length ${expected.length}, got ${actual.length} [${[...actual].map(show)}]`);
    for (let i = 0; i < expected.length; i++) same(actual[i], expected[i], `${what}[${i}]`);
  };
  const isConstructor = (fn) => {
    try {
      Reflect.construct(String, [], fn);
      return true;
    } catch {
      return false;
    }
  };
  // What test262's propertyHelper.js and verifyBuiltin check: a method with its name and
  // length, non-enumerable, writable, configurable, not a constructor, without `prototype`.
  const builtin = (object, key, name, length) => {
    const descriptor = Object.getOwnPropertyDescriptor(object, key);
    if (!descriptor) fail(`${String(key)} is missing`);
    same(descriptor.enumerable, false, "enumerable");
    same(descriptor.writable, true, "writable");
    same(descriptor.configurable, true, "configurable");
    const fn = descriptor.value;
    same(typeof fn, "function", "typeof");
    same(fn.name, name, "name");
    same(fn.length, length, "length");
    const lengthDescriptor = Object.getOwnPropertyDescriptor(fn, "length");
    same(lengthDescriptor.writable || lengthDescriptor.enumerable, false, "length attributes");
    same(lengthDescriptor.configurable, true, "length configurable");
    same(isConstructor(fn), false, "is a constructor");
    same(Object.prototype.hasOwnProperty.call(fn, "prototype"), false, "has prototype");
  };
  // A proxy that records [[Get]] of string keys.
  const recording = (target, log) => new Proxy(target, {
    get(t, key, receiver) {
      if (typeof key === "string") log.push(`get ${key}`);
      return Reflect.get(t, key, receiver);
    },
    has(t, key) {
      if (typeof key === "string") log.push(`has ${key}`);
      return Reflect.has(t, key);
    },
  });
  // An iterator over `values` that records next / return and is closeable.
  const loggingIterator = (values, log = []) => {
    let i = 0;
    return {
      log,
      get next() {
        log.push("get next");
        return () => {
          log.push("next");
          return i < values.length ? { value: values[i++], done: false } : { value: undefined, done: true };
        };
      },
      return() {
        log.push("return");
        return {};
      },
    };
  };
  const iterableOf = (iterator) => ({ [Symbol.iterator]: () => iterator });

  // ---- change array by copy: sec-array.prototype.toreversed, -tosorted, -tospliced, -with ----
  test("array-by-copy", "property shapes", () => {
    builtin(Array.prototype, "toReversed", "toReversed", 0);
    builtin(Array.prototype, "toSorted", "toSorted", 1);
    builtin(Array.prototype, "toSpliced", "toSpliced", 2);
    builtin(Array.prototype, "with", "with", 2);
    const unscopables = Array.prototype[Symbol.unscopables];
    same(unscopables.toReversed, true, "unscopables.toReversed");
    same(unscopables.toSorted, true, "unscopables.toSorted");
    same(unscopables.toSpliced, true, "unscopables.toSpliced");
    same(unscopables.with, undefined, "unscopables.with");
  });
  test("array-by-copy", "toReversed copies and leaves the original", () => {
    const a = [1, 2, 3];
    const r = a.toReversed();
    sameArray(r, [3, 2, 1]);
    sameArray(a, [1, 2, 3], "original");
    same(r === a, false, "a copy");
  });
  test("array-by-copy", "toReversed reads holes as undefined, own properties", () => {
    const r = [0, , 2].toReversed();
    sameArray(r, [2, undefined, 0]);
    same(Object.prototype.hasOwnProperty.call(r, 1), true, "hole became own");
  });
  test("array-by-copy", "toReversed reads length, then indices from the end", () => {
    const log = [];
    Array.prototype.toReversed.call(recording({ length: 3, 0: "a", 1: "b", 2: "c" }, log));
    sameArray(log, ["get length", "get 2", "get 1", "get 0"], "gets");
  });
  test("array-by-copy", "species is not used", () => {
    const a = [3, 1, 2];
    a.constructor = { [Symbol.species]: function () { fail("species used"); } };
    for (const r of [a.toReversed(), a.toSorted(), a.toSpliced(0, 1), a.with(0, 0)]) {
      same(Object.getPrototypeOf(r), Array.prototype, "prototype");
      same(Array.isArray(r), true, "is an array");
    }
  });
  test("array-by-copy", "generic this: array-likes and primitives", () => {
    sameArray(Array.prototype.toReversed.call({ length: "2", 0: "x", 1: "y" }), ["y", "x"]);
    sameArray(Array.prototype.toSorted.call({ length: 2.9, 0: 3, 1: 1 }), [1, 3]);
    sameArray(Array.prototype.toReversed.call(true), []);
    sameArray(Array.prototype.toReversed.call({ length: -5 }), []);
    sameArray(Array.prototype.with.call("ab", 0, "z"), ["z", "b"]);
    throws(TypeError, () => Array.prototype.toReversed.call(null), "null this");
    throws(TypeError, () => Array.prototype.toSorted.call(undefined), "undefined this");
  });
  test("array-by-copy", "lengths over 2^32 - 1 are a RangeError (ArrayCreate)", () => {
    throws(RangeError, () => Array.prototype.toReversed.call({ length: 2 ** 32 }), "toReversed");
    throws(RangeError, () => Array.prototype.toSorted.call({ length: 2 ** 32 }), "toSorted");
    throws(RangeError, () => Array.prototype.with.call({ length: 2 ** 32 }, 0, 0), "with");
    throws(RangeError, () => Array.prototype.toSpliced.call({ length: 2 ** 32 }, 0, 0), "toSpliced");
    throws(RangeError, () => Array.prototype.toReversed.call({ length: Infinity }), "clamped to 2^53 - 1");
  });
  test("array-by-copy", "toSorted: comparefn checked before this is read", () => {
    const log = [];
    for (const bad of [null, true, 0, "", {}, Symbol()]) {
      throws(TypeError, () => Array.prototype.toSorted.call(recording({ length: 1 }, log), bad), `comparefn ${typeof bad}`);
    }
    same(log.length, 0, "length read");
  });
  test("array-by-copy", "toSorted sorts a copy, holes as undefined at the end", () => {
    const a = [3, , 1, undefined, 2];
    sameArray(a.toSorted(), [1, 2, 3, undefined, undefined]);
    same(a[0], 3, "original");
    sameArray([10, 9, 1].toSorted(), [1, 10, 9], "string order");
    sameArray([10, 9, 1].toSorted((x, y) => x - y), [1, 9, 10], "comparefn");
    sameArray(["b", "a"].toSorted(undefined), ["a", "b"], "undefined comparefn");
  });
  test("array-by-copy", "toSorted reads every index before comparing", () => {
    const log = [];
    const object = recording({ length: 3, 0: 2, 1: 1, 2: 0 }, log);
    Array.prototype.toSorted.call(object, (x, y) => {
      log.push("compare");
      return x - y;
    });
    sameArray(log.slice(0, 4), ["get length", "get 0", "get 1", "get 2"], "gets before compare");
  });
  test("array-by-copy", "toSpliced: delete, insert, argument forms", () => {
    const a = [1, 2, 3, 4];
    sameArray(a.toSpliced(1, 2, "a", "b", "c"), [1, "a", "b", "c", 4]);
    sameArray(a, [1, 2, 3, 4], "original");
    sameArray(a.toSpliced(), [1, 2, 3, 4], "no arguments");
    sameArray(a.toSpliced(1), [1], "start only");
    sameArray(a.toSpliced(1, undefined), [1, 2, 3, 4], "skipCount undefined is 0");
    sameArray(a.toSpliced(-1, 1), [1, 2, 3], "negative start");
    sameArray(a.toSpliced(-Infinity, 1), [2, 3, 4], "-Infinity start");
    sameArray(a.toSpliced(10, 1, 5), [1, 2, 3, 4, 5], "start past the end");
    sameArray(a.toSpliced(1, -3, 0), [1, 0, 2, 3, 4], "negative skipCount");
    sameArray(a.toSpliced(1.9, 1.9), [1, 3, 4], "truncation");
    sameArray([, 1].toSpliced(0, 0), [undefined, 1], "holes read");
  });
  test("array-by-copy", "toSpliced: conversions in order, then reads", () => {
    const log = [];
    const object = recording({ length: 3, 0: "a", 1: "b", 2: "c" }, log);
    const start = { valueOf() { log.push("start"); return 1; } };
    const skip = { valueOf() { log.push("skip"); return 1; } };
    sameArray(Array.prototype.toSpliced.call(object, start, skip, "x"), ["a", "x", "c"]);
    sameArray(log, ["get length", "start", "skip", "get 0", "get 2"], "order");
  });
  test("array-by-copy", "toSpliced: a new length over 2^53 - 1 is a TypeError", () => {
    throws(TypeError, () => Array.prototype.toSpliced.call({ length: 2 ** 53 - 1 }, 0, 0, 1), "too long");
  });
  test("array-by-copy", "with: replaces one index, validates it", () => {
    sameArray([1, 2, 3].with(1, 9), [1, 9, 3]);
    sameArray([1, 2, 3].with(-1, 9), [1, 2, 9], "negative");
    sameArray([1, 2, 3].with("1", 9), [1, 9, 3], "string index");
    sameArray([1, 2, 3].with(1.7, 9), [1, 9, 3], "truncated");
    sameArray([, 2].with(1, 0), [undefined, 0], "hole read");
    throws(RangeError, () => [1, 2, 3].with(3, 0), "index = length");
    throws(RangeError, () => [1, 2, 3].with(-4, 0), "index < -length");
    throws(RangeError, () => [1].with(Infinity, 0), "Infinity");
    throws(RangeError, () => [].with(0, 0), "empty");
    throws(TypeError, () => [1].with(Symbol(), 0), "symbol index");
    throws(TypeError, () => [1].with(0n, 0), "BigInt index (ToNumber)");
  });
  test("array-by-copy", "a frozen array is copied", () => {
    const a = Object.freeze([2, 1]);
    sameArray(a.toSorted(), [1, 2]);
    sameArray(a.with(0, 5), [5, 1]);
  });

  // ---- %TypedArray%.prototype.toReversed / toSorted / with ----------------------------------
  const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);
  test("typed-array-by-copy", "property shapes", () => {
    builtin(TypedArrayPrototype, "toReversed", "toReversed", 0);
    builtin(TypedArrayPrototype, "toSorted", "toSorted", 1);
    builtin(TypedArrayPrototype, "with", "with", 2);
    same("toSpliced" in TypedArrayPrototype, false, "no toSpliced");
  });
  test("typed-array-by-copy", "results are the same kind, ignoring constructor and species", () => {
    for (const C of [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array]) {
      const ta = new C([1, 3, 2]);
      ta.constructor = Int8Array;
      Object.defineProperty(ta, "constructor", { get() { fail("constructor read"); } });
      for (const r of [ta.toReversed(), ta.toSorted(), ta.with(0, 7)]) same(Object.getPrototypeOf(r), C.prototype, C.name);
      sameArray(ta.toReversed(), [2, 3, 1], `${C.name} toReversed`);
      sameArray(ta.toSorted(), [1, 2, 3], `${C.name} toSorted`);
      sameArray(ta.with(-1, 7), [1, 3, 7], `${C.name} with`);
      sameArray(ta, [1, 3, 2], `${C.name} original`);
    }
    const big = new BigInt64Array([3n, 1n]);
    sameArray(big.toSorted(), [1n, 3n], "BigInt64Array");
    same(Object.getPrototypeOf(big.toReversed()), BigInt64Array.prototype, "BigInt64Array kind");
  });
  test("typed-array-by-copy", "toSorted is numeric, with -0 before +0 and NaN last", () => {
    const r = new Float64Array([3, 0, NaN, -0, -Infinity, 10]).toSorted();
    sameArray(r, [-Infinity, -0, 0, 3, 10, NaN]);
    sameArray(new Float64Array([1, 2, 3]).toSorted((a, b) => b - a), [3, 2, 1], "comparefn");
    throws(TypeError, () => new Uint8Array(1).toSorted(null), "comparefn null");
  });
  test("typed-array-by-copy", "not generic, detached is a TypeError", () => {
    throws(TypeError, () => TypedArrayPrototype.toReversed.call([1]), "array this");
    throws(TypeError, () => TypedArrayPrototype.with.call({ length: 1 }, 0, 0), "array-like this");
    const ta = new Uint8Array(4);
    ta.buffer.transfer();
    throws(TypeError, () => ta.toReversed(), "detached toReversed");
    throws(TypeError, () => ta.toSorted(), "detached toSorted");
    throws(TypeError, () => ta.with(0, 0), "detached with");
    if (typeof SharedArrayBuffer === "function") {
      const shared = new Uint8Array(new SharedArrayBuffer(2));
      shared[0] = 1;
      sameArray(shared.toReversed(), [0, 1], "over a SharedArrayBuffer");
      sameArray(shared.with(1, 5), [1, 5], "with over a SharedArrayBuffer");
    }
  });
  test("typed-array-by-copy", "with converts the value before checking the index", () => {
    const log = [];
    const value = { valueOf() { log.push("valueOf"); return 1; } };
    throws(RangeError, () => new Uint8Array(2).with(2, value), "index = length");
    sameArray(log, ["valueOf"], "converted first");
    throws(TypeError, () => new BigInt64Array(1).with(0, 1), "Number into BigInt64Array");
    sameArray(new BigInt64Array(1).with(0, 5n), [5n], "BigInt");
    throws(TypeError, () => new Uint8Array(1).with(0, 1n), "BigInt into Uint8Array");
    sameArray(new Uint8Array(1).with(0, 257), [1], "modular");
    const ta = new Uint8Array(2);
    const detaching = { valueOf() { ta.buffer.transfer(); return 1; } };
    throws(RangeError, () => ta.with(0, detaching), "detached by the conversion");
  });

  // ---- GroupBy: sec-object.groupby, sec-map.groupby, sec-groupby ----------------------------
  test("groupBy", "property shapes", () => {
    builtin(Object, "groupBy", "groupBy", 2);
    builtin(Map, "groupBy", "groupBy", 2);
  });
  test("groupBy", "Object.groupBy: null-prototype object, arrays in first-seen order", () => {
    const result = Object.groupBy([1, 2, 3, 4, 5], (x) => (x % 2 ? "odd" : "even"));
    same(Object.getPrototypeOf(result), null, "prototype");
    sameArray(Object.keys(result), ["odd", "even"], "keys");
    sameArray(result.odd, [1, 3, 5], "odd");
    sameArray(result.even, [2, 4], "even");
    same(Object.getOwnPropertyDescriptor(result, "odd").enumerable, true, "enumerable");
  });
  test("groupBy", "callback gets (value, index) and undefined this", () => {
    const calls = [];
    Object.groupBy(["a", "b"], function (...args) {
      calls.push([this, ...args]);
      return "k";
    });
    same(calls.length, 2, "calls");
    same(calls[1].length, 3, "arguments");
    same(calls[1][0], undefined, "this");
    same(calls[1][1], "b", "value");
    same(calls[1][2], 1, "index");
  });
  test("groupBy", "Object.groupBy keys are property keys", () => {
    const symbol = Symbol("s");
    const result = Object.groupBy([1, 2, 3, 4], (x) => (x === 1 ? 1 : x === 2 ? symbol : x === 3 ? { toString: () => "o" } : -0));
    sameArray(result[1], [1], "number to string");
    sameArray(result[symbol], [2], "symbol");
    sameArray(result.o, [3], "object toString");
    sameArray(result["0"], [4], "-0 to '0'");
    const toSymbol = { [Symbol.toPrimitive]: () => symbol };
    sameArray(Object.groupBy([9], () => toSymbol)[symbol], [9], "ToPrimitive to a symbol");
  });
  test("groupBy", "strings iterate by code point", () => {
    const result = Object.groupBy("a\u{1F600}b", (c) => (c.length === 2 ? "wide" : "narrow"));
    sameArray(result.wide, ["\u{1F600}"], "wide");
    sameArray(result.narrow, ["a", "b"], "narrow");
  });
  test("groupBy", "errors: items, callback, non-iterable", () => {
    throws(TypeError, () => Object.groupBy(null, () => 0), "null items");
    throws(TypeError, () => Map.groupBy(undefined, () => 0), "undefined items");
    throws(TypeError, () => Object.groupBy([], null), "callback");
    throws(TypeError, () => Object.groupBy({}, () => 0), "not iterable");
    throws(TypeError, () => Map.groupBy(1, () => 0), "number");
  });
  test("groupBy", "a throwing callback closes the iterator", () => {
    const log = [];
    const iterator = loggingIterator([1, 2], log);
    throws(SyntaxError, () => Object.groupBy(iterableOf(iterator), () => { throw new SyntaxError("x"); }), "callback");
    sameArray(log, ["get next", "next", "return"], "closed");
    const log2 = [];
    throws(TypeError, () => Object.groupBy(iterableOf(loggingIterator([1], log2)), () => ({ toString: null, valueOf: null })), "key conversion");
    same(log2[log2.length - 1], "return", "closed after key conversion");
  });
  test("groupBy", "errors of next do not close the iterator", () => {
    let returned = false;
    const iterable = { [Symbol.iterator]: () => ({ next() { throw new SyntaxError("n"); }, return() { returned = true; return {}; } }) };
    throws(SyntaxError, () => Object.groupBy(iterable, () => 0), "next throws");
    same(returned, false, "return called");
  });
  test("groupBy", "Map.groupBy: SameValueZero keys, -0 becomes +0, a real Map", () => {
    const key = {};
    const result = Map.groupBy([1, 2, 3, 4, 5], (x) => (x === 1 ? -0 : x === 2 ? 0 : x === 3 ? NaN : x === 4 ? NaN : key));
    same(result instanceof Map, true, "Map");
    same(Object.getPrototypeOf(result), Map.prototype, "prototype");
    sameArray([...result.keys()].length === 3 ? [3] : [result.size], [3], "three groups");
    same(Object.is([...result.keys()][0], 0), true, "+0");
    sameArray(result.get(0), [1, 2], "zeros");
    sameArray(result.get(NaN), [3, 4], "NaN");
    sameArray(result.get(key), [5], "object key");
  });
  test("groupBy", "uses the array iterator the spec reads, not a captured one", () => {
    const original = Array.prototype[Symbol.iterator];
    let used = 0;
    Array.prototype[Symbol.iterator] = function () {
      used++;
      return original.call(this);
    };
    try {
      sameArray(Object.groupBy([1, 2], () => "k").k, [1, 2], "groups");
      Map.groupBy([1], () => "k");
    } finally {
      Array.prototype[Symbol.iterator] = original;
    }
    same(used, 2, "tenant iterator calls");
  });

  // ---- Promise.withResolvers (sec-promise.withResolvers), Promise.try (sec-promise.try) -----
  test("promise", "property shapes", () => {
    builtin(Promise, "withResolvers", "withResolvers", 0);
    builtin(Promise, "try", "try", 1);
  });
  test("promise", "withResolvers: an ordinary object with three data properties", async () => {
    const r = Promise.withResolvers();
    same(Object.getPrototypeOf(r), Object.prototype, "prototype");
    sameArray(Object.keys(r), ["promise", "resolve", "reject"], "keys");
    same(r.promise instanceof Promise, true, "promise");
    r.resolve(42);
    same(await r.promise, 42, "resolved");
    const r2 = Promise.withResolvers();
    r2.reject(new SyntaxError("no"));
    await rejects(SyntaxError, r2.promise, "rejected");
  });
  test("promise", "withResolvers: this is the constructor", () => {
    class MyPromise extends Promise {}
    same(Promise.withResolvers.call(MyPromise).promise instanceof MyPromise, true, "subclass");
    throws(TypeError, () => Promise.withResolvers.call(undefined), "undefined this");
    throws(TypeError, () => Promise.withResolvers.call({}), "non-constructor");
    throws(TypeError, () => Promise.withResolvers.call(function (executor) {}), "executor not called");
    let executorShape;
    Promise.withResolvers.call(function (executor) {
      executorShape = [executor.length, executor.name, isConstructor(executor)];
      executor(() => {}, () => {});
    });
    sameArray(executorShape, [2, "", false], "executor");
  });
  test("promise", "try: calls synchronously, resolves with the result", async () => {
    const log = [];
    const promise = Promise.try((...args) => {
      log.push(args);
      return "ok";
    }, 1, 2);
    same(log.length, 1, "called synchronously");
    sameArray(log[0], [1, 2], "arguments");
    same(promise instanceof Promise, true, "a promise");
    same(await promise, "ok", "resolved");
    same(await Promise.try(() => Promise.resolve("inner")), "inner", "adopts a promise");
  });
  test("promise", "try: a throw rejects, a non-callable rejects", async () => {
    await rejects(SyntaxError, Promise.try(() => { throw new SyntaxError("x"); }), "throw");
    await rejects(TypeError, Promise.try(42), "non-callable");
    throws(TypeError, () => Promise.try.call(undefined, () => {}), "undefined this");
    throws(TypeError, () => Promise.try.call({}, () => {}), "non-constructor this");
    class MyPromise extends Promise {}
    same(Promise.try.call(MyPromise, () => 1) instanceof MyPromise, true, "subclass");
  });

  // ---- Array.fromAsync (proposal-array-from-async, sec-array.fromAsync) -----------------------
  test("fromAsync", "property shape", () => {
    builtin(Array, "fromAsync", "fromAsync", 1);
  });
  test("fromAsync", "async iterables, sync iterables, array-likes", async () => {
    async function* generate() {
      yield 1;
      yield 2;
    }
    sameArray(await Array.fromAsync(generate()), [1, 2], "async generator");
    sameArray(await Array.fromAsync([Promise.resolve(1), 2]), [1, 2], "sync values awaited");
    sameArray(await Array.fromAsync({ length: 2, 0: Promise.resolve("a"), 1: "b" }), ["a", "b"], "array-like awaited");
    sameArray(await Array.fromAsync(new Set([3, 4])), [3, 4], "Set");
    sameArray(await Array.fromAsync("ab"), ["a", "b"], "string");
  });
  test("fromAsync", "an async iterator is not awaited for its values", async () => {
    const p = Promise.resolve(1);
    const iterable = { [Symbol.asyncIterator]() { let done = false; return { next() { const r = { value: p, done }; done = true; return r; } }; } };
    const result = await Array.fromAsync(iterable);
    same(result[0], p, "value kept as the promise");
  });
  test("fromAsync", "@@asyncIterator wins over @@iterator", async () => {
    const iterable = {
      [Symbol.asyncIterator]: async function* () { yield "async"; },
      [Symbol.iterator]: function* () { yield "sync"; },
    };
    sameArray(await Array.fromAsync(iterable), ["async"]);
  });
  test("fromAsync", "mapfn is called and awaited, with thisArg", async () => {
    const thisArg = {};
    let seenThis;
    const result = await Array.fromAsync([1, 2], function (x, i) {
      seenThis = this;
      return Promise.resolve(x * 10 + i);
    }, thisArg);
    sameArray(result, [10, 21]);
    same(seenThis, thisArg, "thisArg");
    sameArray(await Array.fromAsync({ length: 1, 0: 5 }, (x) => x + 1), [6], "array-like");
  });
  test("fromAsync", "errors become rejections", async () => {
    await rejects(TypeError, Array.fromAsync([1], "not callable"), "mapfn");
    await rejects(TypeError, Array.fromAsync(null), "null");
    await rejects(TypeError, Array.fromAsync({ [Symbol.iterator]: 1 }), "non-callable @@iterator");
    const rejected = Promise.reject(new SyntaxError("r"));
    rejected.catch(() => {});
    await rejects(SyntaxError, Array.fromAsync([rejected]), "rejected element");
  });
  test("fromAsync", "a throwing mapfn closes a sync iterator", async () => {
    const log = [];
    await rejects(SyntaxError, Array.fromAsync(iterableOf(loggingIterator([1, 2], log)), () => { throw new SyntaxError("m"); }), "mapfn throws");
    same(log.includes("return"), true, "closed");
  });
  test("fromAsync", "a rejected value closes a sync iterator", async () => {
    const log = [];
    const rejected = Promise.reject(new SyntaxError("r"));
    rejected.catch(() => {});
    await rejects(SyntaxError, Array.fromAsync(iterableOf(loggingIterator([rejected, 2], log))), "rejection");
    same(log.includes("return"), true, "closed");
  });
  test("fromAsync", "this as constructor", async () => {
    const calls = [];
    function C(...args) { calls.push(args); }
    const fromIterable = await Array.fromAsync.call(C, [1, 2]);
    same(fromIterable instanceof C, true, "iterable: instance");
    same(fromIterable.length, 2, "length set");
    same(fromIterable[1], 2, "element");
    const fromArrayLike = await Array.fromAsync.call(C, { length: 3, 0: 1, 1: 2, 2: 3 });
    same(fromArrayLike instanceof C, true, "array-like: instance");
    sameArray(calls[0], [], "iterable: no arguments");
    sameArray(calls[1], [3], "array-like: length");
    const plain = await Array.fromAsync.call({}, [1]);
    same(Array.isArray(plain), true, "non-constructor this gives an array");
    const arrow = await Array.fromAsync.call(() => {}, [1]);
    same(Array.isArray(arrow), true, "arrow this gives an array");
  });
  test("fromAsync", "returns a promise even for synchronous errors", async () => {
    const result = Array.fromAsync(undefined);
    same(result instanceof Promise, true, "a promise");
    await rejects(TypeError, result, "rejected");
  });

  // ---- sec-string.prototype.iswellformed, sec-string.prototype.towellformed -----------------
  test("well-formed", "property shapes", () => {
    builtin(String.prototype, "isWellFormed", "isWellFormed", 0);
    builtin(String.prototype, "toWellFormed", "toWellFormed", 0);
  });
  test("well-formed", "lone surrogates", () => {
    const cases = [
      ["abc", true, "abc"],
      ["", true, ""],
      ["\u{1F600}", true, "\u{1F600}"],
      ["\uD800", false, "\uFFFD"],
      ["\uDC00", false, "\uFFFD"],
      ["a\uD800b", false, "a\uFFFDb"],
      ["\uDC00\uD800", false, "\uFFFD\uFFFD"],
      ["\uD83D\uDE00\uD83D", false, "\uD83D\uDE00\uFFFD"],
      ["x\uDE00\uD83D\uDE00", false, "x\uFFFD\uD83D\uDE00"],
    ];
    for (const [text, wellFormed, fixed] of cases) {
      same(text.isWellFormed(), wellFormed, `isWellFormed ${escape(text)}`);
      same(text.toWellFormed(), fixed, `toWellFormed ${escape(text)}`);
    }
  });
  test("well-formed", "this is RequireObjectCoercible then ToString", () => {
    throws(TypeError, () => String.prototype.isWellFormed.call(null), "null");
    throws(TypeError, () => String.prototype.toWellFormed.call(undefined), "undefined");
    throws(TypeError, () => String.prototype.isWellFormed.call(Symbol()), "symbol");
    same(String.prototype.toWellFormed.call(123), "123", "number");
    same(String.prototype.isWellFormed.call({ toString: () => "\uD800" }), false, "object");
  });

  // ---- sec-arraybuffer.prototype.transfer, -transfertofixedlength, -detached -------------------
  test("arraybuffer", "property shapes", () => {
    builtin(ArrayBuffer.prototype, "transfer", "transfer", 0);
    builtin(ArrayBuffer.prototype, "transferToFixedLength", "transferToFixedLength", 0);
    const descriptor = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "detached");
    same(typeof descriptor.get, "function", "getter");
    same(descriptor.set, undefined, "no setter");
    same(descriptor.enumerable, false, "enumerable");
    same(descriptor.configurable, true, "configurable");
    same(descriptor.get.name, "get detached", "getter name");
    same(descriptor.get.length, 0, "getter length");
  });
  test("arraybuffer", "transfer moves the bytes and detaches", () => {
    const buffer = new Uint8Array([1, 2, 3, 4]).buffer;
    const view = new Uint8Array(buffer);
    same(buffer.detached, false, "before");
    const moved = buffer.transfer();
    same(buffer.detached, true, "after");
    same(buffer.byteLength, 0, "old length");
    same(view.length, 0, "old view");
    same(moved.detached, false, "new is attached");
    same(Object.getPrototypeOf(moved), ArrayBuffer.prototype, "an %ArrayBuffer%");
    sameArray(new Uint8Array(moved), [1, 2, 3, 4], "bytes");
    throws(TypeError, () => buffer.transfer(), "transfer again");
    throws(TypeError, () => buffer.transferToFixedLength(), "transferToFixedLength again");
    throws(TypeError, () => new Uint8Array(buffer), "no views");
  });
  test("arraybuffer", "a new length truncates or zero-fills", () => {
    const source = () => new Uint8Array([1, 2, 3, 4]).buffer;
    sameArray(new Uint8Array(source().transfer(2)), [1, 2], "shorter");
    sameArray(new Uint8Array(source().transfer(6)), [1, 2, 3, 4, 0, 0], "longer");
    sameArray(new Uint8Array(source().transferToFixedLength(5)), [1, 2, 3, 4, 0], "fixed length");
    same(source().transfer(0).byteLength, 0, "zero");
    same(source().transfer(undefined).byteLength, 4, "undefined is the current length");
    same(source().transfer("3").byteLength, 3, "ToIndex of a string");
    const shorter = source();
    shorter.transfer(1);
    same(shorter.detached, true, "detached after a copy");
    same(new ArrayBuffer(0).transfer().byteLength, 0, "empty buffer");
  });
  test("arraybuffer", "ToIndex RangeErrors, detached checked after the conversion", () => {
    throws(RangeError, () => new ArrayBuffer(1).transfer(-1), "negative");
    throws(RangeError, () => new ArrayBuffer(1).transfer(2 ** 53), "too large");
    const buffer = new ArrayBuffer(4);
    const detaching = { valueOf() { buffer.transfer(); return 2; } };
    throws(TypeError, () => buffer.transfer(detaching), "detached by valueOf");
    const kept = new ArrayBuffer(4);
    throws(RangeError, () => kept.transfer(2 ** 40), "allocation failure");
    same(kept.detached, false, "not detached when allocation fails");
  });
  test("arraybuffer", "receivers: subclasses give %ArrayBuffer%, shared and non-buffers are TypeErrors", () => {
    class MyBuffer extends ArrayBuffer {}
    same(Object.getPrototypeOf(new MyBuffer(2).transfer()), ArrayBuffer.prototype, "no species");
    const getDetached = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "detached").get;
    for (const bad of [{}, new Uint8Array(1), 1, null]) {
      throws(TypeError, () => ArrayBuffer.prototype.transfer.call(bad), "transfer");
      throws(TypeError, () => getDetached.call(bad), "detached");
    }
    if (typeof SharedArrayBuffer === "function") {
      throws(TypeError, () => ArrayBuffer.prototype.transfer.call(new SharedArrayBuffer(1)), "shared transfer");
      throws(TypeError, () => getDetached.call(new SharedArrayBuffer(1)), "shared detached");
    }
  });

  // ---- Set methods: sec-set.prototype.union … isdisjointfrom, sec-getsetrecord ---------------
  const setMethods = ["union", "intersection", "difference", "symmetricDifference", "isSubsetOf", "isSupersetOf", "isDisjointFrom"];
  const setLike = (values, log = [], size = values.length) => ({
    get size() { log.push("size"); return size; },
    get has() { log.push("get has"); return (v) => { log.push(`has ${String(v)}`); return values.includes(v); }; },
    get keys() {
      log.push("get keys");
      return () => {
        log.push("keys()");
        let i = 0;
        return {
          next: () => (i < values.length ? { value: values[i++], done: false } : { done: true }),
          return: () => { log.push("return"); return {}; },
        };
      };
    },
  });
  test("set-methods", "property shapes", () => {
    for (const name of setMethods) builtin(Set.prototype, name, name, 1);
  });
  test("set-methods", "results", () => {
    const a = new Set([1, 2, 3]);
    const b = new Set([3, 4]);
    sameArray([...a.union(b)], [1, 2, 3, 4], "union");
    sameArray([...a.intersection(b)], [3], "intersection");
    sameArray([...a.difference(b)], [1, 2], "difference");
    sameArray([...a.symmetricDifference(b)], [1, 2, 4], "symmetricDifference");
    same(new Set([1]).isSubsetOf(a), true, "isSubsetOf");
    same(a.isSubsetOf(b), false, "not isSubsetOf");
    same(a.isSupersetOf(new Set([1, 2])), true, "isSupersetOf");
    same(a.isSupersetOf(b), false, "not isSupersetOf");
    same(a.isDisjointFrom(new Set([7])), true, "isDisjointFrom");
    same(a.isDisjointFrom(b), false, "not isDisjointFrom");
    sameArray([...a], [1, 2, 3], "this unchanged");
    const fromMap = a.intersection(new Map([[2, "x"], [9, "y"]]));
    sameArray([...fromMap], [2], "a Map is set-like");
  });
  test("set-methods", "GetSetRecord: size, has, keys in order, validated", () => {
    const log = [];
    new Set([1]).union(setLike([2], log));
    sameArray(log.slice(0, 4), ["size", "get has", "get keys", "keys()"], "order");
    for (const name of setMethods) {
      const set = new Set([1]);
      throws(TypeError, () => set[name]([1]), `${name}: an array has no size`);
      throws(TypeError, () => set[name]({ size: undefined, has() {}, keys() {} }), `${name}: undefined size`);
      throws(TypeError, () => set[name]({ size: NaN, has() {}, keys() {} }), `${name}: NaN size`);
      throws(TypeError, () => set[name]({ size: 1n, has() {}, keys() {} }), `${name}: BigInt size`);
      throws(RangeError, () => set[name]({ size: -1, has() {}, keys() {} }), `${name}: negative size`);
      throws(TypeError, () => set[name]({ size: 1, has: 1, keys() {} }), `${name}: has`);
      throws(TypeError, () => set[name]({ size: 1, has() {}, keys: {} }), `${name}: keys`);
      throws(TypeError, () => set[name](1), `${name}: primitive`);
      throws(TypeError, () => Set.prototype[name].call(new Map(), new Set()), `${name}: this is a Map`);
      throws(TypeError, () => Set.prototype[name].call({ size: 0, has() {}, keys() {} }, new Set()), `${name}: set-like this`);
    }
    let converted = 0;
    new Set().union({ size: { valueOf() { converted++; return 0; } }, has() {}, keys() { return [][Symbol.iterator](); } });
    same(converted, 1, "size converted with ToNumber");
  });
  test("set-methods", "intersection picks has or keys by size", () => {
    const log = [];
    sameArray([...new Set([1, 2]).intersection(setLike([2, 3, 4], log))], [2], "small this");
    same(log.includes("keys()"), false, "keys not called");
    same(log.includes("has 1"), true, "has called");
    const log2 = [];
    sameArray([...new Set([1, 2, 3]).intersection(setLike([3, 2], log2))], [3, 2], "large this: other's order");
    same(log2.some((entry) => entry.startsWith("has ")), false, "has not called");
  });
  test("set-methods", "keys yielding -0 is +0", () => {
    const minusZero = { size: 1, has: () => false, keys: () => [-0][Symbol.iterator]() };
    same(Object.is([...new Set().union(minusZero)][0], 0), true, "union");
    same(Object.is([...new Set().symmetricDifference(minusZero)][0], 0), true, "symmetricDifference");
    same(Object.is([...new Set([0, 1]).intersection(minusZero)][0], 0), true, "intersection");
  });
  test("set-methods", "early answers close the keys iterator", () => {
    const log = [];
    same(new Set([1]).isSupersetOf(setLike([2], log)), false, "isSupersetOf");
    same(log[log.length - 1], "return", "closed");
    const log2 = [];
    same(new Set([1, 2, 3]).isDisjointFrom(setLike([2], log2)), false, "isDisjointFrom");
    same(log2[log2.length - 1], "return", "closed");
    const log3 = [];
    same(new Set([1, 2]).isSubsetOf(setLike([1], log3)), false, "isSubsetOf by size");
    same(log3.includes("has 1"), false, "no has call");
  });
  test("set-methods", "results are plain Sets, overrides of this are not used", () => {
    class MySet extends Set {
      has() { fail("this.has used"); }
      add() { fail("this.add used"); }
      get size() { fail("this.size used"); }
    }
    const mine = Object.setPrototypeOf(new Set([1, 2]), MySet.prototype);
    const other = new Set([2, 3]);
    for (const name of ["union", "intersection", "difference", "symmetricDifference"]) {
      same(Object.getPrototypeOf(mine[name](other)), Set.prototype, name);
    }
    same(mine.isSubsetOf(other), false, "isSubsetOf");
    same(mine.isDisjointFrom(other), false, "isDisjointFrom");
  });
  test("set-methods", "size Infinity is accepted", () => {
    const everything = { size: Infinity, has: () => true, keys() { fail("keys"); } };
    same(new Set([1, 2]).isSubsetOf(everything), true, "isSubsetOf");
    sameArray([...new Set([1, 2]).intersection(everything)], [1, 2], "intersection");
    sameArray([...new Set([1, 2]).difference(everything)], [], "difference");
  });
  test("set-methods", "difference by has removes, mutation of this during has is tolerated", () => {
    const a = new Set([1, 2, 3]);
    const other = { size: 10, has(v) { if (v === 1) a.delete(2); return v === 3; }, keys() { fail("keys"); } };
    sameArray([...a.difference(other)], [1, 2], "works on a copy");
  });

  // ---- Iterator helpers: sec-iterator-constructor, sec-%iteratorhelperprototype%-object ---------
  const IteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));
  test("iterator-helpers", "Iterator: abstract constructor over %IteratorPrototype%", () => {
    same(typeof Iterator, "function", "global");
    same(Object.getOwnPropertyDescriptor(globalThis, "Iterator").enumerable, false, "global not enumerable");
    same(Iterator.prototype, IteratorPrototype, "prototype");
    const descriptor = Object.getOwnPropertyDescriptor(Iterator, "prototype");
    sameArray([descriptor.writable, descriptor.enumerable, descriptor.configurable], [false, false, false], "prototype attributes");
    same(Iterator.length, 0, "length");
    same(Iterator.name, "Iterator", "name");
    throws(TypeError, () => new Iterator(), "new Iterator");
    throws(TypeError, () => Iterator(), "call");
    class MyIterator extends Iterator {
      next() { return { value: 1, done: false }; }
    }
    const mine = new MyIterator();
    same(mine instanceof Iterator, true, "subclass instance");
    sameArray(mine.take(2).toArray(), [1, 1], "subclass helpers");
  });
  test("iterator-helpers", "constructor and @@toStringTag are accessors", () => {
    const tag = Object.getOwnPropertyDescriptor(IteratorPrototype, Symbol.toStringTag);
    same(typeof tag.get, "function", "tag getter");
    same(typeof tag.set, "function", "tag setter");
    same(tag.enumerable, false, "tag enumerable");
    same(IteratorPrototype[Symbol.toStringTag], "Iterator", "tag");
    same(Object.prototype.toString.call([].values()), "[object Array Iterator]", "array iterator's own tag");
    same([].keys().constructor, Iterator, "constructor");
    throws(TypeError, () => { IteratorPrototype[Symbol.toStringTag] = "x"; }, "set on the prototype");
    throws(TypeError, () => tag.set.call(1, "x"), "set on a primitive");
    const own = Object.create(IteratorPrototype);
    own[Symbol.toStringTag] = "Mine";
    same(Object.getOwnPropertyDescriptor(own, Symbol.toStringTag).value, "Mine", "own property created");
    own.constructor = 5;
    same(Object.getOwnPropertyDescriptor(own, "constructor").value, 5, "own constructor");
  });
  test("iterator-helpers", "property shapes", () => {
    for (const [name, length] of [["map", 1], ["filter", 1], ["take", 1], ["drop", 1], ["flatMap", 1], ["reduce", 1],
      ["toArray", 0], ["forEach", 1], ["some", 1], ["every", 1], ["find", 1]]) {
      builtin(IteratorPrototype, name, name, length);
    }
    builtin(Iterator, "from", "from", 1);
    const helper = [].values().map((x) => x);
    const helperPrototype = Object.getPrototypeOf(helper);
    same(Object.getPrototypeOf(helperPrototype), IteratorPrototype, "%IteratorHelperPrototype% inherits");
    builtin(helperPrototype, "next", "next", 0);
    builtin(helperPrototype, "return", "return", 0);
    same(Object.prototype.hasOwnProperty.call(helperPrototype, "constructor"), false, "no constructor");
    same(Object.prototype.toString.call(helper), "[object Iterator Helper]", "tag");
    const tag = Object.getOwnPropertyDescriptor(helperPrototype, Symbol.toStringTag);
    sameArray([tag.writable, tag.enumerable, tag.configurable], [false, false, true], "tag attributes");
    same(Object.getPrototypeOf([].values().filter(Boolean)), helperPrototype, "one prototype for all helpers");
  });
  test("iterator-helpers", "map / filter / take / drop / flatMap values", () => {
    const numbers = () => [1, 2, 3, 4, 5].values();
    sameArray(numbers().map((x, i) => x * 10 + i).toArray(), [10, 21, 32, 43, 54], "map");
    sameArray(numbers().filter((x) => x % 2).toArray(), [1, 3, 5], "filter");
    sameArray(numbers().take(2).toArray(), [1, 2], "take");
    sameArray(numbers().take(Infinity).toArray(), [1, 2, 3, 4, 5], "take Infinity");
    sameArray(numbers().drop(3).toArray(), [4, 5], "drop");
    sameArray(numbers().drop(Infinity).toArray(), [], "drop Infinity");
    sameArray(numbers().take(2.9).toArray(), [1, 2], "take truncates");
    sameArray(numbers().flatMap((x) => (x < 3 ? [x, x] : [])).toArray(), [1, 1, 2, 2], "flatMap");
    sameArray([1].values().flatMap(() => new String("ab")).toArray(), ["a", "b"], "flatMap String object");
    function* naturals() { for (let i = 0; ; i++) yield i; }
    sameArray(naturals().drop(1).filter((x) => x % 2 === 0).map((x) => x * x).take(3).toArray(), [4, 16, 36], "generator chain");
  });
  test("iterator-helpers", "helpers are lazy and read next once", () => {
    const log = [];
    const iterator = Object.setPrototypeOf(loggingIterator([1, 2], log), IteratorPrototype);
    const mapped = iterator.map((x) => {
      log.push(`map ${x}`);
      return x;
    });
    sameArray(log, ["get next"], "next read at creation");
    same(mapped.next().value, 1, "first");
    same(mapped.next().value, 2, "second");
    same(mapped.next().done, true, "done");
    sameArray(log, ["get next", "next", "map 1", "next", "map 2", "next"], "log");
  });
  test("iterator-helpers", "argument validation closes the underlying iterator, before next is read", () => {
    for (const [name, argument, ErrorType] of [["map", null, TypeError], ["filter", 1, TypeError], ["flatMap", {}, TypeError],
      ["take", NaN, RangeError], ["take", -1, RangeError], ["drop", undefined, RangeError], ["drop", -0.5, 0],
      ["reduce", "x", TypeError], ["forEach", null, TypeError], ["some", null, TypeError], ["every", null, TypeError], ["find", null, TypeError]]) {
      const log = [];
      const iterator = Object.setPrototypeOf(loggingIterator([], log), IteratorPrototype);
      if (ErrorType === 0) {
        iterator[name](argument);
        sameArray(log, ["get next"], `${name}(${String(argument)}) is valid`);
        continue;
      }
      throws(ErrorType, () => iterator[name](argument), `${name}(${String(argument)})`);
      sameArray(log, ["return"], `${name} closed without reading next`);
    }
    throws(TypeError, () => IteratorPrototype.map.call(1, (x) => x), "primitive this");
    throws(TypeError, () => IteratorPrototype.toArray.call(null), "null this");
  });
  test("iterator-helpers", "return: before start closes the underlying iterator", () => {
    const log = [];
    const helper = Object.setPrototypeOf(loggingIterator([1], log), IteratorPrototype).map((x) => x);
    const result = helper.return();
    same(result.done, true, "done");
    same(result.value, undefined, "value");
    sameArray(log, ["get next", "return"], "closed, next never called");
    same(helper.next().done, true, "completed");
    helper.return();
    sameArray(log, ["get next", "return"], "closed once");
  });
  test("iterator-helpers", "return: after a yield closes the underlying iterator", () => {
    for (const make of [(it) => it.map((x) => x), (it) => it.filter(() => true), (it) => it.take(5), (it) => it.drop(0), (it) => it.flatMap((x) => [x])]) {
      const log = [];
      const helper = make(Object.setPrototypeOf(loggingIterator([1, 2], log), IteratorPrototype));
      helper.next();
      same(helper.return().done, true, "done");
      same(log[log.length - 1], "return", `closed: ${make}`);
      same(helper.next().done, true, "completed");
    }
  });
  test("iterator-helpers", "return propagates errors of the underlying return", () => {
    const iterator = Object.setPrototypeOf({ next: () => ({ value: 1, done: false }), return() { throw new SyntaxError("r"); } }, IteratorPrototype);
    const helper = iterator.map((x) => x);
    helper.next();
    throws(SyntaxError, () => helper.return(), "return throws");
    const nonObject = Object.setPrototypeOf({ next: () => ({ value: 1, done: false }), return: () => 1 }, IteratorPrototype).map((x) => x);
    nonObject.next();
    throws(TypeError, () => nonObject.return(), "non-object result");
  });
  test("iterator-helpers", "a throwing callback closes; a throwing next does not", () => {
    const log = [];
    const helper = Object.setPrototypeOf(loggingIterator([1], log), IteratorPrototype).map(() => { throw new SyntaxError("m"); });
    throws(SyntaxError, () => helper.next(), "mapper throws");
    same(log[log.length - 1], "return", "closed");
    same(helper.next().done, true, "completed after throw");
    let returned = false;
    const broken = Object.setPrototypeOf({ next() { throw new SyntaxError("n"); }, return() { returned = true; return {}; } }, IteratorPrototype);
    throws(SyntaxError, () => broken.map((x) => x).next(), "next throws");
    same(returned, false, "not closed");
    throws(TypeError, () => Object.setPrototypeOf({ next: () => 1 }, IteratorPrototype).map((x) => x).next(), "non-object result");
  });
  test("iterator-helpers", "re-entering a running helper is a TypeError", () => {
    let helper;
    helper = [1, 2].values().map(() => helper.next());
    throws(TypeError, () => helper.next(), "next inside mapper");
    let helper2;
    helper2 = [1].values().map(() => helper2.return());
    throws(TypeError, () => helper2.next(), "return inside mapper");
    throws(TypeError, () => Object.getPrototypeOf(helper).next.call({}), "next on a non-helper");
    throws(TypeError, () => Object.getPrototypeOf(helper).return.call([].values()), "return on a non-helper");
  });
  test("iterator-helpers", "take(0) closes on the first next; drop does not read dropped values", () => {
    const log = [];
    const taken = Object.setPrototypeOf(loggingIterator([1], log), IteratorPrototype).take(0);
    same(taken.next().done, true, "done");
    sameArray(log, ["get next", "return"], "closed without next");
    let valueReads = 0;
    const counting = Object.setPrototypeOf({
      i: 0,
      next() { const i = this.i++; return { done: i >= 3, get value() { valueReads++; return i; } }; },
    }, IteratorPrototype);
    sameArray(counting.drop(2).toArray(), [2], "drop");
    same(valueReads, 1, "values read");
  });
  test("iterator-helpers", "flatMap rejects strings and closes inner then outer on return", () => {
    throws(TypeError, () => [1].values().flatMap(() => "ab").next(), "string");
    throws(TypeError, () => [1].values().flatMap(() => 1).next(), "number");
    const log = [];
    const outer = Object.setPrototypeOf(loggingIterator([1], log), IteratorPrototype);
    const inner = loggingIterator(["a", "b"], log);
    const helper = outer.flatMap(() => inner);
    same(helper.next().value, "a", "first inner value");
    helper.return();
    sameArray(log.slice(-2), ["return", "return"], "inner and outer closed");
    const iteratorLike = { next() { return { value: 7, done: this.done = !this.done ? false : true }; } };
    sameArray([1].values().flatMap(() => ({ next: () => ({ done: true }) })).toArray(), [], "iterator without @@iterator");
    same(typeof iteratorLike.next, "function", "iterator-like");
  });
  test("iterator-helpers", "reduce, toArray, forEach, some, every, find", () => {
    const numbers = () => [1, 2, 3].values();
    same(numbers().reduce((a, b) => a + b), 6, "reduce");
    same(numbers().reduce((a, b) => a + b, 10), 16, "reduce with initial");
    const counters = [];
    numbers().reduce((a, b, i) => counters.push(i), 0);
    sameArray(counters, [0, 1, 2], "reduce counters with initial");
    const counters2 = [];
    numbers().reduce((a, b, i) => counters2.push(i));
    sameArray(counters2, [1, 2], "reduce counters without initial");
    throws(TypeError, () => [].values().reduce((a, b) => a), "empty without initial");
    same([].values().reduce((a, b) => a, "init"), "init", "empty with initial");
    const array = numbers().toArray();
    same(Array.isArray(array), true, "toArray gives an array");
    const seen = [];
    same(numbers().forEach((x, i) => seen.push([x, i])), undefined, "forEach result");
    same(seen.length, 3, "forEach calls");
    same(numbers().some((x) => x === 2), true, "some");
    same(numbers().some((x) => x === 9), false, "not some");
    same(numbers().every((x) => x > 0), true, "every");
    same(numbers().every((x) => x < 2), false, "not every");
    same(numbers().find((x) => x > 1), 2, "find");
    same(numbers().find((x) => x > 9), undefined, "not found");
  });
  test("iterator-helpers", "some / every / find close on an early answer", () => {
    for (const [name, predicate] of [["some", () => true], ["every", () => false], ["find", () => true]]) {
      const log = [];
      Object.setPrototypeOf(loggingIterator([1, 2], log), IteratorPrototype)[name](predicate);
      sameArray(log, ["get next", "next", "return"], name);
    }
  });
  test("iterator-helpers", "Iterator.from: iterators, iterables, strings, wrappers", () => {
    const arrayIterator = [1].values();
    same(Iterator.from(arrayIterator), arrayIterator, "an Iterator is returned as is");
    sameArray(Iterator.from("a\u{1F600}").toArray(), ["a", "\u{1F600}"], "string by code point");
    sameArray(Iterator.from(new Set([1, 2])).map((x) => x * 2).toArray(), [2, 4], "iterable");
    const log = [];
    const plain = loggingIterator([1, 2], log);
    const wrapper = Iterator.from(plain);
    same(wrapper === plain, false, "a wrapper");
    same(wrapper instanceof Iterator, true, "wrapper inherits");
    same(Object.prototype.hasOwnProperty.call(Object.getPrototypeOf(wrapper), "constructor"), false, "%WrapForValidIteratorPrototype% has no constructor");
    same(wrapper.next().value, 1, "wrapper next");
    same(wrapper.return().done === undefined, true, "return forwards the result");
    same(log[log.length - 1], "return", "wrapper return");
    same(Iterator.from({ next: () => ({ done: true }) }).return().done, true, "return without underlying return");
    throws(TypeError, () => Iterator.from(5), "number");
    throws(TypeError, () => Iterator.from(null), "null");
    throws(TypeError, () => Iterator.from({ [Symbol.iterator]: () => 1 }), "non-object iterator");
    const proto = Object.getPrototypeOf(wrapper);
    throws(TypeError, () => proto.next.call({}), "wrapper next brand");
  });

  // ---- RegExp.escape (sec-regexp.escape, EncodeForRegExpEscape) -------------------------------
  test("regexp-escape", "property shape", () => {
    builtin(RegExp, "escape", "escape", 1);
  });
  test("regexp-escape", "escapes", () => {
    const cases = [
      ["foo", "\\x66oo"],
      ["1111", "\\x31111"],
      ["_abc", "_abc"],
      ["a.b*c", "\\x61\\.b\\*c"],
      ["_.b", "_\\.b"],
      ["^$\\.*+?()[]{}|/", "\\^\\$\\\\\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\/"],
      [",-=<>#&!%:;@~'`\"", "\\x2c\\x2d\\x3d\\x3c\\x3e\\x23\\x26\\x21\\x25\\x3a\\x3b\\x40\\x7e\\x27\\x60\\x22"],
      ["\t\n\v\f\r", "\\t\\n\\v\\f\\r"],
      [" \u00a0\ufeff", "\\x20\\xa0\\ufeff"],
      ["\u2028\u2029\u3000", "\\u2028\\u2029\\u3000"],
      ["\uD800x\uDC00", "\\ud800x\\udc00"],
      ["\u{1F600}", "\u{1F600}"],
      ["é", "é"],
      ["", ""],
      ["a1", "\\x611"],
    ];
    for (const [input, expected] of cases) same(RegExp.escape(input), expected, `escape ${escape(input)}`);
  });
  test("regexp-escape", "non-strings are a TypeError; round trips", () => {
    for (const bad of [1, null, undefined, new String("x"), { toString: () => "x" }, Symbol()]) {
      throws(TypeError, () => RegExp.escape(bad), typeof bad);
    }
    for (const text of ["a.b", "(x)", "1+1=2", "\\d", "$^", "a\u2028b", "x/y", "]["]) {
      same(new RegExp(`^${RegExp.escape(text)}$`).test(text), true, `round trip ${escape(text)}`);
      same(new RegExp(`^${RegExp.escape(text)}$`, "u").test(text), true, `round trip /u ${escape(text)}`);
    }
  });

  // ---- a worker replacing what the new built-ins use ------------------------------------------
  test("tenant-pollution", "captured internals keep working; spec-observed lookups are observed", async () => {
    // Everything this test itself needs is taken before the worker-style replacements.
    const define = Object.defineProperty;
    const describe = Object.getOwnPropertyDescriptor;
    const restore = [];
    const replace = (object, key, value) => {
      const descriptor = describe(object, key);
      restore[restore.length] = () => (descriptor ? define(object, key, descriptor) : delete object[key]);
      define(object, key, { __proto__: null, value, writable: true, configurable: true });
    };
    const trap = (name) => function () { throw new Error(`tenant ${name} used`); };
    const GeneratorPrototype = Object.getPrototypeOf(function* () {}).prototype;
    const SetIteratorPrototype = Object.getPrototypeOf(new Set().values());
    const pair = new Set([1, 2]);
    const one = new Set([1]);
    const bytes = new Uint8Array([2, 1]);
    let result;
    try {
      replace(Array.prototype, Symbol.iterator, trap("Array.prototype[@@iterator]"));
      replace(Set.prototype, "has", trap("Set.prototype.has"));
      replace(Set.prototype, "add", trap("Set.prototype.add"));
      replace(Set.prototype, "delete", trap("Set.prototype.delete"));
      replace(Set.prototype, "values", trap("Set.prototype.values"));
      replace(SetIteratorPrototype, "next", trap("%SetIteratorPrototype%.next"));
      replace(Map.prototype, "set", trap("Map.prototype.set"));
      replace(Map.prototype, "get", trap("Map.prototype.get"));
      replace(Promise.prototype, "then", trap("Promise.prototype.then"));
      replace(GeneratorPrototype, "next", trap("%GeneratorPrototype%.next"));
      replace(GeneratorPrototype, "return", trap("%GeneratorPrototype%.return"));
      replace(Array.prototype, "sort", trap("Array.prototype.sort"));
      replace(Array.prototype, "push", trap("Array.prototype.push"));
      replace(Function.prototype, "call", trap("Function.prototype.call"));
      replace(Function.prototype, "apply", trap("Function.prototype.apply"));
      replace(Reflect, "apply", trap("Reflect.apply"));
      replace(Object, "defineProperty", trap("Object.defineProperty"));
      replace(Object.prototype, "get", undefined);
      define(Object.prototype, "set", { __proto__: null, get: trap("Object.prototype.set getter"), configurable: true });
      restore[restore.length] = () => delete Object.prototype.set;
      define(Array.prototype, "0", { __proto__: null, set: trap("Array.prototype[0] setter"), configurable: true });
      restore[restore.length] = () => delete Array.prototype[0];

      const iterable = (values) => ({ [Symbol.iterator]() { let i = 0; return { next: () => (i < values.length ? { value: values[i++], done: false } : { done: true }) }; } });
      result = {
        toSorted: [3, 1, 2].toSorted(),
        toSpliced: [1, 2, 3].toSpliced(1, 1, "x"),
        with: [1, 2].with(0, 9),
        typed: bytes.toSorted(),
        union: pair.union({ size: 1, has: () => false, keys: () => iterable([3])[Symbol.iterator]() }),
        subset: one.isSubsetOf({ size: 2, has: () => true, keys() {} }),
        groups: Object.groupBy(iterable([1, 2, 3]), (x) => (x > 1 ? "big" : "small")),
        mapGroups: Map.groupBy(iterable([1, 1]), (x) => x),
        helpers: Iterator.from(iterable([1, 2, 3])).map((x) => x * 2).filter((x) => x > 2).toArray(),
        wellFormed: "a\uD800".toWellFormed(),
        escape: RegExp.escape("a.b"),
        resolvers: Promise.withResolvers(),
        transferred: new ArrayBuffer(2).transfer(4).byteLength,
      };
      result.resolvers.resolve("done");
    } finally {
      for (let i = restore.length - 1; i >= 0; i--) restore[i]();
    }
    sameArray(result.toSorted, [1, 2, 3], "toSorted");
    sameArray(result.toSpliced, [1, "x", 3], "toSpliced");
    sameArray(result.with, [9, 2], "with");
    sameArray(result.typed, [1, 2], "typed toSorted");
    sameArray([...result.union], [1, 2, 3], "union");
    same(result.subset, true, "isSubsetOf");
    sameArray(result.groups.big, [2, 3], "groupBy");
    sameArray(result.mapGroups.get(1), [1, 1], "Map.groupBy");
    sameArray(result.helpers, [4, 6], "helpers");
    same(result.wellFormed, "a\uFFFD", "toWellFormed");
    same(result.escape, "\\x61\\.b", "escape");
    same(result.transferred, 4, "transfer");
    same(await result.resolvers.promise, "done", "withResolvers");
    sameArray(await Array.fromAsync({ length: 2, 0: 1, 1: Promise.resolve(2) }), [1, 2], "fromAsync after restore");
  });
  test("tenant-pollution", "Array.fromAsync with Promise.prototype.then replaced", async () => {
    const then = Promise.prototype.then;
    let tenantThenCalls = 0;
    Promise.prototype.then = function (...args) {
      tenantThenCalls++;
      return then.apply(this, args);
    };
    let promise;
    try {
      promise = Array.fromAsync([1, Promise.resolve(2)]);
    } finally {
      Promise.prototype.then = then;
    }
    sameArray(await promise, [1, 2], "result");
    same(tenantThenCalls, 0, "await does not call a native promise's then");
  });

  return run();
}

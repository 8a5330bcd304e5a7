// ECMAScript built-ins that V8 10.2 lacks (ES2023-ES2025 and Array.fromAsync), added before any
// worker code runs: change-array-by-copy, Object.groupBy / Map.groupBy, Promise.withResolvers /
// Promise.try, Array.fromAsync, String.prototype.isWellFormed / toWellFormed,
// ArrayBuffer.prototype.transfer / transferToFixedLength / detached, the Set methods, iterator
// helpers and RegExp.escape.
//
// Each follows its spec algorithm step by step (the `sec-…` anchors of ECMA-262 name them), so
// the order of observable Get / Call on tenant objects is the spec's: where the spec reads a
// tenant-replaceable method (an array's @@iterator in groupBy, a set-like's `has` / `keys`), so
// does this; where it reads internal slots ([[SetData]], a typed array's elements, the
// intrinsic %Map% / %Set% / %Array%), it uses what this file captured at load time, so a worker
// replacing Set.prototype.has or Array.prototype[Symbol.iterator] cannot change the answer where
// the spec says it must not. Results are built with CreateDataProperty (defineProperty with
// descriptors without a prototype), never by index writes a prototype setter could intercept.
//
// Every addition is a method (not a constructor) with the spec's name and length, defined
// non-enumerable, writable and configurable, like the built-ins around it. Resizable
// ArrayBuffers do not exist in V8 10.2 (no --harmony-rab-gsab), so every buffer is fixed-length.
// The loops are JavaScript, so the CPU limit lands inside them (see 05_bounded_builtins.js).

const { uncurryThis, ReflectApply, ObjectDefineProperty, ObjectGetPrototypeOf, ObjectSetPrototypeOf } =
  internals.primordials;
const ObjectCreate = Object.create;
const ObjectIs = Object.is;
const ObjectPrototypeIsPrototypeOf = uncurryThis(Object.prototype.isPrototypeOf);
const ObjectGetOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const ReflectOwnKeys = Reflect.ownKeys;
const ReflectConstruct = Reflect.construct;
const ArrayPrototypeSort = uncurryThis(Array.prototype.sort);
const StringPrototypeCharCodeAt = uncurryThis(String.prototype.charCodeAt);
const StringPrototypeCodePointAt = uncurryThis(String.prototype.codePointAt);
const StringPrototypeSlice = uncurryThis(String.prototype.slice);
const StringFromCharCode = String.fromCharCode;
const NumberPrototypeToString = uncurryThis(Number.prototype.toString);
const MathTrunc = Math.trunc;
const MathMin = Math.min;
const MathMax = Math.max;
const NumberIsNaN = Number.isNaN;
const SafeMap = Map;
const SafeSet = Set;
const SafeProxy = Proxy;
const SafeArrayBuffer = ArrayBuffer;
const SafeUint8Array = Uint8Array;
const SafePromise = Promise;
const MapPrototypeGet = uncurryThis(Map.prototype.get);
const MapPrototypeSet = uncurryThis(Map.prototype.set);
const MapPrototypeHas = uncurryThis(Map.prototype.has);
const MapPrototypeForEach = uncurryThis(Map.prototype.forEach);
const SetPrototypeHas = uncurryThis(Set.prototype.has);
const SetPrototypeAdd = uncurryThis(Set.prototype.add);
const SetPrototypeDelete = uncurryThis(Set.prototype.delete);
const SetPrototypeValues = uncurryThis(Set.prototype.values);
const SetPrototypeGetSize = uncurryThis(ObjectGetOwnPropertyDescriptor(Set.prototype, "size").get);
const SetIteratorNext = uncurryThis(ObjectGetPrototypeOf(new Set().values()).next);
const GeneratorPrototype = ObjectGetPrototypeOf(function* () {}).prototype;
const GeneratorNext = uncurryThis(GeneratorPrototype.next);
const GeneratorReturn = uncurryThis(GeneratorPrototype.return);
const ArrayBufferPrototypeGetByteLength = uncurryThis(
  ObjectGetOwnPropertyDescriptor(ArrayBuffer.prototype, "byteLength").get);
const TypedArray = ObjectGetPrototypeOf(Uint8Array);
const TypedArrayPrototype = TypedArray.prototype;
const TypedArrayPrototypeGetTag = uncurryThis(ObjectGetOwnPropertyDescriptor(TypedArrayPrototype, Symbol.toStringTag).get);
const TypedArrayPrototypeGetLength = uncurryThis(ObjectGetOwnPropertyDescriptor(TypedArrayPrototype, "length").get);
const TypedArrayPrototypeGetBuffer = uncurryThis(ObjectGetOwnPropertyDescriptor(TypedArrayPrototype, "buffer").get);
const TypedArrayPrototypeSet = uncurryThis(TypedArrayPrototype.set);
const TypedArrayPrototypeSort = uncurryThis(TypedArrayPrototype.sort);
const SymbolIterator = Symbol.iterator;
const SymbolAsyncIterator = Symbol.asyncIterator;
const SymbolToStringTag = Symbol.toStringTag;
const opsTransferArrayBuffer = ops.transferArrayBuffer;
const TypeErrorCtor = TypeError;
const RangeErrorCtor = RangeError;

const maxSafeInteger = 2 ** 53 - 1;
const maxArrayLength = 2 ** 32 - 1;
/// What IteratorStepValue answers when the iterator is done.
const done = Object.freeze(ObjectCreate(null));

// ---------------------------------------------------------------------------------------------
// Abstract operations (ECMA-262 §7).

const isObject = (value) => (typeof value === "object" && value !== null) || typeof value === "function";
const isCallable = (value) => typeof value === "function";

/// IsConstructor (sec-isconstructor), without touching the value: a Proxy is constructible
/// exactly when its target is, and its `construct` trap answers without reading the target.
const constructProbeHandler = { __proto__: null, construct: () => constructProbeHandler };
function isConstructor(value) {
  if (!isCallable(value)) return false;
  try {
    ReflectConstruct(new SafeProxy(value, constructProbeHandler), []);
    return true;
  } catch {
    return false;
  }
}

/// ToObject (sec-toobject).
function toObject(value) {
  if (value === null || value === undefined) throw new TypeErrorCtor("Cannot convert undefined or null to object");
  return Object(value);
}

/// ToIntegerOrInfinity (sec-tointegerorinfinity): ToNumber throws for symbols and BigInts.
function toIntegerOrInfinity(value) {
  const number = +value;
  if (NumberIsNaN(number) || number === 0) return 0;
  return MathTrunc(number) + 0;
}

/// LengthOfArrayLike (sec-lengthofarraylike): ToLength(Get(obj, "length")).
function lengthOfArrayLike(object) {
  const length = toIntegerOrInfinity(object.length);
  if (length <= 0) return 0;
  return MathMin(length, maxSafeInteger);
}

/// ToIndex (sec-toindex).
function toIndex(value) {
  const integer = toIntegerOrInfinity(value);
  if (integer < 0 || integer > maxSafeInteger) throw new RangeErrorCtor("Invalid array buffer length");
  return integer;
}

/// The start of a relative range (sec-array.prototype.tospliced steps 3-6).
function relativeStart(value, length) {
  const relative = toIntegerOrInfinity(value);
  if (relative === -Infinity) return 0;
  if (relative < 0) return MathMax(length + relative, 0);
  return MathMin(relative, length);
}

/// CreateDataPropertyOrThrow (sec-createdatapropertyorthrow), with a descriptor whose prototype
/// is null, so a getter a worker put on Object.prototype ("get", "set") is not read.
const dataDescriptor = { __proto__: null, value: undefined, writable: true, enumerable: true, configurable: true };
function createDataProperty(object, key, value) {
  dataDescriptor.value = value;
  try {
    ObjectDefineProperty(object, key, dataDescriptor);
  } finally {
    dataDescriptor.value = undefined;
  }
}

/// ArrayCreate (sec-arraycreate): a RangeError past 2^32 - 1.
function arrayCreate(length) {
  if (length > maxArrayLength) throw new RangeErrorCtor("Invalid array length");
  return [];
}

/// CreateArrayFromList (sec-createarrayfromlist) over an internal list.
function arrayFrom(list, count) {
  const array = [];
  for (let i = 0; i < count; i++) createDataProperty(array, i, list[i]);
  return array;
}

/// GetMethod (sec-getmethod).
function getMethod(value, key) {
  const method = value[key];
  if (method === undefined || method === null) return undefined;
  if (!isCallable(method)) throw new TypeErrorCtor(`${typeof key === "symbol" ? "Symbol method" : key} is not a function`);
  return method;
}

/// An Iterator Record (sec-iterator-records), a record without a prototype.
const iteratorRecord = (iterator, nextMethod) => ({ __proto__: null, iterator, nextMethod, done: false });

/// GetIteratorFromMethod (sec-getiteratorfrommethod).
function getIteratorFromMethod(object, method) {
  const iterator = ReflectApply(method, object, []);
  if (!isObject(iterator)) throw new TypeErrorCtor("Result of the iterator method is not an object");
  return iteratorRecord(iterator, iterator.next);
}

/// GetIterator(obj, sync) (sec-getiterator).
function getIterator(object) {
  const method = getMethod(object, SymbolIterator);
  if (method === undefined) throw new TypeErrorCtor("object is not iterable");
  return getIteratorFromMethod(object, method);
}

/// GetIteratorDirect (sec-getiteratordirect).
const getIteratorDirect = (object) => iteratorRecord(object, object.next);

/// IteratorNext (sec-iteratornext) with the Done bookkeeping of IteratorStep.
function iteratorNext(record) {
  let result;
  try {
    result = ReflectApply(record.nextMethod, record.iterator, []);
  } catch (error) {
    record.done = true;
    throw error;
  }
  if (!isObject(result)) {
    record.done = true;
    throw new TypeErrorCtor(`Iterator result ${typeof result === "symbol" ? "symbol" : result} is not an object`);
  }
  return result;
}

/// IteratorStep (sec-iteratorstep): the result object, or `done`; never reads `value`.
function iteratorStep(record) {
  const result = iteratorNext(record);
  let isDone;
  try {
    isDone = !!result.done;
  } catch (error) {
    record.done = true;
    throw error;
  }
  if (isDone) {
    record.done = true;
    return done;
  }
  return result;
}

/// IteratorStepValue (sec-iteratorstepvalue): the next value, or `done`.
function iteratorStepValue(record) {
  const result = iteratorStep(record);
  if (result === done) return done;
  try {
    return result.value;
  } catch (error) {
    record.done = true;
    throw error;
  }
}

/// IteratorClose(iteratorRecord, completion) for a normal completion (sec-iteratorclose): errors
/// of `return` propagate, and its result must be an object.
function iteratorCloseNormal(record) {
  const iterator = record.iterator;
  const returnMethod = getMethod(iterator, "return");
  if (returnMethod === undefined) return;
  const result = ReflectApply(returnMethod, iterator, []);
  if (!isObject(result)) throw new TypeErrorCtor("Iterator result is not an object");
}

/// IteratorClose for a throw completion: the original error wins over anything `return` does.
function iteratorCloseAfterThrow(record, error) {
  try {
    const iterator = record.iterator;
    const returnMethod = getMethod(iterator, "return");
    if (returnMethod !== undefined) ReflectApply(returnMethod, iterator, []);
  } catch {}
  throw error;
}

/// Defines `source`'s own members on `target` as built-in methods: non-enumerable, writable,
/// configurable (accessors keep their get/set, non-enumerable and configurable).
function defineBuiltins(target, source, lengths) {
  const keys = ReflectOwnKeys(source);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const descriptor = ObjectGetOwnPropertyDescriptor(source, key);
    ObjectSetPrototypeOf(descriptor, null);
    descriptor.enumerable = false;
    if (lengths !== undefined && key in lengths) {
      ObjectDefineProperty(descriptor.value, "length", { __proto__: null, value: lengths[key], configurable: true });
    }
    ObjectDefineProperty(target, key, descriptor);
  }
}

// ---------------------------------------------------------------------------------------------
// Change array by copy (ES2023): sec-array.prototype.toreversed, -tosorted, -tospliced, -with.
// None of them uses ArraySpeciesCreate: the result is always a fresh %Array%.

defineBuiltins(Array.prototype, {
  toReversed() {
    const object = toObject(this);
    const length = lengthOfArrayLike(object);
    const array = arrayCreate(length);
    for (let k = 0; k < length; k++) createDataProperty(array, k, object[length - k - 1]);
    return array;
  },
  toSorted(comparefn) {
    if (comparefn !== undefined && !isCallable(comparefn)) {
      throw new TypeErrorCtor("The comparison function must be either a function or undefined");
    }
    const object = toObject(this);
    const length = lengthOfArrayLike(object);
    const array = arrayCreate(length);
    // SortIndexedProperties(obj, len, SortCompare, read-through-holes): every index is read
    // (holes as undefined) before the first comparison, then the own, hole-free copy is sorted.
    for (let k = 0; k < length; k++) createDataProperty(array, k, object[k]);
    ArrayPrototypeSort(array, comparefn);
    return array;
  },
  toSpliced(start, skipCount, ...items) {
    const object = toObject(this);
    const length = lengthOfArrayLike(object);
    const actualStart = relativeStart(start, length);
    const insertCount = items.length;
    let actualSkipCount;
    if (arguments.length === 0) actualSkipCount = 0;
    else if (arguments.length === 1) actualSkipCount = length - actualStart;
    else actualSkipCount = MathMin(MathMax(toIntegerOrInfinity(skipCount), 0), length - actualStart);
    const newLength = length + insertCount - actualSkipCount;
    if (newLength > maxSafeInteger) throw new TypeErrorCtor("Invalid array length");
    const array = arrayCreate(newLength);
    let i = 0;
    let r = actualStart + actualSkipCount;
    for (; i < actualStart; i++) createDataProperty(array, i, object[i]);
    for (let j = 0; j < insertCount; j++, i++) createDataProperty(array, i, items[j]);
    for (; i < newLength; i++, r++) createDataProperty(array, i, object[r]);
    return array;
  },
  with(index, value) {
    const object = toObject(this);
    const length = lengthOfArrayLike(object);
    const relativeIndex = toIntegerOrInfinity(index);
    const actualIndex = relativeIndex >= 0 ? relativeIndex : length + relativeIndex;
    if (actualIndex >= length || actualIndex < 0) throw new RangeErrorCtor("Invalid index");
    const array = arrayCreate(length);
    for (let k = 0; k < length; k++) createDataProperty(array, k, k === actualIndex ? value : object[k]);
    return array;
  },
});

// Array.prototype[@@unscopables] gains the three new names that take no callback
// (sec-array.prototype-@@unscopables).
{
  const unscopables = Array.prototype[Symbol.unscopables];
  createDataProperty(unscopables, "toReversed", true);
  createDataProperty(unscopables, "toSorted", true);
  createDataProperty(unscopables, "toSpliced", true);
}

// %TypedArray%.prototype.toReversed / toSorted / with (sec-%typedarray%.prototype.toreversed,
// …tosorted, …with): TypedArrayCreateSameType uses the intrinsic constructor of the array's own
// kind, never `constructor` or @@species.
const typedArrayConstructors = { __proto__: null };
for (const C of [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array]) {
  typedArrayConstructors[C.name] = C;
}

/// ArrayBuffer detachment, read without touching the buffer: a detached buffer has length 0,
/// and a view over it cannot be made (the intrinsic constructor reads nothing the tenant owns).
/// A SharedArrayBuffer (whose views typed arrays may be) is never detached.
function isDetachedBuffer(buffer) {
  let byteLength;
  try {
    byteLength = ArrayBufferPrototypeGetByteLength(buffer);
  } catch {
    return false;
  }
  if (byteLength !== 0) return false;
  try {
    new SafeUint8Array(buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

/// ValidateTypedArray (sec-validatetypedarray): the constructor of its kind, and its length.
function validateTypedArray(value) {
  const name = isObject(value) ? TypedArrayPrototypeGetTag(value) : undefined;
  if (name === undefined) throw new TypeErrorCtor("this is not a typed array.");
  if (isDetachedBuffer(TypedArrayPrototypeGetBuffer(value))) {
    throw new TypeErrorCtor("Cannot perform this operation on a detached ArrayBuffer");
  }
  return typedArrayConstructors[name];
}

defineBuiltins(TypedArrayPrototype, {
  toReversed() {
    const C = validateTypedArray(this);
    const length = TypedArrayPrototypeGetLength(this);
    const array = new C(length);
    for (let k = 0; k < length; k++) array[k] = this[length - k - 1];
    return array;
  },
  toSorted(comparefn) {
    if (comparefn !== undefined && !isCallable(comparefn)) {
      throw new TypeErrorCtor("The comparison function must be either a function or undefined");
    }
    const C = validateTypedArray(this);
    const length = TypedArrayPrototypeGetLength(this);
    const array = new C(length);
    // Every element is read before the first comparison; sorting the copy cannot observe a
    // comparator that detaches or changes the original.
    TypedArrayPrototypeSet(array, this);
    TypedArrayPrototypeSort(array, comparefn);
    return array;
  },
  with(index, value) {
    const C = validateTypedArray(this);
    const length = TypedArrayPrototypeGetLength(this);
    const relativeIndex = toIntegerOrInfinity(index);
    const actualIndex = relativeIndex >= 0 ? relativeIndex : length + relativeIndex;
    // ToBigInt or ToNumber, once, as storing into an array of the same kind does.
    const converted = new C(1);
    converted[0] = value;
    const numericValue = converted[0];
    // IsValidIntegerIndex after the conversion, which may have detached the buffer.
    if (isDetachedBuffer(TypedArrayPrototypeGetBuffer(this)) || actualIndex < 0 ||
        actualIndex >= TypedArrayPrototypeGetLength(this)) {
      throw new RangeErrorCtor("Invalid typed array index");
    }
    const array = new C(length);
    TypedArrayPrototypeSet(array, this);
    array[actualIndex] = numericValue;
    return array;
  },
});

// ---------------------------------------------------------------------------------------------
// Object.groupBy / Map.groupBy (ES2024): GroupBy (sec-groupby).

/// ToPropertyKey (sec-topropertykey): a computed key of a literal performs it, ToPrimitive with
/// hint string included, and keeps a symbol an object converts to.
function toPropertyKey(value) {
  if (typeof value === "symbol") return value;
  if (!isObject(value)) return `${value}`;
  return ReflectOwnKeys({ __proto__: null, [value]: 0 })[0];
}

/// GroupBy(items, callback, keyCoercion): the groups in first-seen order, keyed by SameValue
/// after -0 becomes +0 (what a Map does), in a captured Map of internal lists.
function groupBy(items, callback, propertyKeys) {
  if (items === null || items === undefined) throw new TypeErrorCtor("groupBy called on null or undefined");
  if (!isCallable(callback)) throw new TypeErrorCtor("callback is not a function");
  const groups = new SafeMap();
  const record = getIterator(items);
  for (let k = 0; ; k++) {
    if (k >= maxSafeInteger) iteratorCloseAfterThrow(record, new TypeErrorCtor("Too many elements"));
    const value = iteratorStepValue(record);
    if (value === done) return groups;
    let key;
    try {
      key = callback(value, k);
      if (propertyKeys) key = toPropertyKey(key);
    } catch (error) {
      iteratorCloseAfterThrow(record, error);
    }
    const group = MapPrototypeGet(groups, key);
    if (group === undefined) MapPrototypeSet(groups, key, { __proto__: null, length: 1, 0: value });
    else group[group.length++] = value;
  }
}

defineBuiltins(Object, {
  groupBy(items, callback) {
    const groups = groupBy(items, callback, true);
    const object = ObjectCreate(null);
    MapPrototypeForEach(groups, (group, key) => createDataProperty(object, key, arrayFrom(group, group.length)));
    return object;
  },
});

defineBuiltins(Map, {
  groupBy(items, callback) {
    const groups = groupBy(items, callback, false);
    const map = new SafeMap();
    MapPrototypeForEach(groups, (group, key) => MapPrototypeSet(map, key, arrayFrom(group, group.length)));
    return map;
  },
});

// ---------------------------------------------------------------------------------------------
// Promise.withResolvers (ES2024, sec-promise.withResolvers) and Promise.try (ES2025,
// sec-promise.try), over NewPromiseCapability (sec-newpromisecapability).

function newPromiseCapability(C) {
  if (!isConstructor(C)) throw new TypeErrorCtor("Promise resolver is not a constructor");
  const capability = { __proto__: null, promise: undefined, resolve: undefined, reject: undefined };
  // The executor is an anonymous built-in function of length 2.
  const executor = (0, (resolve, reject) => {
    if (capability.resolve !== undefined) throw new TypeErrorCtor("Promise executor has already been invoked with non-undefined arguments");
    if (capability.reject !== undefined) throw new TypeErrorCtor("Promise executor has already been invoked with non-undefined arguments");
    capability.resolve = resolve;
    capability.reject = reject;
  });
  capability.promise = new C(executor);
  if (!isCallable(capability.resolve)) throw new TypeErrorCtor("Promise resolve function is not callable");
  if (!isCallable(capability.reject)) throw new TypeErrorCtor("Promise reject function is not callable");
  return capability;
}

defineBuiltins(Promise, {
  withResolvers() {
    const capability = newPromiseCapability(this);
    return { promise: capability.promise, resolve: capability.resolve, reject: capability.reject };
  },
  try(callbackfn, ...args) {
    if (!isObject(this)) throw new TypeErrorCtor("Promise.try called on a non-object");
    const capability = newPromiseCapability(this);
    let value;
    try {
      value = ReflectApply(callbackfn, undefined, args);
    } catch (error) {
      ReflectApply(capability.reject, undefined, [error]);
      return capability.promise;
    }
    ReflectApply(capability.resolve, undefined, [value]);
    return capability.promise;
  },
});

// ---------------------------------------------------------------------------------------------
// Array.fromAsync (proposal-array-from-async, sec-array.fromAsync): an async function, so
// every Await is the spec's (PromiseResolve with %Promise%, then PerformPromiseThen).

/// IfAbruptCloseAsyncIterator / AsyncIteratorClose for a throw completion.
async function asyncIteratorCloseAfterThrow(record, error) {
  try {
    const iterator = record.iterator;
    const returnMethod = getMethod(iterator, "return");
    if (returnMethod !== undefined) await ReflectApply(returnMethod, iterator, []);
  } catch {}
  throw error;
}

async function fromAsync(C, asyncItems, mapfn, thisArg) {
  if (mapfn !== undefined && !isCallable(mapfn)) throw new TypeErrorCtor("mapfn is not a function");
  const mapping = mapfn !== undefined;
  const usingAsyncIterator = getMethod(asyncItems, SymbolAsyncIterator);
  const usingSyncIterator = usingAsyncIterator === undefined ? getMethod(asyncItems, SymbolIterator) : undefined;
  if (usingAsyncIterator !== undefined || usingSyncIterator !== undefined) {
    const isAsync = usingAsyncIterator !== undefined;
    const record = getIteratorFromMethod(asyncItems, isAsync ? usingAsyncIterator : usingSyncIterator);
    const array = isConstructor(C) ? new C() : [];
    for (let k = 0; ; k++) {
      if (k >= maxSafeInteger) {
        await asyncIteratorCloseAfterThrow(record, new TypeErrorCtor("Too many elements"));
      }
      let value;
      if (isAsync) {
        const result = await ReflectApply(record.nextMethod, record.iterator, []);
        if (!isObject(result)) throw new TypeErrorCtor("Iterator result is not an object");
        if (result.done) {
          array.length = k;
          return array;
        }
        value = result.value;
      } else {
        // CreateAsyncFromSyncIterator: the sync iterator's value is read and awaited even when
        // it is done, and a rejection closes the sync iterator unless it is done
        // (sec-asyncfromsynciteratorcontinuation).
        const result = iteratorNext(record);
        const isDone = !!result.done;
        value = result.value;
        try {
          value = await value;
        } catch (error) {
          if (!isDone) iteratorCloseAfterThrow(record, error);
          throw error;
        }
        if (isDone) {
          array.length = k;
          return array;
        }
      }
      let mapped = value;
      if (mapping) {
        try {
          mapped = await ReflectApply(mapfn, thisArg, [value, k]);
        } catch (error) {
          await asyncIteratorCloseAfterThrow(record, error);
        }
      }
      try {
        createDataProperty(array, k, mapped);
      } catch (error) {
        await asyncIteratorCloseAfterThrow(record, error);
      }
    }
  }
  // An array-like: each element is awaited.
  const arrayLike = toObject(asyncItems);
  const length = lengthOfArrayLike(arrayLike);
  const array = isConstructor(C) ? new C(length) : arrayCreate(length);
  for (let k = 0; k < length; k++) {
    const value = await arrayLike[k];
    createDataProperty(array, k, mapping ? await ReflectApply(mapfn, thisArg, [value, k]) : value);
  }
  array.length = length;
  return array;
}

defineBuiltins(Array, {
  fromAsync(asyncItems, mapfn, thisArg) {
    return fromAsync(this, asyncItems, mapfn, thisArg);
  },
}, { fromAsync: 1 });

// ---------------------------------------------------------------------------------------------
// String.prototype.isWellFormed / toWellFormed (ES2024, sec-string.prototype.iswellformed,
// sec-string.prototype.towellformed): lone surrogates, found by a JavaScript loop.

/// The index of the first lone surrogate of `text` at or after `from`, or -1.
function loneSurrogate(text, from) {
  for (let i = from; i < text.length; i++) {
    const unit = StringPrototypeCharCodeAt(text, i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    if (unit <= 0xdbff && i + 1 < text.length) {
      const next = StringPrototypeCharCodeAt(text, i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    return i;
  }
  return -1;
}

/// RequireObjectCoercible then ToString.
function thisString(value, name) {
  if (value === null || value === undefined) throw new TypeErrorCtor(`String.prototype.${name} called on null or undefined`);
  return `${value}`;
}

defineBuiltins(String.prototype, {
  isWellFormed() {
    return loneSurrogate(thisString(this, "isWellFormed"), 0) === -1;
  },
  toWellFormed() {
    const text = thisString(this, "toWellFormed");
    let out = "";
    let start = 0;
    for (let i = loneSurrogate(text, 0); i !== -1; i = loneSurrogate(text, start)) {
      out += StringPrototypeSlice(text, start, i) + "\ufffd";
      start = i + 1;
    }
    return start === 0 ? text : out + StringPrototypeSlice(text, start);
  },
});

// ---------------------------------------------------------------------------------------------
// ArrayBuffer.prototype.transfer / transferToFixedLength / detached (ES2024,
// sec-arraybuffer.prototype.transfer, sec-arraybuffercopyanddetach). The detach is real:
// `ops.transferArrayBuffer(buffer, newLength)` (CV8/compression.cc) moves or copies the bytes
// into a new %ArrayBuffer% and detaches `buffer`, or throws a TypeError for a buffer that
// cannot be detached (WebAssembly memory, one the host holds: the spec's [[ArrayBufferDetachKey]]).

/// ArrayBufferCopyAndDetach(O, newLength, preserve-resizability or fixed-length): the same for
/// both, as every buffer is fixed-length here.
function arrayBufferCopyAndDetach(buffer, newLength) {
  // RequireInternalSlot([[ArrayBufferData]]) and not shared: the intrinsic getter throws a
  // TypeError for anything else, SharedArrayBuffers included.
  const byteLength = ArrayBufferPrototypeGetByteLength(buffer);
  const newByteLength = newLength === undefined ? byteLength : toIndex(newLength);
  if (isDetachedBuffer(buffer)) throw new TypeErrorCtor("Cannot transfer a detached ArrayBuffer");
  return opsTransferArrayBuffer(buffer, newByteLength);
}

defineBuiltins(ArrayBuffer.prototype, {
  transfer() {
    return arrayBufferCopyAndDetach(this, arguments.length > 0 ? arguments[0] : undefined);
  },
  transferToFixedLength() {
    return arrayBufferCopyAndDetach(this, arguments.length > 0 ? arguments[0] : undefined);
  },
  get detached() {
    ArrayBufferPrototypeGetByteLength(this);
    return isDetachedBuffer(this);
  },
});

// ---------------------------------------------------------------------------------------------
// Set methods (ES2025, sec-set.prototype.union … sec-set.prototype.isdisjointfrom). The receiver's
// [[SetData]] is read with the intrinsic has / add / iterator captured here; the argument is a
// set-like read through GetSetRecord (sec-getsetrecord): its `size`, `has` and `keys`, in that
// order, and the spec's choice between calling `has` and iterating `keys` by size.

function getSetRecord(object) {
  if (!isObject(object)) throw new TypeErrorCtor("The argument must be a set-like object");
  const numSize = +object.size;
  if (NumberIsNaN(numSize)) throw new TypeErrorCtor("The set-like's size is not a number");
  const size = toIntegerOrInfinity(numSize);
  if (size < 0) throw new RangeErrorCtor("The set-like's size is negative");
  const has = object.has;
  if (!isCallable(has)) throw new TypeErrorCtor("The set-like's has is not a function");
  const keys = object.keys;
  if (!isCallable(keys)) throw new TypeErrorCtor("The set-like's keys is not a function");
  return { __proto__: null, set: object, size, has, keys };
}

/// RequireInternalSlot(O, [[SetData]]): the intrinsic size getter throws for anything else.
const thisSetSize = (value) => SetPrototypeGetSize(value);

/// A copy of a set's [[SetData]], as a new %Set%.
function copySet(set) {
  const copy = new SafeSet();
  const iterator = SetPrototypeValues(set);
  for (let step = SetIteratorNext(iterator); !step.done; step = SetIteratorNext(iterator)) {
    SetPrototypeAdd(copy, step.value);
  }
  return copy;
}

/// Calls `visit(element)` for each element of the receiver's live [[SetData]] until it answers
/// true (elements added during the walk are visited, removed ones are not, as the spec's index
/// walk over the list does).
function someElement(set, visit) {
  const iterator = SetPrototypeValues(set);
  for (let step = SetIteratorNext(iterator); !step.done; step = SetIteratorNext(iterator)) {
    if (visit(step.value)) return true;
  }
  return false;
}

/// Iterates the set-like's `keys()` (GetIteratorFromMethod), calling `visit(key)` with -0 as +0
/// (CanonicalizeKeyedCollectionKey); a true answer closes the iterator and stops.
function someKey(record, visit) {
  const keys = getIteratorFromMethod(record.set, record.keys);
  for (;;) {
    let key = iteratorStepValue(keys);
    if (key === done) return false;
    if (key === 0) key = 0;
    if (visit(key)) {
      iteratorCloseNormal(keys);
      return true;
    }
  }
}

const otherHas = (record, element) => !!ReflectApply(record.has, record.set, [element]);

defineBuiltins(Set.prototype, {
  union(other) {
    thisSetSize(this);
    const record = getSetRecord(other);
    const keys = getIteratorFromMethod(record.set, record.keys);
    const result = copySet(this);
    for (;;) {
      const key = iteratorStepValue(keys);
      if (key === done) return result;
      SetPrototypeAdd(result, key === 0 ? 0 : key);
    }
  },
  intersection(other) {
    thisSetSize(this);
    const record = getSetRecord(other);
    const size = thisSetSize(this);
    const result = new SafeSet();
    if (size <= record.size) {
      someElement(this, (element) => {
        if (otherHas(record, element)) SetPrototypeAdd(result, element);
        return false;
      });
    } else {
      someKey(record, (key) => {
        if (SetPrototypeHas(this, key)) SetPrototypeAdd(result, key);
        return false;
      });
    }
    return result;
  },
  difference(other) {
    thisSetSize(this);
    const record = getSetRecord(other);
    const size = thisSetSize(this);
    const result = copySet(this);
    if (size <= record.size) {
      someElement(result, (element) => {
        if (otherHas(record, element)) SetPrototypeDelete(result, element);
        return false;
      });
    } else {
      someKey(record, (key) => {
        SetPrototypeDelete(result, key);
        return false;
      });
    }
    return result;
  },
  symmetricDifference(other) {
    thisSetSize(this);
    const record = getSetRecord(other);
    const keys = getIteratorFromMethod(record.set, record.keys);
    const result = copySet(this);
    for (;;) {
      let key = iteratorStepValue(keys);
      if (key === done) return result;
      if (key === 0) key = 0;
      const alreadyInResult = SetPrototypeHas(result, key);
      if (SetPrototypeHas(this, key)) {
        if (alreadyInResult) SetPrototypeDelete(result, key);
      } else if (!alreadyInResult) {
        SetPrototypeAdd(result, key);
      }
    }
  },
  isSubsetOf(other) {
    thisSetSize(this);
    const record = getSetRecord(other);
    const size = thisSetSize(this);
    if (size > record.size) return false;
    return !someElement(this, (element) => !otherHas(record, element));
  },
  isSupersetOf(other) {
    thisSetSize(this);
    const record = getSetRecord(other);
    const size = thisSetSize(this);
    if (size < record.size) return false;
    return !someKey(record, (key) => !SetPrototypeHas(this, key));
  },
  isDisjointFrom(other) {
    thisSetSize(this);
    const record = getSetRecord(other);
    const size = thisSetSize(this);
    if (size <= record.size) return !someElement(this, (element) => otherHas(record, element));
    return !someKey(record, (key) => SetPrototypeHas(this, key));
  },
});

// ---------------------------------------------------------------------------------------------
// Iterator helpers (ES2025, sec-iterator-constructor … sec-iteratorprototype.find), with the
// ES2026 change that argument validation failures close the underlying iterator.

const IteratorPrototype = ObjectGetPrototypeOf(ObjectGetPrototypeOf([][SymbolIterator]()));

/// %Iterator% (sec-iterator-constructor): abstract, only for subclassing.
const Iterator = function Iterator() {
  if (new.target === undefined || new.target === Iterator) {
    throw new TypeErrorCtor("Abstract class Iterator not directly constructable");
  }
};
ObjectDefineProperty(Iterator, "prototype", { __proto__: null, value: IteratorPrototype, writable: false, enumerable: false, configurable: false });

/// SetterThatIgnoresPrototypeProperties (sec-SetterThatIgnoresPrototypeProperties).
function setterThatIgnoresPrototypeProperties(thisValue, home, key, value) {
  if (!isObject(thisValue)) throw new TypeErrorCtor("Iterator setter called on a non-object");
  if (thisValue === home) throw new TypeErrorCtor(`Cannot assign to read only property of Iterator.prototype`);
  if (ObjectGetOwnPropertyDescriptor(thisValue, key) === undefined) createDataProperty(thisValue, key, value);
  else thisValue[key] = value;
}

// %Iterator.prototype%.constructor and [@@toStringTag] are accessors (sec-iterator.prototype.constructor,
// sec-iterator.prototype-@@tostringtag), so that assigning them on an iterator keeps working.
defineBuiltins(IteratorPrototype, {
  get constructor() {
    return Iterator;
  },
  set constructor(value) {
    setterThatIgnoresPrototypeProperties(this, IteratorPrototype, "constructor", value);
  },
  get [SymbolToStringTag]() {
    return "Iterator";
  },
  set [SymbolToStringTag](value) {
    setterThatIgnoresPrototypeProperties(this, IteratorPrototype, SymbolToStringTag, value);
  },
});

/// An iterator helper's state: its underlying Iterator Record and the generator that runs its
/// closure (CreateIteratorFromClosure); the generator's own states are the spec's
/// suspended-start / suspended-yield / executing / completed.
class IteratorHelper {
  #underlying;
  #generator;
  #started = false;
  constructor(underlying, generator) {
    this.#underlying = underlying;
    this.#generator = generator;
  }
  /// %IteratorHelperPrototype%.next (sec-%iteratorhelperprototype%.next): GeneratorResume.
  next() {
    if (!(#generator in this)) throw new TypeErrorCtor("next called on an object that is not an Iterator Helper");
    this.#started = true;
    return GeneratorNext(this.#generator);
  }
  /// %IteratorHelperPrototype%.return (sec-%iteratorhelperprototype%.return): before the first
  /// `next` the closure never ran, so the underlying iterator is closed here; otherwise the
  /// return completion resumes the closure at its Yield, which closes it.
  return() {
    if (!(#generator in this)) throw new TypeErrorCtor("return called on an object that is not an Iterator Helper");
    if (!this.#started) {
      this.#started = true;
      GeneratorReturn(this.#generator);
      iteratorCloseNormal(this.#underlying);
      return { value: undefined, done: true };
    }
    return GeneratorReturn(this.#generator);
  }
}
const IteratorHelperPrototype = IteratorHelper.prototype;
delete IteratorHelperPrototype.constructor;
ObjectSetPrototypeOf(IteratorHelperPrototype, IteratorPrototype);
ObjectDefineProperty(IteratorHelperPrototype, SymbolToStringTag, { __proto__: null, value: "Iterator Helper", writable: false, enumerable: false, configurable: true });

// The closures yield with `yield` itself, never `yield*` (which would look up `next` on
// %GeneratorPrototype%, a worker's to replace). A return completion at a Yield (the helper's
// `return`) runs the `finally`, which closes the underlying iterator (IfAbruptCloseIterator);
// an error there replaces the return.

/// Calls `fn(value, counter)`, closing `record` if it throws (IfAbruptCloseIterator).
function callClosing(record, fn, value, counter) {
  try {
    return fn(value, counter);
  } catch (error) {
    iteratorCloseAfterThrow(record, error);
  }
}

/// Steps 1-4 of the helpers and the consuming methods: `this` must be an object, a failed
/// argument check closes it (before `next` is read), then GetIteratorDirect.
function iteratedFor(thisValue, check) {
  if (!isObject(thisValue)) throw new TypeErrorCtor("Iterator helper called on a non-object");
  try {
    check();
  } catch (error) {
    iteratorCloseAfterThrow(iteratorRecord(thisValue, undefined), error);
  }
  return getIteratorDirect(thisValue);
}

function requireCallable(value) {
  return () => {
    if (!isCallable(value)) throw new TypeErrorCtor("The argument is not a function");
  };
}

/// take / drop's limit: ToNumber, NaN is a RangeError, then ToIntegerOrInfinity >= 0.
function limitOf(thisValue, limit) {
  let integerLimit;
  const record = iteratedFor(thisValue, () => {
    const numLimit = +limit;
    if (NumberIsNaN(numLimit)) throw new RangeErrorCtor("The limit is not a number");
    integerLimit = toIntegerOrInfinity(numLimit);
    if (integerLimit < 0) throw new RangeErrorCtor("The limit is negative");
  });
  return { __proto__: null, record, integerLimit };
}

/// What a closure's `produce` answers to go on without yielding (filter's rejected values).
const skip = Object.freeze(ObjectCreate(null));

/// The closure of map / filter / take / drop (CreateIteratorFromClosure): `produce(counter)`
/// answers the next value to yield, `skip`, or `done` to finish.
function* yieldingClosure(record, produce) {
  for (let counter = 0; ; counter++) {
    const value = produce(counter);
    if (value === done) return undefined;
    if (value === skip) continue;
    let returned = true;
    try {
      yield value;
      returned = false;
    } finally {
      if (returned) iteratorCloseNormal(record);
    }
  }
}

function mapClosure(record, mapper) {
  return yieldingClosure(record, (counter) => {
    const value = iteratorStepValue(record);
    return value === done ? done : callClosing(record, mapper, value, counter);
  });
}

function filterClosure(record, predicate) {
  return yieldingClosure(record, (counter) => {
    const value = iteratorStepValue(record);
    if (value === done) return done;
    return callClosing(record, predicate, value, counter) ? value : skip;
  });
}

function takeClosure(record, limit) {
  let remaining = limit;
  return yieldingClosure(record, () => {
    if (remaining === 0) {
      iteratorCloseNormal(record);
      return done;
    }
    if (remaining !== Infinity) remaining--;
    return iteratorStepValue(record);
  });
}

/// drop steps past the dropped values with IteratorStep, never reading their `value`.
function dropClosure(record, limit) {
  let remaining = limit;
  return yieldingClosure(record, () => {
    while (remaining > 0) {
      if (remaining !== Infinity) remaining--;
      if (iteratorStep(record) === done) return done;
    }
    return iteratorStepValue(record);
  });
}

/// GetIteratorFlattenable(obj, reject-primitives) (sec-getiteratorflattenable).
function getIteratorFlattenable(object, iterateStrings) {
  if (!isObject(object) && !(iterateStrings && typeof object === "string")) {
    throw new TypeErrorCtor("Iterator.from / flatMap needs an object");
  }
  const method = getMethod(object, SymbolIterator);
  const iterator = method === undefined ? object : ReflectApply(method, object, []);
  if (!isObject(iterator)) throw new TypeErrorCtor("The iterator is not an object");
  return getIteratorDirect(iterator);
}

function* flatMapClosure(record, mapper) {
  for (let counter = 0; ; counter++) {
    const value = iteratorStepValue(record);
    if (value === done) return undefined;
    const mapped = callClosing(record, mapper, value, counter);
    let inner;
    try {
      inner = getIteratorFlattenable(mapped, false);
    } catch (error) {
      iteratorCloseAfterThrow(record, error);
    }
    for (;;) {
      let innerValue;
      try {
        innerValue = iteratorStepValue(inner);
      } catch (error) {
        iteratorCloseAfterThrow(record, error);
      }
      if (innerValue === done) break;
      let returned = true;
      try {
        yield innerValue;
        returned = false;
      } finally {
        if (returned) {
          // Close the inner iterator, then the outer one; an error closing the inner one still
          // closes the outer one, whose own errors are then dropped.
          try {
            iteratorCloseNormal(inner);
          } catch (error) {
            iteratorCloseAfterThrow(record, error);
          }
          iteratorCloseNormal(record);
        }
      }
    }
  }
}

const helper = (record, generator) => new IteratorHelper(record, generator);

/// some / every / find: the first value whose predicate answer (ToBoolean) is `wanted`, after
/// which the underlying iterator is closed; `done` when there is none.
function firstMatching(thisValue, predicate, wanted) {
  const record = iteratedFor(thisValue, requireCallable(predicate));
  for (let counter = 0; ; counter++) {
    const value = iteratorStepValue(record);
    if (value === done) return done;
    if (!!callClosing(record, predicate, value, counter) === wanted) {
      iteratorCloseNormal(record);
      return value;
    }
  }
}

defineBuiltins(IteratorPrototype, {
  map(mapper) {
    const record = iteratedFor(this, requireCallable(mapper));
    return helper(record, mapClosure(record, mapper));
  },
  filter(predicate) {
    const record = iteratedFor(this, requireCallable(predicate));
    return helper(record, filterClosure(record, predicate));
  },
  take(limit) {
    const { record, integerLimit } = limitOf(this, limit);
    return helper(record, takeClosure(record, integerLimit));
  },
  drop(limit) {
    const { record, integerLimit } = limitOf(this, limit);
    return helper(record, dropClosure(record, integerLimit));
  },
  flatMap(mapper) {
    const record = iteratedFor(this, requireCallable(mapper));
    return helper(record, flatMapClosure(record, mapper));
  },
  reduce(reducer) {
    const record = iteratedFor(this, requireCallable(reducer));
    let accumulator;
    let counter;
    if (arguments.length < 2) {
      accumulator = iteratorStepValue(record);
      if (accumulator === done) throw new TypeErrorCtor("Reduce of empty iterator with no initial value");
      counter = 1;
    } else {
      accumulator = arguments[1];
      counter = 0;
    }
    for (; ; counter++) {
      const value = iteratorStepValue(record);
      if (value === done) return accumulator;
      try {
        accumulator = reducer(accumulator, value, counter);
      } catch (error) {
        iteratorCloseAfterThrow(record, error);
      }
    }
  },
  toArray() {
    const record = iteratedFor(this, () => {});
    const items = [];
    for (let k = 0; ; k++) {
      const value = iteratorStepValue(record);
      if (value === done) return items;
      createDataProperty(items, k, value);
    }
  },
  forEach(fn) {
    const record = iteratedFor(this, requireCallable(fn));
    for (let counter = 0; ; counter++) {
      const value = iteratorStepValue(record);
      if (value === done) return undefined;
      callClosing(record, fn, value, counter);
    }
  },
  some(predicate) {
    return firstMatching(this, predicate, true) !== done;
  },
  every(predicate) {
    return firstMatching(this, predicate, false) === done;
  },
  find(predicate) {
    const value = firstMatching(this, predicate, true);
    return value === done ? undefined : value;
  },
});

/// %WrapForValidIteratorPrototype% (sec-%wrapforvaliditeratorprototype%-object): what
/// Iterator.from returns for an iterator that does not inherit from %Iterator.prototype%.
class WrapForValidIterator {
  #iterated;
  constructor(iterated) {
    this.#iterated = iterated;
  }
  next() {
    if (!(#iterated in this)) throw new TypeErrorCtor("next called on an incompatible receiver");
    const record = this.#iterated;
    return ReflectApply(record.nextMethod, record.iterator, []);
  }
  return() {
    if (!(#iterated in this)) throw new TypeErrorCtor("return called on an incompatible receiver");
    const iterator = this.#iterated.iterator;
    const returnMethod = getMethod(iterator, "return");
    if (returnMethod === undefined) return { value: undefined, done: true };
    return ReflectApply(returnMethod, iterator, []);
  }
}
delete WrapForValidIterator.prototype.constructor;
ObjectSetPrototypeOf(WrapForValidIterator.prototype, IteratorPrototype);

defineBuiltins(Iterator, {
  from(O) {
    const record = getIteratorFlattenable(O, true);
    if (ObjectPrototypeIsPrototypeOf(IteratorPrototype, record.iterator)) return record.iterator;
    return new WrapForValidIterator(record);
  },
});

internals.defineGlobal("Iterator", Iterator);

// ---------------------------------------------------------------------------------------------
// RegExp.escape (ES2025, sec-regexp.escape, EncodeForRegExpEscape).

const syntaxCharacters = "^$\\.*+?()[]{}|/";
const controlEscapes = { __proto__: null, 9: "t", 10: "n", 11: "v", 12: "f", 13: "r" };
const otherPunctuators = ",-=<>#&!%:;@~'`\"";

/// WhiteSpace or LineTerminator (sec-white-space, sec-line-terminators), Zs as of Unicode 15.
function isWhiteSpaceOrLineTerminator(c) {
  return c === 0x09 || c === 0x0a || c === 0x0b || c === 0x0c || c === 0x0d || c === 0x20 || c === 0xa0 ||
    c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f ||
    c === 0x205f || c === 0x3000 || c === 0xfeff;
}

const hex = (value, digits) => {
  let text = NumberPrototypeToString(value, 16);
  while (text.length < digits) text = "0" + text;
  return text;
};

function includesCodeUnit(list, c) {
  for (let i = 0; i < list.length; i++) if (StringPrototypeCharCodeAt(list, i) === c) return true;
  return false;
}

defineBuiltins(RegExp, {
  escape(S) {
    if (typeof S !== "string") throw new TypeErrorCtor("RegExp.escape requires a string");
    let escaped = "";
    for (let i = 0; i < S.length;) {
      const c = StringPrototypeCodePointAt(S, i);
      const width = c > 0xffff ? 2 : 1;
      if (escaped === "" && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) {
        escaped += "\\x" + hex(c, 2);
      } else if (c <= 0x7f && includesCodeUnit(syntaxCharacters, c)) {
        escaped += "\\" + StringFromCharCode(c);
      } else if (controlEscapes[c] !== undefined) {
        escaped += "\\" + controlEscapes[c];
      } else if ((c <= 0x7f && includesCodeUnit(otherPunctuators, c)) || isWhiteSpaceOrLineTerminator(c) ||
          (c >= 0xd800 && c <= 0xdfff)) {
        escaped += c <= 0xff ? "\\x" + hex(c, 2) : "\\u" + hex(c, 4);
      } else {
        escaped += StringPrototypeSlice(S, i, i + width);
      }
      i += width;
    }
    return escaped;
  },
});

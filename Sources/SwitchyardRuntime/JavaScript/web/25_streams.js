// Switchyard runtime: WHATWG Streams (https://streams.spec.whatwg.org/), and Workers'
// IdentityTransformStream and FixedLengthStream.
//
// The public objects (ReadableStream, readers, controllers, ...) each hold one private field that
// points to an internal record; the spec's abstract operations below work on those records. The
// records' classes have a null-prototype prototype, so a property the runtime writes or reads on
// them never reaches Object.prototype (which a worker controls). Queues are linked lists, never
// arrays written through Array.prototype. Internal readers (pipeTo, tee, bodies, the host) use
// read requests with callbacks, so no `{value, done}` object the runtime reads is ever resolved
// as a promise (which would look up `then`).
//
// Exports on `internals.streams` (contracts at the bottom of the file): newHostReadableStream,
// isReadableStream, hostSourceOf, expectedLength, acquireHostReader, and the helpers the body
// mixin and the other stream files use.

const {
  ReflectApply, ObjectDefineProperty, ObjectSetPrototypeOf, NumberIsNaN,
  NumberIsInteger, MathMin, SymbolAsyncIterator, SymbolIterator, AsyncIteratorPrototype, ArrayBufferIsView,
  ArrayBufferPrototypeSlice, ArrayBufferPrototypeGetByteLength, TypedArrayPrototypeGetBuffer,
  TypedArrayPrototypeGetByteOffset, TypedArrayPrototypeGetByteLength, TypedArrayPrototypeGetSymbolToStringTag,
  TypedArrayPrototypeSet, DataViewPrototypeGetBuffer, DataViewPrototypeGetByteOffset,
  DataViewPrototypeGetByteLength, SafePromise, PromiseResolve, PromiseReject, PromisePrototypeThen,
  TypeError, RangeError,
} = internals.primordials;
const { makeMembersEnumerable, setToStringTag, exportInterface } = internals.webIDL;
const DOMException = internals.DOMException;
const opsTransferArrayBuffer = ops.transferArrayBuffer;

const kInternal = Symbol("switchyard.streams.internal");

// Records whose fields the runtime reads and writes: no prototype chain a worker can reach.
function record(Class) {
  ObjectSetPrototypeOf(Class.prototype, null);
  return Class;
}

const noop = () => {};

// ---------------------------------------------------------------------------------------------
// Promises (never through Promise.prototype.then as a worker may have replaced it)

function newDeferred() {
  let resolve;
  let reject;
  const promise = new SafePromise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return new Deferred(promise, resolve, reject);
}

const Deferred = record(class Deferred {
  constructor(promise, resolve, reject) {
    this.promise = promise;
    this.resolve = resolve;
    this.reject = reject;
    this.settled = false;
  }
});

function settle(deferred, value) {
  if (deferred.settled) return;
  deferred.settled = true;
  deferred.resolve(value);
}

function fail(deferred, reason) {
  if (deferred.settled) return;
  deferred.settled = true;
  deferred.reject(reason);
}

function markHandled(promise) {
  PromisePrototypeThen(promise, undefined, noop);
}

function resolvedDeferred() {
  const deferred = newDeferred();
  settle(deferred, undefined);
  return deferred;
}

function rejectedDeferred(reason) {
  const deferred = newDeferred();
  fail(deferred, reason);
  markHandled(deferred.promise);
  return deferred;
}

const then = (promise, onFulfilled, onRejected) => PromisePrototypeThen(promise, onFulfilled, onRejected);

// The spec's "promise resolved with": a thenable a worker returned is followed.
function promiseCall(fn, thisArg, args) {
  try {
    return PromiseResolve(ReflectApply(fn, thisArg, args));
  } catch (error) {
    return PromiseReject(error);
  }
}

const resolvedUndefined = () => PromiseResolve(undefined);

// ---------------------------------------------------------------------------------------------
// Queue: a linked list (push, shift, peek, iteration from the front)

const QueueNode = record(class QueueNode {
  constructor(value) {
    this.value = value;
    this.next = null;
  }
});

const Queue = record(class Queue {
  constructor() {
    this.head = null;
    this.tail = null;
    this.length = 0;
  }
  push(value) {
    const node = new QueueNode(value);
    if (this.tail === null) this.head = node;
    else this.tail.next = node;
    this.tail = node;
    this.length++;
  }
  shift() {
    const node = this.head;
    this.head = node.next;
    if (this.head === null) this.tail = null;
    this.length--;
    return node.value;
  }
  peek() {
    return this.head.value;
  }
  clear() {
    this.head = null;
    this.tail = null;
    this.length = 0;
  }
});

// Takes every entry out, then calls `fn` on each (the callbacks may add new entries).
function drain(queue, fn) {
  let node = queue.head;
  queue.clear();
  while (node !== null) {
    fn(node.value);
    node = node.next;
  }
}

// ---------------------------------------------------------------------------------------------
// Buffers

const viewConstructors = {
  __proto__: null,
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array,
};

const ViewInfo = record(class ViewInfo {
  constructor(ctor, elementSize, buffer, byteOffset, byteLength) {
    this.ctor = ctor;
    this.elementSize = elementSize;
    this.buffer = buffer;
    this.byteOffset = byteOffset;
    this.byteLength = byteLength;
  }
});

// The parts of an ArrayBufferView (read through captured getters), or null for anything else.
function viewInfo(value) {
  if (typeof value !== "object" || value === null || !ArrayBufferIsView(value)) return null;
  const tag = TypedArrayPrototypeGetSymbolToStringTag(value);
  if (tag === undefined) {
    return new ViewInfo(DataView, 1, DataViewPrototypeGetBuffer(value), DataViewPrototypeGetByteOffset(value),
      DataViewPrototypeGetByteLength(value));
  }
  const ctor = viewConstructors[tag];
  return new ViewInfo(ctor, ctor.BYTES_PER_ELEMENT, TypedArrayPrototypeGetBuffer(value),
    TypedArrayPrototypeGetByteOffset(value), TypedArrayPrototypeGetByteLength(value));
}

function isArrayBuffer(value) {
  if (typeof value !== "object" || value === null) return false;
  try {
    ArrayBufferPrototypeGetByteLength(value);
    return true;
  } catch {
    return false;
  }
}

const bufferByteLength = (buffer) => ArrayBufferPrototypeGetByteLength(buffer);

function transferBuffer(buffer) {
  return opsTransferArrayBuffer(buffer);
}

function copyDataBlockBytes(toBuffer, toIndex, fromBuffer, fromIndex, count) {
  TypedArrayPrototypeSet(new Uint8Array(toBuffer, toIndex, count), new Uint8Array(fromBuffer, fromIndex, count), 0);
}

/// The bytes of a chunk as a Uint8Array view (no copy), or null when it is not bytes.
function chunkBytes(chunk) {
  const info = viewInfo(chunk);
  if (info !== null) {
    if (info.ctor === Uint8Array) return chunk;
    return new Uint8Array(info.buffer, info.byteOffset, info.byteLength);
  }
  if (isArrayBuffer(chunk)) return new Uint8Array(chunk);
  return null;
}

function copyOf(bytes) {
  const out = new Uint8Array(TypedArrayPrototypeGetByteLength(bytes));
  TypedArrayPrototypeSet(out, bytes, 0);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Queuing strategies and Web IDL conversions

function dictionary(value, what) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" && typeof value !== "function") {
    throw new TypeError(`${what}: The provided value is not an object.`);
  }
  return value;
}

// An `optional object` argument: undefined, or an object (TypeError for anything else, null too).
function optionalObject(value, what, type) {
  if (value !== undefined && (typeof value !== "object" || value === null) && typeof value !== "function") {
    throw new TypeError(`${what}: The provided value is not of type '${type}'.`);
  }
  return value;
}

const Members = record(class Members {});

// Reads a dictionary's members in Web IDL (lexicographic) order, each converted as it is read:
// `members` is [[name, convert(value, what, name)], ...], `convert` null for "as it is".
function readMembers(dict, what, members) {
  const result = new Members();
  for (let i = 0; i < members.length; i++) {
    const name = members[i][0];
    const convert = members[i][1];
    const value = dict === undefined ? undefined : dict[name];
    result[name] = convert === null || value === undefined ? value : convert(value, what, name);
  }
  return result;
}

function toCallback(value, what, name) {
  if (typeof value !== "function") throw new TypeError(`${what}: '${name}' is not a function.`);
  return value;
}

const Strategy = record(class Strategy {
  constructor(highWaterMark, size) {
    this.highWaterMark = highWaterMark;
    this.size = size;
  }
});

// QueuingStrategy dictionary.
const strategyMembers = [["highWaterMark", (value) => +value], ["size", toCallback]];

function convertStrategy(value, what) {
  const members = readMembers(dictionary(value, what), what, strategyMembers);
  return new Strategy(members.highWaterMark, members.size);
}

function extractHighWaterMark(strategy, defaultHWM) {
  const hwm = strategy.highWaterMark;
  if (hwm === undefined) return defaultHWM;
  if (NumberIsNaN(hwm) || hwm < 0) throw new RangeError("Invalid highWaterMark");
  return hwm;
}

function extractSizeAlgorithm(strategy) {
  const size = strategy.size;
  if (size === undefined) return () => 1;
  return (chunk) => ReflectApply(size, undefined, [chunk]);
}

function convertHighWaterMarkInit(init, what) {
  const dict = dictionary(init, what);
  const hwm = dict === undefined ? undefined : dict.highWaterMark;
  if (hwm === undefined) throw new TypeError(`${what}: required member highWaterMark is undefined.`);
  return +hwm;
}

const byteLengthSize = function size(chunk) { return chunk.byteLength; };
const countSize = function size() { return 1; };

class ByteLengthQueuingStrategy {
  #highWaterMark;
  constructor(init) {
    this.#highWaterMark = convertHighWaterMarkInit(init, "Failed to construct 'ByteLengthQueuingStrategy'");
  }
  get highWaterMark() { return this.#highWaterMark; }
  get size() {
    this.#highWaterMark; // brand check
    return byteLengthSize;
  }
}

class CountQueuingStrategy {
  #highWaterMark;
  constructor(init) {
    this.#highWaterMark = convertHighWaterMarkInit(init, "Failed to construct 'CountQueuingStrategy'");
  }
  get highWaterMark() { return this.#highWaterMark; }
  get size() {
    this.#highWaterMark; // brand check
    return countSize;
  }
}

// Queue-with-sizes (for default controllers)
const SizedValue = record(class SizedValue {
  constructor(value, size) {
    this.value = value;
    this.size = size;
  }
});

function enqueueValueWithSize(container, value, size) {
  if (typeof size !== "number" || NumberIsNaN(size) || size < 0 || size === Infinity) {
    throw new RangeError("The return value of a queuing strategy's size function must be a finite, non-NaN, non-negative number.");
  }
  container.queue.push(new SizedValue(value, size));
  container.queueTotalSize += size;
}

function dequeueValue(container) {
  const pair = container.queue.shift();
  container.queueTotalSize -= pair.size;
  if (container.queueTotalSize < 0) container.queueTotalSize = 0;
  return pair.value;
}

function resetQueue(container) {
  container.queue = new Queue();
  container.queueTotalSize = 0;
}

// ---------------------------------------------------------------------------------------------
// Internal records

const RS = record(class RS {
  constructor() {
    this.object = undefined; // the public ReadableStream
    this.state = "readable";
    this.reader = undefined;
    this.storedError = undefined;
    this.disturbed = false;
    this.controller = undefined;
    this.teed = false;
    // Host-backed streams: the host's source and the announced length.
    this.hostSource = undefined;
    this.expectedLength = undefined;
    // A body stream made lazily from bytes: the function that takes them without streaming.
    this.lazyBody = undefined;
    // The reader the host holds after responseToHost / requestToHost.
    this.hostReader = undefined;
  }
});

const DefaultController = record(class DefaultController {
  constructor() {
    this.object = undefined;
    this.byte = false;
    this.stream = undefined;
    this.queue = new Queue();
    this.queueTotalSize = 0;
    this.started = false;
    this.closeRequested = false;
    this.pullAgain = false;
    this.pulling = false;
    this.strategyHWM = 0;
    this.strategySizeAlgorithm = undefined;
    this.pullAlgorithm = undefined;
    this.cancelAlgorithm = undefined;
  }
});

const ByteController = record(class ByteController {
  constructor() {
    this.object = undefined;
    this.byte = true;
    this.stream = undefined;
    this.autoAllocateChunkSize = undefined;
    this.byobRequest = null; // internal BYOBRequest record
    this.queue = new Queue();
    this.queueTotalSize = 0;
    this.started = false;
    this.closeRequested = false;
    this.pullAgain = false;
    this.pulling = false;
    this.strategyHWM = 0;
    this.pendingPullIntos = new Queue();
    this.pullAlgorithm = undefined;
    this.cancelAlgorithm = undefined;
  }
});

const Reader = record(class Reader {
  constructor(byob) {
    this.object = undefined;
    this.byob = byob;
    this.stream = undefined;
    this.closed = undefined; // Deferred
    this.requests = new Queue(); // read requests or read-into requests
  }
});

// A read request: chunk(value), close(), error(reason). Read-into requests take close(value).
const ReadRequest = record(class ReadRequest {
  constructor(chunk, close, error) {
    this.chunk = chunk;
    this.close = close;
    this.error = error;
  }
});

const ByteChunk = record(class ByteChunk {
  constructor(buffer, byteOffset, byteLength) {
    this.buffer = buffer;
    this.byteOffset = byteOffset;
    this.byteLength = byteLength;
  }
});

const PullInto = record(class PullInto {
  constructor(buffer, bufferByteLength, byteOffset, byteLength, bytesFilled, minimumFill, elementSize, viewConstructor, readerType) {
    this.buffer = buffer;
    this.bufferByteLength = bufferByteLength;
    this.byteOffset = byteOffset;
    this.byteLength = byteLength;
    this.bytesFilled = bytesFilled;
    this.minimumFill = minimumFill;
    this.elementSize = elementSize;
    this.viewConstructor = viewConstructor;
    this.readerType = readerType;
  }
});

const BYOBRequestRecord = record(class BYOBRequestRecord {
  constructor(controller, view) {
    this.object = undefined;
    this.controller = controller;
    this.view = view;
  }
});

// ---------------------------------------------------------------------------------------------
// ReadableStream

let rsOf; // (value) -> RS or undefined

function newIterResult(value, done) {
  return { value, done };
}

const lockedMessage = "This ReadableStream is currently locked to a reader.";

class ReadableStream {
  #rs;

  constructor(underlyingSource = undefined, strategy = undefined) {
    if (underlyingSource === kInternal) {
      this.#rs = strategy;
      strategy.object = this;
      return;
    }
    const what = "Failed to construct 'ReadableStream'";
    const source = optionalObject(underlyingSource, what, "UnderlyingSource");
    const strat = convertStrategy(strategy, what);
    const { autoAllocateChunkSize, cancel, pull, start, type } = readMembers(source, what, underlyingSourceMembers);
    const rs = new RS();
    rs.object = this;
    this.#rs = rs;
    if (type === "bytes") {
      if (strat.size !== undefined) throw new RangeError(`${what}: The strategy for a byte stream cannot have a size function.`);
      const hwm = extractHighWaterMark(strat, 0);
      setUpByteControllerFromSource(rs, source, start, pull, cancel, hwm, autoAllocateChunkSize);
    } else {
      const sizeAlgorithm = extractSizeAlgorithm(strat);
      const hwm = extractHighWaterMark(strat, 1);
      setUpDefaultControllerFromSource(rs, source, start, pull, cancel, hwm, sizeAlgorithm);
    }
  }

  get locked() {
    return this.#rs.reader !== undefined;
  }

  cancel(reason = undefined) {
    const rs = rsOf(this);
    if (rs === undefined) return illegalInvocation();
    if (rs.reader !== undefined) return PromiseReject(new TypeError("Cannot cancel a stream that already has a reader."));
    return readableStreamCancel(rs, reason);
  }

  getReader(options = undefined) {
    const rs = this.#rs;
    const dict = dictionary(options, "Failed to execute 'getReader' on 'ReadableStream'");
    let mode = dict === undefined ? undefined : dict.mode;
    if (mode !== undefined) {
      mode = `${mode}`;
      if (mode !== "byob") {
        throw new TypeError(`Failed to execute 'getReader' on 'ReadableStream': The provided value '${mode}' is not a valid enum value of type ReadableStreamReaderMode.`);
      }
      return acquireBYOBReader(rs).object;
    }
    return acquireDefaultReader(rs).object;
  }

  pipeThrough(transform, options = undefined) {
    const rs = this.#rs;
    const what = "Failed to execute 'pipeThrough' on 'ReadableStream'";
    if (typeof transform !== "object" || transform === null) {
      throw new TypeError(`${what}: parameter 1 is not of type 'ReadableWritablePair'.`);
    }
    const readable = transform.readable;
    const readableRS = rsOf(readable);
    if (readableRS === undefined) throw new TypeError(`${what}: 'readable' is not a ReadableStream.`);
    const writable = transform.writable;
    const ws = wsOf(writable);
    if (ws === undefined) throw new TypeError(`${what}: 'writable' is not a WritableStream.`);
    const opts = convertPipeOptions(options, what);
    if (rs.reader !== undefined) throw new TypeError(`${what}: ${lockedMessage}`);
    if (ws.writer !== undefined) throw new TypeError(`${what}: The WritableStream is currently locked to a writer.`);
    const promise = readableStreamPipeTo(rs, ws, opts.preventClose, opts.preventAbort, opts.preventCancel, opts.signal);
    markHandled(promise);
    return readable;
  }

  pipeTo(destination, options = undefined) {
    const what = "Failed to execute 'pipeTo' on 'ReadableStream'";
    const rs = rsOf(this);
    if (rs === undefined) return illegalInvocation();
    let opts;
    try {
      opts = convertPipeOptions(options, what);
    } catch (error) {
      return PromiseReject(error);
    }
    const ws = wsOf(destination);
    if (ws === undefined) return PromiseReject(new TypeError(`${what}: parameter 1 is not of type 'WritableStream'.`));
    if (rs.reader !== undefined) return PromiseReject(new TypeError(`${what}: ${lockedMessage}`));
    if (ws.writer !== undefined) return PromiseReject(new TypeError(`${what}: The WritableStream is currently locked to a writer.`));
    return readableStreamPipeTo(rs, ws, opts.preventClose, opts.preventAbort, opts.preventCancel, opts.signal);
  }

  tee() {
    const rs = this.#rs;
    const branches = readableStreamTee(rs, false);
    return [branches[0].object, branches[1].object];
  }

  values(options = undefined) {
    const rs = this.#rs;
    const dict = dictionary(options, "Failed to execute 'values' on 'ReadableStream'");
    const preventCancel = dict === undefined ? false : !!dict.preventCancel;
    const reader = acquireDefaultReader(rs);
    return new ReadableStreamAsyncIterator(kInternal, reader, preventCancel);
  }

  static from(asyncIterable) {
    return readableStreamFromIterable(asyncIterable).object;
  }

  static {
    rsOf = (value) => (typeof value === "object" && value !== null && #rs in value ? value.#rs : undefined);
  }
}
ObjectDefineProperty(ReadableStream.prototype, SymbolAsyncIterator, {
  value: ReadableStream.prototype.values, writable: true, enumerable: false, configurable: true,
});

function toReadableStreamType(value, what) {
  const type = `${value}`;
  if (type !== "bytes") throw new TypeError(`${what}: The provided value '${type}' is not a valid enum value of type ReadableStreamType.`);
  return type;
}

const underlyingSourceMembers = [["autoAllocateChunkSize", (value, what) => toEnforcedRangeULL(value, what)],
  ["cancel", toCallback], ["pull", toCallback], ["start", toCallback], ["type", toReadableStreamType]];

function toEnforcedRangeULL(value, what) {
  const number = +value;
  if (!(number >= 0 && number <= 9007199254740991) || number !== number) {
    throw new TypeError(`${what}: Value is outside the 'unsigned long long' value range.`);
  }
  const integer = number - (number % 1);
  if (integer === 0) throw new TypeError(`${what}: autoAllocateChunkSize must be greater than 0.`);
  return integer;
}

const PipeOptions = record(class PipeOptions {
  constructor(preventAbort, preventCancel, preventClose, signal) {
    this.preventAbort = preventAbort;
    this.preventCancel = preventCancel;
    this.preventClose = preventClose;
    this.signal = signal;
  }
});

// StreamPipeOptions, members in Web IDL order. `signal` is any object with `aborted`, `reason`
// and `addEventListener` / `removeEventListener` (an AbortSignal).
function convertPipeOptions(options, what) {
  const dict = dictionary(options, what);
  if (dict === undefined) return new PipeOptions(false, false, false, undefined);
  const preventAbort = !!dict.preventAbort;
  const preventCancel = !!dict.preventCancel;
  const preventClose = !!dict.preventClose;
  const signal = dict.signal;
  if (signal !== undefined && (typeof signal !== "object" || signal === null || !("aborted" in signal))) {
    throw new TypeError(`${what}: Failed to read the 'signal' property from 'StreamPipeOptions': The provided value is not of type 'AbortSignal'.`);
  }
  return new PipeOptions(preventAbort, preventCancel, preventClose, signal);
}

function createReadableStream(rs) {
  new ReadableStream(kInternal, rs);
  return rs;
}

function isReadableStreamLocked(rs) {
  return rs.reader !== undefined;
}

function readableStreamCancel(rs, reason) {
  rs.disturbed = true;
  if (rs.state === "closed") return PromiseResolve(undefined);
  if (rs.state === "errored") return PromiseReject(rs.storedError);
  readableStreamClose(rs);
  const reader = rs.reader;
  if (reader !== undefined && reader.byob) {
    drain(reader.requests, (request) => request.close(undefined));
  }
  const sourceCancelPromise = controllerCancelSteps(rs.controller, reason);
  return then(sourceCancelPromise, noop);
}

function readableStreamClose(rs) {
  rs.state = "closed";
  const reader = rs.reader;
  if (reader === undefined) return;
  settle(reader.closed, undefined);
  if (!reader.byob) {
    drain(reader.requests, (request) => request.close());
  }
}

function readableStreamError(rs, error) {
  rs.state = "errored";
  rs.storedError = error;
  const reader = rs.reader;
  if (reader === undefined) return;
  fail(reader.closed, error);
  markHandled(reader.closed.promise);
  drain(reader.requests, (request) => request.error(error));
}

function readableStreamAddReadRequest(rs, request) {
  rs.reader.requests.push(request);
}

function readableStreamFulfillReadRequest(rs, chunk, done) {
  const request = rs.reader.requests.shift();
  if (done) request.close();
  else request.chunk(chunk);
}

function readableStreamFulfillReadIntoRequest(rs, chunk, done) {
  const request = rs.reader.requests.shift();
  if (done) request.close(chunk);
  else request.chunk(chunk);
}

function readableStreamGetNumReadRequests(rs) {
  return rs.reader.requests.length;
}

function readableStreamHasDefaultReader(rs) {
  const reader = rs.reader;
  return reader !== undefined && !reader.byob;
}

function readableStreamHasBYOBReader(rs) {
  const reader = rs.reader;
  return reader !== undefined && reader.byob;
}

// MARK: Readers

function readerGenericInitialize(reader, rs) {
  reader.stream = rs;
  rs.reader = reader;
  if (rs.state === "readable") {
    reader.closed = newDeferred();
  } else if (rs.state === "closed") {
    reader.closed = resolvedDeferred();
  } else {
    reader.closed = rejectedDeferred(rs.storedError);
  }
}

function readerGenericRelease(reader) {
  const rs = reader.stream;
  const error = new TypeError("This readable stream reader has been released and cannot be used to monitor the stream's state.");
  if (rs.state === "readable") {
    fail(reader.closed, error);
  } else {
    reader.closed = rejectedDeferred(error);
  }
  markHandled(reader.closed.promise);
  controllerReleaseSteps(rs.controller);
  rs.reader = undefined;
  reader.stream = undefined;
}

function readerGenericCancel(reader, reason) {
  return readableStreamCancel(reader.stream, reason);
}

function acquireDefaultReader(rs) {
  const reader = new Reader(false);
  setUpDefaultReader(reader, rs);
  new ReadableStreamDefaultReader(kInternal, reader);
  return reader;
}

function setUpDefaultReader(reader, rs) {
  if (isReadableStreamLocked(rs)) throw new TypeError(lockedMessage);
  readerGenericInitialize(reader, rs);
}

function acquireBYOBReader(rs) {
  const reader = new Reader(true);
  setUpBYOBReader(reader, rs);
  new ReadableStreamBYOBReader(kInternal, reader);
  return reader;
}

function setUpBYOBReader(reader, rs) {
  if (isReadableStreamLocked(rs)) throw new TypeError(lockedMessage);
  if (!rs.controller.byte) {
    throw new TypeError("Cannot get a BYOB reader for a stream that is not a byte stream.");
  }
  readerGenericInitialize(reader, rs);
}

function defaultReaderRead(reader, request) {
  const rs = reader.stream;
  rs.disturbed = true;
  if (rs.state === "closed") request.close();
  else if (rs.state === "errored") request.error(rs.storedError);
  else controllerPullSteps(rs.controller, request);
}

// ReadableStreamDefaultReaderRelease and ReadableStreamBYOBReaderRelease (the same steps).
function readerRelease(reader) {
  readerGenericRelease(reader);
  const error = new TypeError("This readable stream reader has been released.");
  drain(reader.requests, (request) => request.error(error));
}

function byobReaderRead(reader, view, min, request) {
  const rs = reader.stream;
  rs.disturbed = true;
  if (rs.state === "errored") request.error(rs.storedError);
  else byteControllerPullInto(rs.controller, view, min, request);
}

// A read request that settles a promise with a fresh `{value, done}` (worker-facing reads).
function promiseReadRequest(deferred) {
  return new ReadRequest(
    (chunk) => settle(deferred, newIterResult(chunk, false)),
    (chunk) => settle(deferred, newIterResult(chunk, true)),
    (error) => fail(deferred, error));
}

const releasedReaderMessage = "This readable stream reader has been released and cannot be used to read from its previous owner stream.";

// A rejected promise for a method called on an object of the wrong class.
const illegalInvocation = () => PromiseReject(new TypeError("Illegal invocation"));
const illegalInvocationError = () => new TypeError("Illegal invocation");

// The members both reader classes share, on the reader's record (undefined for a wrong `this`).
function newReaderRecord(object, stream, byob, className) {
  const rs = rsOf(stream);
  if (rs === undefined) throw new TypeError(`Failed to construct '${className}': parameter 1 is not of type 'ReadableStream'.`);
  const record = new Reader(byob);
  if (byob) setUpBYOBReader(record, rs);
  else setUpDefaultReader(record, rs);
  record.object = object;
  return record;
}

function readerClosed(reader) {
  return reader === undefined ? illegalInvocation() : reader.closed.promise;
}

function readerCancel(reader, reason) {
  if (reader === undefined) return illegalInvocation();
  if (reader.stream === undefined) return PromiseReject(new TypeError(releasedReaderMessage));
  return readerGenericCancel(reader, reason);
}

function readerReleaseLock(reader) {
  if (reader === undefined) throw illegalInvocationError();
  if (reader.stream !== undefined) readerRelease(reader);
}

// ReadableStreamDefaultReader and ReadableStreamBYOBReader: the same class shape with its own
// read(). Returns [the class, (value) -> its record or undefined].
function readerClass(name, byob, read) {
  let recordOf;
  const holder = {
    [name]: class {
      #reader;

      constructor(stream, reader = undefined) {
        if (stream === kInternal) {
          this.#reader = reader;
          reader.object = this;
          return;
        }
        this.#reader = newReaderRecord(this, stream, byob, name);
      }

      get closed() {
        return readerClosed(recordOf(this));
      }

      cancel(reason = undefined) {
        return readerCancel(recordOf(this), reason);
      }

      read(view = undefined, options = undefined) {
        const reader = recordOf(this);
        if (reader === undefined) return illegalInvocation();
        return read(reader, view, options);
      }

      releaseLock() {
        readerReleaseLock(recordOf(this));
      }

      static {
        recordOf = (value) => (typeof value === "object" && value !== null && #reader in value ? value.#reader : undefined);
      }
    },
  };
  return [holder[name], recordOf];
}

const [ReadableStreamDefaultReader] = readerClass("ReadableStreamDefaultReader", false, (reader) => {
  if (reader.stream === undefined) return PromiseReject(new TypeError(releasedReaderMessage));
  const deferred = newDeferred();
  defaultReaderRead(reader, promiseReadRequest(deferred));
  return deferred.promise;
});
ObjectDefineProperty(ReadableStreamDefaultReader.prototype.read, "length", { value: 0 });

const [ReadableStreamBYOBReader] = readerClass("ReadableStreamBYOBReader", true, (reader, view, options) => {
  const what = "Failed to execute 'read' on 'ReadableStreamBYOBReader'";
  let info;
  let min = 1;
  try {
    info = viewInfo(view);
    if (info === null) throw new TypeError(`${what}: parameter 1 is not of type 'ArrayBufferView'.`);
    const dict = dictionary(options, what);
    if (dict !== undefined && dict.min !== undefined) min = toEnforcedRangeULL(dict.min, what);
  } catch (error) {
    return PromiseReject(error);
  }
  if (info.byteLength === 0) return PromiseReject(new TypeError(`${what}: This readable stream reader cannot be used to read as the view has byte length equal to 0.`));
  if (bufferByteLength(info.buffer) === 0) return PromiseReject(new TypeError(`${what}: This readable stream reader cannot be used to read as the viewed array buffer is a detached array buffer.`));
  if (info.ctor === DataView) {
    if (min > info.byteLength) return PromiseReject(new RangeError(`${what}: options.min must be less than or equal to view's byteLength.`));
  } else if (min > info.byteLength / info.elementSize) {
    return PromiseReject(new RangeError(`${what}: options.min must be less than or equal to view's length.`));
  }
  if (reader.stream === undefined) return PromiseReject(new TypeError(releasedReaderMessage));
  const deferred = newDeferred();
  byobReaderRead(reader, view, min, promiseReadRequest(deferred));
  return deferred.promise;
});
ObjectDefineProperty(ReadableStreamBYOBReader.prototype.read, "length", { value: 1 });

// MARK: Async iteration

class ReadableStreamAsyncIterator {
  #reader;
  #preventCancel;
  #ongoing = undefined;
  #finished = false;

  constructor(token, reader, preventCancel) {
    if (token !== kInternal) throw new TypeError("Illegal constructor");
    this.#reader = reader;
    this.#preventCancel = preventCancel;
  }

  #nextSteps() {
    if (this.#finished) return PromiseResolve(newIterResult(undefined, true));
    const reader = this.#reader;
    if (reader.stream === undefined) return PromiseReject(new TypeError(releasedReaderMessage));
    const deferred = newDeferred();
    defaultReaderRead(reader, new ReadRequest(
      (chunk) => settle(deferred, newIterResult(chunk, false)),
      () => {
        this.#finished = true;
        readerRelease(reader);
        settle(deferred, newIterResult(undefined, true));
      },
      (error) => {
        this.#finished = true;
        readerRelease(reader);
        fail(deferred, error);
      }));
    return deferred.promise;
  }

  #returnSteps(value) {
    if (this.#finished) return PromiseResolve(newIterResult(value, true));
    this.#finished = true;
    const reader = this.#reader;
    if (reader.stream === undefined) return PromiseReject(new TypeError(releasedReaderMessage));
    if (!this.#preventCancel) {
      const result = readerGenericCancel(reader, value);
      readerRelease(reader);
      return then(result, () => newIterResult(value, true));
    }
    readerRelease(reader);
    return PromiseResolve(newIterResult(value, true));
  }

  next() {
    try {
      this.#reader; // brand check
    } catch (error) {
      return PromiseReject(error);
    }
    const ongoing = this.#ongoing;
    const nextPromise = ongoing === undefined ? this.#nextSteps() : then(ongoing, () => this.#nextSteps(), () => this.#nextSteps());
    this.#ongoing = nextPromise;
    return nextPromise;
  }

  return(value = undefined) {
    try {
      this.#reader; // brand check
    } catch (error) {
      return PromiseReject(error);
    }
    const ongoing = this.#ongoing;
    const returnPromise = ongoing === undefined ? this.#returnSteps(value)
      : then(ongoing, () => this.#returnSteps(value), () => this.#returnSteps(value));
    this.#ongoing = returnPromise;
    return returnPromise;
  }
}
delete ReadableStreamAsyncIterator.prototype.constructor;
ObjectSetPrototypeOf(ReadableStreamAsyncIterator.prototype, AsyncIteratorPrototype);
setToStringTag(ReadableStreamAsyncIterator.prototype, "ReadableStream AsyncIterator");

// MARK: ReadableStream.from

function readableStreamFromIterable(asyncIterable) {
  if (asyncIterable === null || asyncIterable === undefined) {
    throw new TypeError("Failed to execute 'from' on 'ReadableStream': The provided value is not iterable.");
  }
  let iterator;
  let nextMethod;
  let isAsync = true;
  let method = asyncIterable[SymbolAsyncIterator];
  if (method === undefined || method === null) {
    method = asyncIterable[SymbolIterator];
    isAsync = false;
  }
  if (typeof method !== "function") {
    throw new TypeError("Failed to execute 'from' on 'ReadableStream': The provided value is not iterable.");
  }
  iterator = ReflectApply(method, asyncIterable, []);
  if (typeof iterator !== "object" || iterator === null) {
    throw new TypeError("Failed to execute 'from' on 'ReadableStream': The iterator is not an object.");
  }
  nextMethod = iterator.next;
  const rs = new RS();
  createReadableStream(rs);
  const pull = () => {
    let nextResult;
    try {
      nextResult = ReflectApply(nextMethod, iterator, []);
    } catch (error) {
      return PromiseReject(error);
    }
    if (!isAsync) {
      // The sync iterator's result, its value awaited as an async-from-sync iterator does.
      if (typeof nextResult !== "object" || nextResult === null) {
        return PromiseReject(new TypeError("The iterator's next() result is not an object."));
      }
      let done;
      let value;
      try {
        done = !!nextResult.done;
        value = nextResult.value;
      } catch (error) {
        return PromiseReject(error);
      }
      return then(PromiseResolve(value), (resolved) => {
        if (done) defaultControllerClose(rs.controller);
        else defaultControllerEnqueue(rs.controller, resolved);
      });
    }
    return then(PromiseResolve(nextResult), (result) => {
      if (typeof result !== "object" || result === null) {
        throw new TypeError("The promise returned by the iterator's next() method must fulfill with an object.");
      }
      if (result.done) defaultControllerClose(rs.controller);
      else defaultControllerEnqueue(rs.controller, result.value);
    });
  };
  const cancel = (reason) => {
    let returnMethod;
    try {
      returnMethod = iterator.return;
    } catch (error) {
      return PromiseReject(error);
    }
    if (returnMethod === undefined || returnMethod === null) return PromiseResolve(undefined);
    let returnResult;
    try {
      returnResult = ReflectApply(returnMethod, iterator, [reason]);
    } catch (error) {
      return PromiseReject(error);
    }
    return then(PromiseResolve(returnResult), (result) => {
      if (typeof result !== "object" || result === null) {
        throw new TypeError("The promise returned by the iterator's return() method must fulfill with an object.");
      }
    });
  };
  setUpDefaultController(rs, new DefaultController(), noop, pull, cancel, 0, () => 1);
  return rs;
}

// MARK: Default controller

function controllerCancelSteps(controller, reason) {
  if (controller.byte) {
    byteControllerClearPendingPullIntos(controller);
  }
  resetQueue(controller);
  const result = controller.cancelAlgorithm(reason);
  clearAlgorithms(controller);
  return result;
}

function clearAlgorithms(controller) {
  controller.pullAlgorithm = undefined;
  controller.cancelAlgorithm = undefined;
  if (!controller.byte) controller.strategySizeAlgorithm = undefined;
}

function controllerPullSteps(controller, request) {
  if (controller.byte) return byteControllerPullSteps(controller, request);
  const rs = controller.stream;
  if (controller.queue.length > 0) {
    const chunk = dequeueValue(controller);
    if (controller.closeRequested && controller.queue.length === 0) {
      clearAlgorithms(controller);
      readableStreamClose(rs);
    } else {
      controllerCallPullIfNeeded(controller);
    }
    request.chunk(chunk);
  } else {
    readableStreamAddReadRequest(rs, request);
    controllerCallPullIfNeeded(controller);
  }
}

function controllerReleaseSteps(controller) {
  if (!controller.byte) return;
  if (controller.pendingPullIntos.length > 0) {
    const first = controller.pendingPullIntos.peek();
    first.readerType = "none";
    const rest = new Queue();
    rest.push(first);
    controller.pendingPullIntos = rest;
  }
}

// ReadableStreamDefaultControllerCallPullIfNeeded and ReadableByteStreamControllerCallPullIfNeeded.
function controllerCallPullIfNeeded(controller) {
  const shouldPull = controller.byte ? byteControllerShouldCallPull(controller) : defaultControllerShouldCallPull(controller);
  if (!shouldPull) return;
  if (controller.pulling) {
    controller.pullAgain = true;
    return;
  }
  controller.pulling = true;
  then(controller.pullAlgorithm(), () => {
    controller.pulling = false;
    if (controller.pullAgain) {
      controller.pullAgain = false;
      controllerCallPullIfNeeded(controller);
    }
  }, (error) => controllerError(controller, error));
}

function controllerError(controller, error) {
  if (controller.byte) byteControllerError(controller, error);
  else defaultControllerError(controller, error);
}

// The end of SetUpReadableStreamDefaultController / SetUpReadableByteStreamController.
function controllerStart(controller, startAlgorithm) {
  const startResult = startAlgorithm();
  then(PromiseResolve(startResult), () => {
    controller.started = true;
    controllerCallPullIfNeeded(controller);
  }, (error) => controllerError(controller, error));
}

// The algorithms of an underlying source's methods, called on the source with the controller.
function setUpControllerFromSource(rs, controller, source, start, pull, cancel, setUp) {
  const startAlgorithm = start === undefined ? noop : () => ReflectApply(start, source, [controller.object]);
  const pullAlgorithm = pull === undefined ? resolvedUndefined : () => promiseCall(pull, source, [controller.object]);
  const cancelAlgorithm = cancel === undefined ? resolvedUndefined : (reason) => promiseCall(cancel, source, [reason]);
  setUp(startAlgorithm, pullAlgorithm, cancelAlgorithm);
}

function defaultControllerShouldCallPull(controller) {
  const rs = controller.stream;
  if (!defaultControllerCanCloseOrEnqueue(controller)) return false;
  if (!controller.started) return false;
  if (isReadableStreamLocked(rs) && readableStreamGetNumReadRequests(rs) > 0) return true;
  return defaultControllerGetDesiredSize(controller) > 0;
}

function defaultControllerClose(controller) {
  if (!defaultControllerCanCloseOrEnqueue(controller)) return;
  const rs = controller.stream;
  controller.closeRequested = true;
  if (controller.queue.length === 0) {
    clearAlgorithms(controller);
    readableStreamClose(rs);
  }
}

function defaultControllerEnqueue(controller, chunk) {
  if (!defaultControllerCanCloseOrEnqueue(controller)) return;
  const rs = controller.stream;
  if (isReadableStreamLocked(rs) && readableStreamGetNumReadRequests(rs) > 0) {
    readableStreamFulfillReadRequest(rs, chunk, false);
  } else {
    let size;
    try {
      size = controller.strategySizeAlgorithm(chunk);
    } catch (error) {
      defaultControllerError(controller, error);
      throw error;
    }
    try {
      enqueueValueWithSize(controller, chunk, size);
    } catch (error) {
      defaultControllerError(controller, error);
      throw error;
    }
  }
  controllerCallPullIfNeeded(controller);
}

function defaultControllerError(controller, error) {
  const rs = controller.stream;
  if (rs.state !== "readable") return;
  resetQueue(controller);
  clearAlgorithms(controller);
  readableStreamError(rs, error);
}

function defaultControllerGetDesiredSize(controller) {
  const state = controller.stream.state;
  if (state === "errored") return null;
  if (state === "closed") return 0;
  return controller.strategyHWM - controller.queueTotalSize;
}

function defaultControllerHasBackpressure(controller) {
  return !defaultControllerShouldCallPull(controller);
}

function defaultControllerCanCloseOrEnqueue(controller) {
  return !controller.closeRequested && controller.stream.state === "readable";
}

function setUpDefaultController(rs, controller, startAlgorithm, pullAlgorithm, cancelAlgorithm, hwm, sizeAlgorithm) {
  controller.stream = rs;
  resetQueue(controller);
  controller.started = false;
  controller.closeRequested = false;
  controller.pullAgain = false;
  controller.pulling = false;
  controller.strategySizeAlgorithm = sizeAlgorithm;
  controller.strategyHWM = hwm;
  controller.pullAlgorithm = pullAlgorithm;
  controller.cancelAlgorithm = cancelAlgorithm;
  rs.controller = controller;
  new ReadableStreamDefaultController(kInternal, controller);
  controllerStart(controller, startAlgorithm);
}

function setUpDefaultControllerFromSource(rs, source, start, pull, cancel, hwm, sizeAlgorithm) {
  const controller = new DefaultController();
  setUpControllerFromSource(rs, controller, source, start, pull, cancel, (startAlgorithm, pullAlgorithm, cancelAlgorithm) =>
    setUpDefaultController(rs, controller, startAlgorithm, pullAlgorithm, cancelAlgorithm, hwm, sizeAlgorithm));
}

class ReadableStreamDefaultController {
  #controller;

  constructor(token = undefined, controller = undefined) {
    if (token !== kInternal) throw new TypeError("Illegal constructor");
    this.#controller = controller;
    controller.object = this;
  }

  get desiredSize() {
    return defaultControllerGetDesiredSize(this.#controller);
  }

  close() {
    const controller = this.#controller;
    if (!defaultControllerCanCloseOrEnqueue(controller)) {
      throw new TypeError("Failed to execute 'close' on 'ReadableStreamDefaultController': The stream is not in a state that permits close.");
    }
    defaultControllerClose(controller);
  }

  enqueue(chunk = undefined) {
    const controller = this.#controller;
    if (!defaultControllerCanCloseOrEnqueue(controller)) {
      throw new TypeError("Failed to execute 'enqueue' on 'ReadableStreamDefaultController': The stream is not in a state that permits enqueue.");
    }
    defaultControllerEnqueue(controller, chunk);
  }

  error(e = undefined) {
    defaultControllerError(this.#controller, e);
  }
}

// MARK: Byte controller

function setUpByteControllerFromSource(rs, source, start, pull, cancel, hwm, autoAllocateChunkSize) {
  const controller = new ByteController();
  setUpControllerFromSource(rs, controller, source, start, pull, cancel, (startAlgorithm, pullAlgorithm, cancelAlgorithm) =>
    setUpByteController(rs, controller, startAlgorithm, pullAlgorithm, cancelAlgorithm, hwm, autoAllocateChunkSize));
}

function setUpByteController(rs, controller, startAlgorithm, pullAlgorithm, cancelAlgorithm, hwm, autoAllocateChunkSize) {
  controller.stream = rs;
  controller.pullAgain = false;
  controller.pulling = false;
  controller.byobRequest = null;
  resetQueue(controller);
  controller.closeRequested = false;
  controller.started = false;
  controller.strategyHWM = hwm;
  controller.pullAlgorithm = pullAlgorithm;
  controller.cancelAlgorithm = cancelAlgorithm;
  controller.autoAllocateChunkSize = autoAllocateChunkSize;
  controller.pendingPullIntos = new Queue();
  rs.controller = controller;
  new ReadableByteStreamController(kInternal, controller);
  controllerStart(controller, startAlgorithm);
}

function byteControllerShouldCallPull(controller) {
  const rs = controller.stream;
  if (rs.state !== "readable") return false;
  if (controller.closeRequested) return false;
  if (!controller.started) return false;
  if (readableStreamHasDefaultReader(rs) && readableStreamGetNumReadRequests(rs) > 0) return true;
  if (readableStreamHasBYOBReader(rs) && readableStreamGetNumReadRequests(rs) > 0) return true;
  return byteControllerGetDesiredSize(controller) > 0;
}

function byteControllerGetDesiredSize(controller) {
  const state = controller.stream.state;
  if (state === "errored") return null;
  if (state === "closed") return 0;
  return controller.strategyHWM - controller.queueTotalSize;
}

function byteControllerClearPendingPullIntos(controller) {
  byteControllerInvalidateBYOBRequest(controller);
  controller.pendingPullIntos = new Queue();
}

function byteControllerInvalidateBYOBRequest(controller) {
  const request = controller.byobRequest;
  if (request === null) return;
  request.controller = undefined;
  request.view = null;
  controller.byobRequest = null;
}

function byteControllerClose(controller) {
  const rs = controller.stream;
  if (controller.closeRequested || rs.state !== "readable") return;
  if (controller.queueTotalSize > 0) {
    controller.closeRequested = true;
    return;
  }
  if (controller.pendingPullIntos.length > 0) {
    const first = controller.pendingPullIntos.peek();
    if (first.bytesFilled % first.elementSize !== 0) {
      const error = new TypeError("Insufficient bytes to fill elements in the given buffer");
      byteControllerError(controller, error);
      throw error;
    }
  }
  clearAlgorithms(controller);
  readableStreamClose(rs);
}

function byteControllerEnqueue(controller, chunk, info) {
  const rs = controller.stream;
  if (controller.closeRequested || rs.state !== "readable") return;
  const byteOffset = info.byteOffset;
  const byteLength = info.byteLength;
  const transferredBuffer = transferBuffer(info.buffer);
  if (controller.pendingPullIntos.length > 0) {
    const first = controller.pendingPullIntos.peek();
    first.buffer = transferBuffer(first.buffer);
    if (first.readerType === "none") byteControllerEnqueueDetachedPullIntoToQueue(controller, first);
  }
  byteControllerInvalidateBYOBRequest(controller);
  if (readableStreamHasDefaultReader(rs)) {
    byteControllerProcessReadRequestsUsingQueue(controller);
    if (readableStreamGetNumReadRequests(rs) === 0) {
      byteControllerEnqueueChunkToQueue(controller, transferredBuffer, byteOffset, byteLength);
    } else {
      if (controller.pendingPullIntos.length > 0) byteControllerShiftPendingPullInto(controller);
      readableStreamFulfillReadRequest(rs, new Uint8Array(transferredBuffer, byteOffset, byteLength), false);
    }
  } else if (readableStreamHasBYOBReader(rs)) {
    byteControllerEnqueueChunkToQueue(controller, transferredBuffer, byteOffset, byteLength);
    byteControllerProcessPullIntoDescriptorsUsingQueue(controller);
  } else {
    byteControllerEnqueueChunkToQueue(controller, transferredBuffer, byteOffset, byteLength);
  }
  controllerCallPullIfNeeded(controller);
}

function byteControllerEnqueueChunkToQueue(controller, buffer, byteOffset, byteLength) {
  controller.queue.push(new ByteChunk(buffer, byteOffset, byteLength));
  controller.queueTotalSize += byteLength;
}

function byteControllerEnqueueClonedChunkToQueue(controller, buffer, byteOffset, byteLength) {
  let clone;
  try {
    clone = ArrayBufferPrototypeSlice(buffer, byteOffset, byteOffset + byteLength);
  } catch (error) {
    byteControllerError(controller, error);
    throw error;
  }
  byteControllerEnqueueChunkToQueue(controller, clone, 0, byteLength);
}

function byteControllerEnqueueDetachedPullIntoToQueue(controller, pullInto) {
  if (pullInto.bytesFilled > 0) {
    byteControllerEnqueueClonedChunkToQueue(controller, pullInto.buffer, pullInto.byteOffset, pullInto.bytesFilled);
  }
  byteControllerShiftPendingPullInto(controller);
}

function byteControllerError(controller, error) {
  const rs = controller.stream;
  if (rs.state !== "readable") return;
  byteControllerClearPendingPullIntos(controller);
  resetQueue(controller);
  clearAlgorithms(controller);
  readableStreamError(rs, error);
}

function byteControllerFillHeadPullIntoDescriptor(controller, size, pullInto) {
  pullInto.bytesFilled += size;
}

function byteControllerFillPullIntoDescriptorFromQueue(controller, pullInto) {
  const maxBytesToCopy = MathMin(controller.queueTotalSize, pullInto.byteLength - pullInto.bytesFilled);
  const maxBytesFilled = pullInto.bytesFilled + maxBytesToCopy;
  let totalBytesToCopyRemaining = maxBytesToCopy;
  let ready = false;
  const remainderBytes = maxBytesFilled % pullInto.elementSize;
  const maxAlignedBytes = maxBytesFilled - remainderBytes;
  if (maxAlignedBytes >= pullInto.minimumFill) {
    totalBytesToCopyRemaining = maxAlignedBytes - pullInto.bytesFilled;
    ready = true;
  }
  const queue = controller.queue;
  while (totalBytesToCopyRemaining > 0) {
    const head = queue.peek();
    const bytesToCopy = MathMin(totalBytesToCopyRemaining, head.byteLength);
    const destStart = pullInto.byteOffset + pullInto.bytesFilled;
    copyDataBlockBytes(pullInto.buffer, destStart, head.buffer, head.byteOffset, bytesToCopy);
    if (head.byteLength === bytesToCopy) {
      queue.shift();
    } else {
      head.byteOffset += bytesToCopy;
      head.byteLength -= bytesToCopy;
    }
    controller.queueTotalSize -= bytesToCopy;
    byteControllerFillHeadPullIntoDescriptor(controller, bytesToCopy, pullInto);
    totalBytesToCopyRemaining -= bytesToCopy;
  }
  return ready;
}

function byteControllerFillReadRequestFromQueue(controller, request) {
  const entry = controller.queue.shift();
  controller.queueTotalSize -= entry.byteLength;
  byteControllerHandleQueueDrain(controller);
  request.chunk(new Uint8Array(entry.buffer, entry.byteOffset, entry.byteLength));
}

function byteControllerGetBYOBRequest(controller) {
  if (controller.byobRequest === null && controller.pendingPullIntos.length > 0) {
    const first = controller.pendingPullIntos.peek();
    const view = new Uint8Array(first.buffer, first.byteOffset + first.bytesFilled, first.byteLength - first.bytesFilled);
    const request = new BYOBRequestRecord(controller, view);
    new ReadableStreamBYOBRequest(kInternal, request);
    controller.byobRequest = request;
  }
  return controller.byobRequest;
}

function byteControllerHandleQueueDrain(controller) {
  if (controller.queueTotalSize === 0 && controller.closeRequested) {
    clearAlgorithms(controller);
    readableStreamClose(controller.stream);
  } else {
    controllerCallPullIfNeeded(controller);
  }
}

function byteControllerProcessPullIntoDescriptorsUsingQueue(controller) {
  while (controller.pendingPullIntos.length > 0) {
    if (controller.queueTotalSize === 0) return;
    const pullInto = controller.pendingPullIntos.peek();
    if (byteControllerFillPullIntoDescriptorFromQueue(controller, pullInto)) {
      byteControllerShiftPendingPullInto(controller);
      byteControllerCommitPullIntoDescriptor(controller.stream, pullInto);
    }
  }
}

function byteControllerProcessReadRequestsUsingQueue(controller) {
  const reader = controller.stream.reader;
  while (reader.requests.length > 0) {
    if (controller.queueTotalSize === 0) return;
    const request = reader.requests.shift();
    byteControllerFillReadRequestFromQueue(controller, request);
  }
}

function byteControllerPullInto(controller, view, min, request) {
  const rs = controller.stream;
  const info = viewInfo(view);
  const elementSize = info.elementSize;
  const ctor = info.ctor;
  const minimumFill = min * elementSize;
  let buffer;
  try {
    buffer = transferBuffer(info.buffer);
  } catch (error) {
    request.error(error);
    return;
  }
  const pullInto = new PullInto(buffer, bufferByteLength(buffer), info.byteOffset, info.byteLength, 0, minimumFill,
    elementSize, ctor, "byob");
  if (controller.pendingPullIntos.length > 0) {
    controller.pendingPullIntos.push(pullInto);
    readableStreamAddReadRequest(rs, request);
    return;
  }
  if (rs.state === "closed") {
    const emptyView = newView(ctor, pullInto.buffer, pullInto.byteOffset, 0);
    request.close(emptyView);
    return;
  }
  if (controller.queueTotalSize > 0) {
    if (byteControllerFillPullIntoDescriptorFromQueue(controller, pullInto)) {
      const filledView = byteControllerConvertPullIntoDescriptor(pullInto);
      byteControllerHandleQueueDrain(controller);
      request.chunk(filledView);
      return;
    }
    if (controller.closeRequested) {
      const error = new TypeError("Insufficient bytes to fill elements in the given buffer");
      byteControllerError(controller, error);
      request.error(error);
      return;
    }
  }
  controller.pendingPullIntos.push(pullInto);
  readableStreamAddReadRequest(rs, request);
  controllerCallPullIfNeeded(controller);
}

function newView(ctor, buffer, byteOffset, length) {
  return new ctor(buffer, byteOffset, length);
}

function byteControllerConvertPullIntoDescriptor(pullInto) {
  const bytesFilled = pullInto.bytesFilled;
  const elementSize = pullInto.elementSize;
  const buffer = transferBuffer(pullInto.buffer);
  return newView(pullInto.viewConstructor, buffer, pullInto.byteOffset, bytesFilled / elementSize);
}

function byteControllerCommitPullIntoDescriptor(rs, pullInto) {
  let done = false;
  if (rs.state === "closed") done = true;
  const filledView = byteControllerConvertPullIntoDescriptor(pullInto);
  if (pullInto.readerType === "default") {
    readableStreamFulfillReadRequest(rs, filledView, done);
  } else {
    readableStreamFulfillReadIntoRequest(rs, filledView, done);
  }
}

function byteControllerRespond(controller, bytesWritten) {
  const first = controller.pendingPullIntos.peek();
  const state = controller.stream.state;
  if (state === "closed") {
    if (bytesWritten !== 0) throw new TypeError("bytesWritten must be 0 when calling respond() on a closed stream");
  } else {
    if (bytesWritten === 0) throw new TypeError("bytesWritten must be greater than 0 when calling respond() on a readable stream");
    if (first.bytesFilled + bytesWritten > first.byteLength) throw new RangeError("bytesWritten out of range");
  }
  first.buffer = transferBuffer(first.buffer);
  byteControllerRespondInternal(controller, bytesWritten);
}

function byteControllerRespondInClosedState(controller, first) {
  if (first.readerType === "none") byteControllerShiftPendingPullInto(controller);
  const rs = controller.stream;
  if (readableStreamHasBYOBReader(rs)) {
    while (readableStreamGetNumReadRequests(rs) > 0) {
      const pullInto = byteControllerShiftPendingPullInto(controller);
      byteControllerCommitPullIntoDescriptor(rs, pullInto);
    }
  }
}

function byteControllerRespondInReadableState(controller, bytesWritten, pullInto) {
  byteControllerFillHeadPullIntoDescriptor(controller, bytesWritten, pullInto);
  if (pullInto.readerType === "none") {
    byteControllerEnqueueDetachedPullIntoToQueue(controller, pullInto);
    byteControllerProcessPullIntoDescriptorsUsingQueue(controller);
    return;
  }
  if (pullInto.bytesFilled < pullInto.minimumFill) return;
  byteControllerShiftPendingPullInto(controller);
  const remainderSize = pullInto.bytesFilled % pullInto.elementSize;
  if (remainderSize > 0) {
    const end = pullInto.byteOffset + pullInto.bytesFilled;
    byteControllerEnqueueClonedChunkToQueue(controller, pullInto.buffer, end - remainderSize, remainderSize);
  }
  pullInto.bytesFilled -= remainderSize;
  byteControllerCommitPullIntoDescriptor(controller.stream, pullInto);
  byteControllerProcessPullIntoDescriptorsUsingQueue(controller);
}

function byteControllerRespondInternal(controller, bytesWritten) {
  const first = controller.pendingPullIntos.peek();
  byteControllerInvalidateBYOBRequest(controller);
  if (controller.stream.state === "closed") byteControllerRespondInClosedState(controller, first);
  else byteControllerRespondInReadableState(controller, bytesWritten, first);
  controllerCallPullIfNeeded(controller);
}

function byteControllerRespondWithNewView(controller, view, info) {
  const first = controller.pendingPullIntos.peek();
  const state = controller.stream.state;
  if (state === "closed") {
    if (info.byteLength !== 0) throw new TypeError("The view's length must be 0 when calling respondWithNewView() on a closed stream");
  } else if (info.byteLength === 0) {
    throw new TypeError("The view's length must be greater than 0 when calling respondWithNewView() on a readable stream");
  }
  if (first.byteOffset + first.bytesFilled !== info.byteOffset) throw new RangeError("The region specified by view does not match byobRequest");
  if (first.bufferByteLength !== bufferByteLength(info.buffer)) throw new RangeError("The buffer of view has different capacity than byobRequest");
  if (first.bytesFilled + info.byteLength > first.byteLength) throw new RangeError("The region specified by view is larger than byobRequest");
  const viewByteLength = info.byteLength;
  first.buffer = transferBuffer(info.buffer);
  byteControllerRespondInternal(controller, viewByteLength);
}

function byteControllerShiftPendingPullInto(controller) {
  return controller.pendingPullIntos.shift();
}

function byteControllerPullSteps(controller, request) {
  const rs = controller.stream;
  if (controller.queueTotalSize > 0) {
    byteControllerFillReadRequestFromQueue(controller, request);
    return;
  }
  const autoAllocateChunkSize = controller.autoAllocateChunkSize;
  if (autoAllocateChunkSize !== undefined) {
    let buffer;
    try {
      buffer = new ArrayBuffer(autoAllocateChunkSize);
    } catch (error) {
      request.error(error);
      return;
    }
    controller.pendingPullIntos.push(new PullInto(buffer, autoAllocateChunkSize, 0, autoAllocateChunkSize, 0, 1, 1,
      Uint8Array, "default"));
  }
  readableStreamAddReadRequest(rs, request);
  controllerCallPullIfNeeded(controller);
}

class ReadableByteStreamController {
  #controller;

  constructor(token = undefined, controller = undefined) {
    if (token !== kInternal) throw new TypeError("Illegal constructor");
    this.#controller = controller;
    controller.object = this;
  }

  get byobRequest() {
    const request = byteControllerGetBYOBRequest(this.#controller);
    return request === null ? null : request.object;
  }

  get desiredSize() {
    return byteControllerGetDesiredSize(this.#controller);
  }

  close() {
    const controller = this.#controller;
    if (controller.closeRequested) throw new TypeError("Failed to execute 'close' on 'ReadableByteStreamController': The stream has already been closed.");
    if (controller.stream.state !== "readable") throw new TypeError("Failed to execute 'close' on 'ReadableByteStreamController': The stream is not in a state that permits close.");
    byteControllerClose(controller);
  }

  enqueue(chunk) {
    const controller = this.#controller;
    const what = "Failed to execute 'enqueue' on 'ReadableByteStreamController'";
    const info = viewInfo(chunk);
    if (info === null) throw new TypeError(`${what}: parameter 1 is not of type 'ArrayBufferView'.`);
    if (info.byteLength === 0) throw new TypeError(`${what}: chunk must have non-zero byteLength.`);
    if (bufferByteLength(info.buffer) === 0) throw new TypeError(`${what}: chunk's buffer must have non-zero byteLength.`);
    if (controller.closeRequested) throw new TypeError(`${what}: The stream has already been closed.`);
    if (controller.stream.state !== "readable") throw new TypeError(`${what}: The stream is not in a state that permits enqueue.`);
    byteControllerEnqueue(controller, chunk, info);
  }

  error(e = undefined) {
    byteControllerError(this.#controller, e);
  }
}

class ReadableStreamBYOBRequest {
  #request;

  constructor(token = undefined, request = undefined) {
    if (token !== kInternal) throw new TypeError("Illegal constructor");
    this.#request = request;
    request.object = this;
  }

  get view() {
    return this.#request.view;
  }

  respond(bytesWritten) {
    const request = this.#request;
    const what = "Failed to execute 'respond' on 'ReadableStreamBYOBRequest'";
    const written = toEnforcedRangeULLAllowZero(bytesWritten, what);
    if (request.controller === undefined) throw new TypeError(`${what}: This BYOB request has been invalidated`);
    const info = viewInfo(request.view);
    if (bufferByteLength(info.buffer) === 0) throw new TypeError(`${what}: The BYOB request's buffer has been detached and so cannot be used as a response`);
    byteControllerRespond(request.controller, written);
  }

  respondWithNewView(view) {
    const request = this.#request;
    const what = "Failed to execute 'respondWithNewView' on 'ReadableStreamBYOBRequest'";
    const info = viewInfo(view);
    if (info === null) throw new TypeError(`${what}: parameter 1 is not of type 'ArrayBufferView'.`);
    if (request.controller === undefined) throw new TypeError(`${what}: This BYOB request has been invalidated`);
    if (bufferByteLength(info.buffer) === 0) throw new TypeError(`${what}: The given view's buffer has been detached and so cannot be used as a response`);
    byteControllerRespondWithNewView(request.controller, view, info);
  }
}

function toEnforcedRangeULLAllowZero(value, what) {
  const number = +value;
  if (!(number >= 0 && number <= 9007199254740991)) {
    throw new TypeError(`${what}: Value is outside the 'unsigned long long' value range.`);
  }
  return number - (number % 1);
}

// MARK: tee

function readableStreamTee(rs, cloneForBranch2) {
  rs.teed = true;
  if (rs.controller.byte) return readableByteStreamTee(rs);
  return readableStreamDefaultTee(rs, cloneForBranch2);
}

const TeeState = record(class TeeState {
  constructor() {
    this.reading = false;
    this.readAgain = false;
    this.readAgainForBranch1 = false;
    this.readAgainForBranch2 = false;
    this.canceled1 = false;
    this.canceled2 = false;
    this.reason1 = undefined;
    this.reason2 = undefined;
    this.branch1 = undefined;
    this.branch2 = undefined;
    this.reader = undefined;
    this.cancelPromise = undefined;
  }
});

function teeCancel(tee, branch, reason) {
  if (branch === 1) {
    tee.canceled1 = true;
    tee.reason1 = reason;
  } else {
    tee.canceled2 = true;
    tee.reason2 = reason;
  }
  if (tee.canceled1 && tee.canceled2) {
    const compositeReason = [tee.reason1, tee.reason2];
    const cancelResult = readableStreamCancel(tee.reader.stream, compositeReason);
    then(cancelResult, (value) => settle(tee.cancelPromise, value), (error) => fail(tee.cancelPromise, error));
  }
  return tee.cancelPromise.promise;
}

function readableStreamDefaultTee(rs, cloneForBranch2) {
  const reader = acquireDefaultReader(rs);
  const tee = new TeeState();
  tee.reader = reader;
  tee.cancelPromise = newDeferred();
  const pullAlgorithm = () => {
    if (tee.reading) {
      tee.readAgain = true;
      return PromiseResolve(undefined);
    }
    tee.reading = true;
    defaultReaderRead(reader, new ReadRequest(
      (chunk) => {
        queueMicrotaskInternal(() => {
          tee.readAgain = false;
          const chunk1 = chunk;
          const chunk2 = chunk;
          if (!tee.canceled1) defaultControllerEnqueue(tee.branch1.controller, chunk1);
          if (!tee.canceled2) defaultControllerEnqueue(tee.branch2.controller, chunk2);
          tee.reading = false;
          if (tee.readAgain) pullAlgorithm();
        });
      },
      () => {
        tee.reading = false;
        if (!tee.canceled1) defaultControllerClose(tee.branch1.controller);
        if (!tee.canceled2) defaultControllerClose(tee.branch2.controller);
        if (!tee.canceled1 || !tee.canceled2) settle(tee.cancelPromise, undefined);
      },
      () => {
        tee.reading = false;
      }));
    return PromiseResolve(undefined);
  };
  tee.branch1 = createReadableStream(new RS());
  tee.branch2 = createReadableStream(new RS());
  setUpDefaultController(tee.branch1, new DefaultController(), noop, pullAlgorithm, (reason) => teeCancel(tee, 1, reason), 1, () => 1);
  setUpDefaultController(tee.branch2, new DefaultController(), noop, pullAlgorithm, (reason) => teeCancel(tee, 2, reason), 1, () => 1);
  then(reader.closed.promise, undefined, (error) => {
    defaultControllerError(tee.branch1.controller, error);
    defaultControllerError(tee.branch2.controller, error);
    if (!tee.canceled1 || !tee.canceled2) settle(tee.cancelPromise, undefined);
  });
  return [tee.branch1, tee.branch2];
}

const resolvedForMicrotasks = PromiseResolve(undefined);
function queueMicrotaskInternal(fn) {
  PromisePrototypeThen(resolvedForMicrotasks, fn);
}

function cloneAsUint8Array(view) {
  const info = viewInfo(view);
  const buffer = ArrayBufferPrototypeSlice(info.buffer, info.byteOffset, info.byteOffset + info.byteLength);
  return new Uint8Array(buffer);
}

function readableByteStreamTee(rs) {
  const tee = new TeeState();
  tee.reader = acquireDefaultReader(rs);
  tee.cancelPromise = newDeferred();
  const forwardReaderError = (thisReader) => {
    then(thisReader.closed.promise, undefined, (error) => {
      if (thisReader !== tee.reader) return;
      byteControllerError(tee.branch1.controller, error);
      byteControllerError(tee.branch2.controller, error);
      if (!tee.canceled1 || !tee.canceled2) settle(tee.cancelPromise, undefined);
    });
  };
  const enqueueBoth = (chunk) => {
    const canceled1 = tee.canceled1;
    const canceled2 = tee.canceled2;
    let chunk1 = chunk;
    let chunk2 = chunk;
    if (!canceled1 && !canceled2) {
      try {
        chunk2 = cloneAsUint8Array(chunk);
      } catch (error) {
        byteControllerError(tee.branch1.controller, error);
        byteControllerError(tee.branch2.controller, error);
        settle(tee.cancelPromise, readableStreamCancel(rs, error));
        return false;
      }
    }
    if (!canceled1) byteControllerEnqueue(tee.branch1.controller, chunk1, viewInfo(chunk1));
    if (!canceled2) byteControllerEnqueue(tee.branch2.controller, chunk2, viewInfo(chunk2));
    return true;
  };
  const closeBoth = (byobBranch, chunk) => {
    const c1 = tee.branch1.controller;
    const c2 = tee.branch2.controller;
    if (!tee.canceled1) byteControllerClose(c1);
    if (!tee.canceled2) byteControllerClose(c2);
    if (byobBranch !== undefined) {
      const byobCanceled = byobBranch === 1 ? tee.canceled1 : tee.canceled2;
      const byobController = byobBranch === 1 ? c1 : c2;
      if (!byobCanceled && chunk !== undefined) byteControllerRespondWithNewView(byobController, chunk, viewInfo(chunk));
      const otherCanceled = byobBranch === 1 ? tee.canceled2 : tee.canceled1;
      const otherController = byobBranch === 1 ? c2 : c1;
      if (!otherCanceled && otherController.pendingPullIntos.length > 0) byteControllerRespond(otherController, 0);
    }
    if (!tee.canceled1 || !tee.canceled2) settle(tee.cancelPromise, undefined);
  };
  const pullWithDefaultReader = () => {
    if (tee.reader.byob) {
      readerRelease(tee.reader);
      tee.reader = acquireDefaultReader(rs);
      forwardReaderError(tee.reader);
    }
    defaultReaderRead(tee.reader, new ReadRequest(
      (chunk) => {
        queueMicrotaskInternal(() => {
          tee.readAgainForBranch1 = false;
          tee.readAgainForBranch2 = false;
          if (!enqueueBoth(chunk)) return;
          tee.reading = false;
          if (tee.readAgainForBranch1) pull1();
          else if (tee.readAgainForBranch2) pull2();
        });
      },
      () => {
        tee.reading = false;
        closeBoth(undefined, undefined);
      },
      () => {
        tee.reading = false;
      }));
  };
  const pullWithBYOBReader = (view, forBranch2) => {
    if (!tee.reader.byob) {
      readerRelease(tee.reader);
      tee.reader = acquireBYOBReader(rs);
      forwardReaderError(tee.reader);
    }
    const byobBranch = forBranch2 ? 2 : 1;
    byobReaderRead(tee.reader, view, 1, new ReadRequest(
      (chunk) => {
        queueMicrotaskInternal(() => {
          tee.readAgainForBranch1 = false;
          tee.readAgainForBranch2 = false;
          const byobCanceled = forBranch2 ? tee.canceled2 : tee.canceled1;
          const otherCanceled = forBranch2 ? tee.canceled1 : tee.canceled2;
          const byobController = forBranch2 ? tee.branch2.controller : tee.branch1.controller;
          const otherController = forBranch2 ? tee.branch1.controller : tee.branch2.controller;
          if (!otherCanceled) {
            let clonedChunk;
            try {
              clonedChunk = cloneAsUint8Array(chunk);
            } catch (error) {
              byteControllerError(byobController, error);
              byteControllerError(otherController, error);
              settle(tee.cancelPromise, readableStreamCancel(rs, error));
              return;
            }
            if (!byobCanceled) byteControllerRespondWithNewView(byobController, chunk, viewInfo(chunk));
            byteControllerEnqueue(otherController, clonedChunk, viewInfo(clonedChunk));
          } else if (!byobCanceled) {
            byteControllerRespondWithNewView(byobController, chunk, viewInfo(chunk));
          }
          tee.reading = false;
          if (tee.readAgainForBranch1) pull1();
          else if (tee.readAgainForBranch2) pull2();
        });
      },
      (chunk) => {
        tee.reading = false;
        closeBoth(byobBranch, chunk);
      },
      () => {
        tee.reading = false;
      }));
  };
  const pullBranch = (branch) => {
    if (tee.reading) {
      if (branch === 1) tee.readAgainForBranch1 = true;
      else tee.readAgainForBranch2 = true;
      return PromiseResolve(undefined);
    }
    tee.reading = true;
    const controller = branch === 1 ? tee.branch1.controller : tee.branch2.controller;
    const request = byteControllerGetBYOBRequest(controller);
    if (request === null) pullWithDefaultReader();
    else pullWithBYOBReader(request.view, branch === 2);
    return PromiseResolve(undefined);
  };
  const pull1 = () => pullBranch(1);
  const pull2 = () => pullBranch(2);
  tee.branch1 = createReadableStream(new RS());
  tee.branch2 = createReadableStream(new RS());
  setUpByteController(tee.branch1, new ByteController(), noop, pull1, (reason) => teeCancel(tee, 1, reason), 0, undefined);
  setUpByteController(tee.branch2, new ByteController(), noop, pull2, (reason) => teeCancel(tee, 2, reason), 0, undefined);
  forwardReaderError(tee.reader);
  return [tee.branch1, tee.branch2];
}

// ---------------------------------------------------------------------------------------------
// WritableStream

const WS = record(class WS {
  constructor() {
    this.object = undefined;
    this.state = "writable";
    this.storedError = undefined;
    this.writer = undefined;
    this.controller = undefined;
    this.inFlightWriteRequest = undefined;
    this.closeRequest = undefined;
    this.inFlightCloseRequest = undefined;
    this.pendingAbortRequest = undefined;
    this.writeRequests = new Queue();
    this.backpressure = false;
    // FixedLengthStream's writable side: the length it promises.
    this.expectedLength = undefined;
  }
});

const WSController = record(class WSController {
  constructor() {
    this.object = undefined;
    this.stream = undefined;
    this.queue = new Queue();
    this.queueTotalSize = 0;
    this.started = false;
    this.strategyHWM = 0;
    this.strategySizeAlgorithm = undefined;
    this.writeAlgorithm = undefined;
    this.closeAlgorithm = undefined;
    this.abortAlgorithm = undefined;
  }
});

const Writer = record(class Writer {
  constructor() {
    this.object = undefined;
    this.stream = undefined;
    this.ready = undefined; // Deferred
    this.closed = undefined; // Deferred
  }
});

const PendingAbort = record(class PendingAbort {
  constructor(deferred, reason, wasAlreadyErroring) {
    this.deferred = deferred;
    this.reason = reason;
    this.wasAlreadyErroring = wasAlreadyErroring;
  }
});

const closeSentinel = Symbol("close");
const underlyingSinkMembers = [["abort", toCallback], ["close", toCallback], ["start", toCallback], ["type", null],
  ["write", toCallback]];

let wsOf;
let writerOf;

class WritableStream {
  #ws;

  constructor(underlyingSink = undefined, strategy = undefined) {
    if (underlyingSink === kInternal) {
      this.#ws = strategy;
      strategy.object = this;
      return;
    }
    const what = "Failed to construct 'WritableStream'";
    const sink = optionalObject(underlyingSink, what, "UnderlyingSink");
    const strat = convertStrategy(strategy, what);
    const { abort, close, start, type, write } = readMembers(sink, what, underlyingSinkMembers);
    if (type !== undefined) throw new RangeError(`${what}: Invalid type is specified`);
    const sizeAlgorithm = extractSizeAlgorithm(strat);
    const hwm = extractHighWaterMark(strat, 1);
    const ws = new WS();
    ws.object = this;
    this.#ws = ws;
    const controller = new WSController();
    const startAlgorithm = start === undefined ? noop : () => ReflectApply(start, sink, [controller.object]);
    const writeAlgorithm = write === undefined ? resolvedUndefined : (chunk) => promiseCall(write, sink, [chunk, controller.object]);
    const closeAlgorithm = close === undefined ? resolvedUndefined : () => promiseCall(close, sink, []);
    const abortAlgorithm = abort === undefined ? resolvedUndefined : (reason) => promiseCall(abort, sink, [reason]);
    setUpWSController(ws, controller, startAlgorithm, writeAlgorithm, closeAlgorithm, abortAlgorithm, hwm, sizeAlgorithm);
  }

  get locked() {
    return this.#ws.writer !== undefined;
  }

  abort(reason = undefined) {
    const ws = wsOf(this);
    if (ws === undefined) return illegalInvocation();
    if (ws.writer !== undefined) return PromiseReject(new TypeError("Cannot abort a stream that already has a writer"));
    return writableStreamAbort(ws, reason);
  }

  close() {
    const ws = wsOf(this);
    if (ws === undefined) return illegalInvocation();
    if (ws.writer !== undefined) return PromiseReject(new TypeError("Cannot close a stream that already has a writer"));
    if (writableStreamCloseQueuedOrInFlight(ws)) return PromiseReject(new TypeError("Cannot close an already-closing stream"));
    return writableStreamClose(ws);
  }

  getWriter() {
    return acquireWriter(this.#ws).object;
  }

  static {
    wsOf = (value) => (typeof value === "object" && value !== null && #ws in value ? value.#ws : undefined);
  }
}

function createWritableStream(ws) {
  new WritableStream(kInternal, ws);
  return ws;
}

function acquireWriter(ws) {
  const writer = new Writer();
  setUpWriter(writer, ws);
  new WritableStreamDefaultWriter(kInternal, writer);
  return writer;
}

function writableStreamAbort(ws, reason) {
  if (ws.state === "closed" || ws.state === "errored") return PromiseResolve(undefined);
  signalAbort(ws.controller, reason);
  const state = ws.state;
  if (state === "closed" || state === "errored") return PromiseResolve(undefined);
  if (ws.pendingAbortRequest !== undefined) return ws.pendingAbortRequest.deferred.promise;
  let wasAlreadyErroring = false;
  if (state === "erroring") {
    wasAlreadyErroring = true;
    reason = undefined;
  }
  const deferred = newDeferred();
  ws.pendingAbortRequest = new PendingAbort(deferred, reason, wasAlreadyErroring);
  if (!wasAlreadyErroring) writableStreamStartErroring(ws, reason);
  return deferred.promise;
}

// The controller's AbortSignal is not implemented (the runtime has no AbortSignal yet).
function signalAbort() {}

function writableStreamClose(ws) {
  const state = ws.state;
  if (state === "closed" || state === "errored") {
    return PromiseReject(new TypeError("The stream is not in the writable state and cannot be closed"));
  }
  const deferred = newDeferred();
  ws.closeRequest = deferred;
  const writer = ws.writer;
  if (writer !== undefined && ws.backpressure && state === "writable") settle(writer.ready, undefined);
  wsControllerClose(ws.controller);
  return deferred.promise;
}

function writableStreamAddWriteRequest(ws) {
  const deferred = newDeferred();
  ws.writeRequests.push(deferred);
  return deferred.promise;
}

function writableStreamDealWithRejection(ws, error) {
  if (ws.state === "writable") {
    writableStreamStartErroring(ws, error);
    return;
  }
  writableStreamFinishErroring(ws);
}

function writableStreamStartErroring(ws, reason) {
  const controller = ws.controller;
  ws.state = "erroring";
  ws.storedError = reason;
  const writer = ws.writer;
  if (writer !== undefined) writerEnsureReadyPromiseRejected(writer, reason);
  if (!writableStreamHasOperationMarkedInFlight(ws) && controller.started) writableStreamFinishErroring(ws);
}

function writableStreamFinishErroring(ws) {
  ws.state = "errored";
  wsControllerErrorSteps(ws.controller);
  const storedError = ws.storedError;
  drain(ws.writeRequests, (request) => fail(request, storedError));
  const abortRequest = ws.pendingAbortRequest;
  if (abortRequest === undefined) {
    writableStreamRejectCloseAndClosedPromiseIfNeeded(ws);
    return;
  }
  ws.pendingAbortRequest = undefined;
  if (abortRequest.wasAlreadyErroring) {
    fail(abortRequest.deferred, storedError);
    writableStreamRejectCloseAndClosedPromiseIfNeeded(ws);
    return;
  }
  const promise = ws.controller.abortAlgorithm(abortRequest.reason);
  wsControllerClearAlgorithms(ws.controller);
  then(promise, () => {
    settle(abortRequest.deferred, undefined);
    writableStreamRejectCloseAndClosedPromiseIfNeeded(ws);
  }, (reason) => {
    fail(abortRequest.deferred, reason);
    writableStreamRejectCloseAndClosedPromiseIfNeeded(ws);
  });
}

function writableStreamFinishInFlightWrite(ws) {
  settle(ws.inFlightWriteRequest, undefined);
  ws.inFlightWriteRequest = undefined;
}

function writableStreamFinishInFlightWriteWithError(ws, error) {
  fail(ws.inFlightWriteRequest, error);
  ws.inFlightWriteRequest = undefined;
  writableStreamDealWithRejection(ws, error);
}

function writableStreamFinishInFlightClose(ws) {
  settle(ws.inFlightCloseRequest, undefined);
  ws.inFlightCloseRequest = undefined;
  if (ws.state === "erroring") {
    ws.storedError = undefined;
    if (ws.pendingAbortRequest !== undefined) {
      settle(ws.pendingAbortRequest.deferred, undefined);
      ws.pendingAbortRequest = undefined;
    }
  }
  ws.state = "closed";
  const writer = ws.writer;
  if (writer !== undefined) settle(writer.closed, undefined);
}

function writableStreamFinishInFlightCloseWithError(ws, error) {
  fail(ws.inFlightCloseRequest, error);
  ws.inFlightCloseRequest = undefined;
  if (ws.pendingAbortRequest !== undefined) {
    fail(ws.pendingAbortRequest.deferred, error);
    ws.pendingAbortRequest = undefined;
  }
  writableStreamDealWithRejection(ws, error);
}

function writableStreamCloseQueuedOrInFlight(ws) {
  return ws.closeRequest !== undefined || ws.inFlightCloseRequest !== undefined;
}

function writableStreamHasOperationMarkedInFlight(ws) {
  return ws.inFlightWriteRequest !== undefined || ws.inFlightCloseRequest !== undefined;
}

function writableStreamMarkCloseRequestInFlight(ws) {
  ws.inFlightCloseRequest = ws.closeRequest;
  ws.closeRequest = undefined;
}

function writableStreamMarkFirstWriteRequestInFlight(ws) {
  ws.inFlightWriteRequest = ws.writeRequests.shift();
}

function writableStreamRejectCloseAndClosedPromiseIfNeeded(ws) {
  if (ws.closeRequest !== undefined) {
    fail(ws.closeRequest, ws.storedError);
    ws.closeRequest = undefined;
  }
  const writer = ws.writer;
  if (writer !== undefined) {
    fail(writer.closed, ws.storedError);
    markHandled(writer.closed.promise);
  }
}

function writableStreamUpdateBackpressure(ws, backpressure) {
  const writer = ws.writer;
  if (writer !== undefined && backpressure !== ws.backpressure) {
    if (backpressure) writer.ready = newDeferred();
    else settle(writer.ready, undefined);
  }
  ws.backpressure = backpressure;
}

// MARK: Writer

function setUpWriter(writer, ws) {
  if (ws.writer !== undefined) throw new TypeError("This WritableStream is currently locked to a writer.");
  writer.stream = ws;
  ws.writer = writer;
  const state = ws.state;
  if (state === "writable") {
    writer.ready = !writableStreamCloseQueuedOrInFlight(ws) && ws.backpressure ? newDeferred() : resolvedDeferred();
    writer.closed = newDeferred();
  } else if (state === "erroring") {
    writer.ready = rejectedDeferred(ws.storedError);
    writer.closed = newDeferred();
  } else if (state === "closed") {
    writer.ready = resolvedDeferred();
    writer.closed = resolvedDeferred();
  } else {
    writer.ready = rejectedDeferred(ws.storedError);
    writer.closed = rejectedDeferred(ws.storedError);
  }
}

function writerAbort(writer, reason) {
  return writableStreamAbort(writer.stream, reason);
}

function writerClose(writer) {
  return writableStreamClose(writer.stream);
}

function writerCloseWithErrorPropagation(writer) {
  const ws = writer.stream;
  const state = ws.state;
  if (writableStreamCloseQueuedOrInFlight(ws) || state === "closed") return PromiseResolve(undefined);
  if (state === "errored") return PromiseReject(ws.storedError);
  return writerClose(writer);
}

function writerEnsureClosedPromiseRejected(writer, error) {
  if (writer.closed.settled) writer.closed = rejectedDeferred(error);
  else fail(writer.closed, error);
  markHandled(writer.closed.promise);
}

function writerEnsureReadyPromiseRejected(writer, error) {
  if (writer.ready.settled) writer.ready = rejectedDeferred(error);
  else fail(writer.ready, error);
  markHandled(writer.ready.promise);
}

function writerGetDesiredSize(writer) {
  const ws = writer.stream;
  const state = ws.state;
  if (state === "errored" || state === "erroring") return null;
  if (state === "closed") return 0;
  return wsControllerGetDesiredSize(ws.controller);
}

function writerRelease(writer) {
  const ws = writer.stream;
  const error = new TypeError("This writable stream writer has been released and cannot be used to monitor the stream's state.");
  writerEnsureReadyPromiseRejected(writer, error);
  writerEnsureClosedPromiseRejected(writer, error);
  ws.writer = undefined;
  writer.stream = undefined;
}

function writerWrite(writer, chunk) {
  const ws = writer.stream;
  const controller = ws.controller;
  const chunkSize = wsControllerGetChunkSize(controller, chunk);
  if (ws !== writer.stream) return PromiseReject(new TypeError("The writer has been released."));
  const state = ws.state;
  if (state === "errored") return PromiseReject(ws.storedError);
  if (writableStreamCloseQueuedOrInFlight(ws) || state === "closed") {
    return PromiseReject(new TypeError("The stream is closing or closed and cannot be written to"));
  }
  if (state === "erroring") return PromiseReject(ws.storedError);
  const promise = writableStreamAddWriteRequest(ws);
  wsControllerWrite(controller, chunk, chunkSize);
  return promise;
}

const releasedWriterMessage = "This writable stream writer has been released and cannot be used.";

class WritableStreamDefaultWriter {
  #writer;

  constructor(stream, writer = undefined) {
    if (stream === kInternal) {
      this.#writer = writer;
      writer.object = this;
      return;
    }
    const ws = wsOf(stream);
    if (ws === undefined) throw new TypeError("Failed to construct 'WritableStreamDefaultWriter': parameter 1 is not of type 'WritableStream'.");
    const record = new Writer();
    setUpWriter(record, ws);
    this.#writer = record;
    record.object = this;
  }

  get closed() {
    const writer = writerOf(this);
    return writer === undefined ? illegalInvocation() : writer.closed.promise;
  }

  get desiredSize() {
    const writer = this.#writer;
    if (writer.stream === undefined) throw new TypeError(releasedWriterMessage);
    return writerGetDesiredSize(writer);
  }

  get ready() {
    const writer = writerOf(this);
    return writer === undefined ? illegalInvocation() : writer.ready.promise;
  }

  abort(reason = undefined) {
    const writer = writerOf(this);
    if (writer === undefined) return illegalInvocation();
    if (writer.stream === undefined) return PromiseReject(new TypeError(releasedWriterMessage));
    return writerAbort(writer, reason);
  }

  close() {
    const writer = writerOf(this);
    if (writer === undefined) return illegalInvocation();
    const ws = writer.stream;
    if (ws === undefined) return PromiseReject(new TypeError(releasedWriterMessage));
    if (writableStreamCloseQueuedOrInFlight(ws)) return PromiseReject(new TypeError("Cannot close an already-closing stream"));
    return writerClose(writer);
  }

  releaseLock() {
    const writer = this.#writer;
    if (writer.stream === undefined) return;
    writerRelease(writer);
  }

  write(chunk = undefined) {
    const writer = writerOf(this);
    if (writer === undefined) return illegalInvocation();
    if (writer.stream === undefined) return PromiseReject(new TypeError(releasedWriterMessage));
    return writerWrite(writer, chunk);
  }

  static {
    writerOf = (value) => (typeof value === "object" && value !== null && #writer in value ? value.#writer : undefined);
  }
}

// MARK: Writable controller

function setUpWSController(ws, controller, startAlgorithm, writeAlgorithm, closeAlgorithm, abortAlgorithm, hwm, sizeAlgorithm) {
  controller.stream = ws;
  ws.controller = controller;
  resetQueue(controller);
  controller.started = false;
  controller.strategySizeAlgorithm = sizeAlgorithm;
  controller.strategyHWM = hwm;
  controller.writeAlgorithm = writeAlgorithm;
  controller.closeAlgorithm = closeAlgorithm;
  controller.abortAlgorithm = abortAlgorithm;
  new WritableStreamDefaultController(kInternal, controller);
  writableStreamUpdateBackpressure(ws, wsControllerGetBackpressure(controller));
  const startResult = startAlgorithm();
  then(PromiseResolve(startResult), () => {
    controller.started = true;
    wsControllerAdvanceQueueIfNeeded(controller);
  }, (error) => {
    controller.started = true;
    writableStreamDealWithRejection(ws, error);
  });
}

function wsControllerClearAlgorithms(controller) {
  controller.writeAlgorithm = undefined;
  controller.closeAlgorithm = undefined;
  controller.abortAlgorithm = undefined;
  controller.strategySizeAlgorithm = undefined;
}

function wsControllerClose(controller) {
  enqueueValueWithSize(controller, closeSentinel, 0);
  wsControllerAdvanceQueueIfNeeded(controller);
}

function wsControllerGetChunkSize(controller, chunk) {
  const sizeAlgorithm = controller.strategySizeAlgorithm;
  if (sizeAlgorithm === undefined) return 1;
  try {
    return sizeAlgorithm(chunk);
  } catch (error) {
    wsControllerErrorIfNeeded(controller, error);
    return 1;
  }
}

function wsControllerGetDesiredSize(controller) {
  return controller.strategyHWM - controller.queueTotalSize;
}

function wsControllerWrite(controller, chunk, chunkSize) {
  try {
    enqueueValueWithSize(controller, chunk, chunkSize);
  } catch (error) {
    wsControllerErrorIfNeeded(controller, error);
    return;
  }
  const ws = controller.stream;
  if (!writableStreamCloseQueuedOrInFlight(ws) && ws.state === "writable") {
    writableStreamUpdateBackpressure(ws, wsControllerGetBackpressure(controller));
  }
  wsControllerAdvanceQueueIfNeeded(controller);
}

function wsControllerAdvanceQueueIfNeeded(controller) {
  const ws = controller.stream;
  if (!controller.started) return;
  if (ws.inFlightWriteRequest !== undefined) return;
  const state = ws.state;
  if (state === "erroring") {
    writableStreamFinishErroring(ws);
    return;
  }
  if (controller.queue.length === 0) return;
  const value = controller.queue.peek().value;
  if (value === closeSentinel) wsControllerProcessClose(controller);
  else wsControllerProcessWrite(controller, value);
}

function wsControllerErrorIfNeeded(controller, error) {
  if (controller.stream.state === "writable") wsControllerError(controller, error);
}

function wsControllerProcessClose(controller) {
  const ws = controller.stream;
  writableStreamMarkCloseRequestInFlight(ws);
  dequeueValue(controller);
  const sinkClosePromise = controller.closeAlgorithm();
  wsControllerClearAlgorithms(controller);
  then(sinkClosePromise, () => writableStreamFinishInFlightClose(ws),
    (reason) => writableStreamFinishInFlightCloseWithError(ws, reason));
}

function wsControllerProcessWrite(controller, chunk) {
  const ws = controller.stream;
  writableStreamMarkFirstWriteRequestInFlight(ws);
  const sinkWritePromise = controller.writeAlgorithm(chunk);
  then(sinkWritePromise, () => {
    writableStreamFinishInFlightWrite(ws);
    const state = ws.state;
    dequeueValue(controller);
    if (!writableStreamCloseQueuedOrInFlight(ws) && state === "writable") {
      writableStreamUpdateBackpressure(ws, wsControllerGetBackpressure(controller));
    }
    wsControllerAdvanceQueueIfNeeded(controller);
  }, (reason) => {
    if (ws.state === "writable") wsControllerClearAlgorithms(controller);
    writableStreamFinishInFlightWriteWithError(ws, reason);
  });
}

function wsControllerGetBackpressure(controller) {
  return wsControllerGetDesiredSize(controller) <= 0;
}

function wsControllerError(controller, error) {
  const ws = controller.stream;
  wsControllerClearAlgorithms(controller);
  writableStreamStartErroring(ws, error);
}

function wsControllerErrorSteps(controller) {
  resetQueue(controller);
}

class WritableStreamDefaultController {
  #controller;

  constructor(token = undefined, controller = undefined) {
    if (token !== kInternal) throw new TypeError("Illegal constructor");
    this.#controller = controller;
    controller.object = this;
  }

  error(e = undefined) {
    const controller = this.#controller;
    if (controller.stream.state !== "writable") return;
    wsControllerError(controller, e);
  }
}

// ---------------------------------------------------------------------------------------------
// pipeTo

const PipeState = record(class PipeState {
  constructor() {
    this.shuttingDown = false;
    this.currentWrite = PromiseResolve(undefined);
    this.reading = false;
    this.abortListener = undefined;
  }
});

function readableStreamPipeTo(source, dest, preventClose, preventAbort, preventCancel, signal) {
  const reader = acquireDefaultReader(source);
  const writer = acquireWriter(dest);
  source.disturbed = true;
  const state = new PipeState();
  const result = newDeferred();

  const finalize = (isError, error) => {
    writerRelease(writer);
    readerRelease(reader);
    if (signal !== undefined && state.abortListener !== undefined) {
      try {
        signal.removeEventListener("abort", state.abortListener);
      } catch {
        // A signal that cannot remove its listener only keeps it.
      }
    }
    if (isError) fail(result, error);
    else settle(result, undefined);
  };
  const waitForWritesThenRun = (fn) => {
    if (dest.state === "writable" && !writableStreamCloseQueuedOrInFlight(dest)) {
      // Wait until every chunk read so far has been written.
      const waitForCurrent = () => {
        const current = state.currentWrite;
        then(current, () => (current === state.currentWrite ? fn() : waitForCurrent()), () => fn());
      };
      waitForCurrent();
    } else {
      fn();
    }
  };
  const shutdownWithAction = (action, originalIsError, originalError) => {
    if (state.shuttingDown) return;
    state.shuttingDown = true;
    waitForWritesThenRun(() => {
      then(action(), () => finalize(originalIsError, originalError), (newError) => finalize(true, newError));
    });
  };
  const shutdown = (isError, error) => {
    if (state.shuttingDown) return;
    state.shuttingDown = true;
    waitForWritesThenRun(() => finalize(isError, error));
  };

  if (signal !== undefined) {
    const abortAlgorithm = () => {
      const error = signal.reason !== undefined ? signal.reason : new DOMException("The operation was aborted.", "AbortError");
      shutdownWithAction(() => {
        const promises = [];
        if (!preventAbort) {
          promises[promises.length] = dest.state === "writable" ? writableStreamAbort(dest, error) : PromiseResolve(undefined);
        }
        if (!preventCancel) {
          promises[promises.length] = source.state === "readable" ? readableStreamCancel(source, error) : PromiseResolve(undefined);
        }
        return waitForAll(promises);
      }, true, error);
    };
    if (signal.aborted) {
      abortAlgorithm();
      return result.promise;
    }
    state.abortListener = abortAlgorithm;
    signal.addEventListener("abort", abortAlgorithm);
  }

  // Error and close propagation, checked in the spec's order whenever a state changes.
  const onSourceErrored = (storedError) => {
    if (!preventAbort) shutdownWithAction(() => writableStreamAbort(dest, storedError), true, storedError);
    else shutdown(true, storedError);
  };
  const onDestErrored = (storedError) => {
    if (!preventCancel) shutdownWithAction(() => readableStreamCancel(source, storedError), true, storedError);
    else shutdown(true, storedError);
  };
  const onSourceClosed = () => {
    if (!preventClose) shutdownWithAction(() => writerCloseWithErrorPropagation(writer), false, undefined);
    else shutdown(false, undefined);
  };
  const checkStates = () => {
    if (state.shuttingDown) return true;
    if (source.state === "errored") {
      onSourceErrored(source.storedError);
      return true;
    }
    if (dest.state === "errored" || dest.state === "erroring") {
      onDestErrored(dest.storedError);
      return true;
    }
    if (source.state === "closed") {
      onSourceClosed();
      return true;
    }
    if (writableStreamCloseQueuedOrInFlight(dest) || dest.state === "closed") {
      const destClosed = new TypeError("the destination writable stream closed before all data could be piped to it");
      if (!preventCancel) shutdownWithAction(() => readableStreamCancel(source, destClosed), true, destClosed);
      else shutdown(true, destClosed);
      return true;
    }
    return false;
  };

  then(reader.closed.promise, () => {
    if (!state.shuttingDown) checkStates();
  }, (error) => {
    if (!state.shuttingDown) onSourceErrored(error);
  });
  then(writer.closed.promise, undefined, (error) => {
    if (!state.shuttingDown) onDestErrored(error);
  });

  const step = () => {
    if (state.shuttingDown || checkStates()) return;
    // Backpressure: read only when the destination wants more.
    then(writer.ready.promise, () => {
      if (state.shuttingDown || checkStates()) return;
      defaultReaderRead(reader, new ReadRequest(
        (chunk) => {
          state.currentWrite = then(writerWrite(writer, chunk), undefined, noop);
          step();
        },
        () => {
          checkStates();
        },
        () => {
          checkStates();
        }));
    }, () => {
      checkStates();
    });
  };
  // The spec checks the states once before the first read.
  if (!checkStates()) step();
  return result.promise;
}

function waitForAll(promises) {
  const deferred = newDeferred();
  let remaining = promises.length;
  if (remaining === 0) {
    settle(deferred, undefined);
    return deferred.promise;
  }
  for (let i = 0; i < promises.length; i++) {
    then(promises[i], () => {
      remaining--;
      if (remaining === 0) settle(deferred, undefined);
    }, (error) => fail(deferred, error));
  }
  return deferred.promise;
}

// ---------------------------------------------------------------------------------------------
// TransformStream

const TS = record(class TS {
  constructor() {
    this.object = undefined;
    this.readable = undefined;
    this.writable = undefined;
    this.backpressure = undefined;
    this.backpressureChangePromise = undefined;
    this.controller = undefined;
  }
});

const TSController = record(class TSController {
  constructor() {
    this.object = undefined;
    this.stream = undefined;
    this.transformAlgorithm = undefined;
    this.flushAlgorithm = undefined;
    this.cancelAlgorithm = undefined;
    this.finishPromise = undefined;
  }
});


const transformerMembers = [["cancel", toCallback], ["flush", toCallback], ["readableType", null],
  ["start", toCallback], ["transform", toCallback], ["writableType", null]];

class TransformStream {
  #ts;

  constructor(transformer = undefined, writableStrategy = undefined, readableStrategy = undefined) {
    if (transformer === kInternal) {
      this.#ts = writableStrategy;
      writableStrategy.object = this;
      return;
    }
    const what = "Failed to construct 'TransformStream'";
    const source = optionalObject(transformer, what, "Transformer");
    const writableStrat = convertStrategy(writableStrategy, what);
    const readableStrat = convertStrategy(readableStrategy, what);
    const { cancel, flush, readableType, start, transform, writableType } = readMembers(source, what, transformerMembers);
    if (readableType !== undefined) throw new RangeError(`${what}: Invalid readableType specified`);
    if (writableType !== undefined) throw new RangeError(`${what}: Invalid writableType specified`);
    const readableHWM = extractHighWaterMark(readableStrat, 0);
    const readableSize = extractSizeAlgorithm(readableStrat);
    const writableHWM = extractHighWaterMark(writableStrat, 1);
    const writableSize = extractSizeAlgorithm(writableStrat);
    const ts = new TS();
    ts.object = this;
    this.#ts = ts;
    const startPromise = newDeferred();
    initializeTransformStream(ts, startPromise.promise, writableHWM, writableSize, readableHWM, readableSize);
    const controller = new TSController();
    const transformAlgorithm = transform === undefined
      ? (chunk) => {
        try {
          tsControllerEnqueue(controller, chunk);
          return PromiseResolve(undefined);
        } catch (error) {
          return PromiseReject(error);
        }
      }
      : (chunk) => promiseCall(transform, source, [chunk, controller.object]);
    const flushAlgorithm = flush === undefined ? resolvedUndefined : () => promiseCall(flush, source, [controller.object]);
    const cancelAlgorithm = cancel === undefined ? resolvedUndefined : (reason) => promiseCall(cancel, source, [reason]);
    setUpTSController(ts, controller, transformAlgorithm, flushAlgorithm, cancelAlgorithm);
    if (start !== undefined) {
      settle(startPromise, ReflectApply(start, source, [controller.object]));
    } else {
      settle(startPromise, undefined);
    }
  }

  get readable() {
    return this.#ts.readable.object;
  }

  get writable() {
    return this.#ts.writable.object;
  }
}

function createTransformStream(transformAlgorithm, flushAlgorithm, cancelAlgorithm) {
  const ts = new TS();
  new TransformStream(kInternal, ts);
  const startPromise = newDeferred();
  initializeTransformStream(ts, startPromise.promise, 1, () => 1, 0, () => 1);
  const controller = new TSController();
  setUpTSController(ts, controller, transformAlgorithm, flushAlgorithm, cancelAlgorithm);
  settle(startPromise, undefined);
  return ts;
}

function initializeTransformStream(ts, startPromise, writableHWM, writableSize, readableHWM, readableSize) {
  const startAlgorithm = () => startPromise;
  const ws = createWritableStream(new WS());
  const writeAlgorithm = (chunk) => tsDefaultSinkWrite(ts, chunk);
  const abortAlgorithm = (reason) => tsDefaultSinkAbort(ts, reason);
  const closeAlgorithm = () => tsDefaultSinkClose(ts);
  setUpWSController(ws, new WSController(), startAlgorithm, writeAlgorithm, closeAlgorithm, abortAlgorithm, writableHWM, writableSize);
  const rs = createReadableStream(new RS());
  const pullAlgorithm = () => tsDefaultSourcePull(ts);
  const cancelAlgorithm = (reason) => tsDefaultSourceCancel(ts, reason);
  ts.writable = ws;
  ts.readable = rs;
  setUpDefaultController(rs, new DefaultController(), startAlgorithm, pullAlgorithm, cancelAlgorithm, readableHWM, readableSize);
  ts.backpressure = undefined;
  ts.backpressureChangePromise = undefined;
  tsSetBackpressure(ts, true);
  ts.controller = undefined;
}

function tsError(ts, error) {
  defaultControllerError(ts.readable.controller, error);
  tsErrorWritableAndUnblockWrite(ts, error);
}

function tsErrorWritableAndUnblockWrite(ts, error) {
  tsControllerClearAlgorithms(ts.controller);
  wsControllerErrorIfNeeded(ts.writable.controller, error);
  tsUnblockWrite(ts);
}

function tsUnblockWrite(ts) {
  if (ts.backpressure) tsSetBackpressure(ts, false);
}

function tsSetBackpressure(ts, backpressure) {
  if (ts.backpressureChangePromise !== undefined) settle(ts.backpressureChangePromise, undefined);
  ts.backpressureChangePromise = newDeferred();
  ts.backpressure = backpressure;
}

function setUpTSController(ts, controller, transformAlgorithm, flushAlgorithm, cancelAlgorithm) {
  controller.stream = ts;
  ts.controller = controller;
  controller.transformAlgorithm = transformAlgorithm;
  controller.flushAlgorithm = flushAlgorithm;
  controller.cancelAlgorithm = cancelAlgorithm;
  new TransformStreamDefaultController(kInternal, controller);
}

function tsControllerClearAlgorithms(controller) {
  controller.transformAlgorithm = undefined;
  controller.flushAlgorithm = undefined;
  controller.cancelAlgorithm = undefined;
}

function tsControllerEnqueue(controller, chunk) {
  const ts = controller.stream;
  const readableController = ts.readable.controller;
  if (!defaultControllerCanCloseOrEnqueue(readableController)) {
    throw new TypeError("Readable side is not in a state that permits enqueue");
  }
  try {
    defaultControllerEnqueue(readableController, chunk);
  } catch (error) {
    tsErrorWritableAndUnblockWrite(ts, error);
    throw ts.readable.storedError;
  }
  const backpressure = defaultControllerHasBackpressure(readableController);
  if (backpressure !== ts.backpressure) tsSetBackpressure(ts, true);
}

function tsControllerError(controller, error) {
  tsError(controller.stream, error);
}

function tsControllerPerformTransform(controller, chunk) {
  const transformPromise = controller.transformAlgorithm(chunk);
  return then(transformPromise, undefined, (reason) => {
    tsError(controller.stream, reason);
    throw reason;
  });
}

function tsControllerTerminate(controller) {
  const ts = controller.stream;
  defaultControllerClose(ts.readable.controller);
  const error = new TypeError("The transform stream has been terminated");
  tsErrorWritableAndUnblockWrite(ts, error);
}

function tsDefaultSinkWrite(ts, chunk) {
  const controller = ts.controller;
  if (ts.backpressure) {
    return then(ts.backpressureChangePromise.promise, () => {
      const writable = ts.writable;
      if (writable.state === "erroring") throw writable.storedError;
      return tsControllerPerformTransform(controller, chunk);
    });
  }
  return tsControllerPerformTransform(controller, chunk);
}

function tsDefaultSinkAbort(ts, reason) {
  const controller = ts.controller;
  if (controller.finishPromise !== undefined) return controller.finishPromise.promise;
  const readable = ts.readable;
  controller.finishPromise = newDeferred();
  const cancelPromise = controller.cancelAlgorithm(reason);
  tsControllerClearAlgorithms(controller);
  then(cancelPromise, () => {
    if (readable.state === "errored") {
      fail(controller.finishPromise, readable.storedError);
    } else {
      defaultControllerError(readable.controller, reason);
      settle(controller.finishPromise, undefined);
    }
  }, (r) => {
    defaultControllerError(readable.controller, r);
    fail(controller.finishPromise, r);
  });
  return controller.finishPromise.promise;
}

function tsDefaultSinkClose(ts) {
  const controller = ts.controller;
  if (controller.finishPromise !== undefined) return controller.finishPromise.promise;
  const readable = ts.readable;
  controller.finishPromise = newDeferred();
  const flushPromise = controller.flushAlgorithm();
  tsControllerClearAlgorithms(controller);
  then(flushPromise, () => {
    if (readable.state === "errored") {
      fail(controller.finishPromise, readable.storedError);
    } else {
      defaultControllerClose(readable.controller);
      settle(controller.finishPromise, undefined);
    }
  }, (r) => {
    defaultControllerError(readable.controller, r);
    fail(controller.finishPromise, r);
  });
  return controller.finishPromise.promise;
}

function tsDefaultSourceCancel(ts, reason) {
  const controller = ts.controller;
  if (controller.finishPromise !== undefined) return controller.finishPromise.promise;
  const writable = ts.writable;
  controller.finishPromise = newDeferred();
  const cancelPromise = controller.cancelAlgorithm(reason);
  tsControllerClearAlgorithms(controller);
  then(cancelPromise, () => {
    if (writable.state === "errored") {
      fail(controller.finishPromise, writable.storedError);
    } else {
      wsControllerErrorIfNeeded(writable.controller, reason);
      tsUnblockWrite(ts);
      settle(controller.finishPromise, undefined);
    }
  }, (r) => {
    wsControllerErrorIfNeeded(writable.controller, r);
    tsUnblockWrite(ts);
    fail(controller.finishPromise, r);
  });
  return controller.finishPromise.promise;
}

function tsDefaultSourcePull(ts) {
  tsSetBackpressure(ts, false);
  return ts.backpressureChangePromise.promise;
}

class TransformStreamDefaultController {
  #controller;

  constructor(token = undefined, controller = undefined) {
    if (token !== kInternal) throw new TypeError("Illegal constructor");
    this.#controller = controller;
    controller.object = this;
  }

  get desiredSize() {
    return defaultControllerGetDesiredSize(this.#controller.stream.readable.controller);
  }

  enqueue(chunk = undefined) {
    tsControllerEnqueue(this.#controller, chunk);
  }

  error(reason = undefined) {
    tsControllerError(this.#controller, reason);
  }

  terminate() {
    tsControllerTerminate(this.#controller);
  }
}

// ---------------------------------------------------------------------------------------------
// IdentityTransformStream and FixedLengthStream (Cloudflare Workers)
//
// A byte-only identity: the readable side is a byte stream (BYOB readers work), a write
// resolves once the readable side has taken its bytes, and anything but bytes written is a
// TypeError. FixedLengthStream also counts the bytes and errors when the total differs.

const notBytesMessage = "This TransformStream is being used as a byte stream, but received an object of non-ArrayBuffer/ArrayBufferView type on its writable side.";

const IdentityState = record(class IdentityState {
  constructor(expectedLength) {
    this.readable = undefined;
    this.writable = undefined;
    this.pendingWrite = undefined; // Deferred of the write waiting for a pull
    this.pendingChunk = undefined;
    this.written = 0;
    this.expectedLength = expectedLength;
  }
});

function newIdentityStreams(expectedLength) {
  const state = new IdentityState(expectedLength);
  const rs = createReadableStream(new RS());
  const ws = createWritableStream(new WS());
  state.readable = rs;
  state.writable = ws;
  rs.expectedLength = expectedLength;
  ws.expectedLength = expectedLength;
  const deliver = () => {
    const chunk = state.pendingChunk;
    const pending = state.pendingWrite;
    if (pending === undefined) return;
    const controller = rs.controller;
    state.pendingChunk = undefined;
    state.pendingWrite = undefined;
    byteControllerEnqueue(controller, chunk, viewInfo(chunk));
    settle(pending, undefined);
  };
  const pull = () => {
    deliver();
    return PromiseResolve(undefined);
  };
  const cancel = (reason) => {
    wsControllerErrorIfNeeded(ws.controller, reason);
    if (state.pendingWrite !== undefined) {
      fail(state.pendingWrite, reason);
      state.pendingWrite = undefined;
      state.pendingChunk = undefined;
    }
    return PromiseResolve(undefined);
  };
  setUpByteController(rs, new ByteController(), noop, pull, cancel, 0, undefined);
  const write = (chunk) => {
    const bytes = chunkBytes(chunk);
    if (bytes === null) {
      const error = new TypeError(notBytesMessage);
      byteControllerError(rs.controller, error);
      return PromiseReject(error);
    }
    const length = TypedArrayPrototypeGetByteLength(bytes);
    if (expectedLength !== undefined && state.written + length > expectedLength) {
      const error = new TypeError("Attempt to write too many bytes through a FixedLengthStream.");
      byteControllerError(rs.controller, error);
      return PromiseReject(error);
    }
    state.written += length;
    if (length === 0) return PromiseResolve(undefined);
    state.pendingChunk = copyOf(bytes);
    state.pendingWrite = newDeferred();
    const promise = state.pendingWrite.promise;
    const controller = rs.controller;
    if (readableStreamGetWaiting(rs) || byteControllerGetDesiredSize(controller) > 0) deliver();
    return promise;
  };
  const close = () => {
    if (expectedLength !== undefined && state.written !== expectedLength) {
      const error = new TypeError("FixedLengthStream did not see all expected bytes before close().");
      byteControllerError(rs.controller, error);
      return PromiseReject(error);
    }
    const controller = rs.controller;
    if (!controller.closeRequested && rs.state === "readable") {
      byteControllerClose(controller);
      // A pending BYOB read is answered with an empty view once the stream is closed.
      if (controller.pendingPullIntos.length > 0) byteControllerRespond(controller, 0);
    }
    return PromiseResolve(undefined);
  };
  const abort = (reason) => {
    byteControllerError(rs.controller, reason);
    return PromiseResolve(undefined);
  };
  setUpWSController(ws, new WSController(), noop, write, close, abort, 1, () => 1);
  return state;
}

// True when a reader waits on `rs` (a read request or a pending BYOB read).
function readableStreamGetWaiting(rs) {
  return rs.reader !== undefined && rs.reader.requests.length > 0;
}

let identityStateOf;

class IdentityTransformStream {
  #state;

  constructor(options = undefined) {
    this.#state = newIdentityStreams(undefined);
  }

  get readable() {
    return this.#state.readable.object;
  }

  get writable() {
    return this.#state.writable.object;
  }

  static {
    identityStateOf = (value, length) => {
      value.#state = newIdentityStreams(length);
    };
  }
}

class FixedLengthStream extends IdentityTransformStream {
  constructor(expectedLength) {
    if (arguments.length < 1) {
      throw new TypeError("Failed to construct 'FixedLengthStream': 1 argument required, but only 0 present.");
    }
    let length;
    if (typeof expectedLength === "bigint") length = Number(expectedLength);
    else length = +expectedLength;
    if (!(length >= 0) || !NumberIsInteger(length) || length > 9007199254740991) {
      throw new TypeError("Failed to construct 'FixedLengthStream': expectedLength must be a non-negative integer.");
    }
    super();
    identityStateOf(this, length);
  }
}

// ---------------------------------------------------------------------------------------------
// Host and body glue

const HostResult = record(class HostResult {});

// A `{done, value}` result without a prototype: resolving a promise with it finds no `then`.
function hostResult(done, value) {
  const result = new HostResult();
  result.done = done;
  result.value = value;
  return result;
}

const notBytesChunkMessage = "This ReadableStream did not return bytes.";

// The host's reader of a stream a worker returned: read() validates that chunks are bytes.
function newHostReader(reader) {
  const rs = reader.stream;
  const hostReader = new HostResult();
  hostReader.read = () => {
    if (reader.stream === undefined) return PromiseReject(new TypeError(releasedReaderMessage));
    const deferred = newDeferred();
    defaultReaderRead(reader, new ReadRequest(
      (chunk) => {
        const bytes = chunkBytes(chunk);
        if (bytes === null) {
          const error = new TypeError(notBytesChunkMessage);
          fail(deferred, error);
          markHandled(readableStreamCancel(rs, error));
          return;
        }
        settle(deferred, hostResult(false, bytes));
      },
      () => settle(deferred, hostResult(true, undefined)),
      (error) => fail(deferred, error)));
    return deferred.promise;
  };
  hostReader.cancel = (reason) => {
    if (reader.stream === undefined) return PromiseResolve(undefined);
    return readerGenericCancel(reader, reason);
  };
  return hostReader;
}

// Reads a whole stream as bytes for the body mixin: a promise of `convert(bytes)` (bytes a
// Uint8Array that is its whole buffer). The bytes themselves never resolve a promise, which
// would look up `then` on them.
function readAllBytes(stream, convert) {
  const rs = rsOf(stream);
  const reader = acquireDefaultReader(rs);
  const deferred = newDeferred();
  const chunks = new Queue();
  let total = 0;
  const step = () => {
    defaultReaderRead(reader, new ReadRequest(
      (chunk) => {
        const bytes = chunkBytes(chunk);
        if (bytes === null) {
          const error = new TypeError("Received non-ArrayBuffer/ArrayBufferView chunk");
          markHandled(readableStreamCancel(rs, error));
          fail(deferred, error);
          return;
        }
        const length = TypedArrayPrototypeGetByteLength(bytes);
        if (length > 0) {
          chunks.push(copyOf(bytes));
          total += length;
        }
        step();
      },
      () => {
        const out = chunks.length === 1 ? chunks.peek() : new Uint8Array(total);
        if (chunks.length !== 1) {
          let offset = 0;
          drain(chunks, (part) => {
            TypedArrayPrototypeSet(out, part, offset);
            offset += TypedArrayPrototypeGetByteLength(part);
          });
        }
        let result;
        try {
          result = convert(out);
        } catch (error) {
          fail(deferred, error);
          return;
        }
        settle(deferred, result);
      },
      (error) => fail(deferred, error)));
  };
  step();
  return deferred.promise;
}

// Makes `rs` a byte stream over bytes the runtime owns: each pull enqueues what `next()` returns
// (a Uint8Array the stream takes over: its buffer is transferred) and closes the stream when it
// returns null, or after enqueueing when `once`.
function setUpOwnedByteStream(rs, next, once) {
  const controller = new ByteController();
  const pull = () => {
    try {
      const bytes = next();
      if (bytes !== null && TypedArrayPrototypeGetByteLength(bytes) > 0) byteControllerEnqueue(controller, bytes, viewInfo(bytes));
      if (bytes === null || once) {
        byteControllerClose(controller);
        if (controller.pendingPullIntos.length > 0) byteControllerRespond(controller, 0);
      }
    } catch (error) {
      byteControllerError(controller, error);
    }
    return PromiseResolve(undefined);
  };
  setUpByteController(rs, controller, noop, pull, resolvedUndefined, 0, undefined);
  return rs.object;
}

// A byte stream over in-memory body data: `origin` is the body's record and `toBytes(origin)`
// its bytes (a Uint8Array the stream may take over). The stream answers them in one chunk on
// first pull; until then the body mixin can take `origin` without streaming (takeLazyBody).
function newLazyBodyStream(origin, toBytes) {
  const rs = createReadableStream(new RS());
  rs.lazyBody = origin;
  const next = () => {
    rs.lazyBody = undefined;
    return toBytes(origin);
  };
  return setUpOwnedByteStream(rs, next, true);
}

// A byte stream whose pulls enqueue what `next()` returns until it returns null (Blob.stream()).
function newPulledByteStream(next) {
  return setUpOwnedByteStream(createReadableStream(new RS()), next, false);
}

// The origin of a lazy body stream nobody has read, locked or teed (taken: the stream is then
// closed and disturbed), or undefined.
function takeLazyBody(stream) {
  const rs = rsOf(stream);
  const origin = rs.lazyBody;
  if (origin === undefined || rs.reader !== undefined || rs.disturbed || rs.teed || rs.state !== "readable") return undefined;
  rs.lazyBody = undefined;
  rs.disturbed = true;
  const controller = rs.controller;
  clearAlgorithms(controller);
  readableStreamClose(rs);
  // Read to the end, as a body read through the stream: it stays locked.
  acquireDefaultReader(rs);
  return origin;
}

// A lazy body stream nobody has touched can share its data with a clone.
function lazyBodyUntouched(stream) {
  const rs = rsOf(stream);
  return rs.lazyBody !== undefined && rs.reader === undefined && !rs.disturbed && !rs.teed && rs.state === "readable";
}

function isReadableStream(value) {
  return rsOf(value) !== undefined;
}

function newHostReadableStream(source, expectedLength) {
  const stream = newPullReadableStream(source, expectedLength);
  rsOf(stream).hostSource = source;
  return stream;
}

function newPullReadableStream(source, expectedLength) {
  const rs = createReadableStream(new RS());
  rs.expectedLength = expectedLength;
  const controller = new ByteController();
  const pullAlgorithm = () => {
    rs.hostSource = undefined;
    return promiseCall(source.pull, source, [controller.object]);
  };
  const cancelAlgorithm = (reason) => promiseCall(source.cancel, source, [reason]);
  setUpByteController(rs, controller, noop, pullAlgorithm, cancelAlgorithm, 0, undefined);
  return rs.object;
}

function hostSourceOf(stream) {
  const rs = rsOf(stream);
  if (rs === undefined || rs.hostSource === undefined || rs.disturbed || rs.teed || rs.state !== "readable") return undefined;
  if (rs.reader !== undefined && rs.reader !== rs.hostReader) return undefined;
  return rs.hostSource;
}

function expectedLength(stream) {
  const rs = rsOf(stream);
  return rs === undefined ? undefined : rs.expectedLength;
}

function acquireHostReader(stream) {
  const rs = rsOf(stream);
  if (rs === undefined) throw new TypeError("Expected a ReadableStream");
  let reader = rs.hostReader;
  if (reader === undefined || rs.reader !== reader) {
    reader = acquireDefaultReader(rs);
    rs.hostReader = reader;
  }
  return newHostReader(reader);
}

// Locks a body stream for the host (responseToHost / requestToHost): the worker can no longer
// read it; acquireHostReader and hostSourceOf still work on it.
function lockForHost(stream) {
  const rs = rsOf(stream);
  if (rs.reader !== undefined) throw new TypeError(lockedMessage);
  rs.hostReader = acquireDefaultReader(rs);
}

// ---------------------------------------------------------------------------------------------
// Exports

makeMembersEnumerable(ReadableStream.prototype);
makeMembersEnumerable(ReadableStream);
setToStringTag(ReadableStream.prototype, "ReadableStream");
for (const [Class, tag] of [
  [ReadableStreamDefaultReader, "ReadableStreamDefaultReader"],
  [ReadableStreamBYOBReader, "ReadableStreamBYOBReader"],
  [ReadableStreamDefaultController, "ReadableStreamDefaultController"],
  [ReadableByteStreamController, "ReadableByteStreamController"],
  [ReadableStreamBYOBRequest, "ReadableStreamBYOBRequest"],
  [WritableStream, "WritableStream"],
  [WritableStreamDefaultWriter, "WritableStreamDefaultWriter"],
  [WritableStreamDefaultController, "WritableStreamDefaultController"],
  [TransformStream, "TransformStream"],
  [TransformStreamDefaultController, "TransformStreamDefaultController"],
  [ByteLengthQueuingStrategy, "ByteLengthQueuingStrategy"],
  [CountQueuingStrategy, "CountQueuingStrategy"],
  [IdentityTransformStream, "IdentityTransformStream"],
  [FixedLengthStream, "FixedLengthStream"],
]) {
  exportInterface(Class, tag);
}
internals.defineGlobal("ReadableStream", ReadableStream);

/**
 * Stream glue for the host and the other runtime files.
 *
 * - `newHostReadableStream(source, expectedLength)` -> ReadableStream: a byte stream (BYOB
 *   readers work, highWaterMark 0) whose pulls call `source.pull(controller)` (returns a
 *   promise; `controller` is the stream's ReadableByteStreamController, to `enqueue(Uint8Array)`,
 *   `close()`, `error(e)`) and whose cancel calls `source.cancel(reason)`. `expectedLength` (a
 *   number or undefined) is what `expectedLength(stream)` answers.
 * - `newPulledByteStream(next)` -> ReadableStream: a byte stream whose pulls enqueue what
 *   `next()` returns (a Uint8Array it owns) until it returns null (Blob.stream()).
 * - `isReadableStream(value)` -> boolean.
 * - `newPullReadableStream(source, expectedLength)` -> the same stream without a host source:
 *   the host always reads it through JavaScript.
 * - `forgetHostSource(stream)` -> the host may no longer pass the stream's source through.
 * - `hostSourceOf(stream)` -> the `source` of a host stream no one has read from (no pull yet),
 *   locked (except by the host, see responseToHost) or teed, so the host can pass it through
 *   without JavaScript; else undefined. The host that takes the source owns it from then on.
 * - `expectedLength(stream)` -> the FixedLengthStream's length (its readable side), the host
 *   stream's length, or undefined.
 * - `acquireHostReader(stream)` -> `{read(), cancel(reason)}` (no prototype): `read()` returns a
 *   promise of `{done, value}` (no prototype; `value` a Uint8Array viewing the chunk's bytes);
 *   a chunk that is not an ArrayBuffer or ArrayBufferView rejects with a TypeError and cancels
 *   the stream. Works on a stream the body glue locked for the host; TypeError if the worker
 *   holds a lock.
 */
internals.streams = {
  __proto__: null,
  newHostReadableStream,
  newPullReadableStream,
  forgetHostSource: (stream) => { rsOf(stream).hostSource = undefined; },
  isReadableStream,
  hostSourceOf,
  expectedLength,
  acquireHostReader,
  // For the body mixin and the stream files that follow.
  readAllBytes,
  newLazyBodyStream,
  newPulledByteStream,
  takeLazyBody,
  lazyBodyUntouched,
  lockForHost,
  isDisturbed: (stream) => rsOf(stream).disturbed,
  isLocked: (stream) => rsOf(stream).reader !== undefined,
  tee: (stream) => {
    const branches = readableStreamTee(rsOf(stream), true);
    return [branches[0].object, branches[1].object];
  },
  createTransformStream,
  enqueueTransformed: (controller, chunk) => tsControllerEnqueue(controller, chunk),
  // A promise that resolves when the transform's readable side wants more (undefined when it
  // already does): transforms that make much output from little input wait on it.
  waitForPull: (ts) => (ts.backpressure ? ts.backpressureChangePromise.promise : undefined),
  chunkBytes,
};

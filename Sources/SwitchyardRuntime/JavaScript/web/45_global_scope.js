// The worker global scope's events and messaging (HTML Standard): ErrorEvent,
// PromiseRejectionEvent, MessageEvent, MessageChannel / MessagePort, reportError, the
// `unhandledrejection` / `rejectionhandled` events, `dispatchEvent` on globalThis, and
// Cloudflare's `scheduler.wait`.
//
// globalThis's listeners live in one EventTarget (`internals.globalEvents`); 90_worker.js's
// `addEventListener` hands it every type that is not a handler event (fetch, scheduled, ...).
// Rejections are tracked by V8's promise reject callback in the shim (CV8/isolate.cc), which
// after each microtask checkpoint calls `internals.notifyRejection(handled, promise, reason)`:
// HTML's "notify about rejected promises", without the extra task.
//
// Messages are delivered as tasks: each postMessage sets a zero-delay host timer that delivers
// the port's next message, so they belong to the request that posted them (and are dropped
// when it ends), and posting at global scope is refused as timers are. The message is cloned at
// post time (ops.structuredClone through the structuredClone of 40_globals.js).
//
// Built-ins are captured at load time; queues are linked records without a prototype.

const { TypeError, ReflectApply, ObjectDefineProperty, ObjectFreeze, uncurryThis, SafePromise, SymbolIterator } =
  internals.primordials;
const { toDOMString, makeMembersEnumerable, setToStringTag } = internals.webIDL;
const Event = internals.Event;
const EventTarget = internals.EventTarget;
const DOMException = internals.DOMException;
const dispatchTrusted = internals.dispatchTrusted;
const abort = internals.abort;
const addTimer = internals.addTimer;
const structuredClone = globalThis.structuredClone;
const clearTimeout = globalThis.clearTimeout;
const inspect = internals.inspect;
const hostOp = internals.hostOp;
const opsHost = ops.host;
const opsTransferArrayBuffer = ops.transferArrayBuffer;
const EventTargetPrototypeAddEventListener = uncurryThis(EventTarget.prototype.addEventListener);
const EventTargetPrototypeRemoveEventListener = uncurryThis(EventTarget.prototype.removeEventListener);
const EventTargetPrototypeDispatchEvent = uncurryThis(EventTarget.prototype.dispatchEvent);
const WeakSetPrototypeAdd = uncurryThis(WeakSet.prototype.add);
const WeakSetPrototypeDelete = uncurryThis(WeakSet.prototype.delete);
const WeakSetPrototypeHas = uncurryThis(WeakSet.prototype.has);
const SafeWeakSet = WeakSet;
const ArrayBufferPrototypeGetByteLength = internals.primordials.ArrayBufferPrototypeGetByteLength;
const NumberIsFinite = Number.isFinite;
const MathTrunc = Math.trunc;

function isObject(value) {
  return (typeof value === "object" && value !== null) || typeof value === "function";
}

function requireArguments(count, required, what) {
  if (count < required) {
    throw new TypeError(`Failed to execute ${what}: ${required} argument${required === 1 ? "" : "s"} required, but only ${count} present.`);
  }
}

const logError = 4; // 40_globals.js's level for console.error

/// Logs what nobody handled as the Workers runtime does ("Uncaught ...", "Uncaught (in promise) ...").
function logUncaught(prefix, value) {
  let text;
  try {
    text = inspect(value);
  } catch {
    text = "[unprintable value]";
  }
  opsHost(hostOp.log, logError, prefix + text);
}

// ---------------------------------------------------------------------------------------------
// Event interfaces

class ErrorEvent extends Event {
  #message = "";
  #filename = "";
  #lineno = 0;
  #colno = 0;
  #error = undefined;

  constructor(type, eventInitDict = undefined) {
    requireArguments(arguments.length, 1, "'ErrorEvent' constructor");
    super(type, eventInitDict);
    if (isObject(eventInitDict)) {
      // ErrorEventInit members in Web IDL's (alphabetical) order.
      const colno = eventInitDict.colno;
      if (colno !== undefined) this.#colno = toUnsignedLong(colno);
      this.#error = eventInitDict.error;
      const filename = eventInitDict.filename;
      if (filename !== undefined) this.#filename = internals.toUSVString(filename);
      const lineno = eventInitDict.lineno;
      if (lineno !== undefined) this.#lineno = toUnsignedLong(lineno);
      const message = eventInitDict.message;
      if (message !== undefined) this.#message = toDOMString(message);
    }
  }

  get message() { return this.#message; }
  get filename() { return this.#filename; }
  get lineno() { return this.#lineno; }
  get colno() { return this.#colno; }
  get error() { return this.#error; }
}

// Web IDL `unsigned long`: ToNumber, truncated, modulo 2^32.
function toUnsignedLong(value) {
  const number = +value;
  if (!NumberIsFinite(number)) return 0;
  const integer = MathTrunc(number) % 4294967296;
  return integer < 0 ? integer + 4294967296 : integer;
}

class PromiseRejectionEvent extends Event {
  #promise;
  #reason = undefined;

  constructor(type, eventInitDict) {
    requireArguments(arguments.length, 2, "'PromiseRejectionEvent' constructor");
    if (!isObject(eventInitDict)) {
      throw new TypeError("Failed to construct 'PromiseRejectionEvent': The provided value is not of type 'PromiseRejectionEventInit'.");
    }
    super(type, eventInitDict);
    const promise = eventInitDict.promise;
    if (promise === undefined) {
      throw new TypeError("Failed to construct 'PromiseRejectionEvent': required member promise is undefined.");
    }
    if (!isObject(promise)) {
      throw new TypeError("Failed to construct 'PromiseRejectionEvent': member promise is not of type 'object'.");
    }
    this.#promise = promise;
    this.#reason = eventInitDict.reason;
  }

  get promise() { return this.#promise; }
  get reason() { return this.#reason; }
}

const emptyPorts = ObjectFreeze([]);

class MessageEvent extends Event {
  #data = null;
  #origin = "";
  #lastEventId = "";
  #source = null;
  #ports = emptyPorts;

  constructor(type, eventInitDict = undefined) {
    requireArguments(arguments.length, 1, "'MessageEvent' constructor");
    super(type, eventInitDict);
    if (isObject(eventInitDict)) {
      const data = eventInitDict.data;
      if (data !== undefined) this.#data = data;
      const lastEventId = eventInitDict.lastEventId;
      if (lastEventId !== undefined) this.#lastEventId = toDOMString(lastEventId);
      const origin = eventInitDict.origin;
      if (origin !== undefined) this.#origin = internals.toUSVString(origin);
      const ports = eventInitDict.ports;
      if (ports !== undefined) this.#ports = portSequence(ports);
      const source = eventInitDict.source;
      if (source !== undefined && source !== null) {
        if (!isPort(source)) {
          throw new TypeError("Failed to construct 'MessageEvent': member source is not of type 'MessagePort'.");
        }
        this.#source = source;
      }
    }
  }

  get data() { return this.#data; }
  get origin() { return this.#origin; }
  get lastEventId() { return this.#lastEventId; }
  get source() { return this.#source; }
  get ports() { return this.#ports; }
}

// Web IDL's conversion of an iterable to a sequence: `each(item)` for every value its iterator
// gives (the iterator's `next` read once).
function forEachOfSequence(value, what, each) {
  if (!isObject(value) || typeof value[SymbolIterator] !== "function") throw new TypeError(`${what} is not iterable.`);
  const iterator = ReflectApply(value[SymbolIterator], value, []);
  const next = iterator.next;
  for (;;) {
    const result = ReflectApply(next, iterator, []);
    if (!isObject(result)) throw new TypeError(`${what}: the iterator result is not an object.`);
    if (result.done) return;
    each(result.value);
  }
}

// sequence<MessagePort>, as a frozen array.
function portSequence(value) {
  const out = [];
  let index = 0;
  forEachOfSequence(value, "Failed to construct 'MessageEvent': member ports", (port) => {
    if (!isPort(port)) {
      throw new TypeError("Failed to construct 'MessageEvent': member ports contains a value that is not a MessagePort.");
    }
    ObjectDefineProperty(out, index++, { value: port, writable: true, enumerable: true, configurable: true });
  });
  return ObjectFreeze(out);
}

// ---------------------------------------------------------------------------------------------
// MessageChannel, MessagePort

let isPort; // (value) -> boolean
let newPortPair; // () -> [port1, port2]

const kInternal = Symbol("switchyard.messaging");

class MessagePort extends EventTarget {
  #entangled = null;
  // The port message queue: linked records {data, next}, enabled by start() (or onmessage).
  #head = null;
  #tail = null;
  #enabled = false;
  #closed = false;
  #onmessage = null;
  #onmessageerror = null;

  constructor(key = undefined) {
    if (key !== kInternal) throw new TypeError("Illegal constructor");
    super();
  }

  postMessage(message, transferOrOptions = undefined) {
    requireArguments(arguments.length, 1, "'postMessage' on 'MessagePort'");
    const transfer = transferList(transferOrOptions);
    const data = structuredClone(message);
    for (let i = 0; i < transfer.length; i++) opsTransferArrayBuffer(transfer[i], ArrayBufferPrototypeGetByteLength(transfer[i]));
    const target = this.#entangled;
    if (target === null || this.#closed) return;
    target.#enqueue(data);
  }

  start() {
    if (this.#enabled) return;
    this.#enabled = true;
    for (let message = this.#head; message !== null; message = message.next) this.#schedule();
  }

  close() {
    this.#closed = true;
    const other = this.#entangled;
    this.#entangled = null;
    this.#head = this.#tail = null;
    if (other !== null) other.#entangled = null;
  }

  get onmessage() { return this.#onmessage; }
  set onmessage(handler) {
    this.#setHandler("message", handler);
    // HTML: setting onmessage starts the port.
    this.start();
  }

  get onmessageerror() { return this.#onmessageerror; }
  set onmessageerror(handler) { this.#setHandler("messageerror", handler); }

  #setHandler(type, handler) {
    const previous = type === "message" ? this.#onmessage : this.#onmessageerror;
    if (previous !== null) EventTargetPrototypeRemoveEventListener(this, type, previous);
    const next = isObject(handler) ? handler : null;
    if (type === "message") this.#onmessage = next;
    else this.#onmessageerror = next;
    if (next !== null) EventTargetPrototypeAddEventListener(this, type, next);
  }

  #enqueue(data) {
    const record = { __proto__: null, data, next: null };
    if (this.#tail === null) this.#head = record;
    else this.#tail.next = record;
    this.#tail = record;
    if (this.#enabled) this.#schedule();
  }

  // One task per message: a zero-delay host timer that delivers the queue's head.
  #schedule() {
    addTimer(() => this.#deliver(), 0, [], false);
  }

  #deliver() {
    const record = this.#head;
    if (record === null || this.#closed) return;
    this.#head = record.next;
    if (this.#head === null) this.#tail = null;
    dispatchTrusted(this, new MessageEvent("message", { __proto__: null, data: record.data }));
  }

  static {
    isPort = (value) => isObject(value) && #entangled in value;
    newPortPair = () => {
      const port1 = new MessagePort(kInternal);
      const port2 = new MessagePort(kInternal);
      port1.#entangled = port2;
      port2.#entangled = port1;
      return [port1, port2];
    };
  }
}

// postMessage's second argument: a sequence<object> of transferables or {transfer}. Only
// ArrayBuffers can be transferred (they are detached after the message is cloned).
function transferList(value) {
  const list = { __proto__: null, length: 0 };
  if (value === undefined || value === null) return list;
  if (!isObject(value)) {
    throw new TypeError("Failed to execute 'postMessage' on 'MessagePort': The provided value is not of type 'StructuredSerializeOptions'.");
  }
  let sequence = value;
  if (typeof value[SymbolIterator] !== "function") {
    sequence = value.transfer;
    if (sequence === undefined) return list;
  }
  forEachOfSequence(sequence, "Failed to execute 'postMessage' on 'MessagePort': the transfer list", (item) => {
    let byteLength = -1;
    try {
      byteLength = ArrayBufferPrototypeGetByteLength(item);
    } catch {
      // not an ArrayBuffer
    }
    if (byteLength === -1) {
      throw new DOMException("Failed to execute 'postMessage' on 'MessagePort': Value not transferable.", "DataCloneError");
    }
    for (let i = 0; i < list.length; i++) {
      if (list[i] === item) {
        throw new DOMException("Failed to execute 'postMessage' on 'MessagePort': ArrayBuffer at index " + i + " is a duplicate of an earlier ArrayBuffer.", "DataCloneError");
      }
    }
    list[list.length++] = item;
  });
  return list;
}

class MessageChannel {
  #port1;
  #port2;
  constructor() {
    const ports = newPortPair();
    this.#port1 = ports[0];
    this.#port2 = ports[1];
  }
  get port1() { return this.#port1; }
  get port2() { return this.#port2; }
}

for (const [Class, name] of [[ErrorEvent, "ErrorEvent"], [PromiseRejectionEvent, "PromiseRejectionEvent"],
  [MessageEvent, "MessageEvent"], [MessagePort, "MessagePort"], [MessageChannel, "MessageChannel"]]) {
  makeMembersEnumerable(Class.prototype);
  setToStringTag(Class.prototype, name);
  internals.defineGlobal(name, Class);
}

// ---------------------------------------------------------------------------------------------
// globalThis as an event target

const globalTarget = new EventTarget();

internals.globalEvents = ObjectFreeze({
  __proto__: null,
  add: (type, callback, options) => EventTargetPrototypeAddEventListener(globalTarget, type, callback, options),
  remove: (type, callback, options) => EventTargetPrototypeRemoveEventListener(globalTarget, type, callback, options),
});

internals.defineGlobal("dispatchEvent", function dispatchEvent(event) {
  requireArguments(arguments.length, 1, "'dispatchEvent' on 'WorkerGlobalScope'");
  return EventTargetPrototypeDispatchEvent(globalTarget, event);
});

/// HTML "report an exception": an `error` ErrorEvent on globalThis, logged unless canceled. Its
/// message is the user agent's, as browsers and deno make it: "Uncaught Name: message".
function reportException(error) {
  let message = "Uncaught";
  try {
    if (isObject(error) && typeof error.message === "string") {
      const name = error.name;
      message += ` ${typeof name === "string" && name !== "" ? `${name}: ` : ""}${error.message}`;
    } else {
      message += ` ${error}`;
    }
  } catch {
    // A value whose conversion throws is reported without its text.
  }
  const event = new ErrorEvent("error", { __proto__: null, cancelable: true, message, error });
  dispatchTrusted(globalTarget, event);
  if (!event.defaultPrevented) logUncaught("Uncaught ", error);
}

internals.defineGlobal("reportError", function reportError(e) {
  requireArguments(arguments.length, 1, "'reportError' on 'WorkerGlobalScope'");
  reportException(e);
});

// The rejected promises notified as unhandled whose rejectionhandled may still come.
const outstandingRejections = new SafeWeakSet();

/// Called by the shim after a microtask checkpoint, once per rejection V8 reported.
internals.notifyRejection = function notifyRejection(handled, promise, reason) {
  if (!handled) {
    const event = new PromiseRejectionEvent("unhandledrejection", { __proto__: null, cancelable: true, promise, reason });
    dispatchTrusted(globalTarget, event);
    if (!event.defaultPrevented) logUncaught("Uncaught (in promise) ", reason);
    WeakSetPrototypeAdd(outstandingRejections, promise);
  } else if (WeakSetPrototypeHas(outstandingRejections, promise)) {
    WeakSetPrototypeDelete(outstandingRejections, promise);
    dispatchTrusted(globalTarget, new PromiseRejectionEvent("rejectionhandled", { __proto__: null, promise, reason }));
  }
};

// ---------------------------------------------------------------------------------------------
// scheduler.wait (Cloudflare Workers)

class Scheduler {
  constructor(key = undefined) {
    if (key !== kInternal) throw new TypeError("Illegal constructor");
  }

  /// A promise fulfilled with undefined after `delay` milliseconds, or rejected with the reason
  /// of `options.signal` when it aborts first.
  wait(delay, options = undefined) {
    let signal = null;
    try {
      requireArguments(arguments.length, 1, "'wait' on 'Scheduler'");
      if (options !== undefined && options !== null) {
        if (!isObject(options)) throw new TypeError("Failed to execute 'wait' on 'Scheduler': The provided value is not of type 'WaitOptions'.");
        const value = options.signal;
        if (value !== undefined && value !== null) {
          if (!abort.isSignal(value)) throw new TypeError("Failed to execute 'wait' on 'Scheduler': member signal is not of type AbortSignal.");
          signal = value;
        }
      }
    } catch (error) {
      return new SafePromise((resolve, reject) => reject(error));
    }
    return new SafePromise((resolve, reject) => {
      if (signal !== null && abort.aborted(signal)) {
        reject(abort.reason(signal));
        return;
      }
      let id = 0;
      const onAbort = (reason) => {
        clearTimeout(id);
        reject(reason);
      };
      id = addTimer(() => {
        if (signal !== null) abort.removeAlgorithm(signal, onAbort);
        resolve(undefined);
      }, delay, [], false);
      if (signal !== null) abort.addAlgorithm(signal, onAbort);
    });
  }
}
makeMembersEnumerable(Scheduler.prototype);
setToStringTag(Scheduler.prototype, "Scheduler");
internals.defineGlobal("Scheduler", Scheduler);
internals.defineGlobal("scheduler", new Scheduler(kInternal));

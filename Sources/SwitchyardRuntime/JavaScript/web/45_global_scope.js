// The worker global scope (HTML Standard): globalThis as an EventTarget (ServiceWorkerGlobalScope,
// as workerd names it), its `onerror` / `onunhandledrejection` / `onrejectionhandled` event
// handlers, MessageChannel / MessagePort, reportError, the `unhandledrejection` /
// `rejectionhandled` events, `dispatchEvent` on globalThis, and Cloudflare's `scheduler.wait`.
// The event classes are 33_html_events.js's.
//
// globalThis's prototype chain goes through EventTarget.prototype; its listener list is kept by
// 15_events.js. 90_worker.js's own `addEventListener` keeps handler events (fetch, scheduled, ...)
// for the host and hands every other type to it (`internals.globalEvents`).
// Rejections are tracked by V8's promise reject callback in the shim (CV8/isolate.cc), which
// after each microtask checkpoint calls `internals.notifyRejection(handled, promise, reason)`:
// HTML's "notify about rejected promises", without the extra task.
//
// Messages are delivered as tasks: each postMessage sets a zero-delay host timer that delivers
// the port's next message, so they belong to the request that posted them (and are dropped
// when it ends), and posting at global scope is refused as timers are. The message is cloned at
// post time, with its transfer list (`internals.structuredClone`, 40_globals.js).
//
// Built-ins are captured at load time; queues are linked records without a prototype.

const { TypeError, ReflectApply, ObjectDefineProperty, ObjectFreeze, ObjectSetPrototypeOf, uncurryThis, SafePromise,
  SymbolIterator } = internals.primordials;
const { makeMembersEnumerable, setToStringTag } = internals.webIDL;
const { ErrorEvent, PromiseRejectionEvent, MessageEvent, errorEventArguments } = internals.htmlEvents;
const EventPrototypePreventDefault = uncurryThis(internals.Event.prototype.preventDefault);
const EventTarget = internals.EventTarget;
const dispatchTrusted = internals.dispatchTrusted;
const abort = internals.abort;
const addTimer = internals.addTimer;
const { transferList: checkedTransferList, cloneTransferring } = internals.structuredClone;
const clearTimeout = globalThis.clearTimeout;
const inspect = internals.inspect;
const hostOp = internals.hostOp;
const opsHost = ops.host;
const EventTargetPrototypeAddEventListener = uncurryThis(EventTarget.prototype.addEventListener);
const EventTargetPrototypeRemoveEventListener = uncurryThis(EventTarget.prototype.removeEventListener);
const EventTargetPrototypeDispatchEvent = uncurryThis(EventTarget.prototype.dispatchEvent);
const WeakSetPrototypeAdd = uncurryThis(WeakSet.prototype.add);
const WeakSetPrototypeDelete = uncurryThis(WeakSet.prototype.delete);
const WeakSetPrototypeHas = uncurryThis(WeakSet.prototype.has);
const SafeWeakSet = WeakSet;
const globalObject = globalThis;

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
    const data = cloneTransferring(message, transferList(transferOrOptions));
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
    internals.htmlEvents.setPortCheck(isPort);
    newPortPair = () => {
      const port1 = new MessagePort(kInternal);
      const port2 = new MessagePort(kInternal);
      port1.#entangled = port2;
      port2.#entangled = port1;
      return [port1, port2];
    };
  }
}

// postMessage's second argument: a sequence<object> of transferables or {transfer}.
function transferList(value) {
  if (value === undefined || value === null) return { __proto__: null, length: 0 };
  if (!isObject(value)) {
    throw new TypeError("Failed to execute 'postMessage' on 'MessagePort': The provided value is not of type 'StructuredSerializeOptions'.");
  }
  let sequence = value;
  if (typeof value[SymbolIterator] !== "function") {
    sequence = value.transfer;
    if (sequence === undefined) return { __proto__: null, length: 0 };
  }
  return checkedTransferList(sequence, "Failed to execute 'postMessage' on 'MessagePort'");
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

for (const [Class, name] of [[MessagePort, "MessagePort"], [MessageChannel, "MessageChannel"]]) {
  makeMembersEnumerable(Class.prototype);
  setToStringTag(Class.prototype, name);
  internals.defineGlobal(name, Class);
}

// ---------------------------------------------------------------------------------------------
// globalThis as an event target

/// The interface of globalThis (workerd's ServiceWorkerGlobalScope, an EventTarget): not a
/// global, not constructible; globalThis's prototype is its prototype.
class ServiceWorkerGlobalScope extends EventTarget {
  constructor() {
    throw new TypeError("Illegal constructor");
  }
}
setToStringTag(ServiceWorkerGlobalScope.prototype, "ServiceWorkerGlobalScope");
ObjectSetPrototypeOf(globalObject, ServiceWorkerGlobalScope.prototype);

internals.globalEvents = ObjectFreeze({
  __proto__: null,
  add: (type, callback, options) => EventTargetPrototypeAddEventListener(globalObject, type, callback, options),
  remove: (type, callback, options) => EventTargetPrototypeRemoveEventListener(globalObject, type, callback, options),
});

internals.defineGlobal("dispatchEvent", function dispatchEvent(event) {
  requireArguments(arguments.length, 1, "'dispatchEvent' on 'WorkerGlobalScope'");
  return EventTargetPrototypeDispatchEvent(globalObject, event);
});

/// HTML §8.1.8.1 event handler attributes on globalThis: one slot per handler; the first value
/// that is an object registers a listener (at that point in the listener order), a later value
/// replaces the slot's callback in place, and null (or any non-object) removes the listener. The
/// listener runs the event handler processing algorithm: `onerror` with an ErrorEvent is called
/// with (message, filename, lineno, colno, error) and `true` cancels the event; any other handler
/// is called with the event and `false` cancels it.
function defineEventHandler(type) {
  let handler = null;
  let listener = null;
  const process = (event) => {
    const callback = handler;
    if (callback === null) return;
    if (typeof callback !== "function") throw new TypeError(`The ${type} handler is not a function.`);
    const errorArguments = type === "error" ? errorEventArguments(event) : null;
    if (errorArguments !== null) {
      if (ReflectApply(callback, globalObject, errorArguments) === true) EventPrototypePreventDefault(event);
    } else if (ReflectApply(callback, globalObject, [event]) === false) {
      EventPrototypePreventDefault(event);
    }
  };
  const checkReceiver = (receiver) => {
    if (receiver !== undefined && receiver !== globalObject) throw new TypeError("Illegal invocation");
  };
  ObjectDefineProperty(globalObject, "on" + type, {
    get() {
      checkReceiver(this);
      return handler;
    },
    set(value) {
      checkReceiver(this);
      handler = isObject(value) ? value : null;
      if (handler === null && listener !== null) {
        EventTargetPrototypeRemoveEventListener(globalObject, type, listener);
        listener = null;
      } else if (handler !== null && listener === null) {
        listener = (event) => process(event);
        EventTargetPrototypeAddEventListener(globalObject, type, listener);
      }
    },
    enumerable: true,
    configurable: true,
  });
}
for (const type of ["error", "unhandledrejection", "rejectionhandled"]) defineEventHandler(type);

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
  dispatchTrusted(globalObject, event);
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
    dispatchTrusted(globalObject, event);
    if (!event.defaultPrevented) logUncaught("Uncaught (in promise) ", reason);
    WeakSetPrototypeAdd(outstandingRejections, promise);
  } else if (WeakSetPrototypeHas(outstandingRejections, promise)) {
    WeakSetPrototypeDelete(outstandingRejections, promise);
    dispatchTrusted(globalObject, new PromiseRejectionEvent("rejectionhandled", { __proto__: null, promise, reason }));
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

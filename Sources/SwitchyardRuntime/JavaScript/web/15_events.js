// Event, EventTarget, CustomEvent, AbortController and AbortSignal (DOM Standard §2 and §3).
//
// No DOM tree: an event's path is its target alone, so capture and bubbling phases never occur
// (eventPhase is AT_TARGET during dispatch). Listener errors are reported, never thrown to the
// dispatcher. State lives in #private fields; built-ins are captured at load time.
//
// globalThis is an EventTarget too (45_global_scope.js puts EventTarget.prototype on its chain, as
// WorkerGlobalScope inherits from EventTarget). V8 cannot give the global object a private field
// of this class, so its listener list is kept here (`globalListeners`) and every EventTarget
// method reaches a target's list through `listenersOf`.
//
// Host glue on `internals.abort`: `addAlgorithm(signal, fn)` / `removeAlgorithm(signal, fn)` run
// `fn(reason)` when `signal` aborts (fetch and pipeTo use them), `isSignal(value)`.

const { ReflectApply, ArrayPrototypePush, ObjectDefineProperty, TypeError, Error } = internals.primordials;
const ArrayPrototypeSlice = internals.primordials.uncurryThis(Array.prototype.slice);
const ArrayPrototypeSplice = internals.primordials.uncurryThis(Array.prototype.splice);
const DateNow = Date.now;
const DOMException = internals.DOMException;
const { toDOMString, makeMembersEnumerable, setToStringTag } = internals.webIDL;

const kInternal = Symbol("switchyard.events.internal");

function isObject(value) {
  return (typeof value === "object" && value !== null) || typeof value === "function";
}

function requireArguments(count, required, what) {
  if (count < required) {
    throw new TypeError(`Failed to execute ${what}: ${required} argument${required === 1 ? "" : "s"} required, but only ${count} present.`);
  }
}

// ---------------------------------------------------------------------------------------------
// Event

let eventSetDispatching; // (event, target | null) sets target/currentTarget and the phase
let eventStopsImmediately; // (event) -> boolean
let eventSetTrusted; // (event)
let isEvent; // (value) -> boolean
let dispatchTrusted; // (target, event): dispatches an event the platform fires

class Event {
  #type;
  #bubbles;
  #cancelable;
  #composed;
  #target = null;
  #currentTarget = null;
  #phase = 0;
  #canceled = false;
  #stopPropagation = false;
  #stopImmediate = false;
  #inPassiveListener = false;
  #trusted = false;
  #timeStamp = DateNow();

  constructor(type, eventInitDict = undefined) {
    requireArguments(arguments.length, 1, "'Event' constructor");
    this.#type = toDOMString(type);
    let bubbles = false;
    let cancelable = false;
    let composed = false;
    if (eventInitDict !== undefined && eventInitDict !== null) {
      if (!isObject(eventInitDict)) {
        throw new TypeError("Failed to construct 'Event': The provided value is not of type 'EventInit'.");
      }
      bubbles = !!eventInitDict.bubbles;
      cancelable = !!eventInitDict.cancelable;
      composed = !!eventInitDict.composed;
    }
    this.#bubbles = bubbles;
    this.#cancelable = cancelable;
    this.#composed = composed;
  }

  get type() { return this.#type; }
  get target() { return this.#target; }
  get srcElement() { return this.#target; }
  get currentTarget() { return this.#currentTarget; }
  composedPath() { return this.#currentTarget === null ? [] : [this.#currentTarget]; }
  get eventPhase() { return this.#phase; }
  stopPropagation() { this.#stopPropagation = true; }
  get cancelBubble() { return this.#stopPropagation; }
  set cancelBubble(value) { if (value) this.#stopPropagation = true; }
  stopImmediatePropagation() {
    this.#stopPropagation = true;
    this.#stopImmediate = true;
  }
  get bubbles() { return this.#bubbles; }
  get cancelable() { return this.#cancelable; }
  get returnValue() { return !this.#canceled; }
  set returnValue(value) { if (!value) this.preventDefault(); }
  preventDefault() {
    if (this.#cancelable && !this.#inPassiveListener) this.#canceled = true;
  }
  get defaultPrevented() { return this.#canceled; }
  get composed() { return this.#composed; }
  get isTrusted() { return this.#trusted; }
  get timeStamp() { return this.#timeStamp; }
  initEvent(type, bubbles = false, cancelable = false) {
    requireArguments(arguments.length, 1, "'initEvent' on 'Event'");
    if (this.#phase !== 0) return;
    this.#type = toDOMString(type);
    this.#bubbles = !!bubbles;
    this.#cancelable = !!cancelable;
    this.#stopPropagation = false;
    this.#stopImmediate = false;
    this.#canceled = false;
  }

  static {
    eventSetDispatching = (event, target, passive) => {
      event.#currentTarget = target;
      event.#phase = target === null ? 0 : 2;
      if (target !== null) event.#target = target;
      event.#inPassiveListener = passive;
    };
    eventStopsImmediately = (event) => event.#stopImmediate;
    eventSetTrusted = (event) => { event.#trusted = true; };
    isEvent = (value) => isObject(value) && #type in value;
  }
}

const phases = { NONE: 0, CAPTURING_PHASE: 1, AT_TARGET: 2, BUBBLING_PHASE: 3 };
for (const name in phases) {
  const descriptor = { value: phases[name], writable: false, enumerable: true, configurable: false };
  ObjectDefineProperty(Event, name, descriptor);
  ObjectDefineProperty(Event.prototype, name, descriptor);
}
makeMembersEnumerable(Event.prototype);
setToStringTag(Event.prototype, "Event");

class CustomEvent extends Event {
  #detail;
  constructor(type, eventInitDict = undefined) {
    requireArguments(arguments.length, 1, "'CustomEvent' constructor");
    super(type, eventInitDict);
    this.#detail = isObject(eventInitDict) && eventInitDict.detail !== undefined ? eventInitDict.detail : null;
  }
  get detail() { return this.#detail; }
  initCustomEvent(type, bubbles = false, cancelable = false, detail = null) {
    this.initEvent(type, bubbles, cancelable);
    this.#detail = detail;
  }
}
makeMembersEnumerable(CustomEvent.prototype);
setToStringTag(CustomEvent.prototype, "CustomEvent");

// ---------------------------------------------------------------------------------------------
// EventTarget

/// Reads the `capture` of a listener options argument (a boolean or a dictionary).
function flattenCapture(options) {
  if (typeof options === "boolean") return options;
  return isObject(options) ? !!options.capture : false;
}

const globalObject = globalThis;
const globalListeners = [];
let listenersOf; // (target) -> the target's listener list; a TypeError for a non-EventTarget
let removeListener; // (target, listener)
let dispatch; // (target, event)

class EventTarget {
  // Listeners as { type, callback, capture, once, passive, removed }, in registration order.
  #listeners = [];

  constructor() {}

  addEventListener(type, callback, options = undefined) {
    requireArguments(arguments.length, 2, "'addEventListener' on 'EventTarget'");
    const name = toDOMString(type);
    let capture = false;
    let once = false;
    let passive = false;
    let signal = null;
    if (typeof options === "boolean") {
      capture = options;
    } else if (isObject(options)) {
      capture = !!options.capture;
      once = !!options.once;
      passive = !!options.passive;
      if (options.signal !== undefined) {
        signal = options.signal;
        if (!isSignal(signal)) {
          throw new TypeError("Failed to execute 'addEventListener' on 'EventTarget': member signal is not of type AbortSignal.");
        }
      }
    }
    if (callback === null || callback === undefined) return;
    if (!isObject(callback)) {
      throw new TypeError("Failed to execute 'addEventListener' on 'EventTarget': parameter 2 is not of type 'Object'.");
    }
    const listeners = listenersOf(this);
    if (signal !== null && signalAborted(signal)) return;
    for (let i = 0; i < listeners.length; i++) {
      const existing = listeners[i];
      if (existing.type === name && existing.callback === callback && existing.capture === capture) return;
    }
    const listener = { __proto__: null, type: name, callback, capture, once, passive, removed: false };
    ArrayPrototypePush(listeners, listener);
    if (signal !== null) addAlgorithm(signal, () => removeListener(this, listener));
  }

  removeEventListener(type, callback, options = undefined) {
    requireArguments(arguments.length, 2, "'removeEventListener' on 'EventTarget'");
    const name = toDOMString(type);
    const capture = flattenCapture(options);
    const listeners = listenersOf(this);
    for (let i = 0; i < listeners.length; i++) {
      const existing = listeners[i];
      if (existing.type === name && existing.callback === callback && existing.capture === capture) {
        removeListener(this, existing);
        return;
      }
    }
  }

  dispatchEvent(event) {
    requireArguments(arguments.length, 1, "'dispatchEvent' on 'EventTarget'");
    listenersOf(this);
    if (!isEvent(event)) {
      throw new TypeError("Failed to execute 'dispatchEvent' on 'EventTarget': parameter 1 is not of type 'Event'.");
    }
    if (event.eventPhase !== 0) {
      throw new DOMException("Failed to execute 'dispatchEvent' on 'EventTarget': The event is already being dispatched.", "InvalidStateError");
    }
    dispatch(this, event);
    return !event.defaultPrevented;
  }

  static {
    listenersOf = (target) => (target === globalObject ? globalListeners : target.#listeners);
    removeListener = (target, listener) => {
      listener.removed = true;
      const listeners = listenersOf(target);
      for (let i = 0; i < listeners.length; i++) {
        if (listeners[i] === listener) {
          ArrayPrototypeSplice(listeners, i, 1);
          return;
        }
      }
    };
    dispatchTrusted = (target, event) => {
      eventSetTrusted(event);
      dispatch(target, event);
    };
  }
}

dispatch = (target, event) => {
  const type = event.type;
  const listeners = ArrayPrototypeSlice(listenersOf(target));
  // The `on<type>` handler attribute of subclasses is a listener registered like any other.
  for (let i = 0; i < listeners.length; i++) {
    const listener = listeners[i];
    if (listener.removed || listener.type !== type) continue;
    if (listener.once) removeListener(target, listener);
    eventSetDispatching(event, target, listener.passive);
    const callback = listener.callback;
    try {
      if (typeof callback === "function") {
        ReflectApply(callback, target, [event]);
      } else {
        const handleEvent = callback.handleEvent;
        if (typeof handleEvent !== "function") throw new TypeError("'handleEvent' is not a function");
        ReflectApply(handleEvent, callback, [event]);
      }
    } catch (error) {
      internals.reportError(error);
    }
    if (eventStopsImmediately(event)) break;
  }
  eventSetDispatching(event, null, false);
};
makeMembersEnumerable(EventTarget.prototype);
setToStringTag(EventTarget.prototype, "EventTarget");

// ---------------------------------------------------------------------------------------------
// AbortSignal, AbortController

let isSignal; // (value) -> boolean
let signalAborted; // (signal) -> boolean
let signalReason; // (signal) -> any
let addAlgorithm; // (signal, fn(reason))
let removeAlgorithm; // (signal, fn)
let signalAbort; // (signal, reason)
let newSignal; // () -> AbortSignal

class AbortSignal extends EventTarget {
  #aborted = false;
  #reason = undefined;
  #algorithms = [];
  #onabort = null;
  // Signals that follow this one (AbortSignal.any).
  #dependents = [];

  constructor(key = undefined) {
    if (key !== kInternal) throw new TypeError("Illegal constructor");
    super();
  }

  get aborted() { return this.#aborted; }
  get reason() { return this.#reason; }
  throwIfAborted() {
    if (this.#aborted) throw this.#reason;
  }

  get onabort() { return this.#onabort; }
  set onabort(handler) {
    const previous = this.#onabort;
    if (previous !== null) this.removeEventListener("abort", previous);
    this.#onabort = typeof handler === "function" || isObject(handler) ? handler : null;
    if (this.#onabort !== null) this.addEventListener("abort", this.#onabort);
  }

  static abort(reason = undefined) {
    const signal = new AbortSignal(kInternal);
    signal.#aborted = true;
    signal.#reason = reason === undefined ? new DOMException("The signal has been aborted", "AbortError") : reason;
    return signal;
  }

  static timeout(milliseconds) {
    requireArguments(arguments.length, 1, "'timeout' on 'AbortSignal'");
    const ms = +milliseconds;
    if (!(ms >= 0) || ms > Number.MAX_SAFE_INTEGER) {
      throw new TypeError(`Failed to execute 'timeout' on 'AbortSignal': Value is outside the 'unsigned long long' value range.`);
    }
    const signal = new AbortSignal(kInternal);
    internals.addTimer(() => {
      signal.#abort(new DOMException("The operation was aborted due to timeout", "TimeoutError"));
    }, ms, [], false);
    return signal;
  }

  static any(signals) {
    requireArguments(arguments.length, 1, "'any' on 'AbortSignal'");
    const list = [];
    for (const signal of signals) {
      if (!isSignal(signal)) {
        throw new TypeError("Failed to execute 'any' on 'AbortSignal': Failed to convert value to 'AbortSignal'.");
      }
      ArrayPrototypePush(list, signal);
    }
    const result = new AbortSignal(kInternal);
    for (let i = 0; i < list.length; i++) {
      if (list[i].#aborted) {
        result.#aborted = true;
        result.#reason = list[i].#reason;
        return result;
      }
    }
    for (let i = 0; i < list.length; i++) ArrayPrototypePush(list[i].#dependents, result);
    return result;
  }

  // DOM "signal abort": the reason, the algorithms, the event, then the dependents.
  #abort(reason) {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason === undefined ? new DOMException("The signal has been aborted", "AbortError") : reason;
    const dependents = [];
    for (let i = 0; i < this.#dependents.length; i++) {
      const dependent = this.#dependents[i];
      if (!dependent.#aborted) {
        dependent.#aborted = true;
        dependent.#reason = this.#reason;
        ArrayPrototypePush(dependents, dependent);
      }
    }
    this.#dependents = [];
    this.#runAbortSteps();
    for (let i = 0; i < dependents.length; i++) dependents[i].#runAbortSteps();
  }

  #runAbortSteps() {
    const algorithms = this.#algorithms;
    this.#algorithms = [];
    for (let i = 0; i < algorithms.length; i++) {
      try {
        algorithms[i](this.#reason);
      } catch (error) {
        internals.reportError(error);
      }
    }
    dispatchTrusted(this, new Event("abort"));
  }

  static {
    isSignal = (value) => isObject(value) && #aborted in value;
    signalAborted = (signal) => signal.#aborted;
    signalReason = (signal) => signal.#reason;
    addAlgorithm = (signal, algorithm) => {
      if (!signal.#aborted) ArrayPrototypePush(signal.#algorithms, algorithm);
    };
    removeAlgorithm = (signal, algorithm) => {
      const algorithms = signal.#algorithms;
      for (let i = 0; i < algorithms.length; i++) {
        if (algorithms[i] === algorithm) {
          ArrayPrototypeSplice(algorithms, i, 1);
          return;
        }
      }
    };
    signalAbort = (signal, reason) => signal.#abort(reason);
    newSignal = () => new AbortSignal(kInternal);
  }
}
makeMembersEnumerable(AbortSignal.prototype);
setToStringTag(AbortSignal.prototype, "AbortSignal");

class AbortController {
  #signal = newSignal();
  get signal() { return this.#signal; }
  abort(reason = undefined) { signalAbort(this.#signal, reason); }
}
makeMembersEnumerable(AbortController.prototype);
setToStringTag(AbortController.prototype, "AbortController");

internals.abort = Object.freeze({
  __proto__: null,
  isSignal: (value) => isSignal(value),
  aborted: (signal) => signalAborted(signal),
  reason: (signal) => signalReason(signal),
  addAlgorithm: (signal, algorithm) => addAlgorithm(signal, algorithm),
  removeAlgorithm: (signal, algorithm) => removeAlgorithm(signal, algorithm),
});
internals.Event = Event;
internals.EventTarget = EventTarget;
/// Dispatches an event the platform fires (isTrusted true): `dispatchTrusted(target, event)`.
internals.dispatchTrusted = (target, event) => dispatchTrusted(target, event);

internals.defineGlobal("Event", Event);
internals.defineGlobal("CustomEvent", CustomEvent);
internals.defineGlobal("EventTarget", EventTarget);
internals.defineGlobal("AbortSignal", AbortSignal);
internals.defineGlobal("AbortController", AbortController);

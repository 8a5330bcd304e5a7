// The HTML Standard's event interfaces that more than one API fires: ErrorEvent,
// PromiseRejectionEvent and MessageEvent. Defined once, before their users (36_websocket.js:
// a WebSocket's message and error events; 45_global_scope.js: MessagePort's messages, reportError
// and the rejection events), so every event of a kind is `instanceof` the one global class.
//
// After 20_url.js (toUSVString); MessageEvent's `source` and `ports` accept MessagePorts, which
// 45_global_scope.js defines and registers here with `internals.htmlEvents.setPortCheck`.
// Built-ins are captured at load time.

const { TypeError, ObjectDefineProperty, ObjectFreeze } = internals.primordials;
const { toDOMString, exportInterface, forEachOfSequence } = internals.webIDL;
const Event = internals.Event;
const toUSVString = internals.toUSVString;
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

/// An ErrorEvent's (message, filename, lineno, colno, error), read from its fields, or null for
/// any other value: the arguments of an `onerror` handler.
let errorEventArguments;

/// Whether a value is a MessagePort (set by 45_global_scope.js; nothing is one before).
let isPort = (value) => false;

// Web IDL `unsigned long`: ToNumber, truncated, modulo 2^32.
function toUnsignedLong(value) {
  const number = +value;
  if (!NumberIsFinite(number)) return 0;
  const integer = MathTrunc(number) % 4294967296;
  return integer < 0 ? integer + 4294967296 : integer;
}

// ---------------------------------------------------------------------------------------------
// ErrorEvent

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
      if (filename !== undefined) this.#filename = toUSVString(filename);
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

  static {
    errorEventArguments = (event) => (isObject(event) && #message in event
      ? [event.#message, event.#filename, event.#lineno, event.#colno, event.#error] : null);
  }
}

// ---------------------------------------------------------------------------------------------
// PromiseRejectionEvent

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

// ---------------------------------------------------------------------------------------------
// MessageEvent (HTML §9.2: MessageEventInit is data = null, lastEventId = "", origin = "",
// ports = [], source = null, read in that order after EventInit's members)

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
      if (origin !== undefined) this.#origin = toUSVString(origin);
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

exportInterface(ErrorEvent, "ErrorEvent");
exportInterface(PromiseRejectionEvent, "PromiseRejectionEvent");
exportInterface(MessageEvent, "MessageEvent");

internals.htmlEvents = ObjectFreeze({
  __proto__: null,
  ErrorEvent,
  PromiseRejectionEvent,
  MessageEvent,
  errorEventArguments: (event) => errorEventArguments(event),
  /// Called once by 45_global_scope.js with MessagePort's brand check.
  setPortCheck(check) {
    isPort = check;
  },
});

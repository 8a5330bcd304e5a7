// WebSocket and WebSocketPair, as on Cloudflare Workers (developers.cloudflare.com/workers/
// runtime-apis/websockets): `new WebSocketPair()` is `{0: client, 1: server}`; the worker
// `accept()`s the server end and returns the client end in `new Response(null, {status: 101,
// webSocket: client})`. A `fetch()` with `Upgrade: websocket` returns a Response whose `webSocket`
// the worker accepts (a client WebSocket).
//
// Where a socket's messages go ("its far side"):
// - the other socket of its pair, while both are in this isolate (a pair whose client end was
//   never handed over talks to itself here, with no host involved);
// - a host handle, once the far side left the isolate: the client end returned in a Response
//   (`webSocketToHost`: the host takes it and the server end now talks to that handle), or a
//   socket the host made (a fetch() upgrade, a Response from another worker), whose far side is
//   the handle it came with. The host delivers what arrives with `internals.webSocketEvent`.
// A host socket the worker never accepted and returns in its own Response passes through: the
// host hands its far side on without this isolate in the path (a dispatcher returning a user
// worker's 101 as it is).
//
// Close follows Workers' default (`allowHalfOpen: false`): a Close from the far side is answered
// with the same code at once, and "close" fires with `wasClean` true. Messages are bounded at
// 1 MiB (Cloudflare's limit) on the way out; the host bounds what arrives.

const { ReflectApply, ObjectDefineProperty, ArrayBufferIsView, ArrayBufferPrototypeSlice,
  ArrayBufferPrototypeGetByteLength, TypedArrayPrototypeGetBuffer, TypedArrayPrototypeGetByteOffset,
  TypedArrayPrototypeGetByteLength, ArrayPrototypePush, SafeMap, MapPrototypeGet, MapPrototypeSet,
  MapPrototypeDelete, TypeError, RangeError, Error } = internals.primordials;
const { toDOMString, makeMembersEnumerable, setToStringTag } = internals.webIDL;
const EventTargetPrototypeDispatchEvent = internals.EventTarget.prototype.dispatchEvent;
const Event = internals.Event;
const { MessageEvent, ErrorEvent } = internals.htmlEvents;
const DOMException = internals.DOMException;
const hostOp = internals.hostOp;
const opsHost = ops.host;
const TextEncoderPrototypeEncode = internals.primordials.uncurryThis(internals.TextEncoder.prototype.encode);
const utf8Encoder = new internals.TextEncoder();

/// Cloudflare's bound on a WebSocket message.
const maxMessageBytes = 1024 * 1024;

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

const kInternal = Symbol("switchyard.websocket.internal");

// ---------------------------------------------------------------------------------------------
// CloseEvent (MessageEvent and ErrorEvent are 33_html_events.js's, shared with MessagePort and globalThis)

class CloseEvent extends Event {
  #code = 0;
  #reason = "";
  #wasClean = false;
  constructor(type, init = undefined) {
    super(type, init);
    if (init !== undefined && init !== null) {
      if (init.code !== undefined) this.#code = +init.code & 0xffff;
      if (init.reason !== undefined) this.#reason = toDOMString(init.reason);
      if (init.wasClean !== undefined) this.#wasClean = !!init.wasClean;
    }
  }
  get code() { return this.#code; }
  get reason() { return this.#reason; }
  get wasClean() { return this.#wasClean; }
}

// ---------------------------------------------------------------------------------------------
// WebSocket

/// Host handles and the socket in this isolate each one talks to.
const hostSockets = new SafeMap();

let isWebSocket; // (value) -> boolean

class WebSocket extends internals.EventTarget {
  #state = OPEN;
  #accepted = false;
  /// The other socket of the pair while it is in this isolate, else null.
  #peer = null;
  /// The host handle the far side is behind (0 for none).
  #handle = 0;
  /// The host made this socket (fetch() upgrade, another worker's Response) and it was not
  /// accepted yet: it may still pass through whole.
  #fromHost = false;
  /// The far side closed with this (code, reason); delivered once accepted.
  #queue = [];
  #binaryType = "arraybuffer";
  #url = null;
  #protocol = "";
  #handlers = { __proto__: null, open: null, message: null, close: null, error: null };

  constructor(url = kInternal, protocols = undefined) {
    super();
    if (url !== kInternal) {
      throw new TypeError("Failed to construct 'WebSocket': use fetch() with an 'Upgrade: websocket' header to open a WebSocket from a Worker.");
    }
  }

  get readyState() { return this.#state; }
  get url() { return this.#url; }
  get protocol() { return this.#protocol; }
  get extensions() { return ""; }
  get bufferedAmount() { return 0; }

  get binaryType() { return this.#binaryType; }
  set binaryType(value) {
    const type = toDOMString(value);
    if (type === "arraybuffer" || type === "blob") this.#binaryType = type;
  }

  /// Starts receiving: what arrived before is delivered now, in order.
  accept(options = undefined) {
    if (this.#accepted) return;
    if (this.#handle === -1) {
      throw new TypeError("Can't accept() a WebSocket that was already used in a response.");
    }
    this.#accepted = true;
    if (this.#fromHost) {
      this.#fromHost = false;
      opsHost(hostOp.webSocketAccept, this.#handle);
    } else if (this.#handle > 0) {
      // A pair's end whose other end left: from now on it keeps its request running.
      opsHost(hostOp.webSocketAccept, this.#handle);
    }
    const queue = this.#queue;
    this.#queue = [];
    for (let i = 0; i < queue.length; i++) this.#deliver(queue[i][0], queue[i][1], queue[i][2]);
  }

  send(message) {
    if (arguments.length < 1) {
      throw new TypeError("Failed to execute 'send' on 'WebSocket': 1 argument required, but only 0 present.");
    }
    if (!this.#accepted) {
      throw new TypeError("You must call accept() on this WebSocket before sending messages.");
    }
    if (this.#state !== OPEN) {
      throw new TypeError("Can't call WebSocket send() after close().");
    }
    let data;
    let isText = false;
    if (typeof message === "string") {
      data = message;
      isText = true;
      if (message.length > maxMessageBytes / 3 && TextEncoderPrototypeEncode(utf8Encoder, message).length > maxMessageBytes) {
        throw new RangeError(`WebSocket message is too large: the limit is ${maxMessageBytes} bytes.`);
      }
    } else {
      const view = internals.bufferSourceView(message);
      if (view === null) {
        data = toDOMString(message);
        isText = true;
      } else {
        if (view.length > maxMessageBytes) {
          throw new RangeError(`WebSocket message is too large: the limit is ${maxMessageBytes} bytes.`);
        }
        data = view;
      }
    }
    const peer = this.#peer;
    if (peer !== null) {
      peer.#receive(isText ? 0 : 1, isText ? data : copyToArrayBuffer(data), undefined);
    } else if (this.#handle > 0) {
      opsHost(hostOp.webSocketSend, this.#handle, data);
    }
  }

  close(code = undefined, reason = undefined) {
    let closeCode = 1005;
    let closeReason = "";
    if (code !== undefined) {
      closeCode = +code;
      if (closeCode !== 1000 && !(closeCode >= 3000 && closeCode <= 4999)) {
        throw new DOMException(`Failed to execute 'close' on 'WebSocket': The close code must be either 1000, or between 3000 and 4999. ${code} is neither.`, "InvalidAccessError");
      }
    }
    if (reason !== undefined) {
      closeReason = toDOMString(reason);
      if (TextEncoderPrototypeEncode(utf8Encoder, closeReason).length > 123) {
        throw new DOMException("Failed to execute 'close' on 'WebSocket': The close reason must not be greater than 123 UTF-8 bytes.", "SyntaxError");
      }
    }
    if (!this.#accepted && this.#peer === null && this.#handle === 0) {
      throw new TypeError("You must call accept() on this WebSocket before sending messages.");
    }
    if (this.#state === CLOSING || this.#state === CLOSED) return;
    this.#state = CLOSING;
    this.#sendClose(closeCode, closeReason);
  }

  #sendClose(code, reason) {
    const peer = this.#peer;
    if (peer !== null) {
      peer.#receive(2, code, reason);
    } else if (this.#handle > 0) {
      opsHost(hostOp.webSocketClose, this.#handle, code, reason);
    }
  }

  /// What the far side sent: kind 0 text, 1 binary (an ArrayBuffer), 2 close (code, reason),
  /// 3 error (message).
  #receive(kind, a, b) {
    if (this.#state === CLOSED) return;
    if (!this.#accepted) {
      ArrayPrototypePush(this.#queue, [kind, a, b]);
      return;
    }
    this.#deliver(kind, a, b);
  }

  #deliver(kind, a, b) {
    if (this.#state === CLOSED) return;
    if (kind === 0 || kind === 1) {
      if (this.#state !== OPEN) return;
      let data = a;
      if (kind === 1 && this.#binaryType === "blob") data = internals.blobs.fromBytes(new Uint8Array(a), "");
      this.#fire(new MessageEvent("message", { __proto__: null, data }));
    } else if (kind === 2) {
      const wasOpen = this.#state === OPEN;
      this.#state = CLOSED;
      // Workers answer a Close at once with the same code (unless allowHalfOpen).
      if (wasOpen) this.#sendClose(a === 1006 || a === 1015 ? 1000 : a, b);
      this.#release();
      this.#fire(new CloseEvent("close", { __proto__: null, code: a, reason: b, wasClean: a !== 1006 }));
    } else {
      this.#state = CLOSED;
      this.#release();
      this.#fire(new ErrorEvent("error", { __proto__: null, message: a, error: new Error(a) }));
      this.#fire(new CloseEvent("close", { __proto__: null, code: 1006, reason: "", wasClean: false }));
    }
  }

  #release() {
    const handle = this.#handle;
    if (handle > 0) MapPrototypeDelete(hostSockets, handle);
  }

  #fire(event) {
    const handler = this.#handlers[event.type];
    try {
      if (typeof handler === "function") ReflectApply(handler, this, [event]);
    } catch (error) {
      internals.reportError(error);
    }
    try {
      ReflectApply(EventTargetPrototypeDispatchEvent, this, [event]);
    } catch (error) {
      internals.reportError(error);
    }
  }

  static {
    isWebSocket = (value) => typeof value === "object" && value !== null && #state in value;

    /// Makes a pair of sockets talking to each other.
    WebSocket.pair = () => {
      const client = new WebSocket();
      const server = new WebSocket();
      client.#peer = server;
      server.#peer = client;
      return [client, server];
    };

    /// The handle the host takes for `socket`, returned in a Response: a host socket not accepted
    /// hands over its own handle (it passes through); a pair's end hands itself over, its peer
    /// now talking to a new handle.
    internals.webSocketToHost = (socket) => {
      if (socket.#fromHost) {
        const handle = socket.#handle;
        socket.#fromHost = false;
        socket.#handle = -1;
        socket.#state = CLOSED;
        MapPrototypeDelete(hostSockets, handle);
        return handle;
      }
      if (socket.#accepted || socket.#handle !== 0) {
        throw new TypeError("The WebSocket in a Response must be one that was not accepted.");
      }
      const peer = socket.#peer;
      if (peer === null) throw new TypeError("This WebSocket cannot be returned in a Response.");
      // Only an accepted server end keeps the request running (one never accepted is closed
      // with 1001 when the request ends; accept() later tells the host).
      const handle = opsHost(hostOp.webSocketOpen, peer.#accepted);
      socket.#peer = null;
      socket.#handle = -1;
      socket.#state = CLOSED;
      peer.#peer = null;
      peer.#handle = handle;
      MapPrototypeSet(hostSockets, handle, peer);
      // What the server end sent before the client end left goes first.
      const queue = socket.#queue;
      socket.#queue = [];
      for (let i = 0; i < queue.length; i++) {
        const kind = queue[i][0];
        const a = queue[i][1];
        const b = queue[i][2];
        if (kind === 2) opsHost(hostOp.webSocketClose, handle, a, b);
        else opsHost(hostOp.webSocketSend, handle, kind === 0 ? a : new Uint8Array(a));
      }
      return handle;
    };

    /// A socket for host handle `handle` (a fetch() upgrade, another worker's WebSocket).
    internals.webSocketFromHost = (handle, url = null) => {
      const socket = new WebSocket();
      socket.#handle = handle;
      socket.#fromHost = true;
      socket.#url = url;
      MapPrototypeSet(hostSockets, handle, socket);
      return socket;
    };

    /// Called by the host for what arrives at handle `handle`: kind 0 text, 1 binary (a
    /// Uint8Array), 2 close (code, reason), 3 error (message).
    internals.webSocketEvent = (handle, kind, a, b) => {
      const socket = MapPrototypeGet(hostSockets, handle);
      if (socket === undefined) return;
      socket.#receive(kind, kind === 1 ? exactArrayBuffer(a) : a, b);
    };

    /// The host dropped handle `handle` (its request ended, the isolate is shutting down).
    internals.webSocketDropped = (handle, code, reason) => {
      const socket = MapPrototypeGet(hostSockets, handle);
      if (socket === undefined) return;
      // Outside any task: no worker code runs here, the socket just ends.
      socket.#handle = 0;
      socket.#state = CLOSED;
      MapPrototypeDelete(hostSockets, handle);
    };

    for (const name of ["open", "message", "close", "error"]) {
      ObjectDefineProperty(WebSocket.prototype, "on" + name, {
        get() {
          if (!isWebSocket(this)) throw new TypeError("Illegal invocation");
          return this.#handlers[name];
        },
        set(value) {
          if (!isWebSocket(this)) throw new TypeError("Illegal invocation");
          this.#handlers[name] = typeof value === "function" || (typeof value === "object" && value !== null) ? value : null;
        },
        enumerable: true, configurable: true,
      });
    }
  }
}

function copyToArrayBuffer(view) {
  const offset = TypedArrayPrototypeGetByteOffset(view);
  return ArrayBufferPrototypeSlice(TypedArrayPrototypeGetBuffer(view), offset, offset + TypedArrayPrototypeGetByteLength(view));
}

function exactArrayBuffer(bytes) {
  const buffer = TypedArrayPrototypeGetBuffer(bytes);
  if (TypedArrayPrototypeGetByteOffset(bytes) === 0 && ArrayBufferPrototypeGetByteLength(buffer) === TypedArrayPrototypeGetByteLength(bytes)) {
    return buffer;
  }
  return copyToArrayBuffer(bytes);
}

for (const [name, value] of [["CONNECTING", CONNECTING], ["OPEN", OPEN], ["CLOSING", CLOSING], ["CLOSED", CLOSED]]) {
  ObjectDefineProperty(WebSocket, name, { value, enumerable: true });
  ObjectDefineProperty(WebSocket.prototype, name, { value, enumerable: true });
}
const makePair = WebSocket.pair;
delete WebSocket.pair;
makeMembersEnumerable(WebSocket.prototype);
setToStringTag(WebSocket.prototype, "WebSocket");

/// `new WebSocketPair()`: `{0: client, 1: server}`, so `Object.values` gives `[client, server]`.
function WebSocketPair() {
  if (new.target === undefined) {
    throw new TypeError("Failed to construct 'WebSocketPair': Please use the 'new' operator, this object constructor cannot be called as a function.");
  }
  const [client, server] = makePair();
  ObjectDefineProperty(this, 0, { value: client, writable: true, enumerable: true, configurable: true });
  ObjectDefineProperty(this, 1, { value: server, writable: true, enumerable: true, configurable: true });
}
setToStringTag(WebSocketPair.prototype, "WebSocketPair");

internals.isWebSocket = isWebSocket;
internals.defineGlobal("WebSocket", WebSocket);
internals.defineGlobal("WebSocketPair", WebSocketPair);
internals.defineGlobal("CloseEvent", CloseEvent);

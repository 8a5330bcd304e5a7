// global_scope_tests.js — the worker global scope's events and messaging (HTML Standard §8.1.7
// "runtime script errors" and "unhandled promise rejections", §9.4 channel messaging), checked
// against the spec's rules (cases written here from the spec text, none copied): ErrorEvent,
// PromiseRejectionEvent, MessageEvent (one class for WebSocket and MessagePort events),
// MessageChannel / MessagePort, reportError, the unhandledrejection / rejectionhandled events,
// globalThis as an EventTarget with its onerror / onunhandledrejection / onrejectionhandled
// handlers (HTML §8.1.8), structuredClone's transfer list, Cloudflare's scheduler.wait and navigator. Runs inside a request of a real isolate
// (WebAPIConformanceTests.globalScope): it needs host timers and the shim's rejection tracking.
//
// Evaluated after conformance_harness.js. runGlobalScopeTests() resolves to { passed, failed, failures, areas: { area: passed } }.

async function runGlobalScopeTests() {
  "use strict";
  const { test, fail, same, sameJSON, throws, rejects, boom, pollute, run } = conformanceHarness();
  // One macrotask: a zero-delay timer runs after the current task and its microtasks.
  const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

  // ---- event interfaces -----------------------------------------------------------------------
  test("events", "ErrorEvent carries its init members", () => {
    const error = new Error("x");
    const event = new ErrorEvent("error", { message: "m", filename: "f.js", lineno: 3, colno: 4.9, error, cancelable: true });
    sameJSON([event.type, event.message, event.filename, event.lineno, event.colno, event.cancelable], ["error", "m", "f.js", 3, 4, true]);
    same(event.error, error, "error");
    same(event instanceof Event, true, "an Event");
    same(Object.prototype.toString.call(event), "[object ErrorEvent]");
    const empty = new ErrorEvent("e");
    sameJSON([empty.message, empty.filename, empty.lineno, empty.colno, empty.error], ["", "", 0, 0, undefined]);
    same(new ErrorEvent("e", { lineno: -1 }).lineno, 4294967295, "unsigned long wraps");
    throws(TypeError, () => new ErrorEvent(), "type required");
  });
  test("events", "PromiseRejectionEvent requires an object promise", () => {
    const promise = Promise.resolve(1);
    const event = new PromiseRejectionEvent("unhandledrejection", { promise, reason: "r" });
    same(event.promise, promise, "promise");
    same(event.reason, "r", "reason");
    same(Object.prototype.toString.call(event), "[object PromiseRejectionEvent]");
    same(new PromiseRejectionEvent("x", { promise }).reason, undefined, "reason defaults to undefined");
    throws(TypeError, () => new PromiseRejectionEvent("x"), "init required");
    throws(TypeError, () => new PromiseRejectionEvent("x", {}), "promise required");
    throws(TypeError, () => new PromiseRejectionEvent("x", { promise: 1 }), "promise must be an object");
  });
  test("events", "MessageEvent defaults and members", () => {
    const event = new MessageEvent("message");
    sameJSON([event.data, event.origin, event.lastEventId, event.source], [null, "", "", null]);
    same(Array.isArray(event.ports) && event.ports.length === 0 && Object.isFrozen(event.ports), true, "ports frozen empty");
    const port = new MessageChannel().port1;
    const full = new MessageEvent("message", { data: { a: 1 }, origin: "o", lastEventId: "7", source: port, ports: [port] });
    sameJSON([full.data, full.origin, full.lastEventId], [{ a: 1 }, "o", "7"]);
    same(full.source, port, "source");
    same(full.ports[0], port, "ports");
    throws(TypeError, () => new MessageEvent("m", { source: {} }), "source must be a port");
    throws(TypeError, () => new MessageEvent("m", { ports: [1] }), "ports must be ports");
  });

  test("events", "one MessageEvent: a WebSocket's and a MessagePort's message events are both instances", async () => {
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    client.accept();
    let socketEvent = null;
    server.addEventListener("message", (event) => {
      socketEvent = event;
    });
    client.send("hello");
    const { port1, port2 } = new MessageChannel();
    const portEvent = await new Promise((resolve) => {
      port2.onmessage = resolve;
      port1.postMessage("hi");
    });
    client.close(1000);
    same(socketEvent !== null && socketEvent.data, "hello", "the socket's message arrived");
    same(socketEvent instanceof MessageEvent, true, "a WebSocket message event is a MessageEvent");
    same(portEvent instanceof MessageEvent, true, "a MessagePort message event is a MessageEvent");
    same(Object.getPrototypeOf(socketEvent), MessageEvent.prototype, "the WebSocket's event has the global prototype");
    same(Object.getPrototypeOf(portEvent), MessageEvent.prototype, "the port's event has the global prototype");
    // The global class has the whole MessageEventInit, whoever fires it.
    sameJSON([socketEvent.origin, socketEvent.lastEventId, socketEvent.source, socketEvent.ports.length], ["", "", null, 0]);
    same(Object.isFrozen(socketEvent.ports), true, "ports is a frozen array");
    same(Object.prototype.toString.call(socketEvent), "[object MessageEvent]");
    same(new CloseEvent("close") instanceof Event, true, "CloseEvent is an Event");
  });

  // ---- MessageChannel / MessagePort -----------------------------------------------------------
  test("messagechannel", "interface shape", () => {
    const channel = new MessageChannel();
    same(channel.port1 instanceof MessagePort, true, "port1");
    same(channel.port2 instanceof EventTarget, true, "ports are EventTargets");
    same(channel.port1 === channel.port2, false, "two ports");
    same(channel.port1, channel.port1, "same object each time");
    throws(TypeError, () => new MessagePort(), "MessagePort is not constructible");
    same(Object.prototype.toString.call(channel), "[object MessageChannel]");
    throws(TypeError, () => channel.port1.postMessage(), "postMessage needs a message");
  });
  test("messagechannel", "messages arrive in a later task, in order, structured-cloned", async () => {
    const { port1, port2 } = new MessageChannel();
    const received = [];
    port2.onmessage = (event) => received.push([event.data, event instanceof MessageEvent, event.isTrusted, event.target === port2]);
    const original = { list: [1, 2], when: new Date(0), map: new Map([["k", "v"]]) };
    port1.postMessage(original);
    port1.postMessage("second");
    await Promise.resolve();
    same(received.length, 0, "not delivered within microtasks");
    await nextTask();
    await nextTask();
    same(received.length, 2, "both delivered");
    const first = received[0][0];
    same(first === original, false, "a clone");
    sameJSON(first.list, [1, 2], "array");
    same(first.when instanceof Date && first.when.getTime() === 0, true, "Date");
    same(first.map.get("k"), "v", "Map");
    sameJSON(received[0].slice(1), [true, true, true], "event");
    same(received[1][0], "second", "order");
  });
  test("messagechannel", "a message is a task: microtasks run between messages", async () => {
    const { port1, port2 } = new MessageChannel();
    const log = [];
    port2.onmessage = (event) => {
      log.push(`message ${event.data}`);
      Promise.resolve().then(() => log.push(`microtask ${event.data}`));
    };
    port1.postMessage(1);
    port1.postMessage(2);
    await nextTask();
    await nextTask();
    sameJSON(log, ["message 1", "microtask 1", "message 2", "microtask 2"]);
  });
  test("messagechannel", "addEventListener needs start(); messages wait in the queue", async () => {
    const { port1, port2 } = new MessageChannel();
    const received = [];
    port2.addEventListener("message", (event) => received.push(event.data));
    port1.postMessage("queued");
    await nextTask();
    same(received.length, 0, "not started");
    port2.start();
    await nextTask();
    sameJSON(received, ["queued"]);
  });
  test("messagechannel", "both directions", async () => {
    const { port1, port2 } = new MessageChannel();
    const got = [];
    port1.onmessage = (e) => got.push(`1:${e.data}`);
    port2.onmessage = (e) => {
      got.push(`2:${e.data}`);
      port2.postMessage("pong");
    };
    port1.postMessage("ping");
    await nextTask();
    await nextTask();
    sameJSON(got, ["2:ping", "1:pong"]);
  });
  test("messagechannel", "close() stops delivery both ways", async () => {
    const { port1, port2 } = new MessageChannel();
    const got = [];
    port2.onmessage = (e) => got.push(e.data);
    port1.onmessage = (e) => got.push(e.data);
    port2.close();
    port1.postMessage("dropped");
    port2.postMessage("dropped too");
    await nextTask();
    sameJSON(got, []);
  });
  test("messagechannel", "uncloneable values throw DataCloneError at the sender", () => {
    const { port1 } = new MessageChannel();
    const error = throws(DOMException, () => port1.postMessage(() => {}), "a function");
    same(error.name, "DataCloneError");
    same(throws(DOMException, () => port1.postMessage(Symbol("s"))).name, "DataCloneError", "a symbol");
  });
  test("messagechannel", "transferring an ArrayBuffer detaches it", async () => {
    const { port1, port2 } = new MessageChannel();
    let got = null;
    port2.onmessage = (e) => {
      got = e.data;
    };
    const buffer = new Uint8Array([1, 2, 3]).buffer;
    port1.postMessage(buffer, [buffer]);
    same(buffer.byteLength, 0, "detached");
    await nextTask();
    sameJSON(Array.from(new Uint8Array(got)), [1, 2, 3], "received");
    const other = new ArrayBuffer(2);
    port1.postMessage(other, { transfer: [other] });
    same(other.byteLength, 0, "detached through options.transfer");
    same(throws(DOMException, () => port1.postMessage(1, [{}])).name, "DataCloneError", "not transferable");
    const twice = new ArrayBuffer(1);
    same(throws(DOMException, () => port1.postMessage(1, [twice, twice])).name, "DataCloneError", "duplicate");
  });
  test("messagechannel", "listener errors are reported, later messages still arrive", async () => {
    const { port1, port2 } = new MessageChannel();
    const got = [];
    port2.addEventListener("message", () => {
      throw new Error("listener failure (expected by the test)");
    });
    port2.addEventListener("message", (e) => got.push(e.data));
    port2.start();
    port1.postMessage("a");
    port1.postMessage("b");
    await nextTask();
    await nextTask();
    sameJSON(got, ["a", "b"]);
  });

  // ---- reportError and globalThis as an event target -----------------------------------------
  test("report-error", "reportError dispatches a cancelable ErrorEvent on globalThis", () => {
    const seen = [];
    const listener = (event) => {
      seen.push([event.constructor.name, event.type, event.message, event.cancelable, event.isTrusted, event.error]);
      event.preventDefault();
    };
    addEventListener("error", listener);
    const error = new TypeError("boom");
    reportError(error);
    reportError("plain");
    removeEventListener("error", listener);
    reportError(new Error("reported with no listener (logged, expected by the test)"));
    same(seen.length, 2, "two events");
    sameJSON(seen[0].slice(0, 5), ["ErrorEvent", "error", "Uncaught TypeError: boom", true, true]);
    same(seen[0][5], error, "error member");
    same(seen[1][2], "Uncaught plain", "message of a non-Error");
    throws(TypeError, () => reportError(), "an argument is required");
  });
  test("report-error", "dispatchEvent on globalThis reaches global listeners", () => {
    let got = null;
    const listener = (event) => {
      got = event.detail;
    };
    addEventListener("custom", listener);
    const result = dispatchEvent(new CustomEvent("custom", { detail: 42 }));
    removeEventListener("custom", listener);
    same(got, 42, "delivered");
    same(result, true, "not canceled");
    dispatchEvent(new CustomEvent("custom", { detail: 1 }));
    same(got, 42, "removed");
    throws(TypeError, () => dispatchEvent({}), "needs an Event");
  });
  test("report-error", "once and signal options on global listeners", () => {
    let count = 0;
    addEventListener("tick", () => count++, { once: true });
    const controller = new AbortController();
    addEventListener("tick", () => count += 10, { signal: controller.signal });
    dispatchEvent(new Event("tick"));
    controller.abort();
    dispatchEvent(new Event("tick"));
    same(count, 11);
  });

  // ---- globalThis is an EventTarget, with event handler attributes ---------------------------
  test("global-target", "globalThis is an EventTarget", () => {
    same(globalThis instanceof EventTarget, true, "instanceof");
    const scope = Object.getPrototypeOf(globalThis);
    same(Object.getPrototypeOf(scope), EventTarget.prototype, "the scope's prototype inherits EventTarget.prototype");
    same(Object.prototype.toString.call(globalThis), "[object ServiceWorkerGlobalScope]");
    throws(TypeError, () => new scope.constructor(), "the scope's interface is not constructible");
    // EventTarget's own methods work on globalThis and share its listeners with the global ones.
    const seen = [];
    const listener = (event) => seen.push([event.type, event.target === globalThis, event.currentTarget === globalThis]);
    EventTarget.prototype.addEventListener.call(globalThis, "probe", listener);
    dispatchEvent(new Event("probe"));
    addEventListener("probe", listener); // the same listener: not added twice
    EventTarget.prototype.dispatchEvent.call(globalThis, new Event("probe"));
    removeEventListener("probe", listener);
    EventTarget.prototype.dispatchEvent.call(globalThis, new Event("probe"));
    sameJSON(seen, [["probe", true, true], ["probe", true, true]]);
    throws(TypeError, () => EventTarget.prototype.addEventListener.call({}, "x", listener), "other receivers are refused");
  });
  test("global-target", "onerror: one slot, replaced in place, null removes, called with the error's parts", () => {
    same(onerror, null, "null at first");
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, "onerror");
    same(typeof descriptor.get === "function" && typeof descriptor.set === "function" && descriptor.enumerable, true, "an own accessor");
    const log = [];
    const before = (event) => {
      if (event.message === "Uncaught TypeError: first") log.push("listener before");
    };
    addEventListener("error", before);
    const error = new TypeError("first");
    onerror = (message, filename, lineno, colno, value) => {
      log.push(["h1", message, filename, lineno, colno, value === error]);
      return true;
    };
    const after = (event) => log.push(["listener after", event.defaultPrevented]);
    addEventListener("error", after);
    reportError(error);
    onerror = () => {
      log.push("h2");
      return true;
    };
    same(typeof onerror, "function", "reads back");
    reportError(new TypeError("second"));
    onerror = null;
    reportError(new TypeError("third (logged, expected by the test)"));
    removeEventListener("error", before);
    removeEventListener("error", after);
    sameJSON(log, ["listener before", ["h1", "Uncaught TypeError: first", "", 0, 0, true], ["listener after", true], "h2",
      ["listener after", true], ["listener after", false]]);
    // A non-object is null; an object is kept (calling it reports a TypeError).
    onerror = 5;
    same(onerror, null, "a number is null");
    const object = {};
    onerror = object;
    same(onerror, object, "an object is kept");
    onerror = null;
    // After null the next handler is a new listener, after the ones added since.
    const order = [];
    const first = () => order.push("listener");
    addEventListener("error", first);
    onerror = () => order.push("handler");
    const event = new ErrorEvent("error", { message: "m" });
    dispatchEvent(event);
    onerror = null;
    removeEventListener("error", first);
    sameJSON(order, ["listener", "handler"]);
    same(new Event("error") instanceof ErrorEvent, false, "a plain Event");
  });
  test("global-target", "onunhandledrejection and onrejectionhandled handlers get the events; false cancels", async () => {
    same(onunhandledrejection, null, "onunhandledrejection null at first");
    same(onrejectionhandled, null, "onrejectionhandled null at first");
    const unhandled = [];
    const handled = [];
    let prevented = null;
    const watcher = (event) => {
      prevented = event.defaultPrevented;
    };
    onunhandledrejection = (event) => {
      unhandled.push([event instanceof PromiseRejectionEvent, event.reason]);
      return false;
    };
    addEventListener("unhandledrejection", watcher);
    onrejectionhandled = function (event) {
      handled.push([event.reason, this === globalThis]);
    };
    const promise = Promise.reject("late (canceled by the handler's false)");
    await nextTask();
    await nextTask();
    promise.catch(() => {});
    await nextTask();
    await nextTask();
    onunhandledrejection = null;
    onrejectionhandled = null;
    removeEventListener("unhandledrejection", watcher);
    sameJSON(unhandled, [[true, "late (canceled by the handler's false)"]]);
    same(prevented, true, "returning false canceled the event");
    sameJSON(handled, [["late (canceled by the handler's false)", true]]);
  });

  // ---- structuredClone with a transfer list ----------------------------------------------------
  test("structured-clone", "transfer moves an ArrayBuffer's bytes into the clone and detaches the source", () => {
    const buffer = new Uint8Array([1, 2, 3, 4]).buffer;
    const view = new Uint8Array(buffer, 1, 2);
    const clone = structuredClone({ buffer, view, again: buffer }, { transfer: [buffer] });
    same(buffer.byteLength, 0, "the source is detached");
    same(view.length, 0, "views of the source are empty");
    sameJSON(Array.from(new Uint8Array(clone.buffer)), [1, 2, 3, 4], "the clone has the bytes");
    same(clone.again, clone.buffer, "references to the buffer stay one buffer");
    same(clone.view.buffer, clone.buffer, "the cloned view is over the transferred buffer");
    sameJSON([clone.view.byteOffset, Array.from(clone.view)], [1, [2, 3]], "the cloned view's window");
    const alone = new ArrayBuffer(8);
    const moved = structuredClone(alone, { transfer: [alone] });
    same(moved.byteLength === 8 && moved !== alone && alone.byteLength === 0, true, "the buffer itself");
    same(structuredClone(1, { transfer: [] }), 1, "an empty list");
    same(structuredClone(1, null), 1, "null options");
    same(structuredClone(1, {}), 1, "no transfer member");
  });
  test("structured-clone", "a bad transfer list throws before anything is detached", () => {
    const name = (fn) => {
      try {
        fn();
      } catch (error) {
        return `${error.constructor.name}:${error.name}`;
      }
      return "no error";
    };
    const buffer = new ArrayBuffer(4);
    same(name(() => structuredClone(1, { transfer: [buffer, buffer] })), "DOMException:DataCloneError", "a duplicate");
    same(name(() => structuredClone(1, { transfer: [{}] })), "DOMException:DataCloneError", "a plain object");
    same(name(() => structuredClone(1, { transfer: [new Uint8Array(2)] })), "DOMException:DataCloneError", "a view");
    same(name(() => structuredClone(1, { transfer: [new SharedArrayBuffer(2)] })), "DOMException:DataCloneError", "a SharedArrayBuffer");
    same(name(() => structuredClone(1, { transfer: [1] })), "TypeError:TypeError", "a primitive (not an object)");
    same(name(() => structuredClone(1, { transfer: 5 })), "TypeError:TypeError", "not a sequence");
    same(name(() => structuredClone(1, 5)), "TypeError:TypeError", "options not a dictionary");
    const memory = new WebAssembly.Memory({ initial: 1 });
    same(name(() => structuredClone(memory.buffer, { transfer: [buffer, memory.buffer] })), "DOMException:DataCloneError",
      "WebAssembly memory cannot be detached");
    same(buffer.byteLength, 4, "the earlier buffer was not detached");
    same(memory.buffer.byteLength, 65536, "the memory was not detached");
    same(name(() => structuredClone({ buffer, f() {} }, { transfer: [buffer] })), "DOMException:DataCloneError", "an uncloneable value");
    same(buffer.byteLength, 4, "a failed clone detaches nothing");
    structuredClone(buffer, { transfer: [buffer] });
    same(name(() => structuredClone(1, { transfer: [buffer] })), "DOMException:DataCloneError", "an already detached buffer");
    same(name(() => structuredClone(buffer)), "DOMException:DataCloneError", "cloning a detached buffer");
  });

  // ---- unhandled rejections ------------------------------------------------------------------
  test("rejections", "unhandledrejection fires after the checkpoint with promise and reason", async () => {
    const seen = [];
    const listener = (event) => {
      seen.push(event);
      event.preventDefault();
    };
    addEventListener("unhandledrejection", listener);
    const reason = new Error("unhandled (prevented by the test)");
    const promise = Promise.reject(reason);
    await nextTask();
    await nextTask();
    removeEventListener("unhandledrejection", listener);
    const mine = seen.filter((event) => event.promise === promise);
    same(mine.length, 1, "one event for the promise");
    const event = mine[0];
    same(event instanceof PromiseRejectionEvent, true, "a PromiseRejectionEvent");
    same(event.reason, reason, "reason");
    same(event.cancelable, true, "cancelable");
    same(event.isTrusted, true, "trusted");
    promise.catch(() => {});
  });
  test("rejections", "a rejection handled in the same task fires nothing", async () => {
    const seen = [];
    const listener = (event) => seen.push(event);
    addEventListener("unhandledrejection", listener);
    const promise = Promise.reject(new Error("handled at once"));
    await null;
    promise.catch(() => {});
    (async () => {
      try {
        await Promise.reject(new Error("caught by await"));
      } catch {}
    })();
    await nextTask();
    removeEventListener("unhandledrejection", listener);
    same(seen.length, 0, "no event");
  });
  test("rejections", "rejectionhandled fires when a notified rejection gets a handler", async () => {
    const unhandled = [];
    const handled = [];
    const onUnhandled = (event) => {
      unhandled.push(event.promise);
      event.preventDefault();
    };
    const onHandled = (event) => handled.push([event.promise, event.reason, event.cancelable]);
    addEventListener("unhandledrejection", onUnhandled);
    addEventListener("rejectionhandled", onHandled);
    const promise = Promise.reject("late");
    await nextTask();
    await nextTask();
    same(unhandled.includes(promise), true, "notified first");
    promise.catch(() => {});
    await nextTask();
    await nextTask();
    removeEventListener("unhandledrejection", onUnhandled);
    removeEventListener("rejectionhandled", onHandled);
    const mine = handled.filter((entry) => entry[0] === promise);
    same(mine.length, 1, "one rejectionhandled");
    same(mine[0][1], "late", "reason");
    same(mine[0][2], false, "not cancelable");
  });
  test("rejections", "rejections from async functions and thrown in then callbacks", async () => {
    const reasons = [];
    const listener = (event) => {
      reasons.push(event.reason);
      event.preventDefault();
    };
    addEventListener("unhandledrejection", listener);
    (async () => {
      throw "from async";
    })();
    Promise.resolve().then(() => {
      throw "from then";
    });
    await nextTask();
    await nextTask();
    removeEventListener("unhandledrejection", listener);
    same(reasons.includes("from async"), true, "async function");
    same(reasons.includes("from then"), true, "then callback");
  });

  // ---- scheduler.wait ------------------------------------------------------------------------
  test("scheduler", "wait resolves after its delay, as a task", async () => {
    same(typeof scheduler.wait, "function");
    same(Object.prototype.toString.call(scheduler), "[object Scheduler]");
    const order = [];
    const waited = scheduler.wait(0).then((value) => order.push(["wait", value]));
    Promise.resolve().then(() => order.push(["microtask"]));
    await waited;
    sameJSON(order, [["microtask"], ["wait", null]]);
    const start = Date.now();
    await scheduler.wait(5);
    same(Date.now() - start >= 0, true, "resolves");
  });
  test("scheduler", "an aborted signal rejects with its reason", async () => {
    const reason = new Error("stop");
    let caught = null;
    try {
      await scheduler.wait(10, { signal: AbortSignal.abort(reason) });
    } catch (error) {
      caught = error;
    }
    same(caught, reason, "already aborted");
    const controller = new AbortController();
    const waiting = scheduler.wait(60000, { signal: controller.signal });
    controller.abort();
    caught = null;
    try {
      await waiting;
    } catch (error) {
      caught = error;
    }
    same(caught instanceof DOMException && caught.name, "AbortError", "aborted while waiting");
    let typeError = null;
    try {
      await scheduler.wait(1, { signal: {} });
    } catch (error) {
      typeError = error;
    }
    same(typeError instanceof TypeError, true, "signal must be an AbortSignal");
  });

  // ---- globals -------------------------------------------------------------------------------
  test("globals", "self, navigator", () => {
    same(self, globalThis, "self");
    same(navigator.userAgent, "Cloudflare-Workers", "userAgent");
    same(navigator.hardwareConcurrency, 1, "hardwareConcurrency");
    for (const name of ["addEventListener", "removeEventListener", "dispatchEvent", "reportError", "MessageChannel",
      "MessagePort", "MessageEvent", "ErrorEvent", "PromiseRejectionEvent", "scheduler"]) {
      same(name in globalThis, true, name);
      same(Object.getOwnPropertyDescriptor(globalThis, name).enumerable, false, `${name} not enumerable`);
    }
  });

  // ---- a worker's replaced built-ins change nothing -------------------------------------------
  test("tenant-pollution", "messaging and events with Array/Map/Promise prototypes polluted", async () => {
    const { port1, port2 } = new MessageChannel();
    const got = [];
    port2.onmessage = (e) => {
      got[got.length] = e.data;
    };
    const reasons = [];
    const onRejection = (e) => {
      reasons[reasons.length] = e.reason;
      e.preventDefault();
    };
    addEventListener("unhandledrejection", onRejection);
    const timer = () => new Promise((resolve) => setTimeout(resolve, 0));
    let restore = () => {};
    try {
      const targets = [[Array.prototype, "push"], [Array.prototype, "slice"], [Array.prototype, "splice"],
        [Array.prototype, "includes"], [Array.prototype, "indexOf"], [Map.prototype, "get"], [Map.prototype, "set"],
        [WeakSet.prototype, "add"], [WeakSet.prototype, "has"], [Promise.prototype, "then"]];
      restore = pollute(targets);
      Object.defineProperty(Object.prototype, "data", { get: boom, set: boom, configurable: true });
      Object.defineProperty(Object.prototype, "bubbles", { get: boom, configurable: true });
      port1.postMessage("one");
      Promise.reject("polluted");
      // Delivery and notification run while the prototypes are still replaced (await on a
      // native promise does not call Promise.prototype.then).
      await timer();
      await timer();
    } finally {
      delete Object.prototype.data;
      delete Object.prototype.bubbles;
      restore();
    }
    removeEventListener("unhandledrejection", onRejection);
    sameJSON(got, ["one"], "message");
    same(reasons.includes("polluted"), true, "rejection event");
  });

  return run();
}

/*---
{
  "requests": [
    {"path": "/messages"},
    {"path": "/ports"},
    {"path": "/event-classes"},
    {"path": "/report-error"},
    {"path": "/rejections"},
    {"path": "/global-target"}
  ]
}
---*/
import { attempt } from "./support/attempt.js";
// The global scope's events and messaging (HTML Standard): MessageChannel ordering against
// microtasks (not against timers: another task source, whose order HTML leaves open and deno's
// varies between `deno run` and `deno serve`), structured clones, start() / close(); the ErrorEvent,
// PromiseRejectionEvent and MessageEvent classes; reportError and dispatchEvent on globalThis;
// unhandledrejection (always prevented here: deno exits on an unhandled rejection) and
// rejectionhandled; globalThis as an EventTarget and its onerror / onunhandledrejection handlers
// (only what deno shares with HTML: deno calls onerror with the event alone, ignores a handler's
// return value, keeps a handler's place in the listener order after it was set to null, and has no
// onrejectionhandled).

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));
// Resolves with the data of `port`'s next message event.
const nextMessage = (port) => new Promise((resolve) => port.addEventListener("message", (event) => resolve(event.data), { once: true }));

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === "/messages") {
      const { port1, port2 } = new MessageChannel();
      const log = [];
      const second = new Promise((resolve) => port2.addEventListener("message", (event) => {
        if (typeof event.data === "object") resolve();
      }));
      port2.onmessage = (event) => {
        log.push(`message ${JSON.stringify(event.data)}`);
        Promise.resolve().then(() => log.push(`microtask after ${JSON.stringify(event.data)}`));
      };
      port1.postMessage(1);
      port1.postMessage({ nested: [1, { deep: true }] });
      Promise.resolve().then(() => log.push("first microtask"));
      log.push("sync");
      await second;
      await tick();
      return Response.json(log);
    }
    if (pathname === "/ports") {
      const out = {};
      const { port1, port2 } = new MessageChannel();
      const got = [];
      port2.addEventListener("message", (event) => got.push(event.data));
      port1.postMessage("before start");
      await tick(10);
      out.beforeStart = [...got];
      const started = nextMessage(port2);
      port2.start();
      await started;
      out.afterStart = [...got];
      const original = { map: new Map([["k", 1]]), set: new Set([1, 2]), date: new Date(0), re: /a+/g, bytes: new Uint8Array([1, 2]) };
      port1.start();
      const cloned = nextMessage(port1);
      port2.postMessage(original);
      const clone = await cloned;
      out.clone = {
        different: clone !== original,
        map: [...clone.map], set: [...clone.set], date: clone.date.getTime(), re: String(clone.re), bytes: [...clone.bytes],
      };
      out.uncloneable = attempt(() => port1.postMessage(() => {}));
      port1.close();
      port2.postMessage("after close");
      port1.postMessage("from closed");
      await tick(10);
      out.afterClose = [...got];
      out.shape = [port1 instanceof MessagePort, port1 instanceof EventTarget, typeof port1.start, typeof port1.close,
        Object.prototype.toString.call(new MessageChannel())];
      out.construct = attempt(() => new MessagePort());
      return Response.json(out);
    }
    if (pathname === "/event-classes") {
      const error = new Error("e");
      const errorEvent = new ErrorEvent("error", { message: "m", filename: "f", lineno: 2, colno: 3, error });
      const promise = Promise.resolve();
      const rejection = new PromiseRejectionEvent("unhandledrejection", { promise, reason: "r", cancelable: true });
      const message = new MessageEvent("message");
      const full = new MessageEvent("message", { data: [1], origin: "o", lastEventId: "id" });
      return Response.json({
        errorEvent: [errorEvent.message, errorEvent.filename, errorEvent.lineno, errorEvent.colno, errorEvent.error === error,
          errorEvent instanceof Event, Object.prototype.toString.call(errorEvent)],
        errorDefaults: (({ message, filename, lineno, colno }) => [message, filename, lineno, colno])(new ErrorEvent("x")),
        rejection: [rejection.promise === promise, rejection.reason, rejection.cancelable, rejection.type],
        message: [message.data, message.origin, message.lastEventId, message.source, message.ports.length],
        full: [full.data, full.origin, full.lastEventId],
      });
    }
    if (pathname === "/report-error") {
      const seen = [];
      const listener = (event) => {
        seen.push([event.constructor.name, event.type, event.message, event.cancelable, event.error instanceof TypeError]);
        event.preventDefault();
      };
      addEventListener("error", listener);
      reportError(new TypeError("boom"));
      removeEventListener("error", listener);
      const custom = [];
      const onCustom = (event) => custom.push(event.detail);
      addEventListener("custom", onCustom);
      const dispatched = dispatchEvent(new CustomEvent("custom", { detail: 7 }));
      removeEventListener("custom", onCustom);
      dispatchEvent(new CustomEvent("custom", { detail: 8 }));
      return Response.json({ seen, custom, dispatched, self: self === globalThis, noArgument: attempt(() => reportError()) });
    }
    if (pathname === "/rejections") {
      const log = [];
      const onUnhandled = (event) => {
        log.push(["unhandledrejection", String(event.reason), event.constructor.name, event.cancelable]);
        event.preventDefault();
      };
      const onHandled = (event) => log.push(["rejectionhandled", String(event.reason)]);
      addEventListener("unhandledrejection", onUnhandled);
      addEventListener("rejectionhandled", onHandled);
      const late = Promise.reject(new Error("late"));
      const early = Promise.reject(new Error("handled at once"));
      early.catch(() => {});
      (async () => { throw new RangeError("async"); })();
      await tick(10);
      late.catch(() => {});
      await tick(10);
      removeEventListener("unhandledrejection", onUnhandled);
      removeEventListener("rejectionhandled", onHandled);
      return Response.json(log);
    }
    if (pathname === "/global-target") {
      const out = { instance: globalThis instanceof EventTarget, chain: Object.getPrototypeOf(Object.getPrototypeOf(globalThis)) === EventTarget.prototype };
      const seen = [];
      const probe = (event) => seen.push([event.target === globalThis, event.currentTarget === globalThis]);
      EventTarget.prototype.addEventListener.call(globalThis, "probe", probe);
      dispatchEvent(new Event("probe"));
      removeEventListener("probe", probe);
      EventTarget.prototype.dispatchEvent.call(globalThis, new Event("probe"));
      out.prototypeMethods = seen;
      out.initial = [onerror, onunhandledrejection];
      const order = [];
      const first = () => order.push("first");
      const last = () => order.push("last");
      addEventListener("error", first);
      onerror = (event) => order.push(["h1", event.type]);
      addEventListener("error", last);
      onerror = (event) => order.push(["h2", event.type]);
      dispatchEvent(new Event("error"));
      onerror = null;
      dispatchEvent(new Event("error"));
      removeEventListener("error", first);
      removeEventListener("error", last);
      out.order = order;
      onerror = 5;
      out.nonObject = onerror;
      onerror = null;
      const reasons = [];
      onunhandledrejection = (event) => {
        reasons.push([event.constructor.name, String(event.reason)]);
        event.preventDefault();
      };
      Promise.reject(new Error("seen by onunhandledrejection"));
      await tick(10);
      onunhandledrejection = null;
      out.rejections = reasons;
      return Response.json(out);
    }
    return new Response("not found", { status: 404 });
  },
};

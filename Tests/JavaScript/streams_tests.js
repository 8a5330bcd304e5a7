// Streams conformance script: a plain script defining two functions that each return a
// transcript (one line per observation).
//
// - runStreamsTests(): web-platform behaviour (WHATWG Streams, Encoding, Compression, Fetch
//   bodies). Tests/SwitchyardRuntimeTests/StreamsTests.swift runs it under Deno and inside our
//   isolate and requires the two transcripts to be equal.
// - runWorkersStreamsTests(): what differs on purpose (Cloudflare Workers: IdentityTransformStream,
//   FixedLengthStream, byte-stream bodies, no `duplex`); its transcript is compared with the
//   expected lines in the Swift test.
//
// Only standard APIs are used, so the same text runs anywhere; values are printed in a fixed
// format (errors by constructor name: messages are not specified).

function streamsTestKit() {
  const lines = [];
  const show = (value) => {
    if (value === undefined) return "undefined";
    if (value === null) return "null";
    if (typeof value === "string") return JSON.stringify(value);
    if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
    if (value instanceof Error || (typeof DOMException === "function" && value instanceof DOMException)) {
      return `${value.constructor.name}(${value.name})`;
    }
    if (ArrayBuffer.isView(value)) {
      const name = value.constructor.name;
      const items = value instanceof DataView ? Array.from(new Uint8Array(value.buffer, value.byteOffset, value.byteLength))
        : Array.from(value);
      return `${name}[${items.join(",")}]`;
    }
    if (value instanceof ArrayBuffer) return `ArrayBuffer(${value.byteLength})[${Array.from(new Uint8Array(value)).join(",")}]`;
    if (Array.isArray(value)) return `[${value.map(show).join(", ")}]`;
    if (typeof value === "object") {
      const tag = Object.prototype.toString.call(value).slice(8, -1);
      if (tag !== "Object") return tag;
      return `{${Object.keys(value).map((k) => `${k}: ${show(value[k])}`).join(", ")}}`;
    }
    return typeof value;
  };
  const log = (...parts) => lines.push(parts.map((part) => (typeof part === "string" ? part : show(part))).join(" "));
  const test = async (name, body) => {
    if (typeof globalThis.streamsTestProgress === "function") globalThis.streamsTestProgress(name);
    try {
      await body((...parts) => log(name + ":", ...parts));
    } catch (error) {
      log(name + ": THREW", error);
    }
  };
  const settled = async (promise) => {
    try {
      return `fulfilled ${show(await promise)}`;
    } catch (error) {
      return `rejected ${show(error)}`;
    }
  };
  const tick = (n = 10) => {
    let p = Promise.resolve();
    for (let i = 0; i < n; i++) p = p.then(() => {});
    return p;
  };
  const delay = () => new Promise((resolve) => setTimeout(resolve, 0));
  const bytes = (...values) => new Uint8Array(values);
  const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const readAll = async (stream) => {
    const reader = stream.getReader();
    const chunks = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return chunks;
      chunks.push(value);
    }
  };
  const concat = (chunks) => {
    const total = chunks.reduce((n, c) => n + c.byteLength, 0);
    const out = new Uint8Array(total);
    let offset = 0;
    for (const c of chunks) {
      out.set(new Uint8Array(c.buffer, c.byteOffset, c.byteLength), offset);
      offset += c.byteLength;
    }
    return out;
  };
  const streamOf = (...chunks) => new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  // An AbortSignal where the runtime has one, else an object with the same surface.
  const makeAbort = () => {
    if (typeof AbortController === "function") return new AbortController();
    const listeners = [];
    const signal = {
      aborted: false,
      reason: undefined,
      addEventListener(type, listener) { if (type === "abort") listeners.push(listener); },
      removeEventListener(type, listener) {
        const index = listeners.indexOf(listener);
        if (index >= 0) listeners.splice(index, 1);
      },
    };
    return {
      signal,
      abort(reason) {
        if (signal.aborted) return;
        signal.aborted = true;
        signal.reason = reason === undefined ? new DOMException("The operation was aborted.", "AbortError") : reason;
        for (const listener of listeners.slice()) listener();
      },
    };
  };
  return { lines, show, log, test, settled, tick, delay, bytes, fromBase64, readAll, concat, streamOf, makeAbort };
}

async function runStreamsTests() {
  const { lines, test, settled, tick, delay, bytes, fromBase64, readAll, concat, streamOf, makeAbort } = streamsTestKit();

  // MARK: ReadableStream (default)

  await test("rs.basic", async (log) => {
    const stream = new ReadableStream({
      start(c) {
        c.enqueue("a");
        c.enqueue("b");
        c.close();
      },
    });
    log(String(stream), stream.locked);
    const reader = stream.getReader();
    log(stream.locked, String(reader));
    log(await reader.read());
    log(await reader.read());
    log(await reader.read());
    log(await reader.read());
    log(await settled(reader.closed));
  });

  await test("rs.pullOrder", async (log) => {
    const events = [];
    let n = 0;
    const stream = new ReadableStream({
      start() { events.push("start"); },
      pull(c) {
        events.push(`pull ${c.desiredSize}`);
        c.enqueue(++n);
        if (n === 3) c.close();
      },
    }, { highWaterMark: 0 });
    await tick();
    events.push("before read");
    const reader = stream.getReader();
    const r1 = await reader.read();
    events.push(`read ${r1.value}`);
    const r2 = await reader.read();
    events.push(`read ${r2.value}`);
    const r3 = await reader.read();
    events.push(`read ${r3.value}`);
    const r4 = await reader.read();
    events.push(`done ${r4.done}`);
    log(events);
  });

  await test("rs.backpressure", async (log) => {
    let controller;
    let pulls = 0;
    const stream = new ReadableStream({
      start(c) { controller = c; },
      pull() { pulls++; },
    }, new CountQueuingStrategy({ highWaterMark: 3 }));
    await tick();
    log("pulls after start", pulls, controller.desiredSize);
    controller.enqueue(1);
    controller.enqueue(2);
    log("desiredSize", controller.desiredSize);
    controller.enqueue(3);
    controller.enqueue(4);
    log("desiredSize", controller.desiredSize);
    await tick();
    const reader = stream.getReader();
    await reader.read();
    await reader.read();
    await tick();
    log("after two reads", controller.desiredSize, "pulls", pulls);
  });

  await test("rs.sizeStrategy", async (log) => {
    let controller;
    const stream = new ReadableStream({ start(c) { controller = c; } },
      { highWaterMark: 10, size: (chunk) => chunk.length });
    controller.enqueue("abcd");
    log(controller.desiredSize);
    controller.enqueue("efghijk");
    log(controller.desiredSize);
    const bad = new ReadableStream({ start(c) { controller = c; } }, { size: () => NaN });
    try {
      controller.enqueue("x");
    } catch (error) {
      log("NaN size", error);
    }
    log(await settled(bad.getReader().read()));
  });

  await test("rs.errors", async (log) => {
    const error = new Error("boom");
    const s1 = new ReadableStream({ start() { throw error; } });
    log("start throws", await settled(s1.getReader().read()));
    const s2 = new ReadableStream({ start() { return Promise.reject(error); } });
    const r2 = s2.getReader();
    log("start rejects", await settled(r2.read()), await settled(r2.closed));
    let c3;
    const s3 = new ReadableStream({ start(c) { c3 = c; } });
    const r3 = s3.getReader();
    const pending = r3.read();
    c3.error(error);
    log("error()", await settled(pending));
    try {
      c3.enqueue("late");
    } catch (e) {
      log("enqueue after error", e);
    }
    const s4 = new ReadableStream({ pull() { throw error; } });
    log("pull throws", await settled(s4.getReader().read()));
    let c5;
    new ReadableStream({ start(c) { c5 = c; } });
    c5.close();
    try {
      c5.close();
    } catch (e) {
      log("close twice", e);
    }
    try {
      c5.enqueue(1);
    } catch (e) {
      log("enqueue after close", e);
    }
  });

  await test("rs.constructor", async (log) => {
    for (const [label, make] of [
      ["bad type", () => new ReadableStream({ type: "nope" })],
      ["negative hwm", () => new ReadableStream({}, { highWaterMark: -1 })],
      ["NaN hwm", () => new ReadableStream({}, { highWaterMark: NaN })],
      ["size not function", () => new ReadableStream({}, { size: 1 })],
      ["bytes with size", () => new ReadableStream({ type: "bytes" }, { size: () => 1 })],
      ["pull not function", () => new ReadableStream({ pull: 1 })],
      ["primitive source", () => new ReadableStream(5)],
      ["zero autoAllocate", () => new ReadableStream({ type: "bytes", autoAllocateChunkSize: 0 })],
      ["null source", () => new ReadableStream(null)],
      ["controller ctor", () => new ReadableStreamDefaultController()],
    ]) {
      try {
        make();
        log(label, "ok");
      } catch (error) {
        log(label, error);
      }
    }
  });

  await test("rs.locking", async (log) => {
    const stream = streamOf("x");
    const reader = stream.getReader();
    try {
      stream.getReader();
    } catch (error) {
      log("second reader", error);
    }
    log("cancel locked", await settled(stream.cancel()));
    reader.releaseLock();
    log("locked after release", stream.locked, await settled(reader.closed));
    log("read after release", await settled(reader.read()));
    const again = stream.getReader();
    log(await again.read());
    try {
      new ReadableStreamDefaultReader({});
    } catch (error) {
      log("reader of non-stream", error);
    }
    try {
      stream.getReader({ mode: "nope" });
    } catch (error) {
      log("bad mode", error);
    }
  });

  await test("rs.releaseWithPendingRead", async (log) => {
    const stream = new ReadableStream();
    const reader = stream.getReader();
    const pending = reader.read();
    reader.releaseLock();
    log(await settled(pending), stream.locked);
  });

  await test("rs.cancel", async (log) => {
    const events = [];
    const stream = new ReadableStream({
      start(c) { c.enqueue("queued"); },
      cancel(reason) {
        events.push(`cancel ${reason}`);
        return "ignored";
      },
    });
    log(await settled(stream.cancel("why")), events);
    const reader = stream.getReader();
    log(await reader.read());
    const failing = new ReadableStream({ cancel() { throw new RangeError("no"); } });
    log("cancel throws", await settled(failing.cancel()));
    let c;
    const errored = new ReadableStream({ start(controller) { c = controller; } });
    c.error(new SyntaxError("e"));
    log("cancel errored", await settled(errored.cancel()));
    const viaReader = new ReadableStream({ cancel(reason) { events.push(`reader cancel ${reason}`); } });
    const r = viaReader.getReader();
    const pending = r.read();
    log(await settled(r.cancel("stop")), await settled(pending), events);
  });

  await test("rs.asyncIteration", async (log) => {
    const seen = [];
    for await (const chunk of streamOf(1, 2, 3)) seen.push(chunk);
    log(seen);
    const events = [];
    const endless = new ReadableStream({
      pull(c) { c.enqueue(events.length); },
      cancel(reason) { events.push(`cancel ${reason}`); },
    });
    for await (const chunk of endless) {
      if (chunk >= 0) break;
    }
    log("break cancels", events, endless.locked);
    const kept = new ReadableStream({
      pull(c) { c.enqueue("k"); },
      cancel() { events.push("should not cancel"); },
    });
    for await (const chunk of kept.values({ preventCancel: true })) {
      if (chunk === "k") break;
    }
    log("preventCancel", events, kept.locked);
    const it = streamOf("a").values();
    log(await it.next(), await it.next(), await it.next());
    log("return", await it.return("r"));
    let c;
    const failing = new ReadableStream({ start(controller) { c = controller; } });
    const it2 = failing[Symbol.asyncIterator]();
    const p = it2.next();
    c.error(new TypeError("bad"));
    log(await settled(p), failing.locked);
    log(Object.getPrototypeOf(Object.getPrototypeOf(it2)) === Object.getPrototypeOf(Object.getPrototypeOf((async function* () {})()).constructor.prototype) ? "async iterator proto" : "other proto");
  });

  await test("rs.from", async (log) => {
    log("array", await readAll(ReadableStream.from([1, 2, 3])));
    function* gen() {
      yield "x";
      yield "y";
    }
    log("generator", await readAll(ReadableStream.from(gen())));
    async function* agen() {
      yield 1;
      await null;
      yield 2;
    }
    log("async generator", await readAll(ReadableStream.from(agen())));
    log("promises awaited", await readAll(ReadableStream.from([Promise.resolve("p"), "q"])));
    try {
      ReadableStream.from(5);
    } catch (error) {
      log("number", error);
    }
    try {
      ReadableStream.from({});
    } catch (error) {
      log("plain object", error);
    }
    const events = [];
    const iterable = {
      [Symbol.asyncIterator]() {
        return {
          next: () => Promise.resolve({ value: events.length, done: false }),
          return: (reason) => {
            events.push(`return ${reason}`);
            return Promise.resolve({ done: true });
          },
        };
      },
    };
    const stream = ReadableStream.from(iterable);
    const reader = stream.getReader();
    log(await reader.read());
    log(await settled(reader.cancel("enough")), events);
    const bad = ReadableStream.from({ [Symbol.asyncIterator]() { return { next: () => Promise.resolve(42) }; } });
    log("non-object result", await settled(bad.getReader().read()));
    const throwing = ReadableStream.from({ [Symbol.iterator]() { return { next() { throw new RangeError("it"); } }; } });
    log("next throws", await settled(throwing.getReader().read()));
  });

  await test("rs.tee", async (log) => {
    const [a, b] = streamOf("1", "2", "3").tee();
    log(await readAll(a), await readAll(b));
    const reasons = [];
    const source = new ReadableStream({
      pull(c) { c.enqueue("x"); },
      cancel(reason) { reasons.push(reason); },
    });
    const [c1, c2] = source.tee();
    log("locked", source.locked);
    const p1 = c1.cancel("r1");
    await tick();
    log("after one cancel", reasons.length);
    const r2 = c2.getReader();
    log(await r2.read());
    const p2 = r2.cancel("r2");
    log(await settled(p1), await settled(p2), reasons);
    let ctl;
    const erroring = new ReadableStream({ start(c) { ctl = c; } });
    const [e1, e2] = erroring.tee();
    ctl.error(new TypeError("t"));
    log(await settled(e1.getReader().read()), await settled(e2.getReader().read()));
    try {
      source.tee();
    } catch (error) {
      log("tee locked", error);
    }
  });

  // MARK: Byte streams

  await test("bytes.defaultReader", async (log) => {
    const chunk = bytes(1, 2, 3);
    let controller;
    const stream = new ReadableStream({
      type: "bytes",
      start(c) { controller = c; },
    });
    log(String(controller), controller.byobRequest, controller.desiredSize);
    controller.enqueue(chunk);
    log("source detached", chunk.byteLength, controller.desiredSize);
    controller.enqueue(new DataView(new ArrayBuffer(2)));
    controller.close();
    const reader = stream.getReader();
    log(await reader.read());
    log(await reader.read());
    log(await reader.read());
    for (const [label, value] of [["string", "s"], ["empty", new Uint8Array(0)], ["buffer", new ArrayBuffer(1)]]) {
      const s = new ReadableStream({ type: "bytes", start(c) { controller = c; } });
      try {
        controller.enqueue(value);
        log(label, "ok");
      } catch (error) {
        log(label, error);
      }
    }
  });

  await test("bytes.byob", async (log) => {
    const stream = new ReadableStream({
      type: "bytes",
      start(c) {
        c.enqueue(bytes(1, 2, 3, 4, 5, 6));
        c.close();
      },
    });
    const reader = stream.getReader({ mode: "byob" });
    log(String(reader));
    const view = new Uint8Array(4);
    const first = await reader.read(view);
    log(first, "given view detached", view.byteLength, first.value.buffer.byteLength);
    log(await reader.read(new Uint8Array(4)));
    const last = await reader.read(new Uint16Array(2));
    log(last, last.value.constructor.name);
    log("zero-length view", await settled(reader.read(new Uint8Array(0))));
    log("not a view", await settled(reader.read(new ArrayBuffer(2))));
  });

  await test("bytes.byobRequest", async (log) => {
    const events = [];
    let n = 0;
    const stream = new ReadableStream({
      type: "bytes",
      pull(c) {
        const request = c.byobRequest;
        events.push(request === null ? "no request" : `request ${request.view.constructor.name} ${request.view.byteLength}`);
        if (request === null) {
          c.enqueue(bytes(9));
          return;
        }
        request.view[0] = ++n;
        request.view[1] = n * 10;
        request.respond(2);
        if (n === 2) c.close();
      },
    });
    const reader = stream.getReader({ mode: "byob" });
    log(await reader.read(new Uint8Array(8)));
    log(await reader.read(new Uint8Array(8)));
    log(await reader.read(new Uint8Array(8)));
    log(events);
  });

  await test("bytes.respondErrors", async (log) => {
    let controller;
    const stream = new ReadableStream({ type: "bytes", start(c) { controller = c; } });
    const reader = stream.getReader({ mode: "byob" });
    const pending = reader.read(new Uint8Array(4));
    const request = controller.byobRequest;
    try {
      request.respond(5);
    } catch (error) {
      log("respond too much", error);
    }
    try {
      request.respond(0);
    } catch (error) {
      log("respond zero", error);
    }
    try {
      request.respondWithNewView(new Uint8Array(2));
    } catch (error) {
      log("new view other buffer", error);
    }
    request.view.set([7, 8, 9]);
    request.respondWithNewView(new Uint8Array(request.view.buffer, 0, 3));
    log(await pending, controller.byobRequest);
    try {
      request.respond(1);
    } catch (error) {
      log("stale request", error);
    }
  });

  await test("bytes.minAndAutoAllocate", async (log) => {
    const sizes = [];
    const stream = new ReadableStream({
      type: "bytes",
      autoAllocateChunkSize: 16,
      pull(c) {
        const view = c.byobRequest.view;
        sizes.push(view.byteLength);
        view[0] = sizes.length;
        c.byobRequest.respond(1);
        if (sizes.length === 5) c.close();
      },
    });
    const reader = stream.getReader();
    log(await reader.read(), sizes);
    reader.releaseLock();
    const byob = stream.getReader({ mode: "byob" });
    log(await byob.read(new Uint8Array(4), { min: 3 }), sizes);
    log("min too large", await settled(byob.read(new Uint8Array(2), { min: 3 })));
    log(await byob.read(new Uint8Array(4)));
  });

  await test("bytes.byobOnDefault", async (log) => {
    try {
      new ReadableStream().getReader({ mode: "byob" });
    } catch (error) {
      log(error);
    }
  });

  await test("bytes.tee", async (log) => {
    const stream = new ReadableStream({
      type: "bytes",
      start(c) {
        c.enqueue(bytes(1, 2));
        c.enqueue(bytes(3));
        c.close();
      },
    });
    const [a, b] = stream.tee();
    const byob = b.getReader({ mode: "byob" });
    log(await readAll(a));
    log(await byob.read(new Uint8Array(1)), await byob.read(new Uint8Array(4)), await byob.read(new Uint8Array(4)));
  });

  await test("bytes.cancelPendingByob", async (log) => {
    const stream = new ReadableStream({ type: "bytes", cancel(reason) { log("cancel", reason); } });
    const reader = stream.getReader({ mode: "byob" });
    const pending = reader.read(new Uint8Array(3));
    await reader.cancel("gone");
    log(await pending);
  });

  // MARK: WritableStream

  await test("ws.basic", async (log) => {
    const events = [];
    const stream = new WritableStream({
      start() { events.push("start"); },
      write(chunk, controller) {
        events.push(`write ${chunk}`);
        return new Promise((resolve) => setTimeout(resolve, 0));
      },
      close() { events.push("close"); },
    }, { highWaterMark: 2 });
    const writer = stream.getWriter();
    log(String(stream), String(writer), stream.locked, writer.desiredSize);
    const w1 = writer.write("a");
    log("desiredSize", writer.desiredSize);
    const w2 = writer.write("b");
    log("desiredSize", writer.desiredSize);
    const w3 = writer.write("c");
    log("desiredSize", writer.desiredSize);
    await Promise.all([w1, w2, w3]);
    log("after writes", writer.desiredSize);
    await writer.close();
    log(events, await settled(writer.closed), writer.desiredSize);
    log("write after close", await settled(writer.write("d")));
  });

  await test("ws.backpressure", async (log) => {
    const resolvers = [];
    const stream = new WritableStream({
      write() { return new Promise((resolve) => resolvers.push(resolve)); },
    }, new ByteLengthQueuingStrategy({ highWaterMark: 4 }));
    const writer = stream.getWriter();
    let ready = false;
    writer.write(bytes(1, 2, 3));
    log(writer.desiredSize);
    writer.write(bytes(4, 5));
    log(writer.desiredSize);
    writer.ready.then(() => { ready = true; });
    await tick();
    log("ready while full", ready);
    resolvers.shift()();
    await tick();
    log("ready after drain", ready, writer.desiredSize);
  });

  await test("ws.errors", async (log) => {
    const error = new RangeError("sink");
    const stream = new WritableStream({ write() { throw error; } });
    const writer = stream.getWriter();
    log("failed write", await settled(writer.write("x")));
    log("next write", await settled(writer.write("y")), await settled(writer.closed), writer.desiredSize);
    const events = [];
    const aborting = new WritableStream({
      write() { return new Promise((resolve) => setTimeout(resolve, 0)); },
      abort(reason) { events.push(`abort ${reason}`); },
    });
    const w = aborting.getWriter();
    const pendingWrite = w.write("1");
    const queuedWrite = w.write("2");
    const abort = w.abort("stop");
    log(await settled(pendingWrite), await settled(queuedWrite), await settled(abort), await settled(w.closed), events);
    const s3 = new WritableStream();
    const w3 = s3.getWriter();
    try {
      s3.getWriter();
    } catch (e) {
      log("second writer", e);
    }
    log("abort locked", await settled(s3.abort()), "close locked", await settled(s3.close()));
    const closing = w3.close();
    log("close twice", await settled(w3.close()), await settled(closing));
    w3.releaseLock();
    log("released", await settled(w3.closed), await settled(w3.write("z")));
    try {
      new WritableStream({ type: "bytes" });
    } catch (e) {
      log("type", e);
    }
    let ctl;
    const byController = new WritableStream({ start(c) { ctl = c; } });
    ctl.error(new SyntaxError("ctl"));
    log("controller.error", await settled(byController.getWriter().closed));
    const startFails = new WritableStream({ start() { return Promise.reject(new TypeError("s")); } });
    log("start rejects", await settled(startFails.getWriter().write("a")));
  });

  // MARK: TransformStream

  await test("ts.basic", async (log) => {
    const upper = new TransformStream({
      transform(chunk, controller) { controller.enqueue(String(chunk).toUpperCase()); },
      flush(controller) { controller.enqueue("!"); },
    });
    log(String(upper), String(upper.readable), String(upper.writable));
    const writer = upper.writable.getWriter();
    writer.write("a");
    writer.write("b");
    writer.close();
    log(await readAll(upper.readable));
    const identity = new TransformStream();
    const w = identity.writable.getWriter();
    w.write(1);
    w.close();
    log(await readAll(identity.readable));
  });

  await test("ts.backpressure", async (log) => {
    const ts = new TransformStream({}, undefined, { highWaterMark: 1 });
    const writer = ts.writable.getWriter();
    log(writer.desiredSize);
    writer.write("a");
    await tick();
    log(writer.desiredSize);
    writer.write("b");
    await tick();
    log(writer.desiredSize);
    const reader = ts.readable.getReader();
    log(await reader.read());
    await tick();
    log(writer.desiredSize);
  });

  await test("ts.errors", async (log) => {
    const failing = new TransformStream({ transform() { throw new TypeError("tx"); } });
    const writer = failing.writable.getWriter();
    const read = failing.readable.getReader().read();
    log(await settled(writer.write("a")), await settled(read));
    const terminating = new TransformStream({
      transform(chunk, c) {
        c.enqueue(chunk);
        c.terminate();
      },
    });
    const tw = terminating.writable.getWriter();
    tw.write("last");
    log(await readAll(terminating.readable), await settled(tw.closed));
    const events = [];
    const canceled = new TransformStream({ cancel(reason) { events.push(`cancel ${reason}`); } });
    await canceled.readable.cancel("rc");
    log("readable cancel", await settled(canceled.writable.getWriter().write("x")), events);
    const aborted = new TransformStream();
    await aborted.writable.abort(new RangeError("ab"));
    log("writable abort", await settled(aborted.readable.getReader().read()));
    const flushFails = new TransformStream({ flush() { throw new SyntaxError("f"); } });
    const fw = flushFails.writable.getWriter();
    log("flush throws", await settled(fw.close()), await settled(flushFails.readable.getReader().read()));
    try {
      new TransformStream({ readableType: "bytes" });
    } catch (e) {
      log("readableType", e);
    }
    let ctl;
    const viaController = new TransformStream({ start(c) { ctl = c; } });
    log("controller desiredSize", ctl.desiredSize);
    ctl.error(new TypeError("ce"));
    log(await settled(viaController.readable.getReader().read()));
  });

  // MARK: pipeTo / pipeThrough

  const recordingSink = (events, options = {}) => new WritableStream({
    write(chunk) {
      events.push(`write ${chunk}`);
      if (options.failOn === chunk) throw new TypeError("sink failed");
    },
    close() { events.push("close"); },
    abort(reason) { events.push(`abort ${reason}`); },
  }, options.strategy);

  await test("pipe.basic", async (log) => {
    const events = [];
    const source = streamOf("a", "b");
    const dest = recordingSink(events);
    const promise = source.pipeTo(dest);
    log("locked", source.locked, dest.locked);
    log(await settled(promise), events, source.locked, dest.locked);
  });

  await test("pipe.preventClose", async (log) => {
    const events = [];
    const dest = recordingSink(events);
    log(await settled(streamOf("a").pipeTo(dest, { preventClose: true })), events);
    const writer = dest.getWriter();
    await writer.write("more");
    log(events);
  });

  await test("pipe.sourceError", async (log) => {
    const events = [];
    const failing = new ReadableStream({
      start(c) {
        c.enqueue("a");
        c.error("src");
      },
    });
    log(await settled(failing.pipeTo(recordingSink(events))), events);
    const events2 = [];
    const failing2 = new ReadableStream({ start(c) { c.error("src2"); } });
    const dest = recordingSink(events2);
    log(await settled(failing2.pipeTo(dest, { preventAbort: true })), events2, dest.locked);
  });

  await test("pipe.destError", async (log) => {
    const events = [];
    const cancels = [];
    const source = new ReadableStream({
      pull(c) { c.enqueue(String(cancels.length + events.length)); },
      cancel(reason) { cancels.push(reason); },
    });
    log(await settled(source.pipeTo(recordingSink(events, { failOn: "1" }))), events, cancels);
    const cancels2 = [];
    const source2 = new ReadableStream({ cancel(reason) { cancels2.push(reason); } });
    const dest2 = new WritableStream({ start(c) { c.error(new RangeError("dest")); } });
    log(await settled(source2.pipeTo(dest2, { preventCancel: true })), cancels2, source2.locked);
  });

  await test("pipe.destClosed", async (log) => {
    const cancels = [];
    const source = new ReadableStream({ cancel(reason) { cancels.push(reason); } });
    const dest = new WritableStream();
    await dest.close();
    log(await settled(source.pipeTo(dest)), cancels);
  });

  await test("pipe.signal", async (log) => {
    const events = [];
    const cancels = [];
    const controller = makeAbort();
    const source = new ReadableStream({
      pull(c) { return new Promise((resolve) => setTimeout(resolve, 0)).then(() => c.enqueue("tick")); },
      cancel(reason) { cancels.push(reason); },
    });
    const promise = source.pipeTo(recordingSink(events), { signal: controller.signal });
    await delay();
    await delay();
    controller.abort(new RangeError("aborted"));
    log(await settled(promise), events.length > 0, events[events.length - 1], cancels);
    const already = makeAbort();
    already.abort("early");
    const events2 = [];
    log(await settled(streamOf("x").pipeTo(recordingSink(events2), { signal: already.signal, preventAbort: true })), events2);
    log("bad signal", await settled(streamOf("x").pipeTo(new WritableStream(), { signal: 5 })));
  });

  await test("pipe.backpressure", async (log) => {
    let pulls = 0;
    const source = new ReadableStream({
      pull(c) {
        pulls++;
        c.enqueue(pulls);
        if (pulls === 20) c.close();
      },
    }, { highWaterMark: 0 });
    const resolvers = [];
    const dest = new WritableStream({
      write() { return new Promise((resolve) => resolvers.push(resolve)); },
    }, { highWaterMark: 2 });
    const promise = source.pipeTo(dest);
    await delay();
    log("pulls while sink blocked", pulls <= 4);
    while (pulls < 20 || resolvers.length > 0) {
      if (resolvers.length > 0) resolvers.shift()();
      await delay();
    }
    log(await settled(promise), pulls);
  });

  await test("pipe.errors", async (log) => {
    log("not writable", await settled(streamOf().pipeTo({})));
    const locked = streamOf();
    locked.getReader();
    log("locked source", await settled(locked.pipeTo(new WritableStream())));
    const dest = new WritableStream();
    dest.getWriter();
    log("locked dest", await settled(streamOf().pipeTo(dest)));
    try {
      streamOf().pipeThrough({ readable: 1, writable: new WritableStream() });
    } catch (error) {
      log("pipeThrough bad pair", error);
    }
  });

  await test("pipe.through", async (log) => {
    const double = new TransformStream({ transform(chunk, c) { c.enqueue(chunk * 2); } });
    const result = streamOf(1, 2, 3).pipeThrough(double);
    log(result === double.readable, await readAll(result));
  });

  // MARK: Queuing strategies

  await test("strategies", async (log) => {
    const b = new ByteLengthQueuingStrategy({ highWaterMark: 16 });
    const c = new CountQueuingStrategy({ highWaterMark: 2 });
    log(String(b), b.highWaterMark, b.size(new Uint8Array(5)), b.size.name, b.size.length);
    log(String(c), c.highWaterMark, c.size("anything"), c.size.name, c.size === new CountQueuingStrategy({ highWaterMark: 1 }).size);
    try {
      new ByteLengthQueuingStrategy({});
    } catch (error) {
      log("missing highWaterMark", error);
    }
    try {
      new CountQueuingStrategy();
    } catch (error) {
      log("no init", error);
    }
    log("hwm converted", new CountQueuingStrategy({ highWaterMark: "3" }).highWaterMark);
  });

  // MARK: Text streams

  await test("text.decoderSplit", async (log) => {
    const encoded = new TextEncoder().encode("aé€😀z");
    const chunks = Array.from(encoded, (byte) => new Uint8Array([byte]));
    const decoded = await readAll(ReadableStream.from(chunks).pipeThrough(new TextDecoderStream()));
    log(decoded.join(""), decoded.length > 1);
    const ds = new TextDecoderStream("utf-8", { fatal: true, ignoreBOM: true });
    log(String(ds), ds.encoding, ds.fatal, ds.ignoreBOM);
    const invalid = ReadableStream.from([bytes(0x61, 0xff)]).pipeThrough(ds);
    log("fatal", await settled(readAll(invalid)));
    const truncated = ReadableStream.from([bytes(0xe2, 0x82)]).pipeThrough(new TextDecoderStream());
    log("truncated", await readAll(truncated));
    const bom = ReadableStream.from([bytes(0xef, 0xbb), bytes(0xbf, 0x62)]).pipeThrough(new TextDecoderStream());
    log("bom", await readAll(bom));
    const utf16 = ReadableStream.from([bytes(0x68, 0x00, 0x69), bytes(0x00)]).pipeThrough(new TextDecoderStream("utf-16le"));
    log("utf-16le", (await readAll(utf16)).join(""));
    const notBytes = ReadableStream.from(["text"]).pipeThrough(new TextDecoderStream());
    log("string chunk", await settled(readAll(notBytes)));
    try {
      new TextDecoderStream("nope");
    } catch (error) {
      log("bad label", error);
    }
  });

  await test("text.encoder", async (log) => {
    const es = new TextEncoderStream();
    log(String(es), es.encoding);
    const out = await readAll(ReadableStream.from(["h\u00e9", "\ud83d", "\ude00", 42, "\ud800"]).pipeThrough(es));
    log(out);
    const empty = await readAll(ReadableStream.from([""]).pipeThrough(new TextEncoderStream()));
    log("empty", empty);
    const roundTrip = ReadableStream.from(["₿itcoin ", "😀"]).pipeThrough(new TextEncoderStream()).pipeThrough(new TextDecoderStream());
    log((await readAll(roundTrip)).join(""));
  });

  // MARK: Compression

  const compressWith = async (format, data) =>
    concat(await readAll(ReadableStream.from([data]).pipeThrough(new CompressionStream(format))));
  const decompressWith = async (format, chunks) =>
    concat(await readAll(ReadableStream.from(chunks).pipeThrough(new DecompressionStream(format))));
  const text = "Hello, Switchyard! ".repeat(20);
  const vectors = {
    gzip: "H4sIAAAAAAACA/NIzcnJ11EILs8sSc6oTCxKUVTwGBWijxAA6KzrNXwBAAA=",
    deflate: "eJzzSM3JyddRCC7PLEnOqEwsSlFU8BgVoo8QAO+UhL0=",
    "deflate-raw": "80jNycnXUQguzyxJzqhMLEpRVPAYFaKPEAA=",
  };

  await test("compression.roundTrip", async (log) => {
    const data = new TextEncoder().encode(text);
    for (const format of ["gzip", "deflate", "deflate-raw"]) {
      const compressed = await compressWith(format, data);
      const restored = await decompressWith(format, [compressed]);
      log(format, compressed.byteLength < data.byteLength, new TextDecoder().decode(restored) === text);
      const header = format === "gzip" ? [compressed[0], compressed[1]] : format === "deflate" ? [compressed[0] & 0x0f] : [];
      log(format, "header", header);
    }
    const empty = await decompressWith("gzip", [await compressWith("gzip", new Uint8Array(0))]);
    log("empty", empty.byteLength);
    const large = new Uint8Array(300000).map((_, i) => (i * 7919) % 251);
    const back = await decompressWith("deflate", [await compressWith("deflate", large)]);
    log("large", back.byteLength, back.every((v, i) => v === large[i]));
  });

  await test("compression.otherSide", async (log) => {
    for (const format of ["gzip", "deflate", "deflate-raw"]) {
      const compressed = fromBase64(vectors[format]);
      const oneByOne = Array.from(compressed, (b) => new Uint8Array([b]));
      const restored = await decompressWith(format, oneByOne);
      log(format, new TextDecoder().decode(restored) === text, restored.byteLength);
    }
    const asBuffer = fromBase64(vectors.gzip).buffer;
    log("ArrayBuffer chunk", (await decompressWith("gzip", [asBuffer])).byteLength);
  });

  await test("compression.errors", async (log) => {
    log("garbage", await settled(decompressWith("gzip", [bytes(1, 2, 3, 4, 5, 6, 7, 8)])));
    const gz = fromBase64(vectors.gzip);
    log("truncated", await settled(decompressWith("gzip", [gz.subarray(0, gz.length - 6)])));
    log("trailing junk", await settled(decompressWith("deflate", [fromBase64(vectors.deflate), bytes(1, 2, 3)])));
    log("wrong format", await settled(decompressWith("deflate", [gz])));
    log("string chunk", await settled(compressWith("gzip", "text")));
    for (const make of [() => new CompressionStream("lzw"), () => new DecompressionStream("zip"), () => new CompressionStream()]) {
      try {
        make();
      } catch (error) {
        log("constructor", error);
      }
    }
    const cs = new CompressionStream("gzip");
    log(String(cs), String(cs.readable), String(cs.writable), String(new DecompressionStream("deflate-raw")));
  });

  // MARK: Fetch bodies

  await test("body.responseFromStream", async (log) => {
    const response = new Response(streamOf(bytes(104, 105), new TextEncoder().encode(" there")));
    log(response.bodyUsed, response.headers.get("content-type"), String(response.body));
    log(await response.text(), response.bodyUsed, response.body.locked);
    log("read again", await settled(response.text()));
    log("json", await new Response(streamOf(new TextEncoder().encode('{"a":'), new TextEncoder().encode("[1]}"))).json());
    log("arrayBuffer", await new Response(streamOf(bytes(1), bytes(2, 3))).arrayBuffer());
    log("string chunk", await settled(new Response(streamOf("text")).text()));
    log("empty stream", await new Response(streamOf()).text());
    const failing = new ReadableStream({ start(c) { c.error(new RangeError("body")); } });
    log("errored stream", await settled(new Response(failing).text()));
  });

  await test("body.streamStates", async (log) => {
    const locked = streamOf(bytes(1));
    locked.getReader();
    try {
      new Response(locked);
    } catch (error) {
      log("locked", error);
    }
    const disturbed = streamOf(bytes(1));
    await disturbed.getReader().read();
    try {
      new Response(disturbed);
    } catch (error) {
      log("disturbed", error);
    }
    const stream = streamOf(bytes(1));
    const response = new Response(stream);
    log(response.body === stream, response.body === response.body);
    const reader = response.body.getReader();
    log("locked body", response.bodyUsed, await settled(response.text()));
    await reader.read();
    log("after read", response.bodyUsed);
  });

  await test("body.inMemoryStream", async (log) => {
    const response = new Response("héllo");
    const body = response.body;
    log(String(body), body === response.body, response.bodyUsed);
    const reader = body.getReader();
    const chunks = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
    log(new TextDecoder().decode(concat(chunks)), chunks[0] instanceof Uint8Array, response.bodyUsed);
    log("text after stream read", await settled(response.text()));
    log("no body", new Response(null).body, new Response().bodyUsed);
    const used = new Response("x");
    await used.text();
    log("body after text", String(used.body), used.bodyUsed, await settled(used.body.getReader().read()));
    const viaBody = new Response("abc");
    log("new Response(res.body)", await new Response(viaBody.body).text(), viaBody.bodyUsed);
    const untouched = new Response("untouched");
    untouched.body;
    log("body read then text", await untouched.text(), untouched.bodyUsed);
  });

  await test("body.clone", async (log) => {
    const response = new Response(streamOf(bytes(97), bytes(98)));
    const clone = response.clone();
    log(await clone.text(), await response.text());
    const inMemory = new Response("shared");
    const copy = inMemory.clone();
    log(await inMemory.text(), await copy.text());
    const withBody = new Response("tee me");
    withBody.body;
    const copy2 = withBody.clone();
    log(await copy2.text(), await withBody.text());
    const used = new Response(streamOf(bytes(1)));
    await used.arrayBuffer();
    try {
      used.clone();
    } catch (error) {
      log("clone used", error);
    }
    const lockedBody = new Response(streamOf(bytes(1)));
    lockedBody.body.getReader();
    try {
      lockedBody.clone();
    } catch (error) {
      log("clone locked", error);
    }
    const partly = new Response(streamOf(bytes(1), bytes(2)));
    const r = partly.clone();
    const reader = r.body.getReader();
    log(await reader.read());
    log("original still whole", await partly.arrayBuffer());
  });

  await test("body.request", async (log) => {
    const request = new Request("http://example.com/", {
      method: "POST", body: streamOf(new TextEncoder().encode("posted")), duplex: "half",
    });
    log(request.bodyUsed, String(request.body), request.headers.get("content-type"));
    const clone = request.clone();
    log(await request.text(), request.bodyUsed, await clone.text());
    try {
      new Request("http://example.com/", { method: "GET", body: streamOf(), duplex: "half" });
    } catch (error) {
      log("GET with stream", error);
    }
    const source = new Request("http://example.com/", { method: "PUT", body: streamOf(bytes(120)), duplex: "half" });
    const copy = new Request(source);
    log("copied", source.bodyUsed, await copy.text());
    const fromString = new Request("http://example.com/", { method: "POST", body: "str" });
    log(String(fromString.body), await new Response(fromString.body).text());
  });

  await test("body.pipeToResponse", async (log) => {
    const { readable, writable } = new TransformStream();
    const response = new Response(readable);
    const writer = writable.getWriter();
    writer.write(new TextEncoder().encode("piped "));
    writer.write(new TextEncoder().encode("body"));
    writer.close();
    log(await response.text());
    const compressed = new Response(new Response(text).body.pipeThrough(new CompressionStream("gzip")));
    const restored = new Response(compressed.body.pipeThrough(new DecompressionStream("gzip")));
    log((await restored.text()) === text);
  });

  return lines.join("\n") + "\n";
}

async function runWorkersStreamsTests() {
  const { lines, test, settled, tick, bytes, readAll, streamOf } = streamsTestKit();

  await test("identity.basic", async (log) => {
    const its = new IdentityTransformStream();
    log(String(its), String(its.readable), String(its.writable));
    const writer = its.writable.getWriter();
    let written = false;
    const write = writer.write(bytes(1, 2, 3)).then(() => { written = true; });
    await tick();
    log("write before read", written);
    const reader = its.readable.getReader({ mode: "byob" });
    log(await reader.read(new Uint8Array(2)));
    log(await reader.read(new Uint8Array(8)));
    await write;
    log("write after read", written);
    writer.write(new Uint16Array([258]).buffer);
    log(await reader.read(new Uint8Array(8)));
    writer.close();
    log(await reader.read(new Uint8Array(8)));
  });

  await test("identity.errors", async (log) => {
    const its = new IdentityTransformStream();
    const writer = its.writable.getWriter();
    const reader = its.readable.getReader();
    log("string", await settled(writer.write("text")), await settled(reader.read()));
    const canceled = new IdentityTransformStream();
    await canceled.readable.cancel(new RangeError("no reader"));
    log("cancel", await settled(canceled.writable.getWriter().write(bytes(1))));
    const aborted = new IdentityTransformStream();
    await aborted.writable.abort(new SyntaxError("abort"));
    log("abort", await settled(aborted.readable.getReader().read()));
  });

  await test("fixedLength", async (log) => {
    const ok = new FixedLengthStream(5);
    const w = ok.writable.getWriter();
    w.write(bytes(1, 2, 3));
    w.write(bytes(4, 5));
    w.close();
    log(await readAll(ok.readable));
    const tooMany = new FixedLengthStream(2);
    const w2 = tooMany.writable.getWriter();
    log("too many", await settled(w2.write(bytes(1, 2, 3))), await settled(tooMany.readable.getReader().read()));
    const tooFew = new FixedLengthStream(4);
    const w3 = tooFew.writable.getWriter();
    const r3 = tooFew.readable.getReader();
    w3.write(bytes(1));
    log(await r3.read());
    log("too few", await settled(w3.close()), await settled(r3.read()));
    log("bigint", String(new FixedLengthStream(3n)), new FixedLengthStream(0) instanceof IdentityTransformStream);
    for (const value of [-1, 1.5, "x"]) {
      try {
        new FixedLengthStream(value);
      } catch (error) {
        log("length", value, error);
      }
    }
    const response = new Response(new FixedLengthStream(0).readable);
    log("empty fixed", response.bodyUsed);
  });

  await test("body.byteStream", async (log) => {
    const response = new Response("byob body");
    const reader = response.body.getReader({ mode: "byob" });
    const first = await reader.read(new Uint8Array(4));
    log(first, response.bodyUsed);
    log(await reader.read(new Uint8Array(16)));
    log(await reader.read(new Uint8Array(16)));
    const request = new Request("http://example.com/", { method: "POST", body: streamOf(bytes(111, 107)) });
    log("no duplex", await request.text());
    // Fetch allows only Uint8Array chunks; Workers take any ArrayBufferView or ArrayBuffer.
    log("view chunks", await new Response(streamOf(bytes(1), new Uint16Array([513]), new DataView(new ArrayBuffer(1)))).arrayBuffer());
    log("ArrayBuffer chunks", await new Response(streamOf(new Uint8Array([5, 6]).buffer)).arrayBuffer());
    log("number chunk", await settled(new Response(streamOf(7)).arrayBuffer()));
  });

  return lines.join("\n") + "\n";
}

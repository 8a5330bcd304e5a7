/*---
{
  "requires": ["streams"],
  "requests": [
    {"path": "/readable"},
    {"path": "/pipe-through"},
    {"path": "/tee"},
    {"path": "/text-streams"},
    {"path": "/compression"},
    {"path": "/errors"},
    {"path": "/response-body"},
    {"path": "/response-body-reader"}
  ]
}
---*/
import { attemptAsync as attempt } from "./support/attempt.js";
// Streams inside one request: ReadableStream with a reader, TransformStream and pipeThrough, tee,
// TextEncoderStream / TextDecoderStream, CompressionStream round trips, errors and cancellation,
// and Response bodies read as streams.
async function collect(stream) {
  const reader = stream.getReader();
  const chunks = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return chunks;
    chunks.push(value);
  }
}
async function bytesOf(stream) {
  const chunks = await collect(stream);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const c of chunks) { out.set(c, offset); offset += c.byteLength; }
  return out;
}
function from(list) {
  return new ReadableStream({
    start(controller) {
      for (const item of list) controller.enqueue(item);
      controller.close();
    },
  });
}

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === "/readable") {
      let pulls = 0;
      const pulled = new ReadableStream({
        pull(controller) {
          pulls++;
          if (pulls > 3) controller.close();
          else controller.enqueue("chunk " + pulls);
        },
      }, { highWaterMark: 0 });
      const stream = from(["a", "b", "c"]);
      const reader = stream.getReader();
      const first = await reader.read();
      reader.releaseLock();
      return Response.json({ first, rest: await collect(stream), pulled: await collect(pulled), locked: stream.locked });
    }
    if (pathname === "/pipe-through") {
      const upper = new TransformStream({
        transform(chunk, controller) { controller.enqueue(chunk.toUpperCase()); },
        flush(controller) { controller.enqueue("!"); },
      });
      const out = await collect(from(["hello ", "world"]).pipeThrough(upper));
      const { readable, writable } = new TransformStream();
      const writer = writable.getWriter();
      writer.write("x");
      writer.write("y");
      writer.close();
      return Response.json({ out, identity: await collect(readable) });
    }
    if (pathname === "/tee") {
      const [left, right] = from([1, 2, 3]).tee();
      const [l, r] = await Promise.all([collect(left), collect(right)]);
      return Response.json({ l, r });
    }
    if (pathname === "/text-streams") {
      const encoded = await collect(from(["h\u00e9", "llo \u2603"]).pipeThrough(new TextEncoderStream()));
      const split = from([new Uint8Array([0xe2]), new Uint8Array([0x98, 0x83, 0x41])]);
      const decoded = await collect(split.pipeThrough(new TextDecoderStream()));
      return Response.json({ encoded: encoded.map((c) => [...c]), decoded: decoded.join("") });
    }
    if (pathname === "/compression") {
      const text = "compress me ".repeat(1000) + "\u2603";
      const results = {};
      for (const format of ["gzip", "deflate", "deflate-raw"]) {
        const compressed = await bytesOf(from([new TextEncoder().encode(text)]).pipeThrough(new CompressionStream(format)));
        const back = await bytesOf(from([compressed]).pipeThrough(new DecompressionStream(format)));
        results[format] = { smaller: compressed.length < text.length, roundTrip: new TextDecoder().decode(back) === text };
      }
      results.unknown = await attempt(() => new CompressionStream("brotli-ish"));
      results.corrupt = await attempt(() => bytesOf(from([new Uint8Array([1, 2, 3, 4])]).pipeThrough(new DecompressionStream("gzip"))));
      return Response.json(results);
    }
    if (pathname === "/errors") {
      const failing = new ReadableStream({ start(c) { c.enqueue("a"); c.error(new RangeError("broken")); } });
      let cancelled = null;
      const cancellable = new ReadableStream({ pull(c) { c.enqueue("x"); }, cancel(reason) { cancelled = reason; } });
      const reader = cancellable.getReader();
      await reader.read();
      await reader.cancel("enough");
      const locked = from(["a"]);
      locked.getReader();
      return Response.json({
        failing: await attempt(() => collect(failing)),
        cancelled,
        doubleLock: await attempt(() => locked.getReader()),
        notAStream: await attempt(() => new Response("x").body.pipeTo({})),
      });
    }
    if (pathname === "/response-body") {
      const body = new Response("streamed body").body;
      return Response.json({ isStream: body instanceof ReadableStream, bytes: [...(await bytesOf(body))] });
    }
    if (pathname === "/response-body-reader") {
      const r = new Response("abc");
      const reader = r.body.getReader();
      const chunk = await reader.read();
      return Response.json({ bodyUsed: r.bodyUsed, chunk: [...chunk.value], afterRead: await attempt(() => r.text()) });
    }
    return new Response("not found", { status: 404 });
  },
};

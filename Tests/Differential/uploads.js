/*---
{
  "requires": ["streams"],
  "requests": [
    {"method": "POST", "path": "/read-stream", "bodyRepeat": {"text": "stream me ", "count": 300000}},
    {"method": "POST", "path": "/echo", "headers": [["content-type", "application/x-upload"]], "bodyRepeat": {"text": "echo \u00e9 ", "count": 400000}},
    {"method": "POST", "path": "/echo", "body": "small"},
    {"method": "POST", "path": "/transform-upload", "body": "make this loud"},
    {"method": "POST", "path": "/tee-upload", "bodyRepeat": {"text": "0123456789", "count": 100000}},
    {"method": "POST", "path": "/locked", "body": "locked body"}
  ]
}
---*/
// request.body as a stream: read with a reader (bytes and checksum, not chunk boundaries, which
// are the server's business), echoed straight back, piped through a transform, teed, and a body
// locked by a reader that the worker then tries to read again.
function checksum(bytes, state = { a: 1, b: 0 }) {
  for (let i = 0; i < bytes.length; i++) { state.a = (state.a + bytes[i]) % 65521; state.b = (state.b + state.a) % 65521; }
  return state;
}
async function digest(stream) {
  const reader = stream.getReader();
  const state = { a: 1, b: 0 };
  let length = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return { length, checksum: state.b * 65536 + state.a, isBytes: true };
    if (!(value instanceof Uint8Array)) return { isBytes: false };
    length += value.length;
    checksum(value, state);
  }
}

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === "/read-stream") {
      return Response.json({ isStream: request.body instanceof ReadableStream, ...(await digest(request.body)), bodyUsed: request.bodyUsed });
    }
    if (pathname === "/echo") {
      return new Response(request.body, { headers: { "content-type": request.headers.get("content-type") ?? "none" } });
    }
    if (pathname === "/transform-upload") {
      const upper = new TransformStream({ transform(chunk, c) { c.enqueue(chunk.toUpperCase()); } });
      return new Response(request.body.pipeThrough(new TextDecoderStream()).pipeThrough(upper).pipeThrough(new TextEncoderStream()));
    }
    if (pathname === "/tee-upload") {
      const [a, b] = request.body.tee();
      const [x, y] = await Promise.all([digest(a), digest(b)]);
      return Response.json({ x, y });
    }
    if (pathname === "/locked") {
      const reader = request.body.getReader();
      let error = null;
      try { await request.text(); } catch (e) { error = e.constructor.name; }
      const { value } = await reader.read();
      return Response.json({ error, locked: request.body.locked, first: new TextDecoder().decode(value) });
    }
    return new Response("not found", { status: 404 });
  },
};

/*---
{
  "requests": [
    {"path": "/all-bytes"},
    {"path": "/typed-views"},
    {"method": "POST", "path": "/echo", "bodyBase64": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==", "headers": [["content-type", "application/octet-stream"]]},
    {"method": "POST", "path": "/text-of-binary", "bodyBase64": "/wDDqeKYg4A="},
    {"path": "/json-bodies"}
  ]
}
---*/
// Binary bodies: every byte value out, typed-array views with offsets, uploads echoed byte for
// byte, binary read as text (replacement characters), and JSON bodies of each shape.
export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === "/all-bytes") {
      const bytes = new Uint8Array(512);
      for (let i = 0; i < bytes.length; i++) bytes[i] = i & 0xff;
      return new Response(bytes, { headers: { "content-type": "application/octet-stream" } });
    }
    if (pathname === "/typed-views") {
      const buffer = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]).buffer;
      const parts = [new Uint8Array(buffer, 2, 3), new DataView(buffer, 7), new Int16Array(buffer, 4, 1), new Uint8Array(0)];
      const bodies = await Promise.all(parts.map((p) => new Response(p).arrayBuffer()));
      const joined = new Uint8Array(bodies.reduce((n, b) => n + b.byteLength, 0));
      let offset = 0;
      for (const b of bodies) { joined.set(new Uint8Array(b), offset); offset += b.byteLength; }
      return new Response(joined);
    }
    if (pathname === "/echo") {
      const body = await request.arrayBuffer();
      return new Response(body, { headers: { "content-type": request.headers.get("content-type"), "x-length": String(body.byteLength) } });
    }
    if (pathname === "/text-of-binary") {
      const text = await request.text();
      return new Response(text, { headers: { "x-code-units": String(text.length) } });
    }
    if (pathname === "/json-bodies") {
      const values = [0, -0, 1e21, "s", null, true, [], {}, { a: undefined, b: () => 1 }, new Date(0), [NaN, Infinity], "\u2028\u2029", "\uD800"];
      const out = [];
      for (const v of values) out.push(await Response.json(v).text());
      return new Response(out.join("\n"));
    }
    return new Response("not found", { status: 404 });
  },
};
